"""The four steps a buyer sees (DESIGN §3), laid out for the progress page."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tickets.workflow import BuyerStep

# The last step is named after how the request ended.
FINAL_LABEL = {
    BuyerStep.RESOLVED: _("Resolved"),
    BuyerStep.CLOSED: _("Closed"),
    BuyerStep.CANCELLED: _("Cancelled"),
}
POSITION = {
    BuyerStep.SUBMITTED: 0,
    BuyerStep.IN_PROGRESS: 1,
    BuyerStep.WAITING_FOR_YOU: 2,
    BuyerStep.RESOLVED: 3,
    BuyerStep.CLOSED: 3,
    BuyerStep.CANCELLED: 3,
}
DONE = frozenset({BuyerStep.RESOLVED, BuyerStep.CLOSED, BuyerStep.CANCELLED})


@dataclass(frozen=True)
class StepView:
    label: str
    status: str  # "done" | "current" | "todo"


def steps_for(step: str) -> list[StepView]:
    """Submitted → In progress → Waiting for you → Resolved/Closed/Cancelled. "Waiting for you"
    counts as done only while it is current: most requests never need the buyer again."""
    current = POSITION[BuyerStep(step)]
    labels = [
        _("Submitted"),
        _("In progress"),
        _("Waiting for you"),
        FINAL_LABEL.get(BuyerStep(step), _("Resolved")),
    ]
    views = []
    for index, label in enumerate(labels):
        if index == current:
            status = "done" if index == 3 else "current"
        elif index < current and not (index == 2 and current == 3):
            status = "done"
        else:
            status = "todo"
        views.append(StepView(str(label), status))
    return views
