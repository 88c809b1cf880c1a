"""Many rows written to PostgreSQL from one JSON document (``jsonb_to_recordset``).

A batch's rows travel as a single text parameter that orjson writes (``_document_text``). Django's
``bulk_create``/``bulk_update`` prepare every value and psycopg adapts each one in Python:
measured, that was 40 % of a sweep of warnings and about as long as building the tickets of an
API create (bench/README.md). ``bulk_update`` also builds one CASE per column whose cost grows
with the square of the batch (1.3 s for 500 rows). SQLite keeps Django's bulk methods.

Used by the ticket ledger's batch writers (``tickets.services.inserts``, ``tickets.sweeper``)
and the bulk runner's import records and job items (``bulk.runner``, from plain values).
Table and column names come from the models; values travel only as parameters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import orjson
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from collab.prepared import cursor_prepared


def insert_fields(model: type[Model]) -> list:
    """The columns an INSERT writes (every concrete field but the primary key)."""
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def typed_columns(fields: list) -> str:
    """The column list ``jsonb_to_recordset`` reads ``fields`` with."""
    return ", ".join(f"{field.column} {field.db_type(connection)}" for field in fields)


def json_document(rows: list, fields: list, extra: Callable[[Model], dict] | None = None) -> str:
    """``fields`` of ``rows`` (plus ``extra(row)``'s keys) as one JSON array. JSON columns travel
    as nested JSON (the ledger's JSON fields use the plain encoder, as Django would)."""
    return _document_text(
        [
            {
                **(extra(row) if extra else {}),
                **{field.column: getattr(row, field.attname) for field in fields},
            }
            for row in rows
        ]
    )


def _document_text(document: list[dict]) -> str:
    """The JSON text of a document. orjson writes it about six times faster than ``json.dumps``
    with a ``default`` for datetimes (9 against 55 ms for 1,000 ticket rows): a tenth of a bulk
    import chunk. Datetimes come out as ``isoformat`` writes them, non-string keys as strings
    (as ``json.dumps`` does); any other type raises ``TypeError``."""
    return orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS).decode()


def stamp_auto_times(model: type[Model], rows: list) -> None:
    """Set ``auto_now``/``auto_now_add`` fields on new rows, as a save would."""
    stamped = [
        field
        for field in insert_fields(model)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    for row in rows:
        for field in stamped:
            field.pre_save(row, add=True)


def mark_saved(row: Model, pk: int) -> None:
    """Give a row inserted by raw SQL its primary key and saved state, as ``bulk_create`` does."""
    row.pk = pk
    row._state.adding = False
    row._state.db = connection.alias


def rows_insert(model: type[Model], rows: list) -> None:
    """Insert many new rows and set their primary keys, like ``bulk_create``: on PostgreSQL one
    ``INSERT … SELECT … RETURNING`` that keeps the document's order."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows)
        return
    fields = insert_fields(model)
    stamp_auto_times(model, rows)
    with cursor_prepared() as cursor:
        cursor.execute(_insert_sql(model, returning=True), [json_document(rows, fields)])
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            mark_saved(row, pk)


@functools.cache
def _insert_sql(model: type[Model], *, returning: bool) -> str:
    """The INSERT of ``model`` rows from one JSON document; ``returning``: in the document's
    order, returning their ids. Built once per model: looking the column types up took 68 us
    per call, 2 % of an API create's CPU (its outbox rows)."""
    fields = insert_fields(model)
    names = ", ".join(field.column for field in fields)
    source = f"jsonb_to_recordset(%s::jsonb) AS ({typed_columns(fields)})"
    if not returning:
        return f"INSERT INTO {model._meta.db_table} ({names}) SELECT {names} FROM {source}"  # noqa: S608
    return (
        f"INSERT INTO {model._meta.db_table} ({names})"  # noqa: S608
        f" SELECT {names} FROM ROWS FROM ({source}) WITH ORDINALITY AS v({names}, position)"
        f" ORDER BY position RETURNING {model._meta.pk.column}"
    )


def values_insert(model: type[Model], rows: list[dict]) -> None:
    """Insert many new rows given as ``{attname: value}`` dicts, without building a model
    instance per row; for write-only rows whose ids nobody needs (the webhook outbox, the bulk
    runner's ledger and item rows). A column a row leaves out takes its field's default; the
    ``auto_now``/``auto_now_add`` times are set here. One prepared ``INSERT … SELECT`` from the
    document on PostgreSQL."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows])
        return
    with cursor_prepared() as cursor:
        cursor.execute(
            _insert_sql(model, returning=False), [values_document(rows, insert_fields(model))]
        )


def values_document(rows: list[dict], fields: list, extra: tuple[str, ...] = ()) -> str:
    """``fields`` of rows given as ``{attname: value}`` dicts (plus the ``extra`` keys) as one
    JSON array keyed by column: a field a row leaves out takes its default, ``auto_now`` and
    ``auto_now_add`` fields the time now."""
    now = timezone.now()
    defaults = {
        field.attname: now
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        else field.get_default()
        for field in fields
    }
    columns = [(field.column, field.attname) for field in fields] + [(key, key) for key in extra]
    return _document_text(
        [
            {column: values[attname] for column, attname in columns}
            for values in ({**defaults, **row} for row in rows)
        ]
    )


def rows_update(model: type[Model], rows: list, names: list[str]) -> None:
    """Save the fields ``names`` of many rows in one statement (``UPDATE … FROM`` the
    document on PostgreSQL)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, names)
        return
    pk = model._meta.pk
    fields = [pk] + [model._meta.get_field(name) for name in names]
    table = model._meta.db_table
    assignments = ", ".join(f"{field.column} = v.{field.column}" for field in fields[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments}"  # noqa: S608
            f" FROM jsonb_to_recordset(%s::jsonb) AS v({typed_columns(fields)})"
            f" WHERE {table}.{pk.column} = v.{pk.column}",
            [json_document(rows, fields)],
        )
