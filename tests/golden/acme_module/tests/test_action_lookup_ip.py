"""Test of LookupIP, written by kit.

kit had no recorded run of LookupIP: the configuration comes from the manifest's
schemas (kit.export(..., simulations=[sim]) writes a test that replays a stepped run).
Its data is in tests/data/recorded_action_lookup_ip.json. Edit both freely: kit does not
overwrite a test you changed.
"""

import json
from pathlib import Path

import requests_mock

from acme_alerts_modules import AcmeModule
from acme_alerts_modules.action_lookup_ip import LookupIP

RECORDING = json.loads((Path(__file__).parent / "data" / "recorded_action_lookup_ip.json").read_text())


def register_answers(http, answers):
    """Answer each (method, URL) with its recorded responses, in order (the last one repeats)."""
    responses = {}
    for answer in answers:
        response = {"status_code": answer.get("status", 200)}
        if "json" in answer:
            response["json"] = answer["json"]
        else:
            response["text"] = answer.get("body", "")
        responses.setdefault((answer["method"], answer["url"]), []).append(response)
    for (method, url), listed in responses.items():
        http.register_uri(method, url, listed)


def test_action_lookup_ip(tmp_path):
    module = AcmeModule()
    module.configuration = RECORDING["module_configuration"]
    action = LookupIP(module=module, data_path=tmp_path)

    with requests_mock.Mocker() as http:
        register_answers(http, RECORDING["http"])
        results = action.run(RECORDING["arguments"])

    assert action.error_message is None, action.error_message
    print(results)  # kit had no recorded results to compare with
