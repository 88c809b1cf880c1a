"""Export rows: the columns a party may see, built from ``ticket_for_party`` so masking holds.

Writers stream: CSV row by row into a file, XLSX through openpyxl's write-only mode. Memory does
not grow with the number of rows (see tests/bulk/test_export.py).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO

from openpyxl import Workbook

from tickets.models import TicketCategory

from .models import FileFormat

BASE_COLUMNS = [
    "reference",
    "state",
    "category",
    "priority",
    "channel",
    "subject",
    "order_number",
    "sku",
    "product",
    "brand",
    "merchant",
    "buyer_name",
    "buyer_phone",
    "buyer_province",
    "buyer_city",
    "buyer_district",
    "buyer_address_detail",
    "handler",
    "custody",
    "assignee",
    "outcome",
    "resolution_note",
    "resolve_by",
    "created_at",
    "resolved_at",
]

# A cell starting with one of these runs as a formula in Excel (CSV injection); buyer-typed text
# must never do that.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def columns_for(category: TicketCategory | None) -> list[str]:
    """Base columns, then one per form field when the export is of one category (a shipping list
    wants size and colour as columns), else the whole form as JSON."""
    if category is None:
        return [*BASE_COLUMNS, "form_data"]
    fields = [f"form.{name}" for name in category.form_schema.get("properties", {})]
    return [*BASE_COLUMNS, *fields]


def _name(ref: dict | None) -> str:
    return ref["name"] if ref else ""


def _safe(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def row_of(payload: dict, columns: list[str]) -> list[str]:
    """One export row from a ``ticket_for_party`` payload."""
    order, buyer = payload["order"], payload["buyer"]
    address = buyer["address"] or {}
    values = {
        "reference": payload["reference"],
        "state": payload["state"],
        "category": payload["category"],
        "priority": payload["priority"],
        "channel": payload["channel"],
        "subject": payload["subject"],
        "order_number": order["number"],
        "sku": order["sku"],
        "product": order["product"],
        "brand": _name(order["brand"]),
        "merchant": _name(order["merchant"]),
        "buyer_name": buyer["name"],
        "buyer_phone": buyer["phone"],
        "buyer_province": address.get("province", ""),
        "buyer_city": address.get("city", ""),
        "buyer_district": address.get("district", ""),
        "buyer_address_detail": address.get("detail", ""),
        "handler": _name(payload["handler"]),
        "custody": _name(payload["custody"]),
        "assignee": payload["assignee"],
        "outcome": payload["outcome"],
        "resolution_note": payload["resolution_note"],
        "resolve_by": payload["resolve_by"],
        "created_at": payload["created_at"],
        "resolved_at": payload["resolved_at"],
        "form_data": payload["form_data"],
    }
    form = payload["form_data"]
    return [_safe(form.get(c[5:]) if c.startswith("form.") else values.get(c)) for c in columns]


class _Echo:
    """A file-like whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """CSV text line by line (header first, UTF-8 BOM so Excel opens Chinese text correctly)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(columns)
    for row in rows:
        yield writer.writerow(row)


def write_file(target: IO[bytes], file_format: str, columns: list[str], rows: Iterable) -> None:
    """Write all rows to an open binary file without holding them in memory."""
    if file_format == FileFormat.XLSX:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(columns)
        for row in rows:
            sheet.append(row)
        workbook.save(target)
        return
    for line in csv_lines(columns, rows):
        target.write(line.encode())
