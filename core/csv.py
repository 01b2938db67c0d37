"""CSV downloads that are safe to open in a spreadsheet."""

import csv

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@")


def csv_safe(value: str) -> str:
    # Spreadsheets run cells that start with these as formulas.
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


def csv_response(filename: str, header: list[str]):
    """An attachment response and a csv writer that writes into it."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    return response, writer
