"""Portal forms: the phrase list and the supervisors' filters. Shape only; the phrase rules
(empty, duplicate, severity) come back from ``quality.services`` as field errors."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import HitOutcome, Severity


class PhraseForm(forms.Form):
    phrase = forms.CharField(
        label=_("Phrase"),
        max_length=200,
        strip=False,
        help_text=_(
            "Found anywhere in a reply, ignoring upper/lower case, full/half width and spacing."
        ),
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    note = forms.CharField(label=_("Why (for your admins)"), max_length=200, required=False)


class HitFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)
    agent = forms.ChoiceField(label=_("Author"), required=False)

    def __init__(self, *args, agents, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        anyone = [("", _("Any"))]
        self.fields["severity"].choices = anyone + [(s.value, s.value) for s in Severity]
        self.fields["outcome"].choices = anyone + list(HitOutcome.choices)
        self.fields["agent"].choices = anyone + [(str(u.pk), u.get_username()) for u in agents]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("Must not be before the start date."))
        return data

    def period(self) -> tuple[datetime | None, datetime | None]:
        """The chosen days as aware datetimes in the current (the party's) time zone; the end
        day is included."""
        zone = timezone.get_current_timezone()
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        return (
            datetime.combine(start, time.min, zone) if start else None,
            datetime.combine(end + timedelta(days=1), time.min, zone) if end else None,
        )
