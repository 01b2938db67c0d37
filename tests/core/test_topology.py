"""The production topology, as separate processes: nginx → gunicorn, sender, worker.

Nothing here runs in-process. Debian's nginx serves the server block of
docs/deploy.md (only the port, the certificate, the upstream port and the
uploads folder are changed); gunicorn, the mail sender and the task worker are started with the
ExecStart lines of their systemd units, configured by .env.example with the
secrets and addresses of this run, on a scratch PostgreSQL database that
meetings-migrate.service's commands prepare. The fake SendGrid receives the
mail. Clients connect from many loopback addresses (127.0.0.2, ...), as many
people behind one nginx would.
"""

import datetime
import http.client
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.fakes.sendgrid_server import FakeSendGrid
from tests.scratch import needs_postgresql, scratch_database

ROOT = Path(__file__).resolve().parents[2]
HOST = "meetings.example.org"
NEWCOMER = "nia.newcomer@example.org"  # Not one of the demo's people.
CLIENTS = 40
TOO_MANY = "Too many attempts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("nginx"), reason="needs Debian's nginx"),
    needs_postgresql,
]


# --- configuration from the repository's own files ---------------------------


def exec_starts(unit: str) -> list[list[str]]:
    """The ExecStart= command lines of a unit, pointed at this checkout."""
    lines = (ROOT / unit).read_text().splitlines()
    commands = []
    for line in lines:
        if not line.startswith("ExecStart="):
            continue
        argv = shlex.split(line.removeprefix("ExecStart="))
        venv_bin = "/srv/meetings/.venv/bin/"
        if argv[0].startswith(venv_bin):
            name = argv[0].removeprefix(venv_bin)
            argv[0] = sys.executable if name == "python" else str(_bin(name))
        commands.append(argv)
    assert commands, f"{unit} has no ExecStart="
    return commands


def _bin(name: str) -> Path:
    return Path(sys.executable).parent / name


def env_example(**overrides: str) -> dict[str, str]:
    """.env.example as systemd's EnvironmentFile= reads it, with overrides."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    values.update(overrides)
    values = {k: v for k, v in values.items() if v != ""}
    return {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **values}


def nginx_server_block(
    *, port: int, cert: Path, key: Path, upstream: int, media: Path
) -> str:
    """docs/deploy.md's HTTPS server block with only addresses and files changed."""
    docs = (ROOT / "docs" / "deploy.md").read_text()
    snippet = re.search(r"```nginx\n(.*?)```", docs, re.S).group(1)
    blocks = re.findall(r"server \{.*?\n\}", snippet, re.S)
    block = next(b for b in blocks if "proxy_pass" in b)
    replacements = [
        (r"listen 443", f"listen 127.0.0.1:{port}"),
        (r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};"),
        (r"proxy_pass http://127\.0\.0\.1:8000;", f"proxy_pass http://127.0.0.1:{upstream};"),
        (r"alias /srv/meetings/var/media/;", f"alias {media}/;"),
    ]  # fmt: skip
    for pattern, replacement in replacements:
        block, count = re.subn(pattern, replacement, block)
        assert count == 1, f"deploy.md's nginx block no longer has {pattern!r}"
    return block


def write_certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- processes ---------------------------------------------------------------


