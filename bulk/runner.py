"""Running a bulk job: committed chunks, resumable from ``BulkJob.offset``.

Every chunk is one transaction that locks the job row, re-checks the offset, writes the chunk's
tickets or transitions (each through ``tickets.services``, each in its own savepoint), the item
rows and the new offset. A crash rolls back only the chunk in flight; the next run starts at the
committed offset, and the import ledger (``ImportRecord``) would catch any replayed row anyway.
Two runners on one job queue on the job row lock and the second stops when it sees the offset
moved.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable, Iterable, Iterator

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.collector import collector_paused
from tenants.actors import Actor
from tenants.models import Party
from tenants.selectors import membership_get, partner_qs_for_streamer
from tickets import services
from tickets.errors import TicketError
from tickets.models import TicketCategory
from tickets.recordsets import values_insert
from tickets.selectors import ticket_get_for_party

from . import exporting, files
from .importing import (
    ImportContext,
    RowError,
    category_of,
    request_hash,
    ticket_arguments,
)
from .models import BulkJob, BulkJobItem, BulkKind, BulkStatus, ImportRecord, ItemOutcome
from .progress import progress_push_on_commit
from .selection import ticket_qs_selected

CHUNK_SIZE = 250
# Import chunks are larger: each chunk pays a fixed cost (its commit, the job row, the progress
# and live pushes, a dozen statements) that 1,000 rows share better than 250, while a crash
# still redoes at most one chunk and a progress bar still moves about once a second.
IMPORT_CHUNK_SIZE = 1_000
EXPORT_PROGRESS_EVERY = 2_000

# (outcome, reference, code, message) for one row or ticket.
ItemResult = tuple[str, str, str, str]


class JobCannotRun(TicketError):
    code = "job_cannot_run"


def job_actor(job: BulkJob) -> Actor:
    """Who the job acts as: the key or person that started it, as they are *now* (a revoked key
    or a removed member stops the job)."""
    if job.created_by_api_key_id is not None:
        key = job.created_by_api_key
        if not key.is_active:
            raise JobCannotRun(_("The API key that started this job was revoked."))
        return Actor.for_api_key(key)
    if job.created_by_id is not None:
        membership = membership_get(user=job.created_by, party_id=job.owner_id)
        if membership is not None:
            return Actor.for_membership(membership)
    raise JobCannotRun(_("The person who started this job no longer belongs to the party."))


def error_text(exc: TicketError) -> str:
    if not exc.field_errors:
        return exc.message
    return "; ".join(
        f"{field}: {' '.join(str(m) for m in messages)}"
        for field, messages in exc.field_errors.items()
    )


def _chunk_commit(
    job: BulkJob, position: int, chunk: list[tuple[int, object]], handle_chunk: Callable
) -> bool:
    """Process one chunk in one transaction; False if another runner already did it."""
    with collector_paused(), transaction.atomic():
        locked = BulkJob.objects.select_for_update().get(pk=job.pk)
        if locked.offset != position or locked.is_done:
            return False
        # The chunk's events are published together: one outbox write, one live push.
        with services.side_effects_batched():
            results = handle_chunk(chunk)
        values_insert(
            BulkJobItem,
            [
                {
                    "job_id": locked.pk,
                    "row": row,
                    "reference": reference,
                    "outcome": outcome,
                    "code": code,
                    "message": message,
                }
                for (row, _payload), (outcome, reference, code, message) in zip(
                    chunk, results, strict=True
                )
            ],
        )
        outcomes = [outcome for outcome, _reference, _code, _message in results]
        locked.offset = position + len(chunk)
        locked.succeeded += outcomes.count(ItemOutcome.DONE)
        locked.skipped += outcomes.count(ItemOutcome.SKIPPED)
        locked.failed += outcomes.count(ItemOutcome.FAILED)
        locked.save(update_fields=["offset", "succeeded", "skipped", "failed"])
        progress_push_on_commit(locked)
    job.refresh_from_db()
    return True


def _chunks_run(
    job: BulkJob,
    entries: Iterator[tuple[int, object]],
    handle_chunk: Callable[[list], list[ItemResult]],
    max_chunks: int | None,
    prepare: Callable[[list], None] | None = None,
    *,
    size: int,
) -> bool:
    """Feed ``entries`` (already past the committed offset) chunk by chunk; True when all done."""
    position, count = job.offset, 0
    while chunk := list(itertools.islice(entries, size)):
        if max_chunks is not None and count >= max_chunks:
            return False
        if prepare is not None:
            prepare(chunk)
        if not _chunk_commit(job, position, chunk, handle_chunk):
            return False
        position, count = position + len(chunk), count + 1
    return True


# Imports


def _import_context(job: BulkJob) -> ImportContext:
    categories = {c.code: c for c in TicketCategory.objects.filter(is_active=True)}
    default = categories.get(job.params.get("category", ""))
    partners = {p.slug: p for p in partner_qs_for_streamer(job.owner)}
    return ImportContext(default_category=default, categories=categories, partners=partners)


def _run_import(job: BulkJob, actor: Actor, max_chunks: int | None) -> bool:
    ctx = _import_context(job)
    known: dict[tuple[str, int, str], str] = {}
    digests: dict[int, str] = {}  # the chunk's request hashes by row, computed once

    def prepare(chunk: list) -> None:
        # One query per chunk tells which requests were imported before (any earlier file):
        # the chunk's order numbers probed in the ledger's unique index (owner, order number,
        # ...), the hashes compared here. A second ``IN`` list on the hashes made PostgreSQL
        # (before 17) probe the index for every pair of order and hash: 62,500 probes, 200 ms,
        # for a chunk of 250.
        digests.clear()
        orders = set()
        for row, record in chunk:
            try:
                digests[row] = request_hash(category_of(ctx, record).code, record)
            except RowError:
                continue
            orders.add(record.get("order_number", ""))
        hashes = set(digests.values())
        known.clear()
        for order, category_id, digest, reference in ImportRecord.objects.filter(
            owner=job.owner, order_number__in=orders
        ).values_list("order_number", "category_id", "request_hash", "ticket__reference"):
            if digest in hashes:
                known[(order, category_id, digest)] = reference

    def handle(row: int, record: dict) -> ItemResult:
        try:
            category = category_of(ctx, record)
            arguments = ticket_arguments(ctx, category, record)
        except RowError as exc:
            return ItemOutcome.FAILED, "", exc.code, exc.message
        key = (arguments["order_number"], category.pk, digests[row])
        if key in known:
            return ItemOutcome.SKIPPED, known[key], "duplicate", _("Imported before.")
        try:
            with transaction.atomic():
                ticket, _token = services.ticket_create(
                    actor=actor, originator=job.owner, **arguments
                )
                ImportRecord.objects.create(
                    owner=job.owner,
                    order_number=key[0],
                    category=category,
                    request_hash=key[2],
                    ticket=ticket,
                    job=job,
                )
        except TicketError as exc:
            return ItemOutcome.FAILED, "", exc.code, error_text(exc)
        except IntegrityError:
            # A concurrent import of the same request committed first.
            return ItemOutcome.SKIPPED, "", "duplicate", _("Imported before.")
        known[key] = ticket.reference
        return ItemOutcome.DONE, ticket.reference, "", ""

    def handle_chunk(chunk: list) -> list[ItemResult]:
        """The chunk's new requests through ``ticket_create_many`` (one statement per table);
        should a concurrent import of one of them commit first (the ledger's unique
        constraint), the chunk goes row by row instead, so only that row is skipped."""
        results: list[ItemResult | None] = [None] * len(chunk)
        first_of: dict[tuple[str, int, str], int] = {}
        wanted: list[tuple[int, tuple[str, int, str], dict]] = []
        for index, (row, record) in enumerate(chunk):
            try:
                category = category_of(ctx, record)
                arguments = ticket_arguments(ctx, category, record)
            except RowError as exc:
                results[index] = (ItemOutcome.FAILED, "", exc.code, exc.message)
                continue
            key = (arguments["order_number"], category.pk, digests[row])
            if key in known or key in first_of:
                continue  # a repeat: settled below, after the first of its kind
            first_of[key] = index
            wanted.append((index, key, arguments))
        try:
            with transaction.atomic():
                created = services.ticket_create_many(
                    actor=actor, originator=job.owner, requests=[a for _i, _k, a in wanted]
                )
                records = []
                for (index, key, _arguments), result in zip(wanted, created, strict=True):
                    if isinstance(result, TicketError):
                        results[index] = (ItemOutcome.FAILED, "", result.code, error_text(result))
                        continue
                    ticket, _token = result
                    records.append(
                        {
                            "owner_id": job.owner_id,
                            "order_number": key[0],
                            "category_id": key[1],
                            "request_hash": key[2],
                            "ticket_id": ticket.pk,
                            "job_id": job.pk,
                        }
                    )
                    results[index] = (ItemOutcome.DONE, ticket.reference, "", "")
                values_insert(ImportRecord, records)
        except IntegrityError:
            return [handle(row, record) for row, record in chunk]
        for (_index, key, _arguments), result in zip(wanted, created, strict=True):
            if not isinstance(result, TicketError):
                known[key] = result[0].reference
        for index, (row, record) in enumerate(chunk):
            if results[index] is None:  # a repeat of an earlier request: the one-row answer
                results[index] = handle(row, record)
        return results  # type: ignore[return-value]

    entries = itertools.islice(files.records(job.source, job.file_format), job.offset, None)
    return _chunks_run(job, entries, handle_chunk, max_chunks, prepare, size=IMPORT_CHUNK_SIZE)


# Transitions


def transition_arguments(job: BulkJob) -> dict:
    args = dict(job.params.get("args", {}))
    if "to_party" in args:
        args["to_party"] = Party.objects.get(pk=args["to_party"])
    if "assignee" in args:
        args["assignee"] = get_user_model().objects.get(pk=args["assignee"])
    return args


def _run_transition(job: BulkJob, actor: Actor, max_chunks: int | None) -> bool:
    action = job.params["action"]
    args = transition_arguments(job)

    def handle(row: int, reference: str) -> ItemResult:
        try:
            ticket = ticket_get_for_party(job.owner, reference)
            if action == "assign":
                services.ticket_assign(ticket=ticket, actor=actor, assignee=args["assignee"])
            elif action == "comment":
                services.comment_add(ticket=ticket, actor=actor, **args)
            else:
                services.ticket_perform(ticket=ticket, action=action, actor=actor, **args)
        except TicketError as exc:
            return ItemOutcome.FAILED, reference, exc.code, error_text(exc)
        return ItemOutcome.DONE, reference, "", ""

    references = job.params.get("references", [])
    entries = ((i + 2, ref) for i, ref in enumerate(references) if i >= job.offset)
    return _chunks_run(
        job,
        iter(entries),
        lambda chunk: [handle(row, ref) for row, ref in chunk],
        max_chunks,
        size=CHUNK_SIZE,
    )


# Exports


def export_rows(job: BulkJob, category: TicketCategory | None) -> Iterator[list[str]]:
    """The owner's selected tickets as the owner sees them, progress recorded as they stream."""
    tickets = ticket_qs_selected(job.owner, job.params.get("filters", {}))
    for count, row in enumerate(exporting.rows_for_party(tickets, job.owner, category), 1):
        yield row
        if count % EXPORT_PROGRESS_EVERY == 0:
            _export_progress(job, count)


