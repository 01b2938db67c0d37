"""Starting a process loads the apps, not every app's services.

Every process pays for what `django.setup()` imports: the mail sender, the
task worker and each timer at every start, gunicorn at every worker. Apps
register what they offer (intents, checks) without importing the code that
carries it out, which is imported on first use.
"""

import os
import subprocess
import sys
from pathlib import Path

HEAVY = ["events.services", "groups.services", "notifications.email", "icalendar"]


def test_setting_up_django_imports_no_services():
    code = (
        "import sys, django; django.setup()\n"
        f"print(sorted(set({HEAVY!r}) & set(sys.modules)))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
    )

    assert done.stdout == "[]\n", done.stderr
