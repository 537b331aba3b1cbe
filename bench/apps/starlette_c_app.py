"""starlette_c's apps (compiled or pure twins, as STARLETTE_C_PURE says)."""

from apps._starlette_family import module_getattr, unsupported

UNSUPPORTED = unsupported()
__getattr__ = module_getattr("starlette_c")
