"""The one place that decides, per twin, whether the compiled or the pure implementation is live.

``STARLETTE_C_PURE=1`` (read at import time) forces the pure twins. Otherwise each compiled module
under ``starlette_c._speedups`` is used when it was built, and its twin under ``starlette_c._pure``
when it was not. ``STARLETTE_C_NO_LANE=1`` turns off the lane (``_lane.py``).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import TYPE_CHECKING

TWINS = ("datastructures", "routing", "responses", "websockets", "senders")

FORCE_PURE = os.environ.get("STARLETTE_C_PURE", "") not in ("", "0")

lane = os.environ.get("STARLETTE_C_NO_LANE", "") in ("", "0")
"""Whether HTTP requests through a stock stack take the lane (``_lane.py``); ``STARLETTE_C_NO_LANE=1`` says no."""

compiled: dict[str, bool] = {}


def _load(name: str) -> ModuleType:
    if not FORCE_PURE:
        try:
            module = importlib.import_module(f"starlette_c._speedups.{name}")
        except ImportError:
            pass
        else:
            compiled[name] = True
            return module
    compiled[name] = False
    return importlib.import_module(f"starlette_c._pure.{name}")


if TYPE_CHECKING:
    from starlette_c._pure import datastructures as datastructures
    from starlette_c._pure import responses as responses
    from starlette_c._pure import routing as routing
    from starlette_c._pure import senders as senders
    from starlette_c._pure import websockets as websockets
else:
    datastructures = _load("datastructures")
    routing = _load("routing")
    responses = _load("responses")
    websockets = _load("websockets")
    senders = _load("senders")

all_compiled = all(compiled.get(name, False) for name in TWINS)
