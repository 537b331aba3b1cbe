"""The measurement core: drive an ASGI app in-process and count what one request costs.

Stdlib only, so that the instruction-count worker also runs under a peer framework's interpreter
that has no starlette_c installed (it is reached through ``PYTHONPATH``).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]
LoopFactory = Callable[[], asyncio.AbstractEventLoop]

T = TypeVar("T")

ASGI_VERSIONS = {"version": "3.0", "spec_version": "2.4"}
DEFAULT_HOST = b"127.0.0.1:8000"
CLIENT = ("127.0.0.1", 50000)
SERVER = ("127.0.0.1", 8000)
# The characters a server leaves unescaped in ``raw_path`` (RFC 3986 pchar plus "/").
PATH_SAFE = "/:@!$&'()*+,;=-._~"


@dataclass(frozen=True)
class RequestSpec:
    """One request to replay: ``path`` is the decoded path (ASGI ``path``), ``query`` the raw query string."""

    method: str = "GET"
    path: str = "/"
    query: bytes = b""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes = b""

    # PERF: the scope is built once per spec; every request copies it instead of rebuilding or looking it up.
    scope_template: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # NOTE: headers given as lists (as ASGI servers send them) become tuples, so that specs stay hashable.
        object.__setattr__(self, "headers", tuple((name, value) for name, value in self.headers))
        object.__setattr__(self, "scope_template", build_scope(self))


# PERF: not frozen: a frozen dataclass's __init__ costs three times as much, in every call_app.
@dataclass
class Response:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass(frozen=True)
class Timing:
    """Seconds per request; each sample is one repeat's total divided by its number of requests."""

    median: float
    minimum: float
    maximum: float
    stdev: float
    samples: list[float]

    @classmethod
    def from_samples(cls, samples: list[float]) -> Timing:
        stdev = statistics.stdev(samples) if len(samples) > 1 else 0.0
        return cls(statistics.median(samples), min(samples), max(samples), stdev, samples)


class AppLoadError(ValueError):
    """The ``module:attribute`` reference does not name an importable ASGI app."""


class ValgrindNotFoundError(RuntimeError):
    """``valgrind`` is not on ``PATH``."""


class CallgrindError(RuntimeError):
    """A callgrind run of the worker failed or left no instruction total."""


def build_scope(spec: RequestSpec) -> dict[str, Any]:
    """A complete ASGI 3 HTTP scope for ``spec``, as a server listening on 127.0.0.1:8000 would build it."""
    names = {name.lower() for name, _ in spec.headers}
    headers = list(spec.headers)
    if b"host" not in names:
        headers.insert(0, (b"host", DEFAULT_HOST))
    # NOTE: a client sending a body sends its length; apps may read it before the body.
    if spec.body and not names & {b"content-length", b"transfer-encoding"}:
        headers.append((b"content-length", str(len(spec.body)).encode("ascii")))
    return {
        "type": "http",
        "asgi": dict(ASGI_VERSIONS),
        "http_version": "1.1",
        "method": spec.method,
        "scheme": "http",
        "path": spec.path,
        "raw_path": quote(spec.path, safe=PATH_SAFE).encode("ascii"),
        "query_string": spec.query,
        "root_path": "",
        "headers": headers,
        "client": CLIENT,
        "server": SERVER,
        "state": {},
    }


