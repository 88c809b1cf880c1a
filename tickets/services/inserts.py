"""New tickets with their events, participants and custody periods written in one statement.

On PostgreSQL the four tables are filled by one ``INSERT`` per table chained in a single
statement (data-modifying CTEs), each reading its rows from one JSON document with
``json_to_recordset``. Measured on an API create: four round trips become one, and the values
are no longer prepared by Django and adapted by psycopg one by one in Python (``bulk_create``
spent about as long on that as on building the tickets). SQLite keeps ``bulk_create``.

The documents are read as ``json``, not ``jsonb``: each is read once, field by field, so
converting it to ``jsonb`` first only costs time (~10 % of the statement for a 1,000-ticket
import chunk, foreign-key checks included).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.db import connection
from django.db.models import Model

from collab.prepared import cursor_prepared
from integrations.models import WebhookDelivery

from ..models import Custody, Participant, Ticket, TicketEvent
from ..recordsets import (
    insert_fields,
    json_document,
    mark_saved,
    stamp_auto_times,
    typed_columns,
    values_document,
)

# The children of a new ticket, in the order they are inserted and their ids returned.
_CHILDREN = (TicketEvent, Participant, Custody)


def tickets_insert(
    tickets: list[Ticket],
    events: list[TicketEvent],
    participants: list[Participant],
    periods: list[Custody],
    outbox: Callable[[list[TicketEvent]], list[dict]] | None = None,
) -> bool:
    """Insert new tickets and their rows, setting every primary key as ``bulk_create`` would.

    ``outbox`` gives the events' webhook deliveries (``integrations.outbox.deliveries_rows``)
    once their times are set: on PostgreSQL they are written by the same statement, which finds
    each row's event by its ticket and sequence (a round trip and a statement fewer per create).
    Returns whether it wrote them; elsewhere the caller writes them after this."""
    children = (events, participants, periods)
    if connection.vendor != "postgresql":
        Ticket.objects.bulk_create(tickets)
        for model, rows in zip(_CHILDREN, children, strict=True):
            model.objects.bulk_create(rows)
        return False
    for model, rows in ((Ticket, tickets), *zip(_CHILDREN, children, strict=True)):
        stamp_auto_times(model, rows)
    deliveries = outbox(events) if outbox else []
    documents = _documents(tickets, children)
    if deliveries:
        documents.append(values_document(deliveries, _DELIVERY_FIELDS, ("ticket_reference",)))
    with cursor_prepared() as cursor:
        cursor.execute(_statement(with_deliveries=bool(deliveries)), documents)
        returned = cursor.fetchall()
    by_table: list[list[int]] = [[] for _model in (Ticket, *_CHILDREN)]
    for table, pk in returned:
        by_table[table].append(pk)
    for rows, pks in zip((tickets, *children), by_table, strict=True):
        for row, pk in zip(rows, pks, strict=True):
            mark_saved(row, pk)
    for rows in children:
        for row in rows:
            row.ticket = row.ticket  # sets ticket_id and keeps the ticket, as bulk_create does
    return outbox is not None


def _child_fields(model: type[Model]) -> list:
    return [field for field in insert_fields(model) if field.name != "ticket"]


def _documents(tickets: list[Ticket], children: tuple[list, ...]) -> list[str]:
    """The statement's parameters: one JSON document per table, in the statement's order."""
    return [
        json_document(tickets, insert_fields(Ticket)),
        *(
            json_document(rows, _child_fields(model), _ticket_reference)
            for model, rows in zip(_CHILDREN, children, strict=True)
        ),
    ]


@functools.cache
def _statement(*, with_deliveries: bool) -> str:
    """The chained INSERTs (built once: they depend on the models only); children find their
    ticket's new id by its unique reference, deliveries their event's by the ticket and the
    event's sequence. Each INSERT keeps its document's order (``ORDER BY`` the ordinality), so
    the ids come back in the order of the rows, table by table (the first column says which)."""
    fields = insert_fields(Ticket)
    names = ", ".join(field.column for field in fields)
    parts = [
        f"t AS (INSERT INTO {Ticket._meta.db_table} ({names}) SELECT {names} FROM ROWS FROM"  # noqa: S608
        f" (json_to_recordset(%s::json) AS ({typed_columns(fields)})) WITH ORDINALITY AS"
        f" v({names}, position) ORDER BY position RETURNING id, reference)"
    ]
    returned = ["SELECT 0, id FROM t"]
    for number, model in enumerate(_CHILDREN, start=1):
        fields = _child_fields(model)
        names = ", ".join(field.column for field in fields)
        values = ", ".join(f"v.{field.column}" for field in fields)
        # Events return their ticket and sequence too, for the deliveries to find them.
        returning = "id, ticket_id, seq" if model is TicketEvent else "id"
        parts.append(
            f"c{number} AS (INSERT INTO {model._meta.db_table} (ticket_id, {names})"  # noqa: S608
            f" SELECT t.id, {values} FROM ROWS FROM (json_to_recordset(%s::json) AS"
            f" (ticket_reference text, {typed_columns(fields)})) WITH ORDINALITY AS"
            f" v(ticket_reference, {names}, position) JOIN t ON t.reference = v.ticket_reference"
            f" ORDER BY v.position RETURNING {returning})"
        )
        returned.append(f"SELECT {number}, id FROM c{number}")  # noqa: S608
    if with_deliveries:
        names = ", ".join(field.column for field in _DELIVERY_FIELDS)
        values = ", ".join(f"v.{field.column}" for field in _DELIVERY_FIELDS)
        parts.append(
            f"d AS (INSERT INTO {WebhookDelivery._meta.db_table} (event_id, ticket_id, {names})"  # noqa: S608
            f" SELECT e.id, e.ticket_id, {values} FROM ROWS FROM (jsonb_to_recordset(%s::jsonb)"
            f" AS ({typed_columns(_DELIVERY_FIELDS)}, ticket_reference text)) WITH ORDINALITY"
            f" AS v({names}, ticket_reference, position)"
            " JOIN t ON t.reference = v.ticket_reference"
            " JOIN c1 e ON e.ticket_id = t.id AND e.seq = v.seq ORDER BY v.position)"
        )
    # Table and column names come from the models, the values travel as parameters.
    return "WITH " + ", ".join(parts) + " " + " UNION ALL ".join(returned)


# A delivery's columns but the two ``tickets_insert`` takes from the event it inserts.
_DELIVERY_FIELDS = [
    field
    for field in insert_fields(WebhookDelivery)
    if field.attname not in ("event_id", "ticket_id")
]


def _ticket_reference(row: Model) -> dict:
    return {"ticket_reference": row.ticket.reference}
