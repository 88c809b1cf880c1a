"""Turning one spreadsheet row into the arguments of ``tickets.services.ticket_create``.

Columns (header names, case-insensitive): ``category`` (a category code; optional when the job
names one), ``order_number``, ``subject``, ``description``, ``sku``, ``product_name``,
``brand`` and ``merchant`` (partner slugs), ``livestream_session``, ``priority``,
``buyer_name``, ``buyer_phone``, ``buyer_province``, ``buyer_city``, ``buyer_district``,
``buyer_address_detail``, ``buyer_consent``. Every other column is a field of the category's
form; an object field is spread over dotted columns (``new_address.province``), an array field
is one cell with ``|`` between items. Values are converted to the type the form schema asks for
and then validated by ``ticket_create`` like any other ticket.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

from tenants.models import Party
from tickets.models import Channel, TicketCategory

BASE_COLUMNS = frozenset(
    {
        "category",
        "order_number",
        "subject",
        "description",
        "sku",
        "product_name",
        "brand",
        "merchant",
        "livestream_session",
        "priority",
        "buyer_name",
        "buyer_phone",
        "buyer_province",
        "buyer_city",
        "buyer_district",
        "buyer_address_detail",
        "buyer_consent",
    }
)
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "对", "✓"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "否", ""})


class RowError(Exception):
    """A row that cannot become a ticket; ``message`` goes to the error file."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ImportContext:
    """What every row of one job shares: the categories and the partners it may name."""

    default_category: TicketCategory | None
    categories: dict[str, TicketCategory]
    partners: dict[str, Party]


def request_hash(category_code: str, record: dict[str, str]) -> str:
    """The identity of a request: same category and same non-empty cells give the same hash,
    whatever the column order or surrounding whitespace."""
    cells = {k: v.strip() for k, v in record.items() if v and v.strip()}
    cells["category"] = category_code
    return hashlib.sha256(
        json.dumps(cells, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _convert(value: str, prop: dict, column: str):
    kind = prop.get("type")
    if kind == "boolean":
        lowered = value.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise RowError("invalid", _("%(column)s: expected yes or no.") % {"column": column})
    if kind in ("number", "integer"):
        try:
            number = float(value)
        except ValueError as exc:
            raise RowError(
                "invalid", _("%(column)s: expected a number.") % {"column": column}
            ) from exc
        return int(number) if kind == "integer" and number.is_integer() else number
    if kind == "array":
        return [part.strip() for part in value.split("|") if part.strip()]
    return value


def _form_data(record: dict[str, str], schema: dict) -> dict:
    properties = schema.get("properties", {})
    data: dict = {}
    for column, value in record.items():
        if column in BASE_COLUMNS or not value:
            continue
        name, _dot, sub = column.partition(".")
        prop = properties.get(name)
        if prop is None:
            data[column] = value  # unknown field: the schema validation names it
        elif sub:
            sub_prop = prop.get("properties", {}).get(sub, {})
            data.setdefault(name, {})[sub] = _convert(value, sub_prop, column)
        else:
            data[name] = _convert(value, prop, column)
    return data


def _party(ctx: ImportContext, slug: str, column: str) -> Party | None:
    if not slug:
        return None
    party = ctx.partners.get(slug)
    if party is None:
        # Only the owner's partners resolve, so an import never reveals other parties.
        raise RowError(
            "invalid", _("%(column)s: no partner %(slug)s.") % {"column": column, "slug": slug}
        )
    return party


def category_of(ctx: ImportContext, record: dict[str, str]) -> TicketCategory:
    code = record.get("category", "")
    if not code:
        if ctx.default_category is None:
            raise RowError("invalid", _("category: a category code is required."))
        return ctx.default_category
    category = ctx.categories.get(code)
    if category is None:
        raise RowError("invalid", _("category: unknown category %(code)s.") % {"code": code})
    return category


def ticket_arguments(ctx: ImportContext, category: TicketCategory, record: dict[str, str]) -> dict:
    """Keyword arguments for ``ticket_create``; raises ``RowError`` for what only the file can
    get wrong (unknown partner, a cell of the wrong type). The form itself is validated by the
    service."""
    order_number = record.get("order_number", "")
    if not order_number:
        raise RowError("invalid", _("order_number: an order number is required."))
    if len(order_number) > 64:
        raise RowError("invalid", _("order_number: at most 64 characters."))
    address = {
        part: record.get(f"buyer_{column}", "")
        for part, column in (
            ("province", "province"),
            ("city", "city"),
            ("district", "district"),
            ("detail", "address_detail"),
        )
        if record.get(f"buyer_{column}")
    }
    consent = _convert(record.get("buyer_consent", ""), {"type": "boolean"}, "buyer_consent")
    return {
        "category": category,
        "subject": record.get("subject") or f"{category.label}: {order_number}",
        "description": record.get("description", ""),
        "priority": record.get("priority") or "normal",
        "channel": Channel.IMPORT,
        "order_number": order_number,
        "sku": record.get("sku", "")[:64],
        "product_name": record.get("product_name", "")[:200],
        "brand": _party(ctx, record.get("brand", ""), "brand"),
        "merchant": _party(ctx, record.get("merchant", ""), "merchant"),
        "livestream_session": record.get("livestream_session", "")[:120],
        "buyer_name": record.get("buyer_name", "")[:80],
        "buyer_phone": record.get("buyer_phone", "")[:32],
        "buyer_address": address,
        "buyer_consent": consent,
        "form_data": _form_data(record, category.form_schema),
    }
