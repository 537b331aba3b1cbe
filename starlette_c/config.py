"""Twelve-factor settings: values come from the environment, then an optional env file, then a default."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any, TypeVar, overload

from starlette_c._utils import warn_from_module

T = TypeVar("T")

# NOTE: a string cast to bool must be one of these words (any case); a non-string goes through bool().
_BOOL_WORDS = {"1": True, "true": True, "0": False, "false": False}
_QUOTES = "\"'"


class undefined:
    pass


class EnvironError(Exception):
    pass


class Environ(MutableMapping[str, str]):
    """A view of ``os.environ`` that refuses to change a variable once anything has read it.

    ``_environ`` and ``_has_been_read`` keep the reference's names: test suites reset the latter between runs.
    """

    def __init__(self, environ: MutableMapping[str, str] = os.environ) -> None:
        self._environ = environ
        self._has_been_read: set[str] = set()

    def __len__(self) -> int:
        return len(self._environ)

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __getitem__(self, key: str) -> str:
        # NOTE: recorded before the lookup, so a key found missing (``in``, ``get``) is pinned as well.
        self._has_been_read.add(key)
        return self._environ[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._refuse_if_read(key, "set")
        self._environ[key] = value

    def __delitem__(self, key: str) -> None:
        self._refuse_if_read(key, "delete")
        del self._environ[key]

    def _refuse_if_read(self, key: str, verb: str) -> None:
        if key in self._has_been_read:
            raise EnvironError(f"Attempting to {verb} environ['{key}'], but the value has already been read.")


environ = Environ()


def _unquote(value: str) -> str:
    # NOTE: one matching pair only (1.10): '"a"b"' keeps its inner quote, '"x' and "'x\"" stay as written.
    if len(value) > 1 and value[0] == value[-1] and value[0] in _QUOTES:
        return value[1:-1]
    return value


def _parse_env_lines(lines: Iterable[str]) -> dict[str, str]:
    """``KEY=value`` per line; blank lines, ``#`` comments and lines without ``=`` are skipped; later wins."""
    parsed: dict[str, str] = {}
    for raw in lines:
        line = raw.strip()
        if line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        if equals:
            parsed[key.strip()] = _unquote(value.strip())
    return parsed


def _invalid(key: str, value: Any, kind: str) -> ValueError:
    return ValueError(f"Config '{key}' has value '{value}'. Not a valid {kind}.")


class Config:
    """Settings looked up by name: the environment first, then the env file's values, then the default given."""

    def __init__(
        self,
        env_file: str | Path | None = None,
        environ: Mapping[str, str] = environ,
        env_prefix: str = "",
        encoding: str = "utf-8",
    ) -> None:
        self.environ, self.env_prefix = environ, env_prefix
        # NOTE: the file is read last, so a subclass's _read_file may use the two settings above.
        self.file_values: dict[str, str] = {} if env_file is None else self._load(env_file, encoding)

    def _load(self, env_file: str | Path, encoding: str) -> dict[str, str]:
        if os.path.isfile(env_file):
            return self._read_file(env_file, encoding)
        warn_from_module(f"Config file '{env_file}' not found.", UserWarning)
        return {}

    @overload
    def __call__(self, key: str, *, default: None) -> str | None:
        """No cast and a ``None`` default: the raw string, or ``None``."""

    @overload
    def __call__(self, key: str, cast: type[T], default: T = ...) -> T:
        """A type as the cast: an instance of it."""

    @overload
    def __call__(self, key: str, cast: type[str] = ..., default: str = ...) -> str:
        """No cast (or ``str``) and a string default: a string."""

    @overload
    def __call__(self, key: str, cast: Callable[[Any], T] = ..., default: Any = ...) -> T:
        """A callable as the cast: whatever it returns."""

    @overload
    def __call__(self, key: str, cast: type[str] = ..., default: T = ...) -> T | str:
        """No cast and a default of another type: the string, or the default as given."""

    def __call__(self, key: str, cast: Callable[[Any], Any] | None = None, default: Any = undefined) -> Any:
        return self.get(key, cast, default)

    def get(self, key: str, cast: Callable[[Any], Any] | None = None, default: Any = undefined) -> Any:
        name = self.env_prefix + key
        for source in (self.environ, self.file_values):
            if name in source:
                return self._perform_cast(name, source[name], cast)
        if default is undefined:
            raise KeyError(f"Config '{name}' is missing, and has no default.")
        return self._perform_cast(name, default, cast)

    def _read_file(self, file_name: str | Path, encoding: str) -> dict[str, str]:
        with open(file_name, encoding=encoding) as env_file:
            return _parse_env_lines(env_file)

    def _perform_cast(self, key: str, value: Any, cast: Callable[[Any], Any] | None = None) -> Any:
        if cast is None or value is None:
            return value
        if cast is bool and isinstance(value, str):
            word = value.lower()
            flag = _BOOL_WORDS.get(word)
            if flag is None:
                raise _invalid(key, word, "bool")
            return flag
        try:
            return cast(value)
        except (TypeError, ValueError):
            raise _invalid(key, value, cast.__name__)
