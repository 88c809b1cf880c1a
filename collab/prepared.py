"""Prepared statements for the few statements every API create runs (bench/README.md, API load).

Django sends statements with their parameters bound on the client (``ClientCursor``) and never
prepares them, so PostgreSQL parses and plans each one again. For the statements of a create
(idempotency claim and record, reference, product, the chained ticket INSERT, the outbox INSERT,
the desk's people) that was about a third of PostgreSQL's CPU per create. ``cursor_prepared``
gives a cursor that binds parameters on the server and prepares every statement it runs, once
per connection (psycopg keeps the 100 most recent, per connection, and the pool keeps the
connections). Statements run through it must name their result columns (no ``SELECT *``): a
prepared plan refuses to change its result type when a migration adds a column.

Like any prepared statement this needs a session per connection: a pooler in transaction mode
(pgbouncer before 1.21) would have to run in session mode. Statements are still logged and
counted by Django (``CaptureQueriesContext``) and their errors translated, as with
``connection.cursor()``. Other databases get ``connection.cursor()``.
"""

from __future__ import annotations

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorWrapper


class _PreparingCursor(psycopg.Cursor):
    """Server-side binding, every statement prepared. The settings give the connections a
    ``prepare_threshold`` no count reaches: psycopg then prepares only what is asked (None,
    Django's default, would refuse even that)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)

    def _send_query_prepared(self, name, pgq, *, binary=None) -> None:
        # psycopg records the statement it sends on the cursor, where Django's query log reads
        # it, except when it sends a prepared one: record that too.
        self._query = pgq
        super()._send_query_prepared(name, pgq, binary=binary)


def cursor_prepared() -> CursorWrapper:
    """A cursor of the default database for ``with``, as ``connection.cursor()``, whose
    statements are prepared on PostgreSQL. Parameters are bound by the server: write ``%s`` only
    where a value may stand (no identifiers, no ``IN %s`` tuples)."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each ``connection.<name>`` is a lookup
    if db.vendor != "postgresql":
        return db.cursor()
    db.ensure_connection()
    with db.wrap_database_errors:
        return db._prepare_cursor(_PreparingCursor(db.connection))
