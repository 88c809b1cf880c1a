"""Validation of a ticket's form data against its category's JSON Schema."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from .errors import TicketValidationError


def field_label(schema: dict, name: str) -> str:
    """A form field's label in the active language (``title`` or ``x-title-zh-hans``)."""
    prop = schema.get("properties", {}).get(name, {})
    if (translation.get_language() or "").startswith("zh") and prop.get("x-title-zh-hans"):
        return prop["x-title-zh-hans"]
    return prop.get("title", name)


def form_data_validate(schema: dict, data: object) -> dict:
    """Return the data if it satisfies the schema, else raise with one message per field."""
    if not isinstance(data, dict):
        raise TicketValidationError(field_errors={"form_data": [_("Must be an object.")]})
    if not schema:
        return data
    errors: dict[str, list[str]] = {}
    for error in Draft202012Validator(schema).iter_errors(data):
        if error.validator == "required":
            missing = [name for name in error.validator_value if name not in data]
            for name in missing:
                errors.setdefault(f"form_data.{name}", []).append(
                    _("%(field)s is required.") % {"field": field_label(schema, name)}
                )
            continue
        if error.validator == "additionalProperties":
            allowed = set(schema.get("properties", {}))
            for name in sorted(set(data) - allowed):
                errors.setdefault(f"form_data.{name}", []).append(_("Unknown field."))
            continue
        path = ".".join(str(p) for p in error.absolute_path) or "form_data"
        name = str(error.absolute_path[0]) if error.absolute_path else None
        label = field_label(schema, name) if name else _("Form")
        message = _("%(field)s is not valid: %(reason)s") % {
            "field": label,
            "reason": _reason(error),
        }
        errors.setdefault(f"form_data.{path}" if name else "form_data", []).append(message)
    if errors:
        raise TicketValidationError(_("The form has errors."), field_errors=errors)
    return data


def _reason(error) -> str:
    if error.validator == "enum":
        return _("choose one of %(choices)s") % {
            "choices": ", ".join(str(c) for c in error.validator_value)
        }
    if error.validator == "minLength":
        return _("too short")
    if error.validator == "maxLength":
        return _("too long")
    if error.validator == "pattern":
        return _("wrong format")
    if error.validator == "type":
        return _("expected %(type)s") % {"type": error.validator_value}
    return _("not allowed")
