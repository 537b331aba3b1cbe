"""Compiled twins of the modules in ``starlette_c._pure``; built by setup.py when Cython is available."""
