"""The dashboard as named tables: the page renders them (with their charts), the CSV download
writes them, so both show the same numbers. Durations are in minutes (bucket upper edges, see
``insight.durations``); rates and compliance in percent."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from tickets.models import Channel, Outcome
from tickets.workflow import State

from .charts import bar_chart, column_chart

AGE_LABELS = {
    "under_4h": lambda: _("Under 4 h"),
    "4h_1d": lambda: _("4 h – 1 day"),
    "1d_3d": lambda: _("1 – 3 days"),
    "over_3d": lambda: _("Over 3 days"),
}


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    chart: SafeString = field(default_factory=lambda: SafeString(""))


def _minutes(seconds: int | None) -> int | None:
    return None if seconds is None else seconds // 60


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def dashboard_tables(figures: dict) -> list[Table]:
    intake, backlog, sla = figures["intake"], figures["backlog"], figures["sla"]
    tables = []
    rows = [[r["label"], r["count"], r["previous"]] for r in intake["by_category"]]
    tables.append(
        Table(
            "intake_by_category",
            _("Intake by category"),
            [_("Category"), _("Tickets"), _("Previous period")],
            rows,
            bar_chart([(r[0], r[1], r[2]) for r in rows], title=_("Intake by category")),
        )
    )
    rows = [
        [_label(Channel, r["channel"]), r["count"], r["previous"]] for r in intake["by_channel"]
    ]
    tables.append(
        Table(
            "intake_by_channel",
            _("Intake by channel"),
            [_("Channel"), _("Tickets"), _("Previous period")],
            rows,
            bar_chart([(r[0], r[1], r[2]) for r in rows], title=_("Intake by channel")),
        )
    )
    rows = [[r["date"], r["count"]] for r in intake["daily"]]
    tables.append(
        Table(
            "intake_by_day",
            _("Intake by day"),
            [_("Date"), _("Tickets")],
            rows,
            column_chart([(r[0], r[1]) for r in rows], title=_("Intake by day")),
        )
    )
    rows = [[_label(State, state), n] for state, n in sorted(backlog["by_state"].items())]
    tables.append(
        Table(
            "backlog_by_state",
            _("Backlog by state"),
            [_("State"), _("Open tickets")],
            rows,
            bar_chart([(r[0], r[1], None) for r in rows], title=_("Backlog by state")),
        )
    )
    rows = [[AGE_LABELS[band](), n] for band, n in backlog["by_age"].items()]
    tables.append(
        Table(
            "backlog_by_age",
            _("Backlog by age"),
            [_("Age"), _("Open tickets")],
            rows,
            bar_chart([(r[0], r[1], None) for r in rows], title=_("Backlog by age")),
        )
    )
    rows = []
    for key, title in (
        ("time_to_accept", _("Time to accept")),
        ("time_to_resolve", _("Time to resolve")),
    ):
        d = figures[key]
        rows.append(
            [
                title,
                d["count"],
                _minutes(d["median_seconds"]),
                _minutes(d["p90_seconds"]),
                _minutes(d["previous_median_seconds"]),
                _minutes(d["previous_p90_seconds"]),
            ]
        )
    tables.append(
        Table(
            "handling_times",
            _("Handling times (minutes, at most)"),
            [
                _("Measure"),
                _("Count"),
                _("Median"),
                _("90th percentile"),
                _("Previous median"),
                _("Previous 90th percentile"),
            ],
            rows,
        )
    )
    rates, csat = figures["rates"], figures["csat"]
    tables.append(
        Table(
            "rates",
            _("Rates and satisfaction"),
            [_("Measure"), _("This period"), _("Previous period")],
            [
                [_("Intake"), intake["total"], intake["previous"]],
                [_("SLA breaches"), sla["breaches"], sla["previous_breaches"]],
                [_("Our SLA breaches"), sla["own_breaches"], sla["previous_own_breaches"]],
                [
                    _("Our SLA compliance (%)"),
                    sla["own_compliance_percent"],
                    sla["previous_own_compliance_percent"],
                ],
                [
                    _("Reopen rate (%)"),
                    rates["reopen_rate_percent"],
                    rates["previous_reopen_rate_percent"],
                ],
                [
                    _("Escalation rate (%)"),
                    rates["escalation_rate_percent"],
                    rates["previous_escalation_rate_percent"],
                ],
                [_("Average rating (1–5)"), csat["average"], csat["previous_average"]],
            ],
        )
    )
    if sla["partners"]:
        rows = [
            [
                r["party"]["name"],
                r["received"],
                r["breached"],
                r["compliance_percent"],
                r["previous_compliance_percent"],
            ]
            for r in sla["partners"]
        ]
        tables.append(
            Table(
                "sla_by_partner",
                _("SLA by partner"),
                [
                    _("Party"),
                    _("Periods begun"),
                    _("Breaches"),
                    _("Compliance (%)"),
                    _("Previous compliance (%)"),
                ],
                rows,
                bar_chart([(r[0], r[2], None) for r in rows], title=_("Breaches by partner")),
            )
        )
    rows = [[stars, n] for stars, n in csat["distribution"].items()]
    tables.append(
        Table(
            "ratings",
            _("Buyer ratings"),
            [_("Stars"), _("Ratings")],
            rows,
            bar_chart([("★" * int(r[0]), r[1], None) for r in rows], title=_("Buyer ratings")),
        )
    )
    rows = [[_label(Outcome, r["outcome"]), r["count"], r["previous"]] for r in figures["outcomes"]]
    tables.append(
        Table(
            "outcomes",
            _("Outcomes"),
            [_("Outcome"), _("Resolutions"), _("Previous period")],
            rows,
            bar_chart([(r[0], r[1], r[2]) for r in rows], title=_("Outcomes")),
        )
    )
    return tables


def top_issue_table(result: dict) -> Table:
    """One table of the live top issues for a window (``insight.top_issues.top_issues``)."""
    names = {
        "categories": _("Category"),
        "products": _("Product"),
        "keywords": _("Keyword"),
    }
    rows = [
        [names[dimension], item["label"], item["count"], item["previous"], item["growth"]]
        for dimension in names
        for item in result[dimension]
    ]
    return Table(
        f"top_issues_{result['window']}",
        _("Rising now (%(window)s)") % {"window": result["window"]},
        [_("Kind"), _("Item"), _("New tickets"), _("Window before"), _("Growth")],
        rows,
    )
