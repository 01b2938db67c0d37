"""Reading a rendered table as text, as it shows or as a screen reader reads it."""

from html.parser import HTMLParser


class _TableParser(HTMLParser):
    def __init__(self, table_id: str, *, spoken: bool):
        super().__init__(convert_charrefs=True)
        self.table_id, self.spoken = table_id, spoken
        self.inside = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.hidden_tag = ""  # the aria-hidden element being read, if any

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == self.table_id:
            self.inside = True
        elif not self.inside:
            return
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self.cell = []
        elif a.get("aria-hidden") == "true" and not self.hidden_tag:
            self.hidden_tag = tag

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == self.hidden_tag:
            self.hidden_tag = ""
        elif tag == "table":
            self.inside = False
        elif tag in ("th", "td") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None and not (self.spoken and self.hidden_tag):
            self.cell.append(data)


def table_text(html: str, table_id: str, *, spoken: bool = False) -> list[list[str]]:
    """The cells of table `table_id`, row by row, with spaces collapsed.

    With `spoken`, text inside aria-hidden elements is left out: what
    assistive technology reads. Nested tables are not expected.
    """
    parser = _TableParser(table_id, spoken=spoken)
    parser.feed(html)
    return parser.rows
