"""starlette_c.config against the reference starlette.config: same env-file parsing, casts, errors, warnings."""

from __future__ import annotations

import inspect
import warnings
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import starlette.config as reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import starlette_c.config as ours

ENV_LINES = [
    "A=1",
    'A="1"',
    "A='1'",
    "A=\"1'",
    "A='1\"",
    'A=""',
    "A=''",
    'A="',
    "A='",
    'A=""x""',
    "A=\"'x'\"",
    "A='\"x\"'",
    'A = "x" ',
    " A=x ",
    'A="x"y',
    'A=x"y"',
    'A="a"b"',
    "A='\"'",
    'A="""x"""',
    "A='''x'''",
    'A=" x "',
    'A= " x " ',
    "#A=1",
    " #A=1",
    "A=1 # c",
    "A",
    "=1",
    "A==1",
    "A=a=b",
    "export A=1",
    'A="x',
    'A=x"',
    'A=""""',
    'A="\\"x\\""',
    'A=\t"x"\t',
    'A="x"\r',
    "A=é",
    "A=\"'\"'",
    "A=``x``",
    'A="x""',
    'A=""x"',
    "A=1\nA=2\n\nB = 'x' \n#C=3",
]


def observe(call: Any) -> tuple[str, str]:
    try:
        return ("returned", repr(call()))
    except Exception as exc:
        return ("raised", f"{type(exc).__name__}: {exc}")


@pytest.mark.parametrize("text", ENV_LINES)
def test_env_file_values(tmp_path: Path, text: str) -> None:
    path = tmp_path / ".env"
    with open(path, "w", newline="") as handle:
        handle.write(text + "\n")
    assert ours.Config(path, environ={}).file_values == reference.Config(path, environ={}).file_values


CAST_CASES: list[tuple[Any, ...]] = [
    ("X",),
    ("X", int),
    ("B", bool),
    ("N", bool),
    ("E", bool),
    ("X", bool),
    ("F", int),
    ("F", float),
    ("E", int),
    ("Z",),
    ("Z", None, None),
    ("Z", int, "3"),
    ("Z", int, None),
    ("Z", int, [1]),
    ("Z", bool, "0"),
    ("Z", bool, 1),
    ("Z", bool, [1]),
    ("Z", bool, None),
    ("Z", str, 5),
]


@pytest.mark.parametrize("args", CAST_CASES)
def test_casts(args: tuple[Any, ...]) -> None:
    values = {"X": "1", "B": "TrUe", "N": "no", "F": "1.5", "E": ""}

    def run(module: ModuleType) -> tuple[str, str]:
        return observe(lambda: module.Config(environ=values)(*args))

    assert run(ours) == run(reference)


def test_prefix_and_missing() -> None:
    def run(module: ModuleType) -> list[tuple[str, str]]:
        config = module.Config(environ={"APP_X": "1", "Y": "2"}, env_prefix="APP_")
        return [observe(lambda: config("X")), observe(lambda: config("Y")), observe(lambda: config.get("Q", int, "7"))]

    assert run(ours) == run(reference)


def test_missing_file_warning(tmp_path: Path) -> None:
    def run(module: ModuleType) -> list[tuple[str, str]]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module.Config(tmp_path / "missing.env")
            module.Config(tmp_path)
        return [(w.category.__name__, str(w.message)) for w in caught]

    assert run(ours) == run(reference)


def test_environ_guards() -> None:
    def run(module: ModuleType) -> list[tuple[str, str]]:
        env = module.Environ({"K": "v"})
        config = module.Config(environ=env)
        steps = [
            lambda: env.__setitem__("J", "1"),
            lambda: (env["K"], len(env), list(env)),
            lambda: env.__setitem__("K", "w"),
            lambda: env.__delitem__("K"),
            lambda: config.get("Q", default=1),
            lambda: env.__setitem__("Q", "x"),
            lambda: env.get("R"),
            lambda: env.__setitem__("R", "x"),
            lambda: env.__delitem__("J"),
            lambda: env.__delitem__("ZZ"),
            lambda: dict(env),
        ]
        return [observe(step) for step in steps]

    assert run(ours) == run(reference)


@pytest.mark.parametrize("name", ["__init__", "__call__", "get"])
def test_signatures(name: str) -> None:
    mine = inspect.signature(getattr(ours.Config, name))
    theirs = inspect.signature(getattr(reference.Config, name))
    assert list(mine.parameters) == list(theirs.parameters)
    assert [p.annotation for p in mine.parameters.values()] == [p.annotation for p in theirs.parameters.values()]


_ENV_TEXT = st.text(st.sampled_from("AB=#'\" \t\r\n\\x=é\x00\x0b\x0c\x1c\u2028\x85"), max_size=30)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_ENV_TEXT, newline=st.sampled_from(["", None]))
def test_any_env_file_reads_as_the_reference(tmp_path: Path, text: str, newline: str | None) -> None:
    # NOTE: raw bytes on disk, then the same values, the same casts of them, or the same error.
    path = tmp_path / ".env"
    with open(path, "w", encoding="utf-8", newline=newline) as handle:
        handle.write(text)

    def run(module: ModuleType) -> Any:
        outcome = observe(lambda: module.Config(path, environ={}))
        if outcome[0] == "raised":
            return outcome
        config = module.Config(path, environ={})
        casts = [observe(partial(config, key, cast=cast)) for key in ("A", "B") for cast in (None, bool)]
        return config.file_values, casts

    assert run(ours) == run(reference)


def _refuse(value: Any) -> Any:
    raise TypeError("refused")


@settings(max_examples=500, deadline=None)
@given(
    value=st.none() | st.text(st.sampled_from("01tTrRuUeEfFaAlLsS .-+_e9\u0660"), max_size=6),
    default=st.sampled_from([reference.undefined, None, "1", "no", 0, 1.5, [1], b"1"]),
    cast=st.sampled_from([None, bool, int, float, str, _refuse]),
    prefix=st.sampled_from(["", "APP_"]),
)
def test_any_value_casts_as_the_reference(value: str | None, default: Any, cast: Any, prefix: str) -> None:
    environ = {} if value is None else {prefix + "K": value}

    def run(module: ModuleType) -> tuple[str, str]:
        missing = module.undefined if default is reference.undefined else default
        return observe(lambda: module.Config(environ=environ, env_prefix=prefix)("K", cast, missing))

    assert run(ours) == run(reference)
