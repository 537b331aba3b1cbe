"""The frameworks measured side by side, and the virtualenvs that hold the peers.

Every target runs in its own interpreter: a virtualenv under the cache dir with pinned versions (the
peers are never dependencies of starlette_c). starlette_c itself is imported from this repository
(built in place) through PYTHONPATH; its two targets differ only by ``STARLETTE_C_PURE``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from naming import select_by_name

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent

# The ASGI servers of the end-to-end figures, the same in every virtualenv.
SERVER_PINS = ("uvicorn==0.54.0", "httptools==0.9.0", "uvloop==0.23.0", "granian==2.8.9")


@dataclass(frozen=True)
class Target:
    name: str
    venv: str  # sub-directory of the venv cache; targets sharing a venv share its packages
    pins: tuple[str, ...]  # framework requirements, installed next to SERVER_PINS
    app_module: str  # module under bench/apps/
    framework: str | None  # the package the worker describes (None: the raw ASGI floor)
    env: Mapping[str, str] = field(default_factory=dict)
    # Importable from the repository root (starlette_c and its measurement core).
    from_repo: bool = False

    def python(self, venv_dir: Path) -> Path:
        return venv_dir / self.venv / "bin" / "python"


MULTIPART_PIN = "python-multipart==0.0.34"
# NOTE: FastAPI 0.165 needs Starlette >= 1.6: its apps run on starlette 1.10.0 and on starlette_c (through the
# import switch), never on starlette 1.0.0.
FASTAPI_PINS = ("fastapi==0.165.0", "pydantic==2.14.4")
# NOTE: FastAPI brings the real starlette into starlette_c's virtualenv; the switch makes it unused.
STARLETTE_C_PINS = ("anyio==4.16.0", "itsdangerous==2.2.0", MULTIPART_PIN, *FASTAPI_PINS, "starlette==1.10.0")

TARGETS: tuple[Target, ...] = (
    Target(
        "starlette_c", "starlette_c", STARLETTE_C_PINS, "starlette_c_app", "starlette_c", {"STARLETTE_C_PURE": ""}, True
    ),
    Target(
        "starlette_c pure",
        "starlette_c",
        STARLETTE_C_PINS,
        "starlette_c_app",
        "starlette_c",
        {"STARLETTE_C_PURE": "1"},
        True,
    ),
    Target(
        "starlette 1.0.0",
        "starlette-1.0.0",
        ("starlette==1.0.0", "itsdangerous==2.2.0", MULTIPART_PIN),
        "starlette_app",
        "starlette",
    ),
    Target(
        "starlette 1.10.0",
        "starlette-1.10.0",
        ("starlette==1.10.0", "itsdangerous==2.2.0", MULTIPART_PIN, *FASTAPI_PINS),
        "starlette_app",
        "starlette",
    ),
    Target("blacksheep 2.6.4", "blacksheep-2.6.4", ("blacksheep==2.6.4",), "blacksheep_app", "blacksheep"),
    Target("falcon 4.4.0", "falcon-4.4.0", ("falcon==4.4.0", "itsdangerous==2.2.0"), "falcon_app", "falcon"),
    Target("raw ASGI", "starlette_c", STARLETTE_C_PINS, "raw_app", None),
)
REFERENCE = "starlette 1.0.0"
FLOOR = "raw ASGI"


def select_targets(names: list[str] | None) -> list[Target]:
    return select_by_name(TARGETS, names, "target")


def ensure_venv(target: Target, venv_dir: Path, base_python: str = sys.executable) -> Path:
    """Create (once) the target's virtualenv with its pinned packages; returns its python."""
    python = target.python(venv_dir)
    base_version = subprocess.run(
        [base_python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    ).stdout
    # NOTE: the stamp holds the base interpreter's version too: a new Python rebuilds the virtualenvs.
    wanted = base_version + "\n".join(sorted((*target.pins, *SERVER_PINS))) + "\n"
    stamp = venv_dir / target.venv / "bench-pins.txt"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(
        f"[venv] creating {venv_dir / target.venv} with {', '.join(sorted((*target.pins, *SERVER_PINS)))}", flush=True
    )
    subprocess.run([base_python, "-m", "venv", "--clear", str(venv_dir / target.venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *target.pins, *SERVER_PINS],
        check=True,
    )
    stamp.write_text(wanted)
    return python


def target_environ(target: Target) -> dict[str, str]:
    """The environment of every process that runs the target (workers, valgrind, servers)."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "STARLETTE_C_PURE")}
    # NOTE: the repository root gives every interpreter the measurement core (stdlib-only) and
    # bench.apps; only the starlette_c targets import the framework from it.
    env["PYTHONPATH"] = os.pathsep.join((str(REPO_ROOT), str(BENCH_DIR)))
    env.update({key: value for key, value in target.env.items() if value})
    return env
