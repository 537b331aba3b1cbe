from __future__ import annotations

import subprocess
import sys

import starlette_c.bench
from tests.bench.conftest import REPO


def test_importing_the_bench_loads_no_framework_module() -> None:
    # The worker runs under peer interpreters without starlette_c's dependencies: stdlib only.
    probe = (
        "import sys, starlette_c.bench, starlette_c.bench.__main__, starlette_c.bench._ir_worker\n"
        "print(sorted(m for m in sys.modules if m.startswith(('starlette_c', 'anyio', 'pyinstrument'))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    loaded = eval(result.stdout)
    assert "starlette_c.bench._measure" in loaded
    assert [name for name in loaded if not name.startswith("starlette_c.bench")] == ["starlette_c"]


def test_docstring_names_the_command() -> None:
    assert "python -m starlette_c.bench" in (starlette_c.bench.__doc__ or "")


def test_the_core_is_reexported() -> None:
    from starlette_c.bench import _measure

    assert starlette_c.bench.__all__
    for name in starlette_c.bench.__all__:
        assert getattr(starlette_c.bench, name) is getattr(_measure, name)
