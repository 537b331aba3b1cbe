"""Starlette's apps (whichever Starlette version the virtualenv pins)."""

from apps._starlette_family import module_getattr, unsupported

UNSUPPORTED = unsupported()
__getattr__ = module_getattr("starlette")
