"""Drive the live-feed app: finite streams, keep-alive pings between slow events, clients hanging up."""

from __future__ import annotations

import functools
import re

import anyio
from starlette.testclient import TestClient

from tests.ecosystem.apps import sse
from tests.ecosystem.asgi_call import get_then_disconnect
from tests.ecosystem.transcript import Backend, Transcript

PING = ": keepalive\r\n\r\n"


def collapse_pings(body: str) -> str:
    """Pings depend on timing: keep one marker per run of them, and none before the first event or after the
    last (a loaded machine may delay an event past a ping), so the order of events is what counts."""
    body = re.sub(f"({PING})+", PING, body)
    return body.removeprefix(PING).removesuffix(PING)


def run(backend: Backend, transcript: Transcript) -> None:
    sse.EFFECTS.clear()
    client = TestClient(sse.app, backend=backend)
    transcript.http("events", client.get("/prices/ACME"))
    transcript.http("sync generator", client.get("/news"))
    slow = client.get("/slow")
    transcript.add("pings between slow events", collapse_pings(slow.text))
    transcript.add("slow headers", dict(slow.headers))
    hang_up = functools.partial(anyio.run, backend=backend)
    transcript.add("hang up", hang_up(functools.partial(get_then_disconnect, sse.app, "/forever", after_chunks=2)))
    transcript.add("hang up effects", list(sse.EFFECTS))
    sse.EFFECTS.clear()
    transcript.add("polite", hang_up(functools.partial(get_then_disconnect, sse.app, "/polite", after_chunks=3)))
    transcript.add("polite effects", list(sse.EFFECTS))
