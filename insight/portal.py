"""Portal page ``/portal/insight/``: the acting party's dashboard over a chosen period (tables,
SVG charts, live top issues over the party socket) and a CSV download of every table."""

from __future__ import annotations

import csv

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.access import party_view, portal_render
from tickets.errors import TicketError

from .figures import dashboard_figures
from .periods import Period, period_resolve
from .tables import Table, dashboard_tables, top_issue_table
from .top_issues import WINDOWS, top_issues


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[
            ("today", _("Today")),
            ("7d", _("Last 7 days")),
            ("30d", _("Last 30 days")),
            ("custom", _("Custom")),
        ],
        required=False,
    )
    start = forms.CharField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.CharField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def period_for(self, time_zone: str) -> Period | None:
        """The period asked for, or None with the form's errors set (``period_resolve`` is the
        one rule, shared with the API)."""
        data = self.data
        try:
            return period_resolve(
                name=data.get("period") or None,
                start=data.get("start"),
                end=data.get("end"),
                time_zone=time_zone,
            )
        except TicketError as error:
            self.is_valid()
            for name, messages in error.field_errors.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
            return None


def _tables(request: HttpRequest) -> tuple[PeriodForm, list[Table], list[Table], int]:
    form = PeriodForm(request.GET)
    period = form.period_for(request.party.time_zone)
    if period is None:
        return form, [], [], 400
    now = timezone.now()
    tables = dashboard_tables(dashboard_figures(request.party, period, now=now))
    live = [top_issue_table(top_issues(request.party, window=w, now=now)) for w in WINDOWS]
    return form, tables, live, 200


@party_view
def dashboard(request: HttpRequest) -> HttpResponse:
    form, tables, live, status = _tables(request)
    return portal_render(
        request,
        "insight/dashboard.html",
        {"form": form, "tables": tables, "live": live, "query": request.GET.urlencode()},
        status=status,
    )


@party_view
def table_csv(request: HttpRequest, name: str) -> HttpResponse:
    form, tables, live, status = _tables(request)
    if status != 200:
        errors = "; ".join(str(m) for messages in form.errors.values() for m in messages)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    table = next((t for t in [*tables, *live] if t.name == name), None)
    if table is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{request.party.slug}-{name}-{timezone.localdate():%Y%m%d}.csv"'
    )
    response.write("\ufeff")  # Excel opens UTF-8 (Chinese labels) only with the byte-order mark
    writer = csv.writer(response)
    writer.writerow(table.headers)
    writer.writerows(["" if cell is None else cell for cell in row] for row in table.rows)
    return response
