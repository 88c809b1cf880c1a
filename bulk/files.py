"""Reading uploaded CSV/XLSX files row by row and writing result files, in flat memory.

CSV is read as UTF-8 (with or without the BOM Excel writes); XLSX through openpyxl's read-only
mode, which streams the sheet instead of loading it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from zipfile import BadZipFile

from django.core.files import File
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from tickets.errors import TicketValidationError

from .models import FileFormat

# Spreadsheets of a peak half-month reach ~21,000 rows; this bounds a runaway upload.
MAX_ROWS = 200_000


def file_format_of(name: str) -> str:
    """The format named by the file's extension; anything else is refused."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return FileFormat.CSV
    if lowered.endswith(".xlsx"):
        return FileFormat.XLSX
    raise TicketValidationError(
        _("Upload a .csv or .xlsx file."),
        field_errors={"file": [_("Upload a .csv or .xlsx file.")]},
    )


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores order numbers typed as numbers as floats
    return str(value).strip()


def _rows_csv(source: File) -> Iterator[list[str]]:
    source.open("rb")
    try:
        text = io.TextIOWrapper(source.file, encoding="utf-8-sig", newline="")
        try:
            yield from csv.reader(text)
        finally:
            text.detach()
    finally:
        source.close()


def _rows_xlsx(source: File) -> Iterator[list[str]]:
    source.open("rb")
    try:
        workbook = load_workbook(source.file, read_only=True, data_only=True)
        try:
            for values in workbook.worksheets[0].iter_rows(values_only=True):
                yield [_cell(v) for v in values]
        finally:
            workbook.close()
    finally:
        source.close()


def records(source: File, file_format: str) -> Iterator[tuple[int, dict[str, str]]]:
    """``(row number, {header: value})`` for each data row; row numbers count the header as 1,
    as a spreadsheet shows them. Blank rows are skipped but keep their numbers."""
    reader = _rows_xlsx(source) if file_format == FileFormat.XLSX else _rows_csv(source)
    try:
        header = next(reader)
    except StopIteration:
        return
    except (UnicodeDecodeError, csv.Error, OSError, ValueError, KeyError, BadZipFile) as exc:
        raise TicketValidationError(_("The file cannot be read: %(e)s") % {"e": exc}) from exc
    names = [_cell(name).lower() for name in header]
    try:
        for number, values in enumerate(reader, start=2):
            cells = [_cell(v) for v in values]
            if not any(cells):
                continue
            yield (
                number,
                {name: cells[i] if i < len(cells) else "" for i, name in enumerate(names) if name},
            )
    except (UnicodeDecodeError, csv.Error) as exc:
        raise TicketValidationError(_("The file cannot be read: %(e)s") % {"e": exc}) from exc


def records_count(source: File, file_format: str) -> int:
    """Data rows in the file, so progress has a denominator; refuses oversized files."""
    count = 0
    for count, _record in enumerate(records(source, file_format), start=1):
        if count > MAX_ROWS:
            raise TicketValidationError(
                _("At most %(n)s rows per file.") % {"n": f"{MAX_ROWS:,}"},
                field_errors={"file": [_("Too many rows.")]},
            )
    return count
