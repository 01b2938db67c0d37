"""Python code run in a fresh process, as a command or a server starts."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def modules_loaded_by(code: str, modules: list[str]) -> list[str]:
    """Which of `modules` a fresh process has imported after `django.setup()`
    and `code` (run from the repository root, with the project's settings)."""
    script = (
        "import json, sys, django; django.setup()\n"
        f"{code}\n"
        f"print(json.dumps(sorted(set({modules!r}) & set(sys.modules))))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
