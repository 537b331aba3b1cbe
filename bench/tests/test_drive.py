from __future__ import annotations

import asyncio
from typing import Any

import drive
from scenarios import Scenario, select_scenarios

from starlette_c.bench import _measure

Message = dict[str, Any]


def test_a_websocket_session_sends_each_message_only_after_the_previous_echo() -> None:
    """An app that reads ahead in a task of its own (as Falcon's websocket does) still sees a client that
    waits for each echo: message k arrives once the accept and k echoes were sent, never earlier."""
    scenario = select_scenarios(["websocket echo 100"])[0]
    arrivals: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        sends = 0
        queue: asyncio.Queue[Message] = asyncio.Queue()

        async def pump() -> None:
            while True:
                message = await receive()
                arrivals.append(sends)
                await queue.put(message)
                if message["type"] == "websocket.disconnect":
                    return

        task = asyncio.ensure_future(pump())
        await queue.get()
        await send({"type": "websocket.accept"})
        sends += 1
        while (message := await queue.get())["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message["text"]})
            sends += 1
        await task

    response = _measure.run_in_loop(drive.Exchange(scenario).answer(app, 0, None))
    assert scenario.check(response.status, response.headers, response.body) is None
    assert arrivals == list(range(len(scenario.messages) + 2))


def test_the_websocket_scope_is_a_handshake_to_the_scenario_path() -> None:
    scope = drive.websocket_scope(select_scenarios(["websocket echo 100"])[0])
    assert (scope["type"], scope["scheme"], scope["path"], scope["subprotocols"]) == ("websocket", "ws", "/ws", [])
    assert "method" not in scope
    assert (b"upgrade", b"websocket") in scope["headers"]


def test_a_websocket_answer_is_101_with_the_echoes_or_403_when_refused() -> None:
    accepted = drive.websocket_answer(
        [{"type": "websocket.accept"}, {"type": "websocket.send", "text": "a"}, {"type": "websocket.send", "text": "b"}]
    )
    assert (accepted.status, accepted.body) == (101, b"a\nb")
    refused = drive.websocket_answer([{"type": "websocket.close", "code": 1000}])
    assert refused.status == 403
    assert drive.websocket_answer([]).status == 403


def test_exchanges_cycle_through_the_variants_and_check_first_second_and_last() -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        body = scope["path"].rsplit("/", 1)[1].encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    scenario = Scenario("v", "app", "/x/{n}", content=b"{n}", variants=5)
    exchange = drive.Exchange(scenario)
    assert exchange.check_indexes() == (0, 1, 4)
    assert _measure.run_in_loop(exchange.check(app, None)) is None
    assert seen == ["/x/0", "/x/1", "/x/4"]

    async def seven() -> None:
        for index in range(7):
            await exchange.run(app, index, None)

    _measure.run_in_loop(seven())
    assert seen[3:] == ["/x/0", "/x/1", "/x/2", "/x/3", "/x/4", "/x/0", "/x/1"]
    assert drive.Exchange(scenario, limit=2).count == 2
    assert drive.Exchange(select_scenarios(["json"])[0]).check_indexes() == (0,)


def test_a_wrong_websocket_echo_is_reported() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        while (await receive())["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": "nope"})

    scenario = select_scenarios(["websocket echo 100"])[0]
    problem = _measure.run_in_loop(drive.Exchange(scenario).check(app, None))
    assert problem is not None and problem.startswith("body b'nope\\nnope")
