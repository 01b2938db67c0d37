"""Every management command refuses bad arguments in one line, without a traceback.

Each command runs as `manage.py` runs it (ManagementUtility, so argparse and
CommandError behave as at a terminal), with arguments that must be refused:
unknown options, values of the wrong type, NUL bytes, values too long for their
column, numbers and dates beyond any sane range. A refusal is a non-zero exit
with one message line on stderr: "CommandError: ..." or, for what argparse
refuses, its usage lines followed by "manage.py <command>: error: ...".
"""

import io
import re
from contextlib import redirect_stderr, redirect_stdout

import pytest
from django.core.management import ManagementUtility, get_commands

from tests.factories import GroupFactory, UserFactory

LONG = "x" * 300
# The project's own commands; a new one must add its bad arguments here.
BAD_ARGUMENTS = {
    "add_owner": [
        [],
        ["rust\x00berlin", "a@example.org"],
        ["rust-berlin", "a\x00@example.org"],
        [LONG, "a@example.org"],
        ["rust-berlin", LONG + "@example.org"],
        ["rust-berlin", "nobody@example.org"],
    ],
    "create_group": [
        ["Name"],
        ["Name", "--slug", "ok", "--owner", "a@example.org", "--timezone", "\x00"],
        ["Name\x00", "--slug", "ok", "--owner", "a@example.org"],
        [LONG, "--slug", "ok", "--owner", "a@example.org"],
        [
            "Name",
            "--slug",
            "ok",
            "--owner",
            "a@example.org",
            "--description-file",
            "\x00",
        ],
    ],
    "list_groups": [["extra"], ["--nope"]],
    "check_counts": [["extra"], ["--nope"], ["--dry-run", "extra"]],
    "export_group": [
        [],
        ["rust\x00berlin"],
        [LONG],
        ["nope"],
        ["rust-berlin", "--output", "\x00"],
        ["rust-berlin", "--output", "/no-such-folder/rust.zip"],
        ["rust-berlin", "--output", "/dev/null"],
        ["rust-berlin", "--nope"],
    ],
    "import_group": [
        [],
        ["/dev/null"],
        ["/dev/null", "--owner", "a@example.org"],
        ["/no-such-file.zip", "--owner", "a@example.org"],
        ["\x00", "--owner", "a@example.org"],
        ["/dev/null", "--owner", "not-an-address"],
        ["/dev/null", "--owner", LONG + "@example.org"],
        ["/dev/null", "--owner", "a@example.org", "--slug", "bad slug!"],
        ["/dev/null", "--owner", "a@example.org", "--slug", "s" * 61],
    ],
    "remove_owner": [
        ["rust\x00berlin", "a@example.org"],
        ["rust-berlin", "a\x00@example.org"],
        ["rust-berlin", LONG],
    ],
    "pair_members": [
        ["--week", "9999-W52"],
        ["--week", "0001-W01"],
        ["--week", "2026-W99"],
        ["--week", "\x00"],
        ["--group", "rust\x00berlin"],
        ["--group", LONG],
        ["--seed", "abc"],
        ["--seed", "9" * 30, "--dry-run"],
        ["--seed", "-1", "--dry-run"],
    ],
    "schedule_sessions": [
        [],
        ["abc"],
        ["9" * 30],
        ["1", "--seconds", "nan"],
        ["1", "--seconds", "1e309"],
        ["1", "--seed", "-1"],
    ],
    "send_mail_queue": [
        ["--once", "--loop"],
        ["--once", "--batch-size", "0"],
        ["--once", "--batch-size", "9" * 30],
        ["--once", "--limit", "-1"],
        ["--once", "--pause", "nan"],
        ["--once", "--pause", "-1"],
        ["--once", "--idle", "0"],
        ["--once", "--idle", "inf"],
    ],
    "send_reminders": [["--nope"], ["extra"]],
    "send_poll_reminders": [["--nope"], ["extra"]],
    "housekeeping": [
        ["--retention-days", "abc"],
        ["--retention-days", "-1", "--dry-run"],
        ["--retention-days", "9" * 30, "--dry-run"],
    ],
    "load_demo": [["--nope"], []],
    "status": [
        ["--max-wait", "abc"],
        ["--max-wait", "0"],
        ["--max-heartbeat-age", "nan"],
        ["extra"],
    ],
    "db_worker": [
        ["--interval", "nan"],
        ["--backend", "nope"],
        ["--max-tasks", "0"],
        ["--exclude-queues", "a"],
    ],
}
OURS = {"accounts", "core", "events", "groups", "notifications", "roulette",
        "timepolls", "unconference"}  # fmt: skip


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            ManagementUtility(["manage.py", *argv]).execute()
        except SystemExit as exit:
            code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_every_command_of_ours_has_bad_arguments_listed():
    ours = {name for name, app in get_commands().items() if app in OURS}

    assert ours == set(BAD_ARGUMENTS)


# manage.py closes every database connection when a command ends, which would
# end the test's own transaction: this test commits and flushes instead.
@pytest.mark.django_db(transaction=True)
def test_bad_arguments_are_refused_in_one_line(settings):
    # db_worker refuses the tests' immediate task backend before anything else.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # Something for the arguments to be wrong about: a group and a person.
    GroupFactory(slug="rust-berlin")
    UserFactory(email="a@example.org")
    failures = []

    for name, cases in BAD_ARGUMENTS.items():
        for args in cases:
            try:
                code, _, err = _run(name, *args)
            except Exception as error:  # a traceback at the terminal
                failures.append((name, args, f"{type(error).__name__}: {error}"[:200]))
                continue
            lines = err.strip().splitlines()
            if code == 0 or not lines or not _one_message(name, lines):
                failures.append((name, args, code, err[-300:]))

    assert failures == []


def _one_message(name: str, lines: list[str]) -> bool:
    if lines[0].startswith("usage: "):
        errors = [
            i
            for i, line in enumerate(lines)
            if line.startswith(f"manage.py {name}: error: ")
        ]
        return errors == [len(lines) - 1]
    return len(lines) == 1 and re.match(r"^CommandError: \S", lines[0]) is not None
