from pydantic import BaseModel, Field
from sekoia_automation.action import Action


class LookupArguments(BaseModel):
    ip: str = Field(description="The IP address to look up")


class LookupResults(BaseModel):
    ip: str
    known: bool


class LookupIP(Action):
    """Look up an IP address."""

    name = "Lookup IP"
    description = "Tell whether Acme knows an IP address"
    results_model = LookupResults
    output_branches = {"known": "Acme knows the IP", "unknown": "Acme does not know the IP"}

    def run(self, arguments: LookupArguments) -> dict:
        known = arguments.ip.startswith("10.")
        self.set_output("known" if known else "unknown")
        return {"ip": arguments.ip, "known": known}
