"""The attribute protocol shared by the app modules: ``app``, ``middleware_app``, ``features_app``,
``fastapi_app`` (where the framework has them) and ``routes_<N>``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Builder = Callable[[], Any]


def variant_getattr(builders: Mapping[str, Builder], table: Callable[[int], Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that builds each app once, on first access."""
    built: dict[str, Any] = {}

    def module_getattr(name: str) -> Any:
        if name not in built:
            if name in builders:
                built[name] = builders[name]()
            elif name.startswith("routes_") and name.removeprefix("routes_").isdigit():
                built[name] = table(int(name.removeprefix("routes_")))
            else:
                raise AttributeError(name)
        return built[name]

    return module_getattr
