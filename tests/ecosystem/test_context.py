from __future__ import annotations

from typing import Any

from tests.ecosystem.transcript import differing_steps

# The ids scenarios/context.py sends (that module imports starlette, so it stays out of this process).
REQUEST_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
CORRELATION_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

MOUNTS = ("raw", "classic")


def test_same_transcript_on_starlette_and_starlette_c(transcript_pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    real, ours = transcript_pair
    assert differing_steps(real, ours) == []


def test_plugins_read_the_headers(transcript: dict[str, Any]) -> None:
    assert transcript["outside a request"].startswith("ContextDoesNotExistError")
    for mount in MOUNTS:
        entry = transcript[f"{mount} all headers"]
        assert entry["body"]["exists"] is True
        assert entry["body"]["context"] == {
            "X-Request-ID": REQUEST_ID,
            "X-Correlation-ID": CORRELATION_ID,
            "User-Agent": "eco-tests/1.0",
            "X-Forwarded-For": "203.0.113.7, 10.0.0.1",
            "Date": "2025-01-01 10:00:00",
            "X-API-Key": "k-123",
        }
        assert dict(entry["headers"])["x-request-id"] == REQUEST_ID
        assert dict(entry["headers"])["x-correlation-id"] == CORRELATION_ID
        assert transcript[f"{mount} bump"]["body"] == f"visits=1 request={REQUEST_ID}"
    assert transcript["raw websocket"] == {"request id": REQUEST_ID}


def test_generated_ids_are_echoed(transcript: dict[str, Any]) -> None:
    for mount in MOUNTS:
        assert transcript[f"{mount} generated ids"]["ids"] == {
            "x-request-id": {"uuid4 hex": True, "in context": True},
            "x-correlation-id": {"uuid4 hex": True, "in context": True},
        }


def test_invalid_headers_get_the_error_responses(transcript: dict[str, Any]) -> None:
    assert transcript["raw bad request id"]["body"] == "bad header"
    assert transcript["classic bad request id"]["status"] == 400
    for mount in MOUNTS:
        assert transcript[f"{mount} bad correlation id"]["status"] == 422
        assert transcript[f"{mount} bad correlation id"]["body"] == "bad correlation id"
        assert transcript[f"{mount} bad date"]["status"] == 400
