"""Drive the starlette-context app through both middlewares with given, generated and invalid headers."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.testclient import TestClient

from tests.ecosystem.apps import context
from tests.ecosystem.transcript import Backend, Entry, Transcript, http_entry

REQUEST_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
CORRELATION_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
GENERATED = ("x-request-id", "x-correlation-id")
IDS = {"X-Request-ID": REQUEST_ID, "X-Correlation-ID": CORRELATION_ID}
FULL_HEADERS = {
    **IDS,
    "User-Agent": "eco-tests/1.0",
    "X-Forwarded-For": "203.0.113.7, 10.0.0.1",
    "Date": "Wed, 01 Jan 2025 10:00:00 GMT",
    "X-API-Key": "k-123",
}


def generated_ids(entry: Entry) -> dict[str, Any]:
    """Generated ids are random: record that they are uuid4 hex and that the context holds the ids the response
    sends, then hide them."""
    headers = dict(entry["headers"])
    in_context = {key.lower(): value for key, value in entry["body"]["context"].items()}
    found = {
        header: {
            "uuid4 hex": uuid.UUID(hex=headers[header]).version == 4 and len(headers[header]) == 32,
            "in context": in_context[header] == headers[header],
        }
        for header in GENERATED
    }
    entry["headers"] = [[name, "<generated>" if name in GENERATED else value] for name, value in entry["headers"]]
    entry["body"] = "<has generated ids>"
    return {"entry": entry, "ids": found}


def run(backend: Backend, transcript: Transcript) -> None:
    client = TestClient(context.app, backend=backend)
    transcript.add("outside a request", context.outside())
    # NOTE: ContextMiddleware is a BaseHTTPMiddleware, which passes websockets through untouched.
    with client.websocket_connect("/raw/greet", headers=IDS) as websocket:
        transcript.add("raw websocket", websocket.receive_json())
    for mount in ("raw", "classic"):
        transcript.http(f"{mount} all headers", client.get(f"/{mount}/show", headers=FULL_HEADERS))
        transcript.add(f"{mount} generated ids", generated_ids(http_entry(client.get(f"/{mount}/show"))))
        transcript.http(f"{mount} bump", client.get(f"/{mount}/bump", headers=IDS))
        transcript.http(f"{mount} bad request id", client.get(f"/{mount}/show", headers={"X-Request-ID": "nope"}))
        transcript.http(
            f"{mount} bad correlation id", client.get(f"/{mount}/show", headers={"X-Correlation-ID": "nope"})
        )
        transcript.http(f"{mount} bad date", client.get(f"/{mount}/show", headers={"Date": "yesterday"}))
