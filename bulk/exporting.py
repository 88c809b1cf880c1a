"""Export rows: the columns a party may see, masked exactly as ``ticket_for_party`` masks them.

Writers stream: CSV row by row into a file, XLSX through ``bulk.xlsx``. Memory does
not grow with the number of rows (see tests/bulk/test_export.py).
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Iterator
from typing import IO

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from tenants.models import Party
from tickets.masking import mask_address, mask_form_data, mask_name, mask_phone
from tickets.models import Ticket, TicketCategory
from tickets.projections import buyer_data_visible

from .models import FileFormat
from .xlsx import xlsx_write

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


# The ticket columns an export reads, in the order ``rows_for_party`` unpacks them.
TICKET_FIELDS = (
    "reference",
    "state",
    "category_id",
    "priority",
    "channel",
    "subject",
    "order_number",
    "sku",
    "product_name",
    "brand_id",
    "merchant_id",
    "buyer_name",
    "buyer_phone",
    "buyer_address",
    "handler_id",
    "custody_party_id",
    "assignee_id",
    "outcome",
    "resolution_note",
    "resolve_by",
    "created_at",
    "resolved_at",
    "form_data",
    "originator_id",
    "buyer_consent",
)
CHUNK_ROWS = 2_000


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cells(values: list) -> list[str]:
    # Nearly every value is already a harmless string: test that inline and call ``_cell`` only
    # for the rest (a call per cell was a fifth of a 100,000-row export).
    return [v if type(v) is str and not v.startswith(FORMULA_STARTS) else _cell(v) for v in values]


def rows_for_party(
    tickets: QuerySet[Ticket], party: Party, category: TicketCategory | None
) -> Iterator[list[str]]:
    """The rows of ``columns_for(category)`` for ``tickets`` as ``party`` sees them: the same
    values and masking as ``ticket_for_party`` (``buyer_data_visible`` and the same maskers),
    read as plain column values through a server-side cursor, ``CHUNK_ROWS`` at a time.

    A ``Ticket`` and a ``ticket_for_party`` payload per row were most of a 100,000-row export's
    time; categories, party names and assignees repeat across rows, so each is read once."""
    form_fields = list(category.form_schema.get("properties", {})) if category else None
    categories = {c.pk: c for c in TicketCategory.objects.all()}
    names: dict[int | None, str] = {None: ""}
    usernames: dict[int | None, str | None] = {None: None}
    values = tickets.values_list(*TICKET_FIELDS).iterator(chunk_size=CHUNK_ROWS)
    while chunk := list(itertools.islice(values, CHUNK_ROWS)):
        _lookups_add(chunk, names, usernames)
        for (
            reference,
            state,
            category_id,
            priority,
            channel,
            subject,
            order_number,
            sku,
            product_name,
            brand_id,
            merchant_id,
            buyer_name,
            buyer_phone,
            buyer_address,
            handler_id,
            custody_party_id,
            assignee_id,
            outcome,
            resolution_note,
            resolve_by,
            created_at,
            resolved_at,
            form_data,
            originator_id,
            buyer_consent,
        ) in chunk:
            ticket_category = categories[category_id]
            if not buyer_data_visible(
                party,
                originator_id=originator_id,
                merchant_id=merchant_id,
                handler_id=handler_id,
                consent=buyer_consent,
            ):
                buyer_name = mask_name(buyer_name)
                buyer_phone = mask_phone(buyer_phone)
                buyer_address = mask_address(buyer_address)
                form_data = mask_form_data(form_data, ticket_category.form_schema)
            address = buyer_address or {}
            row = [
                reference,
                state,
                ticket_category.code,
                priority,
                channel,
                subject,
                order_number,
                sku,
                product_name,
                names[brand_id],
                names[merchant_id],
                buyer_name,
                buyer_phone,
                address.get("province", ""),
                address.get("city", ""),
                address.get("district", ""),
                address.get("detail", ""),
                names[handler_id],
                names[custody_party_id],
                usernames[assignee_id],
                outcome,
                resolution_note,
                resolve_by.isoformat() if resolve_by else None,
                created_at.isoformat() if created_at else None,
                resolved_at.isoformat() if resolved_at else None,
            ]
            if form_fields is None:
                row.append(form_data)
            else:
                row.extend(form_data.get(name) for name in form_fields)
            yield _cells(row)


def _lookups_add(chunk: list[tuple], names: dict, usernames: dict) -> None:
    """Add the chunk's party names and assignee usernames not seen before: a query each at most."""
    brand, merchant, handler, custody, assignee = (
        TICKET_FIELDS.index(f)
        for f in ("brand_id", "merchant_id", "handler_id", "custody_party_id", "assignee_id")
    )
    party_ids = {
        row[i] for row in chunk for i in (brand, merchant, handler, custody)
    } - names.keys()
    if party_ids:
        names.update(Party.objects.filter(pk__in=party_ids).values_list("pk", "name"))
    user_ids = {row[assignee] for row in chunk} - usernames.keys()
    if user_ids:
        users = get_user_model().objects.in_bulk(user_ids)
        usernames.update((pk, user.get_username()) for pk, user in users.items())


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
        xlsx_write(target, columns, rows)
        return
    for line in csv_lines(columns, rows):
        target.write(line.encode())