async def send_request(
    app: ASGIApp, spec: RequestSpec, state: Mapping[str, Any] | None = None
) -> tuple[Message, list[bytes]]:
    """Send one request through ``app``: its ``http.response.start`` message and body chunks, as sent.

    Each call gets a fresh shallow copy of the scope and of its headers list, and a fresh ``state``
    (a copy of the lifespan ``state`` when given, as servers do). ``receive`` yields the whole body in
    one ``http.request`` message, then ``http.disconnect``.
    """
    template = spec.scope_template
    scope = template.copy()
    scope["headers"] = template["headers"].copy()
    scope["state"] = {} if state is None else dict(state)
    body_sent = False
    start: Message | None = None
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal body_sent
        if body_sent:
            return {"type": "http.disconnect"}
        body_sent = True
        return {"type": "http.request", "body": spec.body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal start
        kind = message["type"]
        if kind == "http.response.body":
            chunks.append(message.get("body", b""))
        elif kind == "http.response.start":
            start = message

    await app(scope, receive, send)
    if start is None:
        raise RuntimeError(f"{spec.method} {spec.path}: the app returned without starting a response")
    return start, chunks


async def call_app(app: ASGIApp, spec: RequestSpec, *, state: Mapping[str, Any] | None = None) -> Response:
    """Send one request through ``app`` (see :func:`send_request`) and assemble its response."""
    start, chunks = await send_request(app, spec, state)
    headers = [(name, value) for name, value in start.get("headers", ())]
    return Response(start["status"], headers, b"".join(chunks))


async def time_requests(
    app: ASGIApp,
    spec: RequestSpec,
    *,
    number: int = 1000,
    repeats: int = 15,
    warmup: int = 200,
    state: Mapping[str, Any] | None = None,
) -> Timing:
    """The awaitable core of :func:`time_app`, for callers that already run a loop (and a lifespan)."""
    if number < 1 or repeats < 1 or warmup < 0:
        raise ValueError(f"need number >= 1, repeats >= 1, warmup >= 0 (got {number}, {repeats}, {warmup})")
    # PERF: the loops call send_request, not call_app: assembling a Response would be timed too.
    for _ in range(warmup):
        await send_request(app, spec, state)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter_ns()
        for _ in range(number):
            await send_request(app, spec, state)
        samples.append((time.perf_counter_ns() - started) / number / 1e9)
    return Timing.from_samples(samples)


def run_in_loop(main: Coroutine[Any, Any, T], loop_factory: LoopFactory | None = None) -> T:
    """Run ``main`` to completion in a new event loop (``asyncio.new_event_loop`` unless a factory is given)."""
    loop = (loop_factory or asyncio.new_event_loop)()
    try:
        return loop.run_until_complete(main)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


def time_app(
    app: ASGIApp,
    spec: RequestSpec,
    *,
    number: int = 1000,
    repeats: int = 15,
    warmup: int = 200,
    loop_factory: LoopFactory | None = None,
) -> Timing:
    """Seconds per request of ``app`` answering ``spec``: ``warmup`` requests, then ``repeats`` timed runs of
    ``number`` requests, all awaited in one event loop run, with the garbage collector on as in production.

    ``loop_factory=uvloop.new_event_loop`` times under uvloop.
    """
    timing = time_requests(app, spec, number=number, repeats=repeats, warmup=warmup)
    return run_in_loop(timing, loop_factory)


def load_app(app_ref: str, app_dir: str | None = ".") -> ASGIApp:
    """Import ``module:attribute`` (the attribute may be dotted), with ``app_dir`` first on ``sys.path``
    as uvicorn's ``--app-dir`` does (default: the current directory)."""
    module_name, _, attribute = app_ref.partition(":")
    if not module_name or not attribute:
        raise AppLoadError(f"app reference {app_ref!r} must look like 'module:attribute', e.g. 'main:app'")
    if app_dir is not None:
        directory = os.path.abspath(app_dir)
        if directory not in sys.path:
            sys.path.insert(0, directory)
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise AppLoadError(f"could not import module {module_name!r}: {exc}") from exc
    for name in attribute.split("."):
        try:
            target = getattr(target, name)
        except AttributeError:
            raise AppLoadError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if not callable(target):
        raise AppLoadError(f"{app_ref!r} is a {type(target).__name__}, not an ASGI app")
    return target  # type: ignore[no-any-return]


def spec_to_json(spec: RequestSpec) -> str:
    """``spec`` as a JSON string (bytes as latin-1 text), for the worker's command line."""
    return json.dumps(
        {
            "method": spec.method,
            "path": spec.path,
            "query": spec.query.decode("latin-1"),
            "headers": [[name.decode("latin-1"), value.decode("latin-1")] for name, value in spec.headers],
            "body": spec.body.decode("latin-1"),
        }
    )


def spec_from_json(text: str) -> RequestSpec:
    data = json.loads(text)
    return RequestSpec(
        method=data["method"],
        path=data["path"],
        query=data["query"].encode("latin-1"),
        headers=tuple((name.encode("latin-1"), value.encode("latin-1")) for name, value in data["headers"]),
        body=data["body"].encode("latin-1"),
    )


def read_callgrind_total(path: str | os.PathLike[str]) -> int:
    """The instructions executed (``Ir``) from a callgrind output file's last ``totals:``/``summary:`` line."""
    events = ["Ir"]
    total: int | None = None
    try:
        with open(path, encoding="utf-8") as file:
            for line in file:
                key, _, values = line.partition(":")
                if key == "events":
                    events = values.split()
                elif key in ("totals", "summary"):
                    total = int(values.split()[events.index("Ir")])
    except FileNotFoundError:
        raise CallgrindError(f"callgrind wrote no {os.fspath(path)}") from None
    if total is None:
        raise CallgrindError(f"{os.fspath(path)} has no 'totals:' or 'summary:' line")
    return total


def instructions_per_request(
    app_ref: str,
    spec: RequestSpec,
    *,
    python: str = sys.executable,
    small: int = 100,
    large: int = 1100,
    env: Mapping[str, str] | None = None,
    extra_sys_path: Sequence[str] = (),
) -> int:
    """Instructions (callgrind ``Ir``) one request of ``app_ref`` costs under ``python``.

    Runs the worker under ``valgrind --tool=callgrind`` twice, issuing ``small`` then ``large`` requests
    after the same start-up and warm-up, and divides the difference, so start-up cancels out.
    ``env`` adds to (or overrides) this process's environment; ``extra_sys_path`` goes on ``PYTHONPATH``
    (the app's directory, when it is not the current one).
    """
    if not 0 <= small < large:
        raise ValueError(f"need 0 <= small < large (got {small}, {large})")
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise ValgrindNotFoundError(
            "valgrind is not on PATH: instructions per request are counted with `valgrind --tool=callgrind` "
            "(Debian/Ubuntu: apt-get install valgrind)"
        )
    with tempfile.TemporaryDirectory(prefix="starlette_c-ir-") as workdir:
        # NOTE: only this package goes on the worker's PYTHONPATH, never the directory it is installed
        # in: that may be a site-packages whose other packages would shadow the peer interpreter's own.
        os.symlink(Path(__file__).resolve().parent.parent, os.path.join(workdir, "starlette_c"))
        run_env = {**os.environ, **(env or {})}
        inherited = [run_env["PYTHONPATH"]] if run_env.get("PYTHONPATH") else []
        run_env["PYTHONPATH"] = os.pathsep.join([workdir, *extra_sys_path, *inherited])
        # NOTE: the same hash seed in both runs keeps dict and set layouts, hence their costs, equal.
        run_env.setdefault("PYTHONHASHSEED", "0")
        # PERF: the two runs are independent: they run side by side (instruction counts do not depend on it).
        runs = [_start_callgrind(valgrind, python, app_ref, spec, count, workdir, run_env) for count in (small, large)]
        for process, _, _ in runs:
            process.wait()
        totals = [_callgrind_total(app_ref, *run) for run in runs]
    return round((totals[1] - totals[0]) / (large - small))


def _start_callgrind(
    valgrind: str, python: str, app_ref: str, spec: RequestSpec, requests: int, workdir: str, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str, str]:
    """Start the worker under callgrind; its stderr goes to a file, so neither run can block on a full pipe."""
    out_file = os.path.join(workdir, f"callgrind.{requests}.out")
    log_file = os.path.join(workdir, f"stderr.{requests}.log")
    command = [valgrind, "--tool=callgrind", f"--callgrind-out-file={out_file}", python, "-m"]
    command += ["starlette_c.bench._ir_worker", app_ref, "--requests", str(requests), "--spec", spec_to_json(spec)]
    with open(log_file, "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
    return process, out_file, log_file


def _callgrind_total(app_ref: str, process: subprocess.Popen[bytes], out_file: str, log_file: str) -> int:
    if process.returncode != 0:
        with open(log_file, encoding="utf-8", errors="replace") as log:
            stderr = log.read()[-4000:]
        raise CallgrindError(f"the callgrind run of {app_ref} exited with {process.returncode}:\n{stderr}")
    return read_callgrind_total(out_file)


def peak_rss_kib() -> int:
    """This process's peak resident set size in KiB (POSIX only)."""
    import resource  # NOTE: imported here so the module still imports on Windows, which has no `resource`.

    return maxrss_kib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, sys.platform)


def maxrss_kib(ru_maxrss: int, platform: str) -> int:
    """``ru_maxrss`` in KiB: macOS reports bytes, Linux and the BSDs kibibytes."""
    return ru_maxrss // 1024 if platform == "darwin" else ru_maxrss
