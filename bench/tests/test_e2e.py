from __future__ import annotations

from pathlib import Path

import e2e
import pytest
from scenarios import select_scenarios

WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:8000/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.11ms  310.00us   6.00ms   90.00%
    Req/Sec    15.20k     1.00k   16.00k    80.00%
  30400 requests in 2.00s, 4.00MB read
{extra}Requests/sec:  15199.53
Transfer/sec:      2.00MB
"""


def test_parse_wrk_reads_rate_and_no_errors() -> None:
    assert e2e.parse_wrk(WRK_OUTPUT.format(extra="")) == (15199.53, 0, 0)


def test_parse_wrk_adds_up_socket_errors_and_counts_bad_statuses() -> None:
    extra = "  Socket errors: connect 1, read 2, write 3, timeout 4\n  Non-2xx or 3xx responses: 30400\n"
    assert e2e.parse_wrk(WRK_OUTPUT.format(extra=extra)) == (15199.53, 10, 30400)


def test_parse_wrk_without_a_rate_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="no Requests/sec"):
        e2e.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_wrk_script_sends_method_headers_and_body_but_lets_wrk_count_the_length() -> None:
    script = e2e.wrk_script(select_scenarios(["POST json echo"])[0])
    assert script.startswith('wrk.method = "POST"\nwrk.headers["content-type"] = "application/json"\nwrk.body = "{')
    assert "content-length" not in script


def test_wrk_script_of_a_plain_get() -> None:
    assert e2e.wrk_script(select_scenarios(["plaintext"])[0]) == 'wrk.method = "GET"\n'


def test_lua_string_escapes_quotes_and_backslashes() -> None:
    assert e2e.lua_string('a"b\\c') == '"a\\"b\\\\c"'


def test_lua_string_escapes_line_breaks() -> None:
    assert e2e.lua_string("a\r\nb") == '"a\\r\\nb"'


def test_wrk_script_of_a_varying_path_requests_the_next_path_each_time() -> None:
    script = e2e.wrk_script(select_scenarios(["FastAPI route 51/100"])[0])
    assert 'return wrk.format(nil, "/r50/items/" .. (counter % 4096) .. "")' in script
    assert "counter = counter + 1" in script


def test_wrk_script_of_a_multipart_upload_carries_its_body_on_one_line() -> None:
    script = e2e.wrk_script(select_scenarios(["multipart 1 MiB + 10 fields"])[0])
    body_line = next(line for line in script.splitlines() if line.startswith("wrk.body = "))
    assert body_line.startswith(
        'wrk.body = "--bench-boundary-7d1f3c\\r\\nContent-Disposition: form-data; name=\\"field0\\"'
    )
    assert len(body_line) > 1 << 20


def test_server_commands_serve_one_worker_on_uvloop_without_access_log() -> None:
    python = Path("/venv/bin/python")
    uvicorn = e2e.server_command("uvicorn", python, "apps.raw_app:app", 8123)
    assert uvicorn[:4] == ["/venv/bin/python", "-m", "uvicorn", "apps.raw_app:app"]
    assert {"httptools", "uvloop", "--no-access-log", "8123"} <= set(uvicorn)
    granian = e2e.server_command("granian", python, "apps.raw_app:app", 8123)
    assert granian[:3] == ["/venv/bin/python", "-m", "granian"] and granian[-1] == "apps.raw_app:app"
    assert granian[granian.index("--interface") + 1] == "asgi" and granian[granian.index("--workers") + 1] == "1"
    assert granian[granian.index("--loop") + 1] == "uvloop"
    with pytest.raises(ValueError, match="unknown server 'hypercorn'"):
        e2e.server_command("hypercorn", python, "apps.raw_app:app", 8123)


def test_cpu_split_gives_server_and_wrk_a_cpu_each() -> None:
    assert e2e.cpu_split({3, 1, 2}) == ({1}, {2})
    assert e2e.cpu_split({0, 1}) == ({0}, {1})


def test_cpu_split_is_none_on_one_cpu() -> None:
    assert e2e.cpu_split({5}) is None
