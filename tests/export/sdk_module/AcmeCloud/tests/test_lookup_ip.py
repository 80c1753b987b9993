import requests_mock

from acme_cloud import AcmeCloudModule
from acme_cloud.action_lookup_ip import LookupIPAction


def test_lookup_known_ip(data_storage):
    module = AcmeCloudModule()
    action = LookupIPAction(module=module, data_path=data_storage)
    action.module.configuration = {"base_url": "https://api.acme-cloud.test", "api_key": "key"}
    with requests_mock.Mocker() as mock:
        mock.get("https://api.acme-cloud.test/v1/ips/1.2.3.4", json={"known": True, "reputation": 10})
        results = action.run({"ip": "1.2.3.4"})
    assert results == {"ip": "1.2.3.4", "known": True, "reputation": 10}
