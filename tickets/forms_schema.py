"""Validation of a ticket's form data against its category's JSON Schema."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import fastjsonschema
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


def _path_label(schema: dict, path: list) -> str:
    """Labels along a path into the data, e.g. ``新地址 / district``; indexes are skipped."""
    labels = []
    for step in path:
        if isinstance(step, int):
            schema = schema.get("items", {})
            continue
        labels.append(field_label(schema, step))
        schema = schema.get("properties", {}).get(step, {})
    return " / ".join(labels) or str(_("Form"))


def _key(path: list) -> str:
    return ".".join(["form_data", *(str(step) for step in path)])


# Keywords that mean the same in draft 7, which fastjsonschema implements, as in 2020-12, which
# the categories' schemas are written in; and annotations neither of them checks.
_SAME_IN_DRAFT_7 = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "minItems",
        "maxItems", "minLength", "maxLength", "pattern", "enum", "const",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minProperties", "maxProperties", "title", "description", "default", "examples",
        "$schema",
    }
)  # fmt: skip


def _same_in_draft_7(schema: object) -> bool:
    if not isinstance(schema, dict):
        return isinstance(schema, bool)
    for keyword, value in schema.items():
        if keyword.startswith("x-"):
            continue
        if keyword not in _SAME_IN_DRAFT_7:
            return False
        if keyword == "properties" and not (
            isinstance(value, dict) and all(map(_same_in_draft_7, value.values()))
        ):
            return False
        if keyword in ("items", "additionalProperties") and not _same_in_draft_7(value):
            return False  # ``items`` as a list means a tuple in draft 7 only
    return True


@functools.lru_cache(maxsize=256)
def _validators(schema_text: str) -> tuple[Callable[[object], object] | None, Draft202012Validator]:
    """The checks of one schema text, built once: building them costs more than checking a
    small form, and an import checks thousands of rows against a few category schemas. Keyed
    by the schema's content, so an edited schema gets its own.

    The first is a fast acceptance (fastjsonschema compiles the schema to Python: 2 us against
    jsonschema's 52 us for a size-change form), offered only when every keyword means the same
    in draft 7, which it implements, as in 2020-12, so whatever it accepts jsonschema accepts;
    None otherwise. Errors always come from jsonschema."""
    schema = json.loads(schema_text)
    fast = None
    if _same_in_draft_7(schema):
        draft_7 = {key: value for key, value in schema.items() if key != "$schema"}
        try:
            fast = fastjsonschema.compile(draft_7)
        except fastjsonschema.JsonSchemaDefinitionException:
            fast = None
    return fast, Draft202012Validator(schema)


def form_data_validate(schema: dict, data: object) -> dict:
    """Return the data if it satisfies the schema, else raise with messages keyed by the field's
    path: ``form_data.new_size``, ``form_data.new_address.district``, ``form_data.photos.1``."""
    if not isinstance(data, dict):
        raise TicketValidationError(field_errors={"form_data": [_("Must be an object.")]})
    if not schema:
        return data
    fast, validator = _validators(json.dumps(schema, sort_keys=True))
    if fast is not None:
        try:
            fast(data)
        except fastjsonschema.JsonSchemaValueException:
            pass  # jsonschema below says what is wrong, in the messages users know
        else:
            return data
    errors: dict[str, list[str]] = {}
    for error in validator.iter_errors(data):
        # ``required`` and ``additionalProperties`` are reported on the object that holds the
        # field (possibly nested), so the field's own path is the object's path plus its name.
        at = list(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if name not in error.instance:
                    errors.setdefault(_key([*at, name]), []).append(
                        _("%(field)s is required.") % {"field": _path_label(schema, [*at, name])}
                    )
            continue
        if error.validator == "additionalProperties":
            allowed = set(error.schema.get("properties", {}))
            for name in sorted(set(error.instance) - allowed):
                errors.setdefault(_key([*at, name]), []).append(_("Unknown field."))
            continue
        message = _("%(field)s is not valid: %(reason)s") % {
            "field": _path_label(schema, at),
            "reason": _reason(error),
        }
        errors.setdefault(_key(at), []).append(message)
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
    if error.validator == "exclusiveMinimum":
        return _("must be more than %(limit)s") % {"limit": error.validator_value}
    if error.validator == "maxItems":
        return _("at most %(count)s") % {"count": error.validator_value}
    if error.validator == "type":
        return _("expected %(type)s") % {"type": error.validator_value}
    return _("not allowed")
