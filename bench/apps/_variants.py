"""The attribute protocol shared by the app modules: ``app``, ``middleware_app``, ``routes_<N>``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Builder = Callable[[], Any]


def variant_getattr(main: Builder, middleware: Builder, table: Callable[[int], Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that builds each app once, on first access."""
    built: dict[str, Any] = {}

    def module_getattr(name: str) -> Any:
        if name not in built:
            if name == "app":
                built[name] = main()
            elif name == "middleware_app":
                built[name] = middleware()
            elif name.startswith("routes_") and name.removeprefix("routes_").isdigit():
                built[name] = table(int(name.removeprefix("routes_")))
            else:
                raise AttributeError(name)
        return built[name]

    return module_getattr
