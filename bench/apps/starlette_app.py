"""Starlette's apps (whichever Starlette version the virtualenv pins)."""

from apps._starlette_family import module_getattr

__getattr__ = module_getattr("starlette")
