"""The README's two journeys against a running `make run`, as a new user clicks them.

    python .ci/demo_journeys.py http://127.0.0.1:8765 [--rounds 3]

Each round: a newcomer signs up, follows the link in the demo mailbox and replies
attending to an event of Rust Berlin; then the owner (ada@example.org) signs in
the same way and emails the members who have not replied to that event, and the
mailbox receives the mailing for exactly those members (never the newcomer).
Every answer must be below 500. Exits non-zero with one line on the first failure.
Standard library only, so it needs nothing but the Python that runs it.
"""

import argparse
import html
import http.client
import re
import secrets
import sys
import time
import urllib.parse

GROUP = "rust-berlin"
OWNER = "ada@example.org"


class JourneyFailed(Exception):
    pass


class Browser:
    """Cookies, CSRF tokens and redirects as a browser handles them (no JS)."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        parts = urllib.parse.urlsplit(self.base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields=None, referer=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.base + (referer or path)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if response.status >= 500:
            raise JourneyFailed(f"{method} {path} answered {response.status}")
        return response.status, response.getheader("Location", ""), text

    def get(self, path: str) -> str:
        status, location, text = self.request("GET", path)
        if status != 200:
            raise JourneyFailed(f"GET {path} answered {status} (to {location!r})")
        return text

    def submit(self, page: str, action: str | None = None, **fields) -> str:
        """Open page, post its form (the one posting to action), follow the redirect."""
        text = self.get(page)
        action = action or page
        pattern = rf'<form[^>]*action="{re.escape(action)}".*?</form>'
        form = re.search(pattern, text, re.S) if action != page else None
        token = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', form[0] if form else text
        )
        if token is None:
            raise JourneyFailed(f"no form posting to {action} on {page}")
        fields = {"csrfmiddlewaretoken": token[1], **fields}
        status, location, text = self.request("POST", action, fields, referer=page)
        if status != 302:
            errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)', text)
            raise JourneyFailed(f"POST {action} answered {status}: {errors[:3]}")
        return self.get(urllib.parse.urlsplit(location).path or location)


def mailbox(browser: Browser) -> list[tuple[str, str, str]]:
    """(subject, to, text) of the newest demo emails, newest first."""
    page = Browser(browser.base).get("/dev/mail/")
    mails = []
    for card in page.split('<article class="card">')[1:]:
        subject = re.search(r"<h2>(.*?)</h2>", card, re.S)[1]
        to = re.search(r"To (\S+) ·", card)[1]
        text = re.search(r'<pre class="mail-text">(.*?)</pre>', card, re.S)[1]
        mails.append((html.unescape(subject), html.unescape(to), html.unescape(text)))
    return mails


def wait_for_link(browser: Browser, address: str, used: set[str]) -> str:
    pattern = re.escape(browser.base) + r"(/accounts/link/[^\s\"<]+)"
    for _ in range(60):
        for _subject, to, text in mailbox(browser):
            for path in re.findall(pattern, text):
                if to == address and path not in used:
                    used.add(path)
                    return path
        time.sleep(0.5)
    raise JourneyFailed(f"no sign-in link for {address} on this port in the mailbox")


def sign_in_by_link(browser: Browser, page: str, used: set[str], **fields) -> None:
    browser.submit(page, **fields)
    path = wait_for_link(browser, fields["email"], used)
    profile = browser.submit(path)
    if fields["email"] not in profile and "signed in" not in profile:
        raise JourneyFailed(f"following the link did not sign {fields['email']} in")


def journey_rsvp(base: str, used: set[str], round_: int) -> tuple[str, str]:
    """Sign up → emailed link → attending. Returns (newcomer, event path)."""
    newcomer = f"newcomer-{round_}-{secrets.token_hex(3)}@example.org"
    browser = Browser(base)
    sign_in_by_link(
        browser, "/accounts/signup/", used, name=f"Newcomer {round_}", email=newcomer
    )
    group_page = browser.get(f"/groups/{GROUP}/")
    events = re.findall(r'href="(/events/\d+/)"', group_page)
    if not events:
        raise JourneyFailed(f"no upcoming event on /groups/{GROUP}/")
    event = events[0]
    page = browser.submit(event, f"{event}rsvp/", choice="attending")
    if "Your reply: attending." not in page and "waiting list" not in page:
        raise JourneyFailed(f"replying attending to {event} showed no confirmation")
    return newcomer, event


def journey_mailing(base: str, used: set[str], round_: int, event: str, newcomer: str):
    """The owner emails the members who have not replied to the event."""
    browser = Browser(base)
    sign_in_by_link(browser, "/accounts/signin/", used, email=OWNER)
    event_id = event.strip("/").split("/")[-1]
    subject = f"Round {round_}: are you coming? {secrets.token_hex(3)}"
    compose = f"/groups/{GROUP}/mailings/new/?audience=not_replied&event={event_id}"
    preview = browser.submit(
        compose,
        f"/groups/{GROUP}/mailings/new/",
        audience="not_replied",
        event=event_id,
        subject=subject,
        body="Please reply on the event page, so we know how many to expect.",
    )
    send = re.search(rf'action="(/groups/{GROUP}/mailings/\d+/send/)"', preview)
    count = re.search(r"Send to (\d+) recipient", preview)
    if not send or not count:
        raise JourneyFailed("the mailing preview has no send button with a count")
    preview_path = send[1].removesuffix("send/")
    history = browser.submit(preview_path, send[1])
    expected = int(count[1])
    if f"queued for {expected} recipient" not in history:
        raise JourneyFailed("sending the mailing showed no queued-for message")
    for _ in range(60):
        got = [to for s, to, _text in mailbox(browser) if s == subject]
        if len(got) >= min(expected, 25):
            break
        time.sleep(0.5)
    else:
        raise JourneyFailed(
            f"the mailing reached {len(got)} of {expected} in the mailbox"
        )
    if newcomer in got:
        raise JourneyFailed("the mailing to not-replied members reached an attendee")
    return expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="e.g. http://127.0.0.1:8765")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    used: set[str] = set()
    try:
        for round_ in range(1, args.rounds + 1):
            newcomer, event = journey_rsvp(args.base, used, round_)
            count = journey_mailing(args.base, used, round_, event, newcomer)
            print(
                f"round {round_}: {newcomer} signed up and is attending {event}; "
                f"{OWNER} mailed the {count} members who have not replied"
            )
    except JourneyFailed as error:
        print(f"journey failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
