"""Make ``import starlette`` (and every ``starlette.X``) resolve to the starlette_c module objects."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

ALIAS = "starlette"
TARGET = "starlette_c"
ENV_VAR = "STARLETTE_C_AS_STARLETTE"


def _is_alias_name(name: str) -> bool:
    return name == ALIAS or name.startswith(ALIAS + ".")


class _AliasLoader(Loader):
    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def create_module(self, spec: ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        # NOTE: the import system returns whatever sits in sys.modules after exec_module, so
        # `starlette.X` becomes the very `starlette_c.X` object (its own __spec__ left untouched).
        sys.modules[module.__name__] = self._module


class _AliasFinder(MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not _is_alias_name(fullname):
            return None
        target_name = TARGET + fullname[len(ALIAS) :]
        try:
            module = importlib.import_module(target_name)
        except ModuleNotFoundError as exc:
            if exc.name == target_name:
                # NOTE: a starlette module starlette_c lacks fails as a missing module, under its own name.
                raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname) from None
            raise
        return ModuleSpec(fullname, _AliasLoader(module))


_finder = _AliasFinder()


def _is_ours(module: ModuleType) -> bool:
    name = getattr(module, "__name__", "")
    return name == TARGET or name.startswith(TARGET + ".")


def _starlette_entries(*, ours: bool) -> list[str]:
    return sorted(
        name for name, module in list(sys.modules.items()) if _is_alias_name(name) and _is_ours(module) is ours
    )


def enable() -> None:
    """Install the alias; refuse if the real starlette was imported first (objects would be mixed)."""
    if _finder in sys.meta_path:
        return
    foreign = _starlette_entries(ours=False)
    if foreign:
        raise ImportError(
            "starlette_c.as_starlette must run before anything imports starlette; already imported: "
            + ", ".join(foreign)
        )
    sys.meta_path.insert(0, _finder)


def disable() -> None:
    """Remove the alias and forget the ``starlette.*`` names it handed out."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in _starlette_entries(ours=True):
        del sys.modules[name]


def is_enabled() -> bool:
    return _finder in sys.meta_path
