"""Small display helpers for portal templates."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

register = template.Library()

STATUS_TEXT = {"ok": "", "warning": "⚠", "breached": "⛔"}


@register.simple_tag
def deadline_badge(deadline) -> str:
    """A countdown the page script keeps current; amber when warned, red when breached."""
    if deadline is None:
        return ""
    if deadline.status == "breached":
        text = _("overdue")
    else:
        text = _("in %(time)s") % {"time": timeuntil(deadline.at, depth=1)}
    return format_html(
        '<span class="sla sla-{status}" data-deadline="{iso}" title="{label}">'
        '<span aria-hidden="true">{icon}</span> {label} <time datetime="{iso}">{text}</time>'
        "</span>",
        status=deadline.status,
        iso=deadline.at.isoformat(),
        label=deadline.label,
        icon=STATUS_TEXT[deadline.status],
        text=text,
    )


@register.filter
def get_item(mapping, key):
    return mapping.get(key)
