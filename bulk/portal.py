"""Portal page ``/portal/bulk/``: start imports and exports, watch every job's progress bar fill
live (``bulk.progress`` on the party socket), download results, error files and exports."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.access import party_view, portal_render
from tickets.errors import TicketError
from tickets.models import TicketCategory
from tickets.workflow import State

from .models import BulkKind, BulkStatus
from .progress import bulk_job_payload
from .runner import error_text
from .selectors import bulk_job_qs_for_party
from .services import bulk_export_create, bulk_import_create


@party_view
@require_http_methods(["GET", "POST"])
def jobs_page(request):
    if request.method == "POST":
        try:
            if request.POST.get("kind") == "import":
                upload = request.FILES.get("file")
                if upload is None:
                    raise TicketError(_("Choose a file to import."))
                bulk_import_create(
                    actor=request.actor,
                    upload=upload,
                    category_code=request.POST.get("category", ""),
                )
            else:
                filters = {
                    k: request.POST.get(k, "")
                    for k in ("state", "category", "campaign")
                    if request.POST.get(k)
                }
                bulk_export_create(
                    actor=request.actor, filters=filters, file_format=request.POST.get("format")
                )
        except TicketError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The job started; its progress shows below."))
        return redirect("bulk-portal")
    jobs = [bulk_job_payload(job) for job in bulk_job_qs_for_party(request.party)[:50]]
    return portal_render(
        request,
        "bulk/portal_jobs.html",
        {
            "jobs": jobs,
            "categories": TicketCategory.objects.filter(is_active=True),
            "kind_labels": dict(BulkKind.choices),
            "status_labels": dict(BulkStatus.choices),
            "states": State.choices,
        },
    )