def _export_progress(job: BulkJob, count: int) -> None:
    with transaction.atomic():
        BulkJob.objects.filter(pk=job.pk).update(offset=count)
        job.offset = count
        progress_push_on_commit(job)


def export_category(job: BulkJob) -> TicketCategory | None:
    filters = job.params.get("filters", {})
    code = filters.get("category") or ("prize_claim" if filters.get("campaign") else "")
    return TicketCategory.objects.filter(code=code).first() if code else None


def _run_export(job: BulkJob, actor: Actor, max_chunks: int | None) -> bool:
    # An export has no side effects, so a re-run simply writes the file again from the start.
    category = export_category(job)
    columns = exporting.columns_for(category)
    total = ticket_qs_selected(job.owner, job.params.get("filters", {})).count()
    BulkJob.objects.filter(pk=job.pk).update(total=total, offset=0)
    job.total, job.offset = total, 0
    with tempfile.TemporaryFile() as target:
        exporting.write_file(target, job.file_format, columns, export_rows(job, category))
        target.seek(0)
        name = f"export-{timezone.localtime():%Y%m%d-%H%M}.{job.file_format}"
        job.result.save(name, File(target), save=False)
    BulkJob.objects.filter(pk=job.pk).update(result=job.result.name, offset=total, succeeded=total)
    job.refresh_from_db()
    return True


