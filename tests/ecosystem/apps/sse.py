"""A live-feed service on sse-starlette: event streams, keep-alive pings and clients that hang up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
from sse_starlette import EventSourceResponse, JSONServerSentEvent, ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Message

# The slow feed idles between its two events for several ping intervals.
PING_INTERVAL = 0.05
IDLE = 0.4

# What the server saw (generator cleanup, disconnect messages, background tasks).
EFFECTS: list[str] = []


def keepalive() -> ServerSentEvent:
    return ServerSentEvent(comment="keepalive")


async def prices(request: Request) -> EventSourceResponse:
    symbol = request.path_params["symbol"]

    async def feed() -> AsyncIterator[Any]:
        yield {"event": "open", "data": symbol, "retry": 1500}
        for tick in range(1, 4):
            yield ServerSentEvent(data=f"{symbol} {100 + tick}", id=str(tick), event="price")
        yield JSONServerSentEvent(data={"symbol": symbol, "close": 103, "note": "über"}, event="close")
        yield "plain line 1\nplain line 2"

    return EventSourceResponse(feed(), headers={"X-Feed": symbol}, sep="\n")


def news(request: Request) -> EventSourceResponse:
    def headlines() -> Iterator[ServerSentEvent]:
        # A sync generator is iterated in a worker thread.
        for number in range(2):
            yield ServerSentEvent(data=f"headline {number}", comment="sync")

    return EventSourceResponse(headlines(), media_type="text/event-stream; charset=utf-8")


async def slow(request: Request) -> EventSourceResponse:
    async def feed() -> AsyncIterator[dict[str, str]]:
        yield {"data": "first"}
        await anyio.sleep(IDLE)
        yield {"data": "second"}

    return EventSourceResponse(feed(), ping=PING_INTERVAL, ping_message_factory=keepalive)


async def forever(request: Request) -> EventSourceResponse:
    async def feed() -> AsyncIterator[dict[str, str]]:
        number = 0
        try:
            while True:
                number += 1
                yield {"data": f"tick {number}"}
                await anyio.sleep(0.01)
        finally:
            EFFECTS.append(f"feed closed after {number} ticks")

    async def on_close(message: Message) -> None:
        EFFECTS.append(f"client closed: {message['type']}")

    return EventSourceResponse(feed(), client_close_handler_callable=on_close)


async def polite(request: Request) -> EventSourceResponse:
    async def feed() -> AsyncIterator[dict[str, str]]:
        number = 0
        try:
            while not await request.is_disconnected():
                yield {"data": str(number)}
                number += 1
                await anyio.sleep(0.01)
        finally:
            EFFECTS.append(f"polite feed stopped after {number} events")

    return EventSourceResponse(feed())


app = Starlette(
    routes=[
        Route("/prices/{symbol}", prices),
        Route("/news", news),
        Route("/slow", slow),
        Route("/forever", forever),
        Route("/polite", polite),
    ]
)
