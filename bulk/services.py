"""Starting bulk jobs. The jobs themselves write tickets only through ``tickets.services``
(see ``bulk.runner``); this module checks the request, records the job and queues it."""

from __future__ import annotations

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from quality.checks import BUYER_TEXT_OF_ACTION
from tenants.actors import Actor
from tenants.models import Membership, Party, PartyKind
from tickets.errors import TicketPermissionDenied, TicketValidationError
from tickets.models import TicketCategory, Visibility
from tickets.workflow import ACTIONS

from . import dispatch, files
from .models import BulkJob, BulkKind, FileFormat
from .selection import filters_clean, ticket_qs_selected

# Actions a bulk transition may apply: every party action of the state machine (the buyer's own
# reply is not something a team does in bulk), assignment, and a message (``comment``: e.g. one
# reply to every buyer of a delayed order).
BULK_ACTIONS = (*(a for a in ACTIONS if a != "buyer_reply"), "assign", "comment")
MAX_REFERENCES = 100_000


def membership_qs_for_party(party: Party):
    return Membership.objects.filter(party=party, user__is_active=True)


def _actor_check(actor: Actor, *, writes: bool) -> Party:
    if actor.party is None:
        raise TicketPermissionDenied()
    if writes and not actor.can_act:
        raise TicketPermissionDenied(_("Read-only access cannot start this job."))
    return actor.party


def _job_new(actor: Actor, **fields) -> BulkJob:
    return BulkJob(
        owner=actor.party,
        created_by=actor.user if actor.user is not None and actor.user.pk else None,
        created_by_api_key=actor.api_key,
        **fields,
    )


def bulk_job_start(job: BulkJob) -> None:
    """Queue the job to run after the surrounding transaction commits (``inline``: run it now,
    inside the caller's transaction, which is what tests inside a test transaction need)."""
    if settings.COLLAB_BULK_RUNNER == "inline":
        dispatch.job_dispatch(job.pk)
        return
    transaction.on_commit(lambda: dispatch.job_dispatch(job.pk))


def bulk_import_create(*, actor: Actor, upload: UploadedFile, category_code: str = "") -> BulkJob:
    """Record an import of ``upload`` (CSV or XLSX) and queue it. The file is read once here to
    count its rows, so an unreadable or empty file is refused at once with a 400; row-level
    problems are reported per row once the job runs. ``category_code`` applies to rows without a
    ``category`` column."""
    party = _actor_check(actor, writes=True)
    if party.kind == PartyKind.PLATFORM:
        raise TicketPermissionDenied(_("A platform cannot originate tickets."))
    file_format = files.file_format_of(upload.name or "")
    if (
        category_code
        and not TicketCategory.objects.filter(code=category_code, is_active=True).exists()
    ):
        raise TicketValidationError(field_errors={"category": [_("Unknown category.")]})
    job = _job_new(
        actor, kind=BulkKind.IMPORT, file_format=file_format, params={"category": category_code}
    )
    job.source.save(upload.name, upload, save=False)
    try:
        job.total = files.records_count(job.source, file_format)
    except TicketValidationError:
        job.source.delete(save=False)
        raise
    if job.total == 0:
        job.source.delete(save=False)
        raise TicketValidationError(
            _("The file has no rows."), field_errors={"file": [_("The file has no rows.")]}
        )
    with transaction.atomic():
        job.save()
        bulk_job_start(job)
    return job


def references_from_file(upload: UploadedFile) -> list[str]:
    """The ``reference`` column of an uploaded CSV/XLSX list."""
    file_format = files.file_format_of(upload.name or "")
    references = []
    for _row, record in files.records(File(upload, name=upload.name), file_format):
        if "reference" not in record:
            raise TicketValidationError(
                field_errors={"file": [_("The file needs a 'reference' column.")]}
            )
        if record["reference"]:
            references.append(record["reference"])
    return references


