"""One scenario's exchanges driven through an app in-process: HTTP requests cycling through the scenario's
paths, or websocket sessions.

HTTP requests go through the measurement core's ``send_request`` (the same harness, and harness cost, as
``python -m starlette_c.bench``); a websocket session is driven here, since the core replays HTTP only.
Stdlib only (plus the core), so that it runs in every target's interpreter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from scenarios import Scenario

from starlette_c.bench import _measure

WEBSOCKET_HEADERS = (
    (b"connection", b"Upgrade"),
    (b"upgrade", b"websocket"),
    (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    (b"sec-websocket-version", b"13"),
)


def request_spec(scenario: Scenario) -> _measure.RequestSpec:
    return _measure.RequestSpec(
        method=scenario.method,
        path=scenario.path,
        query=scenario.query,
        headers=scenario.headers,
        body=scenario.body,
    )


def websocket_scope(scenario: Scenario) -> dict[str, Any]:
    """The ASGI websocket scope of the scenario's handshake, as a server on 127.0.0.1:8000 builds it."""
    spec = _measure.RequestSpec(path=scenario.path, query=scenario.query, headers=WEBSOCKET_HEADERS)
    scope = dict(spec.scope_template)
    del scope["method"]
    scope.update(type="websocket", scheme="ws", subprotocols=[])
    return scope


async def websocket_session(
    app: _measure.ASGIApp, template: dict[str, Any], messages: tuple[str, ...], state: Mapping[str, Any] | None
) -> list[_measure.Message]:
    """Connect, send each text message once the previous one's echo came back, disconnect after the last
    echo; returns what the app sent, in order."""
    scope = template.copy()
    scope["headers"] = template["headers"].copy()
    scope["state"] = {} if state is None else dict(state)
    received = 0
    count = len(messages)
    sent: list[_measure.Message] = []
    # NOTE: as a client waiting for each echo: an app that reads ahead (Falcon does) waits here for its send.
    waiter: asyncio.Future[None] | None = None

    async def receive() -> _measure.Message:
        nonlocal received, waiter
        if received > len(sent):
            waiter = asyncio.get_running_loop().create_future()
            await waiter
        received += 1
        if received == 1:
            return {"type": "websocket.connect"}
        if received <= count + 1:
            return {"type": "websocket.receive", "text": messages[received - 2]}
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: _measure.Message) -> None:
        nonlocal waiter
        sent.append(message)
        if waiter is not None:
            waiter.set_result(None)
            waiter = None

    await app(scope, receive, send)
    return sent


def websocket_answer(sent: list[_measure.Message]) -> _measure.Response:
    """A session as a response to check: 101 when accepted (403 when closed first), the echoed texts as lines."""
    if not sent or sent[0]["type"] != "websocket.accept":
        return _measure.Response(403, [], repr(sent[:1]).encode())
    texts = [str(message.get("text")) for message in sent[1:] if message["type"] == "websocket.send"]
    headers = [(name, value) for name, value in sent[0].get("headers", ())]
    return _measure.Response(101, headers, "\n".join(texts).encode())


class Exchange:
    """What one timed unit of the scenario is: a request (the n-th of its variants) or a websocket session."""

    def __init__(self, scenario: Scenario, limit: int | None = None) -> None:
        """``limit``: at most this many distinct paths (a callgrind run needs only as many as it sends)."""
        self.scenario = scenario
        count = min(scenario.variants or 1, limit or scenario.variants or 1)
        self.specs = [request_spec(scenario.variant(number)) for number in range(count)]
        self.count = count
        self.websocket_template = websocket_scope(scenario) if scenario.websocket else None

    async def run(self, app: _measure.ASGIApp, index: int, state: Mapping[str, Any] | None) -> None:
        if self.websocket_template is not None:
            await websocket_session(app, self.websocket_template, self.scenario.messages, state)
        else:
            await _measure.send_request(app, self.specs[index % self.count], state)

    async def answer(self, app: _measure.ASGIApp, index: int, state: Mapping[str, Any] | None) -> _measure.Response:
        if self.websocket_template is not None:
            return websocket_answer(
                await websocket_session(app, self.websocket_template, self.scenario.messages, state)
            )
        return await _measure.call_app(app, self.specs[index % self.count], state=state)

    def check_indexes(self) -> tuple[int, ...]:
        """The requests checked before timing: the first two variants and the last."""
        return tuple(sorted({0, min(1, self.count - 1), self.count - 1}))

    async def check(self, app: _measure.ASGIApp, state: Mapping[str, Any] | None) -> str | None:
        """None when every checked request is answered right, else what is wrong (and for which path)."""
        for index in self.check_indexes():
            response = await self.answer(app, index, state)
            expected = self.scenario.variant(index)
            problem = expected.check(response.status, response.headers, response.body)
            if problem is not None:
                return f"{expected.path}: {problem}" if self.count > 1 else problem
        return None
