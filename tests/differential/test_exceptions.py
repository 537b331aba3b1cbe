"""starlette_c.exceptions against the reference starlette.exceptions: same classes, attributes and texts."""

from __future__ import annotations

import warnings
from types import ModuleType
from typing import Any

import pytest
import starlette.exceptions as reference

import starlette_c.exceptions as ours


def observe(module: ModuleType, *args: Any, **kwargs: Any) -> tuple[str, ...]:
    try:
        exc = module.HTTPException(*args, **kwargs)
    except Exception as error:
        return ("raised", type(error).__name__, str(error))
    return ("made", repr(exc), str(exc), repr(exc.detail), repr(exc.headers), repr(exc.args))


def test_public_names() -> None:
    public = {name for name in dir(reference) if not name.startswith("_")} - {"annotations", "http", "Mapping"}
    assert public <= set(dir(ours))


def test_deprecation_warning_class() -> None:
    theirs, mine = reference.StarletteDeprecationWarning, ours.StarletteDeprecationWarning
    assert [c.__name__ for c in mine.__mro__] == [c.__name__ for c in theirs.__mro__]
    assert mine.__module__ == "starlette_c.exceptions"
    assert issubclass(mine, UserWarning)
    assert not issubclass(mine, DeprecationWarning)
    assert mine.__doc__


def test_deprecation_warning_is_shown_by_default() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.warn("going away", ours.StarletteDeprecationWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["going away"]


@pytest.mark.parametrize(
    "args",
    [
        (200,),
        (404,),
        (418,),
        (599,),
        (999,),
        (1000,),
        (42,),
        (0,),
        (-1,),
        (True,),
        (404.0,),
        ("404",),
        (None,),
        ([404],),
        (404, ""),
        (599, "custom"),
        (401, "nope", {"www-authenticate": "Basic"}),
    ],
)
def test_http_exception(args: tuple[Any, ...]) -> None:
    assert observe(ours, *args) == observe(reference, *args)


def test_http_exception_keywords() -> None:
    kwargs = {"status_code": 599, "detail": None, "headers": {"a": "b"}}
    assert observe(ours, **kwargs) == observe(reference, **kwargs)


@pytest.mark.parametrize("args", [(1000,), (1008, "policy"), (1011, ""), (1000, None), (4000, "app code")])
def test_websocket_exception(args: tuple[Any, ...]) -> None:
    def made(module: ModuleType) -> tuple[str, ...]:
        exc = module.WebSocketException(*args)
        return (repr(exc), str(exc), repr(exc.reason), repr(exc.args))

    assert made(ours) == made(reference)