class Processes:
    """Starts commands in their own process groups and stops them all."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def alive(self, name: str) -> bool:
        return self.running[name].poll() is None

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.running.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def run(argv: list[str], env: dict) -> None:
    result = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, (
        f"{shlex.join(argv)}:\n{result.stdout}{result.stderr}"
    )


def wait_for(predicate, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


# --- a browser without a browser ---------------------------------------------


class Client:
    """One person: a loopback source address, cookies, CSRF like a browser."""

    def __init__(self, port: int, source: str, *, tls: bool = True, headers=None):
        self.port, self.source, self.tls = port, source, tls
        self.extra_headers = headers or {}
        self.cookies: dict[str, str] = {}
        self.page = ""

    def request(self, method, path, fields=None, headers=None, referer=None):
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            connection = http.client.HTTPSConnection(
                "127.0.0.1", self.port, context=context,
                source_address=(self.source, 0), timeout=30,
            )  # fmt: skip
        else:
            connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, source_address=(self.source, 0), timeout=30
            )
        all_headers = {"Host": HOST, **self.extra_headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(
                f"{k}={v}" for k, v in self.cookies.items()
            )
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["Origin"] = f"https://{HOST}"
            all_headers["Referer"] = f"https://{HOST}{referer or path}"
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response, text

    def get(self, path: str):
        response, self.page = self.request("GET", path)
        return response, self.page

    def submit(self, path: str, action: str | None = None, **fields):
        """GET the page at path, then POST its form (to action) with its CSRF token."""
        self.get(path)
        action = action or path
        assert f'action="{action}"' in self.page or action == path, self.page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.page)
        assert token, f"no form on {path}"
        fields = {"csrfmiddlewaretoken": token[1], **fields}
        return self.request("POST", action, fields, referer=path)


def emailed_links(fake: FakeSendGrid, address: str, path: str) -> list[str]:
    """Paths of the links to SITE_URL + path in emails sent to address."""
    found = []
    for payload in fake.requests:
        to = [a["email"] for p in payload["personalizations"] for a in p.get("to", ())]
        if address not in to:
            continue
        text = " ".join(c["value"] for c in payload.get("content", ()))
        found += re.findall(
            rf"https://{re.escape(HOST)}({re.escape(path)}[^\s\"<]*)", text
        )
    return sorted(set(found))  # The text and the HTML part carry the same link.


def calendars_sent_to(fake: FakeSendGrid, address: str) -> list[tuple[str, str]]:
    """(subject, text/calendar part) of every email with a calendar to address."""
    calendars = []
    for payload in fake.requests:
        to = [a["email"] for p in payload["personalizations"] for a in p.get("to", ())]
        if address in to:
            calendars += [
                (payload.get("subject", ""), c["value"])
                for c in payload.get("content", ())
                if c["type"].startswith("text/calendar")
            ]
    return calendars


# --- the topology ------------------------------------------------------------


@pytest.fixture
def topology():
    folder = Path(tempfile.mkdtemp(prefix="meetings-topology-"))
    folder.chmod(0o755)  # nginx's workers run as nobody when started by root.
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        database_url = stack.enter_context(scratch_database())
        fake = stack.enter_context(FakeSendGrid())
        web_port, second_port, nginx_port = free_port(), free_port(), free_port()
        env = env_example(
            SECRET_KEY=secrets.token_urlsafe(50),
            DATABASE_URL=database_url,
            SENDGRID_API_KEY=fake.api_key,
            SENDGRID_API_HOST=fake.url,
            SENDGRID_WEBHOOK_PUBLIC_KEY="",
            MAIL_FILE_DIR=str(folder / "mail"),
            STATIC_ROOT=str(folder / "static"),
            MEDIA_ROOT=str(folder / "media"),
            GUNICORN_BIND=f"127.0.0.1:{web_port}",
            WEB_CONCURRENCY="2",
            GUNICORN_THREADS="4",
        )
        assert env["NUM_PROXIES"] == "1", ".env.example must match deploy.md's nginx"
        for argv in exec_starts("meetings-migrate.service"):
            run(argv, env)
        run([sys.executable, "manage.py", "load_demo"], env)

        processes = Processes(folder)
        stack.callback(processes.stop_all)
        (web,) = exec_starts("meetings.service")
        processes.start("gunicorn", web, env)
        processes.start(
            "gunicorn-2", web, {**env, "GUNICORN_BIND": f"127.0.0.1:{second_port}"}
        )
        (sender,) = exec_starts("meetings-mail.service")
        processes.start("sender", sender, env)
        (worker,) = exec_starts("meetings-tasks.service")
        processes.start("worker", worker, env)

        cert, key = write_certificate(folder)
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / temp).mkdir(mode=0o777)
            (folder / temp).chmod(0o777)
        server = nginx_server_block(
            port=nginx_port, cert=cert, key=key, upstream=web_port,
            media=folder / "media",
        )  # fmt: skip
        temps = "".join(
            f"{kind}_temp_path {folder / name};\n"
            for kind, name in [
                ("client_body", "body"), ("proxy", "proxy"), ("fastcgi", "fastcgi"),
                ("uwsgi", "uwsgi"), ("scgi", "scgi"),
            ]
        )  # fmt: skip
        (folder / "nginx.conf").write_text(
            f"worker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'nginx-error.log'};\n"
            "events { worker_connections 512; }\n"
            f"http {{\naccess_log {folder / 'access.log'};\n{temps}{server}\n}}\n"
        )
        nginx = shutil.which("nginx")
        run([nginx, "-t", "-q", "-c", str(folder / "nginx.conf"), "-e", "stderr"], env)
        processes.start(
            "nginx",
            [nginx, "-c", str(folder / "nginx.conf"), "-e", "stderr",
             "-g", "daemon off;"],
            env,
        )  # fmt: skip

        def up(port):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return True
            except OSError:
                return False

        for port in (web_port, second_port, nginx_port):
            wait_for(lambda p=port: up(p), seconds=60, what=f"port {port}")
        yield {
            "fake": fake,
            "processes": processes,
            "nginx_port": nginx_port,
            "second_port": second_port,
            "database_url": env["DATABASE_URL"],
            "folder": folder,
        }


def client_address(n: int) -> str:
    return f"127.0.0.{n + 2}"


def test_production_topology_end_to_end(topology):
    port = topology["nginx_port"]
    fake, processes = topology["fake"], topology["processes"]

    # /healthz and a static file, through nginx.
    visitor = Client(port, client_address(CLIENTS + 5))
    response, body = visitor.get("/healthz")
    assert response.status == 200, body
    response, home = visitor.get("/")
    assert response.status == 200
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', home)[1]
    response, css = visitor.get(stylesheet)
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/css")
    assert "max-age=315360000" in response.getheader("Cache-Control")
    assert css.strip()
    # The demo group's logo, uploaded through the storage API, served by nginx.
    response, group = visitor.get("/groups/rust-berlin/")
    logo = re.search(r'<img class="logo" src="(/media/groups/logos/\w+\.png)"', group)
    response, body = visitor.get(logo[1])
    assert (response.status, response.getheader("Content-Type")) == (200, "image/png")
    assert "immutable" in response.getheader("Cache-Control")
    assert body.startswith("\ufffdPNG")

    # Sign-in requests from 40 people behind the one nginx: more than one
    # client's hourly allowance in all, and nobody is refused.
    clients = [Client(port, client_address(n)) for n in range(CLIENTS)]
    for n, client in enumerate(clients):
        response, page = client.submit("/accounts/signin/", email=f"p{n}@example.org")
        assert response.status == 302, f"client {n}: {response.status} {page[:300]}"
    # One client asking again and again is stopped at its own allowance, even
    # when it makes up X-Forwarded-For; the others are not.
    greedy = Client(port, client_address(0), headers={"X-Forwarded-For": "10.1.2.3"})
    accepted = 1
    for n in range(40):
        response, page = greedy.submit("/accounts/signin/", email=f"g{n}@example.org")
        if response.status != 302:
            assert response.status == 200 and TOO_MANY in page
            break
        accepted += 1
    assert accepted == 30, (
        "the production allowance is 30 sign-in links a client an hour"
    )
    response, _ = clients[1].submit("/accounts/signin/", email="other@example.org")
    assert response.status == 302

    # A newcomer signs up, signs in with the emailed link and replies to an event.
    nia = Client(port, client_address(CLIENTS + 1))
    response, _ = nia.submit("/accounts/signup/", name="Nia Newcomer", email=NEWCOMER)
    assert response.status == 302
    (link,) = wait_for(
        lambda: emailed_links(fake, NEWCOMER, "/accounts/link/"),
        seconds=30, what="the sign-in link in the fake SendGrid",
    )  # fmt: skip
    response, _ = nia.submit(link)
    assert response.status == 302
    response, profile = nia.get("/accounts/profile/")
    assert response.status == 200 and NEWCOMER in profile

    response, events = nia.get("/events/")
    event_path = re.search(r'href="(/events/\d+/)"', events)[1]
    response, _ = nia.submit(event_path, f"{event_path}rsvp/", choice="attending")
    assert response.status == 302
    assert response.getheader("Location") == event_path
    response, page = nia.get(event_path)
    assert "Your reply: attending." in page

    import psycopg

    event_id = int(event_path.strip("/").split("/")[-1])
    with psycopg.connect(topology["database_url"]) as connection:
        (status,) = connection.execute(
            "SELECT r.status FROM events_rsvp r JOIN accounts_user u ON u.id = r.user_id"
            " WHERE u.email = %s AND r.event_id = %s",
            [NEWCOMER, event_id],
        ).fetchone()
    assert status == "attending"
    ((subject, calendar),) = wait_for(
        lambda: calendars_sent_to(fake, NEWCOMER),
        seconds=30, what="the RSVP confirmation with its invitation",
    )  # fmt: skip
    assert subject.startswith("You are attending ")
    unfolded = calendar.replace("\r\n ", "")
    assert "METHOD:REQUEST" in unfolded and f"mailto:{NEWCOMER}" in unfolded

    # A second app server on the same database knows Grace's session.
    second = Client(
        topology["second_port"], "127.0.0.1", tls=False,
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": nia.source},
    )  # fmt: skip
    second.cookies = dict(nia.cookies)
    response, profile = second.get("/accounts/profile/")
    assert response.status == 200 and NEWCOMER in profile

    # Everything is still running, and nothing answered 5xx.
    for name in ("gunicorn", "gunicorn-2", "sender", "worker", "nginx"):
        assert processes.alive(name), f"{name} died:\n{processes.log(name)}"
        assert "Traceback" not in processes.log(name), processes.log(name)
    statuses = re.findall(
        r'" (\d{3}) ', (topology["folder"] / "access.log").read_text()
    )
    assert len(statuses) > 2 * CLIENTS
    assert not [s for s in statuses if s.startswith("5")]
