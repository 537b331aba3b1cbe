from __future__ import annotations

from typing import Any

from tests.ecosystem.transcript import differing_steps


def test_same_transcript_on_starlette_and_starlette_c(transcript_pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    real, ours = transcript_pair
    assert differing_steps(real, ours) == []


def test_messages_both_ways(transcript: dict[str, Any]) -> None:
    assert transcript["subprotocol"] == "chat.v2"
    assert transcript["welcome"] == {"event": "welcome", "room": "lobby", "user": "ann"}
    assert [message["count"] for message in transcript["said"]] == [1, 2]
    assert transcript["bytes"] == "6362610100"
    assert transcript["server close"] == {"type": "websocket.close", "code": 4000, "reason": "see you"}
    assert transcript["json as text"]["text"] == '{"not":"text"}'
    assert transcript["echo"] == "QUIET"


def test_rejected_handshakes(transcript: dict[str, Any]) -> None:
    assert transcript["no token"] == {"disconnect": 1008, "reason": "token required"}
    assert transcript["denied"]["denial"]["status"] == 403
    assert transcript["denied"]["denial"]["body"] == "members only"
    assert transcript["closed before accept"] == {"disconnect": 1013, "reason": ""}
    assert transcript["unknown path"] == {"disconnect": 1000, "reason": ""}


def test_dependencies_close_and_http_routes_alongside(transcript: dict[str, Any]) -> None:
    assert transcript["effects"] == [
        "join lobby",
        "leave lobby",
        "join kitchen",
        "bob disconnected with 1001",
        "leave kitchen",
        "echo done",
    ]
    assert transcript["http next to websockets"]["body"] == {"status": "ok"}
    assert transcript["websocket route over http"]["status"] == 404
    assert transcript["openapi paths"] == ["/health"]
