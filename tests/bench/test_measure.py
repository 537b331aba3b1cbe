from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import starlette_c
from starlette_c.bench._measure import (
    AppLoadError,
    CallgrindError,
    RequestSpec,
    Response,
    Timing,
    ValgrindNotFoundError,
    build_scope,
    call_app,
    instructions_per_request,
    load_app,
    maxrss_kib,
    peak_rss_kib,
    read_callgrind_total,
    run_in_loop,
    send_request,
    spec_from_json,
    spec_to_json,
    time_app,
    time_requests,
)
from starlette_c.types import Message, Receive, Scope, Send
from tests.bench import apps, raw_apps
from tests.bench.conftest import REPO, posix_only


def echo(spec: RequestSpec, **kwargs: Any) -> dict[str, Any]:
    response = run_in_loop(call_app(apps.app, spec, **kwargs))
    assert response.status == 200
    return json.loads(response.body)  # type: ignore[no-any-return]


class TestBuildScope:
    def test_a_complete_http_scope(self) -> None:
        spec = RequestSpec(method="PUT", path="/a b/é", query=b"x=1", headers=((b"accept", b"*/*"),))
        assert spec.scope_template == build_scope(spec)
        assert build_scope(spec) == {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "PUT",
            "scheme": "http",
            "path": "/a b/é",
            "raw_path": b"/a%20b/%C3%A9",
            "query_string": b"x=1",
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"*/*")],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }

    def test_headers_given_as_lists_are_stored_as_tuples(self) -> None:
        spec = RequestSpec(headers=[[b"accept", b"*/*"]])  # type: ignore[arg-type]
        assert spec.headers == ((b"accept", b"*/*"),)
        assert hash(spec) == hash(RequestSpec(headers=((b"accept", b"*/*"),)))

    def test_a_given_host_header_is_kept(self) -> None:
        scope = build_scope(RequestSpec(headers=((b"Host", b"example.org"),)))
        assert scope["headers"] == [(b"Host", b"example.org")]

    def test_a_body_gets_its_length_unless_framed_already(self) -> None:
        assert build_scope(RequestSpec(body=b"abc"))["headers"][1:] == [(b"content-length", b"3")]
        chunked = ((b"transfer-encoding", b"chunked"),)
        assert build_scope(RequestSpec(body=b"abc", headers=chunked))["headers"][1:] == list(chunked)
        sized = ((b"content-length", b"3"),)
        assert build_scope(RequestSpec(body=b"abc", headers=sized))["headers"][1:] == list(sized)


class TestCallApp:
    def test_the_app_sees_the_request(self) -> None:
        spec = RequestSpec(method="POST", path="/echo", query=b"a=1&b=2", headers=((b"x-k", b"v"),), body=b"payload")
        seen = echo(spec)
        assert seen == {
            "method": "POST",
            "path": "/echo",
            "raw_path": "/echo",
            "query": "a=1&b=2",
            "headers": [["host", "127.0.0.1:8000"], ["x-k", "v"], ["content-length", "7"]],
            "body": "payload",
            "client": ["127.0.0.1", 50000],
            "server": ["127.0.0.1", 8000],
            "url": "http://127.0.0.1:8000/echo?a=1&b=2",
        }

    def test_collects_status_headers_and_body(self) -> None:
        response = run_in_loop(call_app(apps.app, RequestSpec()))
        assert response == Response(
            200, [(b"content-length", b"5"), (b"content-type", b"text/plain; charset=utf-8")], b"hello"
        )
        assert run_in_loop(call_app(apps.app, RequestSpec(path="/nowhere"))).status == 404

    def test_send_request_returns_what_the_app_sent(self) -> None:
        start, chunks = run_in_loop(send_request(apps.app, RequestSpec()))
        assert start == {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"5"), (b"content-type", b"text/plain; charset=utf-8")],
        }
        assert chunks == [b"hello"]

    def test_headers_sent_as_lists_come_back_as_tuples(self) -> None:
        response = run_in_loop(call_app(raw_apps.http_only_app, RequestSpec()))
        assert response == Response(204, [(b"x-list", b"header")], b"")

    def test_every_call_gets_its_own_scope_headers_and_state(self) -> None:
        scopes: list[Scope] = []

        async def mutating_app(scope: Scope, receive: Receive, send: Send) -> None:
            scopes.append(scope)
            assert scope["headers"] == [(b"host", b"127.0.0.1:8000")]
            assert scope["state"] == {"shared": 1}
            scope["headers"].append((b"x-added", b"1"))
            scope["state"]["added"] = True
            scope["path"] = "/changed"
            await send({"type": "http.response.start", "status": 200})

        shared = {"shared": 1}
        spec = RequestSpec()

        async def twice() -> None:
            for _ in range(2):
                await call_app(mutating_app, spec, state=shared)

        run_in_loop(twice())
        assert scopes[0] is not scopes[1]
        assert shared == {"shared": 1}
        assert spec.scope_template == build_scope(spec)  # untouched by the app

    def test_receive_gives_the_body_once_then_disconnect(self) -> None:
        received: list[Message] = []

        async def reading_app(scope: Scope, receive: Receive, send: Send) -> None:
            received.extend([await receive(), await receive(), await receive()])
            await send({"type": "http.response.start", "status": 200})
            await send({"type": "http.response.body", "body": b"a", "more_body": True})
            await send({"type": "http.response.body", "body": b"b"})

        response = run_in_loop(call_app(reading_app, RequestSpec(body=b"xyz")))
        assert received == [
            {"type": "http.request", "body": b"xyz", "more_body": False},
            {"type": "http.disconnect"},
            {"type": "http.disconnect"},
        ]
        assert (response.status, response.headers, response.body) == (200, [], b"ab")

    def test_state_defaults_to_empty_and_copies_the_given_one(self) -> None:
        with pytest.raises(AttributeError):
            echo(RequestSpec(path="/state"))
        lifespan_state = {"greeting": "hi"}
        assert echo(RequestSpec(path="/state"), state=lifespan_state) == {
            "greeting": "hi",
            "keys": ["greeting", "seen"],
        }
        assert lifespan_state == {"greeting": "hi"}

    def test_an_app_that_never_answers_is_an_error(self) -> None:
        with pytest.raises(RuntimeError, match=r"GET /: the app returned without starting a response"):
            run_in_loop(call_app(raw_apps.silent_app, RequestSpec()))


