"""``Idempotency-Key`` on POST (IETF httpapi draft, Stripe semantics).

* same key, same body, within 24 h: the stored status and body are returned, nothing is redone;
* same key, different body: 422; same key while the first request still runs: 409;
* an empty, non-printable or over-255-character key: 400.

Keys are scoped to (caller, method, path). The record is written in the transaction of the
effect under a unique constraint, so the effect and its record commit together or not at all.
Only successful (2xx) responses are stored: a refused request wrote nothing, so retrying it is
safe and answers again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from collab.prepared import cursor_prepared
from integrations.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
TTL = timedelta(hours=24)


class IdempotencyInFlight(APIException):
    status_code = 409
    default_code = "idempotency_in_flight"
    default_detail = _("A request with this Idempotency-Key is still being processed.")


class IdempotencyKeyReused(APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was used with a different request body.")


def _key_parse(raw: str) -> str:
    # The draft sends a Structured Field string ("..."); Stripe sends it bare. Accept both.
    key = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    if not key or len(key) > MAX_LENGTH or not all(" " <= ch <= "~" for ch in key):
        raise ValidationError(
            {HEADER: [_("Must be 1 to 255 printable ASCII characters.")]},
            code="invalid_idempotency_key",
        )
    return key


def _canonical(value):
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return f"file:{value.name}:{digest.hexdigest()}"
    if hasattr(value, "lists"):  # QueryDict / MultiValueDict
        return {k: [_canonical(v) for v in vs] for k, vs in value.lists()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def _fingerprint(request) -> str:
    data = _canonical(request.data)
    if hasattr(request, "FILES") and request.FILES:
        data = {"data": data, "files": _canonical(request.FILES)}
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class _RecordedMeanwhile(Exception):
    """The first request with the key committed its record after this one looked."""


def _claim(scope: str, method: str, path: str, key: str) -> IdempotencyRecord | None:
    """Mark the key as in flight and return its stored record, if any.

    On PostgreSQL one statement takes a transaction-scoped advisory lock and reads the record:
    a second request with the same key finds the lock taken and gets 409 at once instead of
    waiting. Its snapshot predates the lock, so a first request committing in between is not
    seen; the record's unique constraint then stops the duplicate (``_RecordedMeanwhile``).
    The statement is prepared and its row read without a ``RawQuerySet``: resolving the raw
    query's columns to the model cost more CPU than the statement (bench/README.md)."""
    lookup = {"scope": scope, "method": method, "path": path, "key": key}
    if connection.vendor != "postgresql":
        # SQLite runs one writer at a time: the second request waits, then replays.
        return IdempotencyRecord.objects.filter(**lookup).first()
    ident = hashlib.sha256(f"{scope}\0{method}\0{path}\0{key}".encode()).digest()
    lock_id = int.from_bytes(ident[:8], "big", signed=True)
    with cursor_prepared() as cursor:
        cursor.execute(_CLAIM_SQL, [lock_id, scope, method, path, key])
        (locked, pk, created_at, fingerprint, status_code, body) = cursor.fetchone()
    if not locked:
        raise IdempotencyInFlight()
    if pk is None:
        return None
    return IdempotencyRecord.from_db(
        connection.alias,
        None,  # every field, in the model's order
        [pk, scope, method, path, key, fingerprint, status_code, _json(body), created_at],
    )


def _json(text: str | None):
    # Django loads jsonb columns as text; the JSONField decodes them.
    return None if text is None else json.loads(text)


_TABLE = IdempotencyRecord._meta.db_table
# Table and column names come from the model; every value is a parameter.
_CLAIM_SQL = (
    "SELECT pg_try_advisory_xact_lock(%s), r.id, r.created_at, r.fingerprint, r.status_code,"  # noqa: S608
    f" r.response_body FROM (SELECT 1) AS one LEFT JOIN {_TABLE} r"
    " ON r.scope = %s AND r.method = %s AND r.path = %s AND r.key = %s"
)
_RECORD_SQL = (
    f"INSERT INTO {_TABLE} (scope, method, path, key, fingerprint, status_code,"  # noqa: S608
    " response_body, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s)"
)


def _record(**values) -> None:
    """Store the response under its key (``IntegrityError`` if another request stored it
    first). On PostgreSQL a prepared INSERT: the ORM's compiler cost a create about as much as
    everything else the record does."""
    if connection.vendor != "postgresql":
        IdempotencyRecord.objects.create(**values)
        return
    data = values["response_body"]
    # As the JSONField writes it: SQL NULL for None, else its encoder's text.
    body = None if data is None else json.dumps(data, cls=DjangoJSONEncoder)
    with cursor_prepared() as cursor:
        cursor.execute(
            _RECORD_SQL,
            [
                values["scope"],
                values["method"],
                values["path"],
                values["key"],
                values["fingerprint"],
                values["status_code"],
                body,
                timezone.now(),
            ],
        )


def idempotent(request, scope: str, effect: Callable[[], Response]) -> Response:
    """Run ``effect`` at most once per key; without the header it simply runs."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return effect()
    key = _key_parse(raw)
    fingerprint = _fingerprint(request)
    try:
        return _once(request, scope, key, fingerprint, effect)
    except _RecordedMeanwhile:
        # Ours rolled back; the record is visible now: replay it (or 422).
        return _once(request, scope, key, fingerprint, effect)


def _once(
    request, scope: str, key: str, fingerprint: str, effect: Callable[[], Response]
) -> Response:
    method, path = request.method, request.path
    with transaction.atomic():
        record = _claim(scope, method, path, key)
        if record is not None and record.created_at < timezone.now() - TTL:
            record.delete()  # expired: the key may be used afresh
            record = None
        if record is not None:
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            return Response(
                record.response_body,
                status=record.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
        response = effect()
        if 200 <= response.status_code < 300:
            try:
                _record(
                    scope=scope,
                    method=method,
                    path=path,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=response.status_code,
                    response_body=response.data,
                )
            except IntegrityError as exc:
                raise _RecordedMeanwhile from exc
        return response
