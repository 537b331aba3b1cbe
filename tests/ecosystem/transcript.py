"""What a scenario records: plain JSON values, so two runs compare with ``==``."""

from __future__ import annotations

from typing import Any, Literal

import httpx

Entry = dict[str, Any]
Backend = Literal["asyncio", "trio"]


def body_of(response: httpx.Response) -> Any:
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/json") and response.content:
        return response.json()
    return response.content.decode()


def http_entry(response: httpx.Response) -> Entry:
    """Status, every response header in order, and the decoded body."""
    return {
        "status": response.status_code,
        "headers": [[name.decode("latin-1"), value.decode("latin-1")] for name, value in response.headers.raw],
        "body": body_of(response),
    }


class Transcript:
    def __init__(self) -> None:
        self.entries: dict[str, Any] = {}

    def http(self, name: str, response: httpx.Response) -> None:
        self.add(name, http_entry(response))

    def add(self, name: str, value: Any) -> None:
        assert name not in self.entries, f"scenario step {name!r} recorded twice"
        self.entries[name] = value


def differing_steps(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """The steps two transcripts disagree on, by name, so a failure says where to look."""
    return sorted(name for name in expected.keys() | actual.keys() if expected.get(name) != actual.get(name))
