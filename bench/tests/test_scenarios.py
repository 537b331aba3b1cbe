from __future__ import annotations

import json

import pytest
import scenarios
from scenarios import SCENARIOS, Scenario, echo_payload, select_scenarios


def test_echo_payload_is_one_kib_of_json_object() -> None:
    payload = echo_payload()
    assert len(payload) == 1024
    assert isinstance(json.loads(payload), dict)


def test_scenario_names_are_unique_and_route_tables_target_their_last_route() -> None:
    names = [scenario.name for scenario in SCENARIOS]
    assert len(names) == len(set(names))
    table = select_scenarios(["1000 routes"])[0]
    assert (table.app_attr, table.path, table.variants) == ("routes_1000", "/r999/items/{n}", 4096)
    assert table.variant(7).path == "/r999/items/7"


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("100 routes, first", "/r0/items/{n}"),
        ("100 routes, middle", "/r50/items/{n}"),
        ("1000 routes, middle", "/r500/items/{n}"),
        ("FastAPI route 1/100", "/r0/items/{n}"),
        ("FastAPI route 51/100", "/r50/items/{n}"),
        ("FastAPI route 100/100", "/r99/items/{n}"),
        ("FastAPI 404", "/missing/{n}"),
    ],
)
def test_route_tables_are_requested_at_several_positions_with_varying_paths(name: str, path: str) -> None:
    scenario = select_scenarios([name])[0]
    assert scenario.path == path
    # More distinct paths than a per-path cache (512 entries in the pure URL parsing) would hold.
    assert scenario.variants > 512
    assert len({scenario.variant(n).path for n in range(scenario.variants)}) == scenario.variants


def test_a_variant_fills_path_content_and_json() -> None:
    text = Scenario("t", "app", "/a/{n}", content=b"n={n}", variants=3)
    assert (text.variant(2).path, text.variant(2).content, text.variant(2).variants) == ("/a/2", b"n=2", 0)
    data = Scenario("j", "app", "/b/{n}", json_content={"id": "{n}", "k": "v"}, variants=3)
    assert data.variant(1).json_content == {"id": 1, "k": "v"}
    fixed = select_scenarios(["json"])[0]
    assert fixed.variant(5) is fixed


def test_the_feature_scenarios_carry_their_payloads() -> None:
    file, stream, websocket, upload, body = select_scenarios(
        [
            "FileResponse 1 MiB",
            "stream 1,000 chunks",
            "websocket echo 100",
            "multipart 1 MiB + 10 fields",
            "body read 1 MiB",
        ]
    )
    assert file.content == scenarios.mebibyte() and len(file.content) == 1 << 20
    assert stream.content is not None and len(stream.content) == 1000 * len(scenarios.STREAM_CHUNK)
    assert websocket.websocket and len(websocket.messages) == 100 and websocket.status == 101
    assert not file.websocket
    assert len(body.body) == 1 << 20 and body.content == b"1048576"
    assert upload.json_content == {
        "fields": {f"field{i}": f"value{i}" for i in range(10)},
        "file": "upload.bin",
        "size": 1 << 20,
    }


def test_multipart_body_is_well_formed() -> None:
    body = scenarios.multipart_body()
    boundary = scenarios.MULTIPART_BOUNDARY.encode()
    parts = body.split(b"--" + boundary)
    assert parts[0] == b"" and parts[-1] == b"--\r\n"
    assert len(parts[1:-1]) == 11
    assert parts[1] == b'\r\nContent-Disposition: form-data; name="field0"\r\n\r\nvalue0\r\n'
    head, _, data = parts[-2].partition(b"\r\n\r\n")
    assert b'filename="upload.bin"' in head and data == scenarios.mebibyte() + b"\r\n"


def test_bench_file_is_written_once_with_the_mebibyte(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenarios.tempfile, "gettempdir", lambda: str(tmp_path))
    path = scenarios.bench_file()
    with open(path, "rb") as file:
        assert file.read() == scenarios.mebibyte()
    with open(path, "wb") as file:
        file.write(b"short")
    assert scenarios.bench_file() == path
    with open(path, "rb") as file:
        assert file.read() == scenarios.mebibyte()


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
