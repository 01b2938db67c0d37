"""CSV downloads that are safe to open in a spreadsheet."""

import csv

from django.http import HttpResponse

# Spreadsheets run a cell that starts with one of these as a formula (OWASP's
# list: tab and carriage return too, which some strip before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """The value as text a spreadsheet shows rather than runs (idempotent)."""
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


class _SafeWriter:
    """A csv writer that guards every text cell, so no column can be forgotten."""

    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row) -> None:
        self._writer.writerow(csv_safe(c) if isinstance(c, str) else c for c in row)


def csv_response(filename: str, header: list[str]):
    """An attachment response and a csv writer that writes into it."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = _SafeWriter(csv.writer(response))
    writer.writerow(header)
    return response, writer
