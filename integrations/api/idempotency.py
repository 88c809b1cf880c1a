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
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

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
    seen; the record's unique constraint then stops the duplicate (``_RecordedMeanwhile``)."""
    lookup = {"scope": scope, "method": method, "path": path, "key": key}
    if connection.vendor != "postgresql":
        # SQLite runs one writer at a time: the second request waits, then replays.
        return IdempotencyRecord.objects.filter(**lookup).first()
    ident = hashlib.sha256(f"{scope}\0{method}\0{path}\0{key}".encode()).digest()
    lock_id = int.from_bytes(ident[:8], "big", signed=True)
    table = IdempotencyRecord._meta.db_table
    (row,) = IdempotencyRecord.objects.raw(
        "SELECT r.*, pg_try_advisory_xact_lock(%s) AS locked FROM (SELECT 1) AS one "  # noqa: S608
        f"LEFT JOIN {table} r ON r.scope = %s AND r.method = %s AND r.path = %s AND r.key = %s",
        [lock_id, scope, method, path, key],
    )
    if not row.locked:
        raise IdempotencyInFlight()
    return row if row.pk is not None else None


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
                IdempotencyRecord.objects.create(
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
