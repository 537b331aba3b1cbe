"""Picking benchmark items (scenarios, targets) by the names the tables show. Stdlib only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar


class Named(Protocol):
    @property
    def name(self) -> str: ...


NamedT = TypeVar("NamedT", bound=Named)


def select_by_name(items: Sequence[NamedT], names: list[str] | None, kind: str) -> list[NamedT]:
    """``items`` named by ``names`` in that order (all of them when ``names`` is empty); unknown names exit."""
    if not names:
        return list(items)
    by_name = {item.name: item for item in items}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise SystemExit(f"unknown {kind}(s) {unknown}; choose from {list(by_name)}")
    return [by_name[name] for name in names]
