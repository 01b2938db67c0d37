"""The systemd units in the repository root match the README and the commands.

Every command (or deploy/ script) the README says runs periodically has a timer
whose service runs it; every service runs a command that exists; docs/deploy.md
enables every timer, on installing and on upgrading; and, where systemd-analyze
is installed, every unit passes `systemd-analyze verify`.
"""

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
PERIODIC = re.compile(
    r"\b(hourly|daily|nightly|weekly|every (hour|day|night|week|\d+ \w+))\b", re.I
)
MANAGE_PY = re.compile(r"manage\.py ([a-z_]+)")
SCRIPT = re.compile(r"\b(deploy/[\w-]+\.sh)\b")
# Units whose ExecStart is not a manage.py command, and the program they run.
NOT_MANAGE_PY = {
    "meetings.service": "/srv/meetings/.venv/bin/gunicorn",
    "meetings-backup.service": "/srv/meetings/deploy/backup.sh",
}
# Programs of Exec*= lines under the checkout (any of systemd's prefixes: +-@!:).
EXEC_IN_CHECKOUT = re.compile(r"(?m)^Exec\w+=[-+@!:]*(/srv/meetings/\S+)")


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    # Repeated keys (two ExecStart= lines) are kept by joining them.
    text = path.read_text()
    sections: dict[str, dict[str, list[str]]] = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), {})
        else:
            key, _, value = line.partition("=")
            section.setdefault(key.strip(), []).append(value.strip())
    parser.read_dict(
        {s: {k: "\n".join(v) for k, v in kv.items()} for s, kv in sections.items()}
    )
    return parser


def _exec_start(service: Path) -> str:
    return _unit(service).get("Service", "ExecStart", fallback="")


def _exec_commands(service: Path) -> list[str]:
    return MANAGE_PY.findall(_exec_start(service))


def _periodic_commands_in_readme() -> set[str]:
    """manage.py commands and deploy/ scripts the README says run periodically."""
    found = set()
    for line in (ROOT / "README.md").read_text().splitlines():
        if PERIODIC.search(line):
            found.update(MANAGE_PY.findall(line), SCRIPT.findall(line))
    return found


def _enabled_in_deploy_md(section: str) -> set[str]:
    """Timers that the `systemctl enable` lines of a deploy.md section enable."""
    docs = (ROOT / "docs" / "deploy.md").read_text()
    text = docs.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    text = re.sub(r"\\\n\s*", " ", text)  # Join continued lines.
    enabled = set()
    for line in text.splitlines():
        if "systemctl enable" in line:
            enabled.update(re.findall(r"\bmeetings[\w-]*\.timer\b", line))
    return enabled


def _timer_commands() -> dict[str, str]:
    """Command → timer for every meetings-*.timer."""
    commands = {}
    for timer in sorted(ROOT.glob("meetings-*.timer")):
        unit = _unit(timer)
        assert unit.has_section("Timer"), timer.name
        service = unit.get("Timer", "Unit", fallback=timer.stem + ".service")
        service_path = ROOT / service
        assert service_path.is_file(), f"{timer.name} starts missing {service}"
        for command in [
            *_exec_commands(service_path),
            *SCRIPT.findall(_exec_start(service_path)),
        ]:
            commands[command] = timer.name
    return commands


def test_readme_lists_the_known_periodic_commands():
    assert {
        "send_reminders",
        "send_poll_reminders",
        "pair_members",
        "housekeeping",
        "deploy/backup.sh",
    } <= _periodic_commands_in_readme()


@pytest.mark.parametrize("command", sorted(_periodic_commands_in_readme()))
def test_every_periodic_command_has_a_timer(command):
    assert command in _timer_commands(), (
        f"README says `{command}` runs periodically, but no "
        "meetings-*.timer starts a service that runs it"
    )


@pytest.mark.parametrize(
    "service", sorted(p.name for p in ROOT.glob("meetings*.service"))
)
def test_every_service_runs_an_existing_command(service):
    commands = _exec_commands(ROOT / service)
    if service in NOT_MANAGE_PY:
        program = _exec_start(ROOT / service).split()[0]
        assert not commands
        assert program == NOT_MANAGE_PY[service]
        if "/.venv/" not in program:
            script = ROOT / program.removeprefix("/srv/meetings/")
            assert os.access(script, os.X_OK), f"{service} runs {program}"
        return
    assert commands, f"{service} has no `manage.py` ExecStart"
    known = get_commands()
    for command in commands:
        assert command in known, f"{service} runs unknown command {command}"


def test_services_that_migrated_now_require_the_migrate_unit():
    for name in ("meetings.service", "meetings-mail.service", "meetings-tasks.service"):
        unit = _unit(ROOT / name)
        assert "meetings-migrate.service" in unit.get("Unit", "Requires").split()
        assert "meetings-migrate.service" in unit.get("Unit", "After").split()
        service = "\n".join(unit["Service"].values())
        assert "migrate" not in service


@pytest.mark.parametrize("section", ["2. Run under systemd", "6. Upgrading"])
def test_deploy_md_enables_every_timer(section):
    timers = {p.name for p in ROOT.glob("meetings-*.timer")}

    missing = timers - _enabled_in_deploy_md(section)

    assert missing == set(), f"deploy.md's {section!r} never enables {missing}"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
def test_units_pass_systemd_analyze_verify(tmp_path):
    # The units expect /srv/meetings and `meetings`/`postgres` users; point them
    # at a copy of the layout with stand-in executables so only real mistakes
    # are reported.
    units = sorted([*ROOT.glob("meetings*.service"), *ROOT.glob("meetings*.timer")])
    for unit in units:
        for program in EXEC_IN_CHECKOUT.findall(unit.read_text()):
            path = tmp_path / program.removeprefix("/srv/meetings/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("#!/bin/sh\n")
            path.chmod(0o755)
    for directory in ("var", "staticfiles"):
        (tmp_path / directory).mkdir()
    (tmp_path / ".env").write_text("")
    for unit in units:
        text = unit.read_text().replace("/srv/meetings", str(tmp_path))
        text = re.sub(r"(?m)^(User|Group)=.*\n", "", text)
        (tmp_path / unit.name).write_text(text)

    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(u.name for u in units)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    problems = [
        line
        for line in output.splitlines()
        if re.search(
            r"Unknown (key|section)|Failed to parse|Invalid|not executable|Missing",
            line,
        )
    ]
    assert result.returncode == 0 and not problems, output
