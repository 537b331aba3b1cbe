from __future__ import annotations

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
