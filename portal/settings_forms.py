"""Forms of the party settings pages. Party-owned configuration (people, keys, webhooks, rules,
policies, calendars) is not ticket data, so these forms save their rows themselves, always
for the acting party only."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from integrations.addresses import AddressRefused, url_address_check
from integrations.models import EndpointKind, WebhookEndpoint
from integrations.robots import RobotSettingsInvalid, robot_event_choices, robot_settings_clean
from tenants.models import ApiKeyScope, Membership, Party, PartyKind, Role
from tenants.selectors import partner_qs_for_streamer
from tickets.models import BusinessCalendar, RoutingRule, SlaPolicy, TicketCategory


class MembershipForm(forms.ModelForm):
    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The categories this person handles; none means every category."),
    )

    class Meta:
        model = Membership
        fields = ["role", "skills"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["skills"].choices = [
            (c.code, c.label) for c in TicketCategory.objects.filter(is_active=True)
        ]

    def clean_role(self):
        role = self.cleaned_data["role"]
        membership = self.instance
        if membership.role == Role.ADMIN and role != Role.ADMIN:
            admins = Membership.objects.filter(party=membership.party, role=Role.ADMIN)
            if admins.count() <= 1:
                raise forms.ValidationError(_("A party keeps at least one admin."))
        return role


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiKeyScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiKeyScope.READ],
    )


class WebhookEndpointForm(forms.ModelForm):
    """An integrator's endpoint, or a chat group robot (DingTalk, WeCom, Feishu/Lark): paste
    the robot's webhook address and, for a signing robot, its secret."""

    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    robot_secret = forms.CharField(
        label=_("Robot signing secret"),
        max_length=80,
        required=False,
        help_text=_("DingTalk (SEC…) or Feishu, if the robot signs; WeCom robots do not."),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Robots: none ticked means the alerts. Webhooks: none means every event."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["kind", "url", "description", "language", "event_types"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = robot_event_choices()
        self.fields["kind"].required = False  # a form without it adds a standard webhook
        self.fields["language"] = forms.ChoiceField(
            label=_("Language"),
            required=False,
            choices=[("", _("Site default"))] + [(c, n) for c, n in settings.LANGUAGES],
        )

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            url_address_check(url)
        except AddressRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url

    def clean(self):
        data = super().clean()
        data["kind"] = data.get("kind") or EndpointKind.STANDARD
        try:
            secret, types = robot_settings_clean(
                data["kind"],
                data.get("robot_secret") or None,
                data.get("event_types") or [],
            )
        except RobotSettingsInvalid as exc:
            self.add_error(exc.field, exc.message)
            return data
        data["event_types"] = types
        if data["kind"] != EndpointKind.STANDARD:
            self.instance.secret = secret or ""
        return data


def _partners_of(party: Party):
    """The brands and merchants a streamer (or a platform's streamers) work with."""
    if party.kind == PartyKind.STREAMER:
        return partner_qs_for_streamer(party)
    return Party.objects.filter(
        is_active=True, partner_of__streamer__platform=party, partner_of__is_active=True
    ).distinct()


def _party_fields_limit(form: forms.ModelForm, party: Party) -> None:
    """Point every choice at the acting party's own rows and partners, nobody else's."""
    for name, model in (("calendar", BusinessCalendar), ("set_policy", SlaPolicy)):
        if name in form.fields:
            form.fields[name].queryset = model.objects.filter(owner=party)
    for name in ("target", "brand", "merchant", "party"):
        if name in form.fields:
            form.fields[name].queryset = _partners_of(party).order_by("kind", "name")


class OwnedForm(forms.ModelForm):
    """A party-owned configuration row; the owner is the acting party, never a form field."""

    def __init__(self, *args, party: Party, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.owner = party
        _party_fields_limit(self, party)


class RoutingRuleForm(OwnedForm):
    class Meta:
        model = RoutingRule
        fields = [
            "name", "position", "is_active", "category", "brand", "merchant", "sku",
            "product_category", "channel", "priority", "keywords", "action", "target",
            "set_priority", "set_policy",
        ]  # fmt: skip


class SlaPolicyForm(OwnedForm):
    # The model lists the kinds as bare codes; the form shows their translated names.
    party_kind = forms.ChoiceField(
        label=_("custody party kind"),
        choices=[("", "---------"), *PartyKind.choices],
        required=False,
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "name", "category", "priority", "party_kind", "party", "accept_within",
            "resolve_within", "warn_at_percent", "calendar", "breach_action", "is_active",
        ]  # fmt: skip


class BusinessCalendarForm(OwnedForm):
    class Meta:
        model = BusinessCalendar
        fields = [
            "name", "is_default", "time_zone", "always_open", "weekly_hours", "holidays",
            "extra_working_days",
        ]  # fmt: skip
