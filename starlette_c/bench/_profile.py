"""Profile the requests of one path with cProfile or pyinstrument (imported only when asked for)."""

from __future__ import annotations

import cProfile
import importlib
import importlib.util
import io
import pstats
from collections.abc import Mapping
from typing import Any, Protocol

from starlette_c.bench._measure import ASGIApp, RequestSpec, send_request

PROFILERS = ("cprofile", "pyinstrument")
CPROFILE_TOP = 25


class ProfilerUnavailableError(RuntimeError):
    """The profiler asked for is not installed."""


class Profiler(Protocol):
    def start(self) -> None: ...

    def stop(self) -> str:
        """Stop profiling and return the report."""
        ...


class CProfiler:
    """cProfile, reported sorted by cumulative time, top entries only."""

    def __init__(self) -> None:
        self._profile = cProfile.Profile()

    def start(self) -> None:
        self._profile.enable()

    def stop(self) -> str:
        self._profile.disable()
        report = io.StringIO()
        pstats.Stats(self._profile, stream=report).sort_stats("cumulative").print_stats(CPROFILE_TOP)
        return report.getvalue()


class PyinstrumentProfiler:
    """pyinstrument's sampling profiler; started inside the event loop, it follows the awaits of the requests."""

    # NOTE: requests take microseconds: the default 1 ms interval would leave a few samples per thousand.
    INTERVAL = 0.0001

    def __init__(self) -> None:
        self._profiler = importlib.import_module("pyinstrument").Profiler(interval=self.INTERVAL)

    def start(self) -> None:
        self._profiler.start()

    def stop(self) -> str:
        self._profiler.stop()
        return str(self._profiler.output_text(unicode=True, color=False))


def ensure_available(kind: str) -> None:
    """Raise :class:`ProfilerUnavailableError` now rather than after the timings when ``kind`` cannot run."""
    if kind == "pyinstrument" and importlib.util.find_spec("pyinstrument") is None:
        raise ProfilerUnavailableError("--profile pyinstrument needs pyinstrument: pip install pyinstrument")


def make_profiler(kind: str) -> Profiler:
    if kind == "cprofile":
        return CProfiler()
    if kind == "pyinstrument":
        return PyinstrumentProfiler()
    raise ValueError(f"unknown profiler {kind!r}: choose one of {', '.join(PROFILERS)}")


async def profile_requests(
    kind: str, app: ASGIApp, spec: RequestSpec, *, number: int, state: Mapping[str, Any] | None = None
) -> str:
    """The ``kind`` profiler's report on ``number`` requests of ``spec``."""
    profiler = make_profiler(kind)
    profiler.start()
    try:
        for _ in range(number):
            await send_request(app, spec, state)
    finally:
        report = profiler.stop()
    return report
