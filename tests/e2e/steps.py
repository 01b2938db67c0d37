"""What a person does in the browser, as small reusable steps."""

from django.core import mail
from playwright.sync_api import Page, expect

from tests.mail import LINK, path_of


def last_link_to(address: str) -> str:
    """The path of the link in the newest email to `address`."""
    found = [m for m in mail.outbox if address in m.to]
    assert found, [(m.to, m.subject) for m in mail.outbox]
    links = LINK.findall(found[-1].body)
    assert links, found[-1].body
    return path_of(links[0])


def sign_in(page: Page, email: str) -> None:
    """Ask for a sign-in link, open it from the email and confirm."""
    page.goto("/accounts/signin/")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    page.goto(last_link_to(email))
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"You are signed in as {email}.")).to_be_visible()


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def message(page: Page, text: str) -> None:
    """The page confirms what happened in its messages area."""
    expect(page.get_by_role("region", name="Messages")).to_contain_text(text)


def tab_to(page: Page, target, *, limit: int = 60) -> None:
    """Press Tab until `target` (a locator) has the keyboard focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    focused = page.evaluate("() => document.activeElement?.outerHTML")
    raise AssertionError(f"Tab never reached {target}; focus is on {focused}")
