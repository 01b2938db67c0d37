"""The Nu Html Checker and axe-core, as the tests use them.

Both come from npm (package.json at the repository root; `make test` runs
`npm ci` when node_modules is missing). vnu.jar starts a JVM, so it is run once
over a folder of saved pages; axe-core is evaluated inside each page, because
the Content Security Policy refuses injected <script> tags.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = ("serious", "critical")
ORIGIN = "http://testserver"
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

    Every request of the page goes through a route: the page itself is answered
    with the saved response (headers included, so the real CSP applies), static
    files from the finders and uploaded images from MEDIA_ROOT; anything else
    is refused.
    """

    def __init__(self, page):
        self.page = page
        self.current: tuple[int, dict, bytes] | None = None
        page.context.route("**/*", self._answer)

    def show(self, path: str, response) -> None:
        headers = {k: v for k, v in response.headers.items() if k != "Set-Cookie"}
        self.current = (response.status_code, headers, response.content)
        self.page.goto(f"{ORIGIN}{path}")

    def _answer(self, route) -> None:
        url = route.request.url
        static = f"{ORIGIN}{settings.STATIC_URL}"
        if url.startswith(static):
            found = finders.find(url.removeprefix(static).split("?")[0])
            if found:
                return route.fulfill(path=found)
            return route.fulfill(status=404, body="")
        media = f"{ORIGIN}{settings.MEDIA_URL}"
        if url.startswith(media):
            stored = Path(settings.MEDIA_ROOT) / url.removeprefix(media).split("?")[0]
            if stored.is_file():
                return route.fulfill(path=stored)
            return route.fulfill(status=404, body="")
        if route.request.resource_type == "document" and self.current:
            status, headers, body = self.current
            return route.fulfill(status=status, headers=headers, body=body)
        return route.abort()
