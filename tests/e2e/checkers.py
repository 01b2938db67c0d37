"""The Nu Html Checker and axe-core, as the tests use them.

Both come from npm (package.json at the repository root; `make test` runs
`npm ci` when node_modules is missing). vnu.jar starts a JVM, so it is run once
over a folder of saved pages; axe-core is evaluated inside each page (as an
init script in the pages a `Viewer` shows), because the Content Security
Policy refuses injected <script> tags.
"""

from __future__ import annotations

import json
import mimetypes
import re
import shutil
import subprocess
import threading
from functools import cache
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from tests.fakes.http import ReplyingHandler

NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = ("serious", "critical")
_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_MAIN = re.compile(r"<main\b.*?</main>", re.S)
_TITLE = re.compile(r"<title>.*?</title>", re.S)


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.fail(
            f"{path} is missing: run `npm ci --ignore-scripts` (make test does)."
        )
    return path


def nu_errors(files: list[Path]) -> dict[str, list[str]]:
    """Nu Html Checker errors per file name (warnings are not counted)."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: apt-get install default-jre-headless.")
    command = [java, "-jar", str(_need(VNU_JAR)), "--errors-only", "--format", "json"]
    done = subprocess.run(
        [*command, *map(str, files)], capture_output=True, text=True, timeout=300
    )
    report = json.loads(done.stderr or done.stdout)
    errors: dict[str, list[str]] = {}
    for found in report["messages"]:
        name = Path(found.get("url", "unknown").removeprefix("file:")).name
        where = f"line {found['lastLine']}: " if "lastLine" in found else ""
        extract = " ".join(found.get("extract", "").split())
        errors.setdefault(name, []).append(f"{where}{found['message']} «{extract}»")
    return errors


@cache
def _axe_source() -> str:
    return _need(AXE_JS).read_text()


def axe_violations(page, *, rules: list[str] | None = None) -> list[str]:
    """Serious and critical WCAG 2.2 A/AA violations on the page as it is now."""
    if page.evaluate("() => typeof window.axe === 'undefined'"):
        page.evaluate(_axe_source())
    only = {"type": "rule", "values": rules} if rules else {"type": "tag"}
    if not rules:
        only["values"] = WCAG_TAGS
    found = page.evaluate(
        """async (only) => {
            const result = await axe.run(document, {
                runOnly: only, resultTypes: ["violations"],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.html),
            }));
        }""",
        only,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} {v['nodes']}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def parts(html: str) -> tuple[str, str]:
    """(main content, everything around it) without per-request CSRF tokens.

    A page whose main content and whose surroundings (the layout, navigation
    and footer of its role; the title aside) were both seen on other pages
    holds nothing new to check.
    """
    html = _CSRF.sub(r"\1\2", html)
    main = _MAIN.search(html)
    if main is None:
        return html, ""
    around = html[: main.start()] + html[main.end() :]
    return main.group(), _TITLE.sub("", around)


class Viewer:
    """Shows responses from Django's test client in Chromium.

    The browser loads them from a small HTTP server of the Viewer's own on
    loopback, as it loads any site: the page itself is answered with the saved
    response (headers included, so the real CSP applies; never cached, since
    several roles' pages share a path), static files from the finders and
    uploaded images from MEDIA_ROOT, both cacheable, so Chromium fetches each
    once per walk; anything else is a 404. axe-core is an init script, built
    into each page as it loads instead of sent over with every check. Use it
    as a context manager: leaving stops the server.
    """

    def __init__(self, page):
        self.page = page
        self.current: tuple[int, dict, bytes] | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.origin = f"http://{host}:{port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        page.add_init_script(_axe_source())

    def __enter__(self) -> Viewer:
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def show(self, path: str, response) -> None:
        # The server writes its own Content-Length.
        skip = {"set-cookie", "content-length"}
        headers = {k: v for k, v in response.headers.items() if k.lower() not in skip}
        headers["Cache-Control"] = "no-store"
        self.current = (response.status_code, headers, response.content)
        self.page.goto(f"{self.origin}{path}")

    def _answer(self, path: str, dest: str) -> tuple[int, dict, bytes]:
        path = path.split("?")[0]
        for prefix, find in (
            (settings.STATIC_URL, _static_file),
            (settings.MEDIA_URL, _media_file),
        ):
            if path.startswith(prefix):
                found = find(path.removeprefix(prefix))
                if found is None:
                    return 404, {}, b""
                kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
                headers = {"Content-Type": kind, "Cache-Control": "max-age=3600"}
                return 200, headers, found.read_bytes()
        if dest == "document" and self.current:
            return self.current
        return 404, {}, b""

    def _handler(self) -> type[ReplyingHandler]:
        viewer = self

        class Handler(ReplyingHandler):
            def do_GET(self) -> None:
                dest = self.headers.get("Sec-Fetch-Dest", "")
                self.send_reply(*viewer._answer(self.path, dest))

        return Handler


@cache
def _static_file(name: str) -> Path | None:
    found = finders.find(name)
    return Path(found) if found else None


def _media_file(name: str) -> Path | None:
    stored = Path(settings.MEDIA_ROOT) / name
    return stored if stored.is_file() else None
