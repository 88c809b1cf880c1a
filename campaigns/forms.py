"""The portal's campaign form. It only shapes input; the rules (window order, unique link name,
a partner that ships) live in ``campaigns.services`` and come back as field errors."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import Party, PartyKind
from tenants.selectors import partner_qs_for_streamer

from .models import Campaign, Eligibility
from .services import FORM_FIELDS

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _words(text: str) -> list[str]:
    """Items typed one per line or separated by commas."""
    return [item.strip() for item in re.split(r"[,\n，]", text or "") if item.strip()]


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.CharField(
        label=_("Link name"),
        max_length=60,
        help_text=_("Buyers open /c/<link name>; it cannot change once the campaign exists."),
    )
    prize = forms.CharField(label=_("Prize"), max_length=200)
    description = forms.CharField(
        label=_("What buyers read"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    opens_at = forms.DateTimeField(label=_("Opens"), widget=DATETIME)
    closes_at = forms.DateTimeField(label=_("Closes"), widget=DATETIME)
    handling_party = forms.ModelChoiceField(
        label=_("Ships the prizes"), queryset=Party.objects.none()
    )
    form_fields = forms.MultipleChoiceField(
        label=_("Buyers fill in"),
        choices=[
            ("size", _("Size")),
            ("colour", _("Colour")),
            ("address_confirmed", _("Address confirmation")),
        ],
        initial=list(FORM_FIELDS),
        widget=forms.CheckboxSelectMultiple,
    )
    size_options = forms.CharField(
        label=_("Sizes offered"), required=False, help_text=_("Separated by commas.")
    )
    colour_options = forms.CharField(
        label=_("Colours offered"), required=False, help_text=_("Separated by commas.")
    )
    eligibility = forms.ChoiceField(label=_("Eligibility"), choices=Eligibility.choices)
    order_pattern = forms.CharField(
        label=_("Order number pattern"),
        required=False,
        help_text=_("A regular expression the whole order number must match."),
    )
    eligible_orders = forms.CharField(
        label=_("Winners' list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Order numbers, one per line; on editing, they are added to the list."),
    )
    livestream_session = forms.CharField(
        label=_("Livestream session"), max_length=120, required=False
    )

    # Fixed once buyers hold the link and registrations were checked against them.
    CREATE_ONLY = ("slug", "form_fields", "eligibility", "order_pattern")

    def __init__(self, *args, party: Party, campaign: Campaign | None = None, **kwargs) -> None:
        if campaign is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": campaign.name,
                    "prize": campaign.prize,
                    "description": campaign.description,
                    "opens_at": campaign.opens_at,
                    "closes_at": campaign.closes_at,
                    "handling_party": campaign.handling_party_id,
                    "size_options": ", ".join(campaign.size_options),
                    "colour_options": ", ".join(campaign.colour_options),
                    "livestream_session": campaign.livestream_session,
                },
            )
        super().__init__(*args, **kwargs)
        if campaign is not None:
            for name in self.CREATE_ONLY:
                del self.fields[name]
        self.fields["handling_party"].queryset = (
            partner_qs_for_streamer(party)
            .filter(kind__in=[PartyKind.BRAND, PartyKind.MERCHANT])
            .order_by("kind", "name")
        )

    def service_args(self) -> dict:
        """The cleaned form as keyword arguments of ``campaign_create`` / ``campaign_update``
        (without the winners' list, see ``eligible_order_numbers``)."""
        data = dict(self.cleaned_data)
        data.pop("eligible_orders", None)
        data["size_options"] = _words(data["size_options"])
        data["colour_options"] = _words(data["colour_options"])
        return data

    def eligible_order_numbers(self) -> list[str]:
        return _words(self.cleaned_data.get("eligible_orders", ""))
