from acme_cloud.action_base import AcmeCloudAction
from acme_cloud.models import LookupArguments, LookupResults


class LookupIPAction(AcmeCloudAction):
    """Tell whether Acme Cloud knows an IP address."""

    name = "Lookup IP"
    description = "Tell whether Acme Cloud knows an IP address"
    results_model = LookupResults

    def run(self, arguments: LookupArguments) -> dict | None:
        data = self.get_json(f"/v1/ips/{arguments.ip}")
        if data is None:
            return None
        known = bool(data.get("known"))
        self.set_output("known" if known else "unknown")
        return {"ip": arguments.ip, "known": known, "reputation": data.get("reputation")}


class ListTagsAction(AcmeCloudAction):
    """An action that takes its arguments as a dict (no model): its manifest is written by hand."""

    name = "List tags"

    def run(self, arguments) -> dict | None:
        return self.get_json("/v1/tags", prefix=arguments.get("prefix", ""))
