from __future__ import annotations

import json

import pytest
from scenarios import SCENARIOS, Scenario, echo_payload, select_scenarios


def test_echo_payload_is_one_kib_of_json_object() -> None:
    payload = echo_payload()
    assert len(payload) == 1024
    assert isinstance(json.loads(payload), dict)


def test_scenario_names_are_unique_and_route_tables_target_their_last_route() -> None:
    names = [scenario.name for scenario in SCENARIOS]
    assert len(names) == len(set(names))
    table = select_scenarios(["1000 routes"])[0]
    assert (table.app_attr, table.path) == ("routes_1000", "/r999/items/7")


def test_select_scenarios_defaults_to_all_and_rejects_unknown_names() -> None:
    assert select_scenarios(None) == list(SCENARIOS)
    assert [s.name for s in select_scenarios(["404", "json"])] == ["404", "json"]
    with pytest.raises(SystemExit, match="nope"):
        select_scenarios(["nope"])


def test_url_path_appends_the_query() -> None:
    assert select_scenarios(["query + headers"])[0].url_path == "/query?a=1&b=2&c=3"
    assert select_scenarios(["json"])[0].url_path == "/json"


@pytest.mark.parametrize(
    ("status", "headers", "body", "problem"),
    [
        (200, [(b"x-seen", b"1")], b"ok", None),
        (201, [(b"x-seen", b"1")], b"ok", "status 201, expected 200"),
        (200, [(b"x-seen", b"1")], b"no", "body b'no', expected b'ok'"),
        (200, [], b"ok", "missing response header(s) ['x-seen']"),
    ],
)
def test_check_reports_the_first_difference(
    status: int, headers: list[tuple[bytes, bytes]], body: bytes, problem: str | None
) -> None:
    scenario = Scenario("s", "app", "/", content=b"ok", required_headers=(b"x-seen",))
    assert scenario.check(status, headers, body) == problem


def test_check_compares_json_as_data() -> None:
    scenario = Scenario("s", "app", "/", json_content={"a": 1, "b": [2]})
    assert scenario.check(200, [], b'{"b": [2], "a": 1}') is None
    assert scenario.check(200, [], b'{"a": 2, "b": [2]}') == "JSON {'a': 2, 'b': [2]}, expected {'a': 1, 'b': [2]}"
    assert scenario.check(200, [], b"<html>") == "body b'<html>' is not JSON"


def test_check_of_a_404_ignores_the_body() -> None:
    assert select_scenarios(["404"])[0].check(404, [], b"anything") is None