def _transition_args(party: Party, action: str, args: dict) -> dict:
    if action == "assign":
        required, allowed = ("assignee",), {"assignee"}
    elif action == "comment":
        required = ("body", "visibility")
        allowed = {*required, "confirm_warnings"}
    else:
        required = ACTIONS[action].required
        allowed = set(required) | set(ACTIONS[action].optional)
        if action in BUYER_TEXT_OF_ACTION:
            allowed.add("confirm_warnings")
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    for name, value in (args or {}).items():
        if name not in allowed:
            errors[name] = [_("Unknown field.")]
        elif value not in (None, ""):
            cleaned[name] = value
    for name in required:
        if name not in cleaned:
            errors[name] = [_("This field is required.")]
    if "visibility" in cleaned and cleaned["visibility"] not in Visibility.values:
        errors["visibility"] = [_("Choose internal, parties or public.")]
    if not isinstance(cleaned.get("confirm_warnings", False), bool):
        errors["confirm_warnings"] = [_("Must be true or false.")]
    if "to_party" in cleaned:
        target = Party.objects.filter(
            slug=str(cleaned["to_party"]),
            kind__in=[PartyKind.BRAND, PartyKind.MERCHANT],
            is_active=True,
        ).first()
        if target is None:
            errors["to_party"] = [_("Unknown party.")]
        else:
            cleaned["to_party"] = target.pk  # stored as an id; the runner loads the party
    if "assignee" in cleaned:
        # By username among the party's own people; ticket_assign checks the rest per ticket.
        member = membership_qs_for_party(party).filter(user__username=cleaned["assignee"]).first()
        if member is None:
            errors["assignee"] = [_("No such person in your party.")]
        else:
            cleaned["assignee"] = member.user_id
    if errors:
        raise TicketValidationError(field_errors=errors)
    return cleaned


def bulk_transition_create(
    *,
    actor: Actor,
    action: str,
    args: dict | None = None,
    references: list[str] | None = None,
    filters: dict | None = None,
) -> BulkJob:
    """Record one action to apply to each ticket of a reference list or of a filtered selection
    of the party's visible tickets, and queue it. The selection is fixed now (the references are
    stored), so tickets the action moves out of the filter are not skipped or repeated. Each
    ticket then goes through ``ticket_perform`` (``comment_add`` for a message) with the same
    checks as a single action, the reply check included; refusals are reported per ticket."""
    party = _actor_check(actor, writes=True)
    if action not in BULK_ACTIONS:
        raise TicketValidationError(field_errors={"action": [_("Unknown action.")]})
    cleaned = _transition_args(party, action, args or {})
    if (references is None) == (filters is None):
        raise TicketValidationError(
            _("Give either a list of references or a filter."),
            field_errors={"references": [_("Give either a list of references or a filter.")]},
        )
    if references is not None:
        references = list(dict.fromkeys(str(r).strip() for r in references if str(r).strip()))
    else:
        references = list(
            ticket_qs_selected(party, filters_clean(filters)).values_list("reference", flat=True)
        )
    if not references:
        raise TicketValidationError(
            _("No tickets selected."), field_errors={"references": [_("No tickets selected.")]}
        )
    if len(references) > MAX_REFERENCES:
        raise TicketValidationError(
            field_errors={"references": [_("At most 100,000 tickets per job.")]}
        )
    job = _job_new(
        actor,
        kind=BulkKind.TRANSITION,
        params={"action": action, "args": cleaned, "references": references},
        total=len(references),
    )
    with transaction.atomic():
        job.save()
        bulk_job_start(job)
    return job


def bulk_export_create(
    *, actor: Actor, filters: dict | None = None, file_format: str = FileFormat.CSV
) -> BulkJob:
    """Record an export of the party's visible tickets matching ``filters`` and queue it. Any
    member, viewers included, may export what they may see; masking applies per ticket."""
    _actor_check(actor, writes=False)
    if file_format not in FileFormat.values:
        raise TicketValidationError(field_errors={"format": [_("Choose csv or xlsx.")]})
    job = _job_new(
        actor,
        kind=BulkKind.EXPORT,
        file_format=file_format,
        params={"filters": filters_clean(filters)},
    )
    with transaction.atomic():
        job.save()
        bulk_job_start(job)
    return job
