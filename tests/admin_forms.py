"""An admin change form, read and posted back as a browser would."""

from html.parser import HTMLParser


class _ChangeForm(HTMLParser):
    """The values the form would post as it stands."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "file"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self.data[name] = name, ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n")


def change_form(client, url: str) -> dict[str, str]:
    """What the change form at `url` would post unchanged."""
    form = _ChangeForm()
    form.feed(client.get(url).content.decode())
    return form.data


def post_change(client, url: str, **changes: str):
    """Post the change form at `url` with `changes` made, as "Save" does."""
    return client.post(url, {**change_form(client, url), **changes, "_save": "Save"})
