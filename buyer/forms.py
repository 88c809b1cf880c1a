"""The buyer's forms. The request form is built from the category's JSON Schema, so a new
category needs no code: each schema property becomes a field labelled in the page language."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.errors import TicketValidationError
from tickets.forms_schema import field_label, form_data_validate
from tickets.models import TicketCategory

SCHEMA_PREFIX = "fd_"
PHONE_RE = re.compile(r"^\+?\d{6,20}$")
ORDER_RE = re.compile(r"^[A-Za-z0-9_-]{4,64}$")
ADDRESS_PARTS = {
    "province": _("Province"),
    "city": _("City"),
    "district": _("District"),
    "detail": _("Street, building and room"),
}


def phone_normalise(value: str) -> str:
    return re.sub(r"[\s()-]", "", value or "")


class BuyerAddressMixin:
    """The buyer's own contact address: all of it, or none of it."""

    def _address_clean(self, prefix: str, *, required: bool) -> dict:
        parts = {
            part: (self.cleaned_data.get(f"{prefix}{part}") or "").strip() for part in ADDRESS_PARTS
        }
        if not any(parts.values()) and not required:
            return {}
        for part, value in parts.items():
            if not value:
                self.add_error(f"{prefix}{part}", _("This field is required."))
        return parts


def _address_fields(prefix: str, label, *, required: bool) -> dict[str, forms.Field]:
    return {
        f"{prefix}{part}": forms.CharField(
            label=f"{label} · {part_label}",
            max_length=200 if part == "detail" else 40,
            required=required,
        )
        for part, part_label in ADDRESS_PARTS.items()
    }


def _schema_fields(schema: dict) -> dict[str, forms.Field]:
    required = set(schema.get("required", []))
    fields: dict[str, forms.Field] = {}
    for name, prop in schema.get("properties", {}).items():
        label = field_label(schema, name)
        needed = name in required
        kind = prop.get("type")
        key = f"{SCHEMA_PREFIX}{name}"
        if kind == "object":
            fields.update(_address_fields(f"{key}__", label, required=needed))
        elif kind == "boolean":
            fields[key] = forms.BooleanField(label=label, required=False)
        elif kind in ("number", "integer"):
            field_class = forms.IntegerField if kind == "integer" else forms.DecimalField
            fields[key] = field_class(label=label, required=needed)
        elif kind == "array":
            fields[key] = forms.CharField(
                label=label,
                required=needed,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("One link per line."),
            )
        elif "enum" in prop:
            fields[key] = forms.ChoiceField(
                label=label, required=needed, choices=[("", "—")] + [(v, v) for v in prop["enum"]]
            )
        else:
            fields[key] = forms.CharField(
                label=label, required=needed, max_length=prop.get("maxLength")
            )
    return fields


class RequestForm(BuyerAddressMixin, forms.Form):
    """Order number, phone, the category's own fields, optional contact details, and the
    separate consent to share them with other companies (PIPL Art. 23)."""

    order_number = forms.CharField(label=_("Order number"), max_length=64)
    buyer_phone = forms.CharField(
        label=_("Mobile phone"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    buyer_name = forms.CharField(label=_("Your name"), max_length=80, required=False)
    description = forms.CharField(
        label=_("Anything else we should know?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    buyer_consent = forms.BooleanField(
        label=_(
            "I agree that my name, phone and address may be shared with the companies that "
            "handle this request (brand, merchant), only for handling it."
        ),
        required=False,
    )

    def __init__(self, *args, category: TicketCategory, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category = category
        self.schema = category.form_schema or {}
        schema_fields = _schema_fields(self.schema)
        contact = _address_fields("address__", _("Your address"), required=False)
        # Field order: order facts, then the category's fields, then contact, then consent.
        ordered = {name: self.fields[name] for name in ("order_number", "buyer_phone")}
        ordered.update(schema_fields)
        ordered.update({name: self.fields[name] for name in ("buyer_name", "description")})
        ordered.update(contact)
        ordered["buyer_consent"] = self.fields["buyer_consent"]
        self.fields = ordered
        self.schema_field_names = list(schema_fields)
        self.contact_field_names = list(contact)

    def clean_order_number(self) -> str:
        value = self.cleaned_data["order_number"].strip()
        if not ORDER_RE.match(value):
            raise forms.ValidationError(_("Letters and digits as on your order, 4 to 64."))
        return value

    def clean_buyer_phone(self) -> str:
        value = phone_normalise(self.cleaned_data["buyer_phone"])
        if not PHONE_RE.match(value):
            raise forms.ValidationError(_("Enter a phone number of digits only."))
        return value

    def clean(self):
        cleaned = super().clean()
        self.buyer_address = self._address_clean("address__", required=False)
        self.form_data = self._form_data()
        try:
            form_data_validate(self.schema, self.form_data)
        except TicketValidationError as exc:
            self.add_service_errors(exc.field_errors)
        return cleaned

    def _form_data(self) -> dict:
        data: dict = {}
        for name, prop in self.schema.get("properties", {}).items():
            key = f"{SCHEMA_PREFIX}{name}"
            kind = prop.get("type")
            if kind == "object":
                parts = {
                    part: (self.cleaned_data.get(f"{key}__{part}") or "").strip()
                    for part in prop.get("properties", {})
                }
                if any(parts.values()):
                    data[name] = parts
                continue
            value = self.cleaned_data.get(key)
            if kind == "boolean":
                if value:
                    data[name] = True
            elif kind == "array":
                lines = [line.strip() for line in (value or "").splitlines() if line.strip()]
                if lines:
                    data[name] = lines
            elif kind in ("number", "integer"):
                if value is not None:
                    data[name] = int(value) if kind == "integer" else float(value)
            elif value not in (None, ""):
                data[name] = value.strip()
        return data

    def add_service_errors(self, field_errors: dict) -> None:
        """Show a service's field errors beside the fields they concern."""
        for key, messages in field_errors.items():
            field = self._field_for(key)
            for message in messages:
                self.add_error(field, message)

    def _field_for(self, key: str) -> str | None:
        """``form_data.new_address.district`` → ``fd_new_address__district``; a path deeper than
        any field (``form_data.photos.1``) lands on the nearest field that holds it."""
        if key.startswith("form_data."):
            path = key.removeprefix("form_data.").split(".")
            while path:
                name = SCHEMA_PREFIX + "__".join(path)
                if name in self.fields:
                    return name
                path.pop()
            return None
        if key.startswith("buyer_address"):
            return "address__detail"
        return key if key in self.fields else None


class ReplyForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How did we do?"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TrackForm(forms.Form):
    order_number = forms.CharField(label=_("Order number"), max_length=64)
    phone_last4 = forms.CharField(
        label=_("Last 4 digits of your phone"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_order_number(self) -> str:
        return self.cleaned_data["order_number"].strip()

    def clean_phone_last4(self) -> str:
        value = self.cleaned_data["phone_last4"]
        if not value.isdigit():
            raise forms.ValidationError(_("Four digits."))
        return value