class TestTiming:
    def test_from_samples(self) -> None:
        timing = Timing.from_samples([3.0, 1.0, 2.0, 6.0])
        assert (timing.median, timing.minimum, timing.maximum) == (2.5, 1.0, 6.0)
        assert timing.stdev == pytest.approx(2.1602, abs=1e-4)
        assert timing.samples == [3.0, 1.0, 2.0, 6.0]
        assert Timing.from_samples([4.0]) == Timing(4.0, 4.0, 4.0, 0.0, [4.0])

    def test_time_app_counts_every_request(self) -> None:
        calls: list[int] = []

        async def counting_app(scope: Scope, receive: Receive, send: Send) -> None:
            calls.append(1)
            await send({"type": "http.response.start", "status": 200})

        timing = time_app(counting_app, RequestSpec(), number=7, repeats=3, warmup=5)
        assert len(calls) == 5 + 7 * 3
        assert len(timing.samples) == 3
        assert 0 < timing.minimum <= timing.median <= timing.maximum < 0.1

    def test_time_app_runs_everything_in_one_loop_from_the_factory(self) -> None:
        loops: list[asyncio.AbstractEventLoop] = []
        made: list[asyncio.AbstractEventLoop] = []

        def factory() -> asyncio.AbstractEventLoop:
            made.append(asyncio.new_event_loop())
            return made[-1]

        async def loop_recording_app(scope: Scope, receive: Receive, send: Send) -> None:
            loops.append(asyncio.get_running_loop())
            await send({"type": "http.response.start", "status": 200})

        time_app(loop_recording_app, RequestSpec(), number=2, repeats=2, warmup=1, loop_factory=factory)
        assert len(made) == 1 and set(loops) == set(made)
        assert made[0].is_closed()

    def test_time_app_under_uvloop(self) -> None:
        uvloop = pytest.importorskip("uvloop", reason="uvloop is not available on this platform")
        loop_types: set[type] = set()

        async def loop_recording_app(scope: Scope, receive: Receive, send: Send) -> None:
            loop_types.add(type(asyncio.get_running_loop()))
            await send({"type": "http.response.start", "status": 200})

        time_app(loop_recording_app, RequestSpec(), number=2, repeats=1, warmup=0, loop_factory=uvloop.new_event_loop)
        assert loop_types == {uvloop.Loop}

    def test_time_app_on_a_starlette_app(self) -> None:
        timing = time_app(apps.app, RequestSpec(), number=20, repeats=2, warmup=0)
        assert timing.median > 0

    @pytest.mark.parametrize("counts", [(0, 1, 0), (1, 0, 0), (1, 1, -1)])
    def test_bad_counts(self, counts: tuple[int, int, int]) -> None:
        number, repeats, warmup = counts
        with pytest.raises(ValueError, match="need number >= 1"):
            run_in_loop(time_requests(apps.app, RequestSpec(), number=number, repeats=repeats, warmup=warmup))


