import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _import_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = _import_settings(DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_settings_start_with_a_secret_key():
    result = _import_settings(DEBUG="false", SECRET_KEY="x" * 50)

    assert result.returncode == 0, result.stderr


def test_debug_defaults_to_off(settings):
    # The test run sets no DEBUG, so this is the default.
    assert settings.DEBUG is False
