"""Portal forms. They only shape input; rules live in ``tickets.services`` and come back as
``TicketValidationError`` field errors, which ``errors_apply`` puts on the form."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from tenants.models import Party, Role
from tenants.selectors import partner_qs_for_streamer
from tickets.errors import TicketError
from tickets.models import Outcome, Priority, Ticket, TicketCategory, Visibility
from tickets.workflow import State


def errors_apply(form: forms.Form, error: TicketError) -> None:
    """Put a domain error on the form: per field where the field exists, else on the form."""
    if not error.field_errors:
        form.add_error(None, error.message)
    for name, messages in error.field_errors.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class InboxFilterForm(forms.Form):
    SCOPES = [("custody", _("In our hands")), ("all", _("All we can see"))]
    SORTS = [
        ("deadline", _("Deadline first")),
        ("-created", _("Newest first")),
        ("created", _("Oldest first")),
    ]
    ASSIGNEE_ME, ASSIGNEE_NONE = "me", "none"

    scope = forms.ChoiceField(label=_("Show"), choices=SCOPES, required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=64,
        help_text=_("Reference, order number or the last 4 digits of the buyer's phone"),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=TicketCategory.objects.none(), required=False
    )
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    breached = forms.BooleanField(label=_("Breached"), required=False)
    due_soon = forms.BooleanField(label=_("Due within 4 hours"), required=False)
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False)

    def __init__(self, *args, agents, categories, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        anyone = [("", _("Any"))]
        self.fields["state"].choices = anyone + list(State.choices)
        self.fields["priority"].choices = anyone + list(Priority.choices)
        self.fields["category"].queryset = categories
        self.fields["category"].empty_label = _("Any")
        self.fields["assignee"].choices = [
            *anyone,
            (self.ASSIGNEE_ME, _("Me")),
            (self.ASSIGNEE_NONE, _("Unassigned")),
            *[(str(user.pk), user.get_username()) for user in agents],
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("Must not be before the start date."))
        return data


class QualityConfirmable(forms.Form):
    """A form of a text the buyer reads. After a warning of the reply check the form offers a
    box to send it anyway (``confirmation_offer``); a post carrying the box keeps it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.data and "confirm_warnings" in self.data:
            self.confirmation_offer()

    def confirmation_offer(self) -> None:
        self.fields["confirm_warnings"] = forms.BooleanField(
            label=_("Send it as it is"), required=False
        )


class CommentForm(QualityConfirmable):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    visibility = forms.ChoiceField(
        label=_("Who can read it"),
        choices=Visibility.choices,
        initial=Visibility.INTERNAL,
        widget=forms.RadioSelect,
    )


class ActionForm(forms.Form):
    """Base for the forms of one transition; ``arguments`` become ``ticket_perform`` kwargs."""

    def __init__(self, *args, ticket: Ticket, party: Party, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.party = party

    def arguments(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value not in ("",)}


def _reason(label=None, required=True) -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason"),
        max_length=1000,
        required=required,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RouteForm(ActionForm):
    to_party = forms.ModelChoiceField(label=_("Route to"), queryset=Party.objects.none())
    note = _reason(_("Instruction (all parties can read it)"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_party"].queryset = route_targets(self.ticket, self.party)


def route_targets(ticket: Ticket, party: Party):
    """The partners of the originating streamer, except the acting party itself."""
    return partner_qs_for_streamer(ticket.originator).exclude(pk=party.pk).order_by("kind", "name")


class DeclineForm(ActionForm):
    reason = _reason()


class RequestInfoForm(ActionForm, QualityConfirmable):
    question = _reason(_("Question to the buyer"))


class ResolveForm(ActionForm, QualityConfirmable):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    note = _reason(_("Note to the buyer"), required=False)


class EscalateForm(ActionForm):
    reason = _reason()


class ReopenForm(ActionForm):
    reason = _reason()


class CancelForm(ActionForm):
    reason = _reason(required=False)


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "route": RouteForm,
    "accept": ActionForm,
    "decline": DeclineForm,
    "request_info": RequestInfoForm,
    "resolve": ResolveForm,
    "reopen": ReopenForm,
    "close": ActionForm,
    "escalate": EscalateForm,
    "cancel": CancelForm,
}


def action_form(action: str, data=None, *, ticket: Ticket, party: Party) -> ActionForm:
    """The form of one action; ids carry the action so several forms share a page."""
    return ACTION_FORMS[action](data, ticket=ticket, party=party, auto_id=f"id_{action}_%s")


ACTION_LABELS = {
    "route": _("Hand on"),
    "accept": _("Accept"),
    "decline": _("Decline"),
    "request_info": _("Ask the buyer"),
    "resolve": _("Resolve"),
    "reopen": _("Reopen"),
    "close": _("Close"),
    "escalate": _("Escalate"),
    "cancel": _("Cancel ticket"),
}


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args, party: Party, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = agents_of(party)


def agents_of(party: Party):
    """People of the party who can hold tickets (viewers cannot act)."""
    return (
        get_user_model()
        .objects.filter(
            memberships__party=party,
            memberships__role__in=[Role.ADMIN, Role.SUPERVISOR, Role.AGENT],
        )
        .order_by("username")
    )