class TestLoadApp:
    def test_module_and_dotted_attribute(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        (tmp_path / "bench_target_app.py").write_text("class holder:\n    from tests.bench.apps import app\n")
        monkeypatch.setattr(sys, "path", list(sys.path))
        assert load_app("bench_target_app:holder.app", str(tmp_path)) is apps.app
        assert sys.path[0] == str(tmp_path)
        load_app("bench_target_app:holder.app", str(tmp_path))
        assert sys.path.count(str(tmp_path)) == 1

    def test_without_app_dir(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(sys, "path", list(sys.path))
        before = list(sys.path)
        assert load_app("tests.bench.apps:app", None) is apps.app
        assert sys.path == before

    @pytest.mark.parametrize(
        ("ref", "message"),
        [
            ("tests.bench.apps", "'tests.bench.apps' must look like 'module:attribute'"),
            (":app", "must look like 'module:attribute'"),
            ("no_such_module_here:app", "could not import module 'no_such_module_here': No module named"),
            ("tests.bench.apps:missing", "module 'tests.bench.apps' has no attribute 'missing'"),
            ("tests.bench.apps:app.nope", "module 'tests.bench.apps' has no attribute 'app.nope'"),
            ("tests.bench.raw_apps:not_an_app", "'tests.bench.raw_apps:not_an_app' is a int, not an ASGI app"),
        ],
    )
    def test_errors(self, ref: str, message: str) -> None:
        with pytest.raises(AppLoadError, match=message.replace(".", r"\.").replace("(", r"\(")):
            load_app(ref)


class TestWorkerProtocol:
    def test_spec_round_trips_through_json(self) -> None:
        spec = RequestSpec("POST", "/é", b"q=\xff", ((b"x-bin", b"\x80\x00"),), b"\x00\xffbody")
        text = spec_to_json(spec)
        assert json.loads(text)["query"] == "q=\xff"
        assert spec_from_json(text) == spec

    def test_read_callgrind_total(self, tmp_path: Path) -> None:
        out = tmp_path / "callgrind.out"
        out.write_text("version: 1\nevents: Ir\nsummary: 100\nfn=x\n0 5\ntotals: 123\n")
        assert read_callgrind_total(out) == 123
        out.write_text("events: Dr Ir\nsummary: 7 42\n")
        assert read_callgrind_total(out) == 42
        out.write_text("events: Ir\n")
        with pytest.raises(CallgrindError, match="has no 'totals:' or 'summary:' line"):
            read_callgrind_total(out)
        with pytest.raises(CallgrindError, match="callgrind wrote no .*missing.out"):
            read_callgrind_total(tmp_path / "missing.out")


@posix_only
class TestInstructionsPerRequest:
    def test_difference_of_two_runs(self, fake_valgrind: Path, tmp_path: Path) -> None:
        spec = RequestSpec(path="/state")
        ir = instructions_per_request(
            "tests.bench.apps:app", spec, small=2, large=5, env={"MARK": "given"}, extra_sys_path=["/extra"]
        )
        assert ir == 37
        runs = [json.loads(line) for line in fake_valgrind.read_text().splitlines()]
        assert sorted(run["command"][run["command"].index("--requests") + 1] for run in runs) == ["2", "5"]
        for run in runs:
            assert run["options"][0] == "--tool=callgrind"
            assert run["command"][:3] == [sys.executable, "-m", "starlette_c.bench._ir_worker"]
            assert spec_from_json(run["command"][run["command"].index("--spec") + 1]) == spec
            workdir, extra, inherited = run["PYTHONPATH"].split(os.pathsep)
            assert (extra, inherited) == ("/extra", "/inherited")
            # Only the package is on the worker's path (beside the runs' own output and logs).
            assert [name for name in run["listing"] if not name.startswith(("callgrind.", "stderr."))] == [
                "starlette_c"
            ]
            assert run["package"] == str(Path(starlette_c.__file__).resolve().parent)
            assert (run["PYTHONHASHSEED"], run["MARK"]) == ("0", "given")
        assert not os.path.exists(workdir)

    def test_a_failing_worker(self, fake_valgrind: Path) -> None:
        with pytest.raises(CallgrindError, match=r"(?s)exited with 1:.*ZeroDivisionError: boom"):
            instructions_per_request("tests.bench.raw_apps:crashing_app", RequestSpec(), small=0, large=1)

    def test_no_totals(self, fake_valgrind: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("FAKE_VALGRIND_NO_TOTALS", "1")
        with pytest.raises(CallgrindError, match=r"callgrind wrote no .*callgrind\.0\.out"):
            instructions_per_request("tests.bench.raw_apps:http_only_app", RequestSpec(), small=0, large=1)

    def test_valgrind_missing(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("PATH", "")
        with pytest.raises(ValgrindNotFoundError, match="valgrind is not on PATH"):
            instructions_per_request("tests.bench.apps:app", RequestSpec())

    def test_bad_counts(self) -> None:
        with pytest.raises(ValueError, match="need 0 <= small < large"):
            instructions_per_request("tests.bench.apps:app", RequestSpec(), small=5, large=5)

    @pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind installed")
    def test_real_valgrind(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(REPO)
        ir = instructions_per_request("tests.bench.raw_apps:http_only_app", RequestSpec(), small=1, large=11)
        # A raw app's request, through call_app: thousands of instructions, far from the millions of start-up.
        assert 2_000 < ir < 200_000


@posix_only
def test_peak_rss_kib() -> None:
    before = peak_rss_kib()
    assert before > 1000
    grown = bytearray(64 * 1024 * 1024)
    grown[::4096] = b"\x01" * len(grown[::4096])
    assert peak_rss_kib() >= before
    assert peak_rss_kib() >= 64 * 1024


def test_maxrss_kib() -> None:
    assert maxrss_kib(2048, "darwin") == 2
    assert maxrss_kib(2048, "linux") == 2048
