from __future__ import annotations

from typing import Any

from tests.ecosystem.transcript import differing_steps


def test_same_transcript_on_starlette_and_starlette_c(transcript_pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    real, ours = transcript_pair
    assert differing_steps(real, ours) == []


def test_events(transcript: dict[str, Any]) -> None:
    events = transcript["events"]
    assert events["status"] == 200
    assert dict(events["headers"])["content-type"] == "text/event-stream; charset=utf-8"
    assert dict(events["headers"])["x-feed"] == "ACME"
    assert events["body"].startswith("event: open\ndata: ACME\nretry: 1500\n\n")
    assert "id: 3\r\nevent: price\r\ndata: ACME 103\r\n\r\n" in events["body"]
    assert 'data: {"symbol":"ACME","close":103,"note":"über"}' in events["body"]
    assert events["body"].endswith("data: plain line 1\ndata: plain line 2\n\n")
    assert (
        transcript["sync generator"]["body"] == ": sync\r\ndata: headline 0\r\n\r\n: sync\r\ndata: headline 1\r\n\r\n"
    )


def test_pings_between_slow_events(transcript: dict[str, Any]) -> None:
    assert transcript["pings between slow events"] == "data: first\r\n\r\n: keepalive\r\n\r\ndata: second\r\n\r\n"


def test_client_disconnect_stops_the_stream(transcript: dict[str, Any]) -> None:
    assert transcript["hang up"]["chunks"] == ["data: tick 1\r\n\r\n", "data: tick 2\r\n\r\n"]
    assert transcript["hang up"]["start"][0]["status"] == 200
    assert transcript["hang up effects"] == ["client closed: http.disconnect", "feed closed after 2 ticks"]
    assert transcript["polite effects"] == ["polite feed stopped after 3 events"]
