"""The shipped catalogs (locale/de, locale/he) are complete and current.

`make messages` extracts every marked string into them; these tests fail when
that would add a string the catalogs lack (a string marked but never
extracted, so never translated), and when a shipped language has an
untranslated or fuzzy entry. Run `make messages`, translate what it added,
and commit the .po files.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
SHIPPED = ["de", "he"]
# The Makefile's MESSAGES_ARGS: the folders `make messages` leaves out.
IGNORED = ["node_modules", "staticfiles", "var", "tests", "bench"]
_ENTRY = re.compile(
    r'^(msgctxt|msgid) "((?:[^"\\]|\\.)*)"\n((?:"(?:[^"\\]|\\.)*"\n)*)', re.M
)


def _keys(po: Path) -> set[tuple[str, str]]:
    """(msgctxt, msgid) of every entry but the header."""
    keys, context = set(), ""
    for kind, first, rest in _ENTRY.findall(po.read_text()):
        text = first + "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', rest))
        if kind == "msgctxt":
            context = text
        elif text:
            keys.add((context, text))
            context = ""
        else:
            context = ""
    return keys


def _sources_copy(tmp_path: Path) -> Path:
    """The project as makemessages reads it, without what it ignores."""
    copy = tmp_path / "project"
    skip = {*IGNORED, "locale"}
    for entry in ROOT.iterdir():
        if entry.name.startswith(".") or entry.name in skip:
            continue
        if entry.is_dir():
            shutil.copytree(
                entry, copy / entry.name, ignore=shutil.ignore_patterns("__pycache__")
            )
        elif entry.is_file():
            (copy / entry.name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(entry, copy / entry.name)
    shutil.copytree(ROOT / "locale", copy / "locale")
    return copy


def test_makemessages_would_add_no_string(tmp_path, settings, monkeypatch):
    copy = _sources_copy(tmp_path)
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)

    call_command(
        "makemessages", locale=SHIPPED, no_obsolete=True, ignore_patterns=IGNORED,
        add_location="file", verbosity=0,
    )  # fmt: skip

    for language in SHIPPED:
        po = f"{language}/LC_MESSAGES/django.po"
        added = _keys(copy / "locale" / po) - _keys(ROOT / "locale" / po)
        assert sorted(added) == [], f"`make messages` would add these to {po}"


@pytest.mark.parametrize("language", SHIPPED)
def test_shipped_catalog_has_no_untranslated_or_fuzzy_entry(language):
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"

    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip

    # "1425 translated messages." and nothing else: no ", 2 fuzzy translations".
    assert re.fullmatch(r"\d+ translated messages\.", done.stderr.strip()), done.stderr
