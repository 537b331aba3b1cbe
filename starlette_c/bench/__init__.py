"""Measure and profile an ASGI app in-process: ``python -m starlette_c.bench --app module:app --path /``.

Stdlib only at import time. The measurement core lives in :mod:`starlette_c.bench._measure`; its
public names are re-exported here.
"""

from __future__ import annotations

from starlette_c.bench._measure import (
    RequestSpec,
    Response,
    Timing,
    build_scope,
    call_app,
    instructions_per_request,
    load_app,
    peak_rss_kib,
    time_app,
)

__all__ = [
    "RequestSpec",
    "Response",
    "Timing",
    "build_scope",
    "call_app",
    "instructions_per_request",
    "load_app",
    "peak_rss_kib",
    "time_app",
]
