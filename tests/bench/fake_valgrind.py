"""A stand-in for ``valgrind`` (copied onto PATH with a shebang by tests/bench/test_measure.py).

Runs the command as callgrind would, then writes a callgrind file whose total is 1000 + 37 per
request, and appends what it was given to the JSON-lines file named by ``FAKE_VALGRIND_LOG``.
``FAKE_VALGRIND_NO_TOTALS`` makes it write no callgrind file at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

args = sys.argv[1:]
first = next(i for i, arg in enumerate(args) if not arg.startswith("--"))
options, command = args[:first], args[first:]
out_file = next(option.split("=", 1)[1] for option in options if option.startswith("--callgrind-out-file="))
worker_path = os.environ["PYTHONPATH"].split(os.pathsep)[0]
record = {
    "options": options,
    "command": command,
    "PYTHONPATH": os.environ["PYTHONPATH"],
    "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED"),
    "MARK": os.environ.get("MARK"),
    "listing": os.listdir(worker_path),
    "package": os.path.realpath(os.path.join(worker_path, "starlette_c")),
}
with open(os.environ["FAKE_VALGRIND_LOG"], "a") as log:
    log.write(json.dumps(record) + "\n")
code = subprocess.run(command).returncode
if code:
    sys.exit(code)
if "FAKE_VALGRIND_NO_TOTALS" not in os.environ:
    requests = int(command[command.index("--requests") + 1])
    with open(out_file, "w") as out:
        out.write(f"events: Ir\nsummary: {1000 + 37 * requests}\n")
