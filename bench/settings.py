"""Production settings plus one trivial view, for bench/pages.py's ceiling."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
