"""Timeline entries for the ticket page, built from ``tickets.projections.event_for_party``."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from tickets.models import Outcome
from tickets.workflow import State


def _state(value: str) -> str:
    return str(State(value).label) if value in State.values else value


def _sentence(payload: dict) -> str:
    data = payload["data"]
    kind = payload["kind"]
    to_party = (data.get("to_party") or {}).get("name", "")
    rule = (data.get("rule") or {}).get("name", "")
    texts = {
        "ticket.created": lambda: _("Opened the ticket"),
        "ticket.routed": lambda: (
            _("Routed to %(party)s by the rule “%(rule)s”") % {"party": to_party, "rule": rule}
            if rule
            else _("Routed to %(party)s") % {"party": to_party}
        ),
        "routing.held": lambda: _("Held for triage by the rule “%(rule)s”") % {"rule": rule},
        "routing.applied": lambda: _("The rule “%(rule)s” set priority or policy") % {"rule": rule},
        "routing.rule_skipped": lambda: (
            _("Skipped the rule “%(rule)s”: %(reason)s")
            % {"rule": rule, "reason": data.get("reason", "")}
        ),
        "routing.unmatched": lambda: _("No routing rule matched; the ticket stays for triage"),
        "ticket.accepted": lambda: _("Accepted the ticket"),
        "ticket.declined": lambda: _("Declined: %(reason)s") % {"reason": data.get("reason", "")},
        "ticket.info_requested": lambda: (
            _("Asked the buyer: %(question)s") % {"question": data.get("question", "")}
        ),
        "ticket.buyer_replied": lambda: (
            _("The buyer replied: %(answer)s") % {"answer": data.get("answer", "")}
        ),
        "ticket.resolved": lambda: (
            _("Resolved: %(outcome)s")
            % {"outcome": Outcome(data["outcome"]).label if data.get("outcome") else ""}
        ),
        "ticket.reopened": lambda: _("Reopened: %(reason)s") % {"reason": data.get("reason", "")},
        "ticket.closed": lambda: _("Closed the ticket"),
        "ticket.escalated": lambda: (
            _("Escalated to the platform: %(reason)s") % {"reason": data.get("reason", "")}
        ),
        "ticket.cancelled": lambda: _("Cancelled the ticket"),
        "ticket.assigned": lambda: (
            _("Assigned to %(user)s") % {"user": data.get("assignee") or _("nobody")}
        ),
        "sla.warning": lambda: _("SLA warning: the deadline is near"),
        "sla.breached": lambda: _("SLA breached"),
        "comment.added": lambda: data.get("body", ""),
    }
    text = texts.get(kind)
    return text() if text else kind


def timeline_entry(payload: dict) -> dict:
    """What the template shows for one event: who, when, what, and its visibility."""
    actor = payload["actor"]
    if actor["user"]:
        who = actor["user"]
        if actor["party"]:
            who = f"{who} · {actor['party']['name']}"
    elif actor["kind"] == "buyer":
        who = _("Buyer")
    elif actor["kind"] == "system":
        who = _("System")
    else:
        who = (actor["party"] or {}).get("name", _("API"))
    return {
        "seq": payload["seq"],
        "kind": payload["kind"],
        "is_comment": payload["kind"] == "comment.added",
        "who": who,
        "text": _sentence(payload),
        "note": payload["data"].get("note", ""),
        "visibility": payload["visibility"],
        "to_state": _state(payload["to_state"]) if payload["to_state"] else "",
        "at": datetime.fromisoformat(payload["created_at"]),
    }