RUNNERS: dict[str, Callable[[BulkJob, Actor, int | None], bool]] = {
    BulkKind.IMPORT: _run_import,
    BulkKind.TRANSITION: _run_transition,
    BulkKind.EXPORT: _run_export,
}


def _finish(job: BulkJob, status: str, message: str = "") -> None:
    with transaction.atomic():
        BulkJob.objects.filter(pk=job.pk).update(
            status=status, message=message, finished_at=timezone.now()
        )
        job.refresh_from_db()
        progress_push_on_commit(job)


def bulk_job_run(job_id: int, *, max_chunks: int | None = None) -> BulkJob:
    """Run (or continue) a job until it is finished. ``max_chunks`` stops early, leaving the job
    running for the next call, as a worker shutdown would. Safe to call again on a finished job
    (it does nothing) and on a job another runner is working (it stops at the first chunk the
    other runner already committed)."""
    job = BulkJob.objects.select_related("owner", "created_by_api_key").get(pk=job_id)
    if job.is_done:
        return job
    BulkJob.objects.filter(pk=job.pk).update(
        status=BulkStatus.RUNNING, started_at=job.started_at or timezone.now()
    )
    job.status = BulkStatus.RUNNING
    try:
        finished = RUNNERS[job.kind](job, job_actor(job), max_chunks)
    except TicketError as exc:
        _finish(job, BulkStatus.FAILED, error_text(exc))
        return job
    if finished:
        job.refresh_from_db()
        if job.offset >= job.total:
            _finish(job, BulkStatus.SUCCEEDED)
    return job


def items_rows(job: BulkJob, *, failed_only: bool) -> Iterable[list[str]]:
    """Per-row results for the results and error files, streamed from the database."""
    items = job.items.order_by("row")
    if failed_only:
        items = items.filter(outcome=ItemOutcome.FAILED)
    for item in items.iterator(chunk_size=2_000):
        yield [str(item.row), item.reference, item.outcome, item.code, item.message]
