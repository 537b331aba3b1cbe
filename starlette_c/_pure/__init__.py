"""Pure-Python twins of the compiled modules in ``starlette_c._speedups``."""
