"""Routing rules (DESIGN §5): which party a new ticket goes to, and why. Pure: no I/O.

The service loads the rules, the product and the streamer's partners, then asks
``routing_decide``; the decision names the rule that matched and every rule skipped on the way,
so the timeline can answer "why did this go to brand X?".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .models import RoutingAction


@dataclass(frozen=True)
class RoutingFacts:
    """What the rules look at. Brand and merchant fall back to the product's when the order
    facts leave them empty."""

    category_id: int | None
    brand_id: int | None
    merchant_id: int | None
    sku: str
    product_category: str
    channel: str
    priority: str
    text: str
    product_brand_id: int | None = None
    product_merchant_id: int | None = None


@dataclass(frozen=True)
class Skipped:
    rule_id: int
    rule_name: str
    reason: str


@dataclass(frozen=True)
class RoutingDecision:
    """``rule`` is the rule that decided (None: no rule matched). ``target_id`` is the party to
    route to; None with ``hold`` or with a rule that only sets priority or policy."""

    rule: object | None = None
    target_id: int | None = None
    hold: bool = False
    priority: str = ""
    policy_id: int | None = None
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)


def rule_matches(rule, facts: RoutingFacts) -> bool:
    """Every condition the rule sets holds; conditions left empty match anything."""
    brand_id = facts.brand_id or facts.product_brand_id
    merchant_id = facts.merchant_id or facts.product_merchant_id
    text = facts.text.casefold()
    keywords = [k.casefold() for k in rule.keywords or [] if k.strip()]
    return (
        (rule.category_id is None or rule.category_id == facts.category_id)
        and (rule.brand_id is None or rule.brand_id == brand_id)
        and (rule.merchant_id is None or rule.merchant_id == merchant_id)
        and (not rule.sku or rule.sku == facts.sku)
        and (not rule.product_category or rule.product_category == facts.product_category)
        and (not rule.channel or rule.channel == facts.channel)
        and (not rule.priority or rule.priority == facts.priority)
        and (not keywords or any(k in text for k in keywords))
    )


def rule_target(rule, facts: RoutingFacts) -> int | None:
    """The party a routing rule points at for these facts (dynamic targets resolved)."""
    if rule.action == RoutingAction.ROUTE_TO_PARTY:
        return rule.target_id
    if rule.action == RoutingAction.ROUTE_TO_BRAND:
        return facts.product_brand_id or facts.brand_id
    if rule.action == RoutingAction.ROUTE_TO_MERCHANT:
        return facts.merchant_id or facts.product_merchant_id
    return None


def routing_decide(
    rules: Sequence, facts: RoutingFacts, *, partner_ids: frozenset[int]
) -> RoutingDecision:
    """Walk ``rules`` in order; the first matching rule decides. A rule pointing at a party
    that is not (or no longer) a partner, or at a product brand or merchant nobody recorded, is
    skipped with the reason and the walk goes on."""
    skipped: list[Skipped] = []
    for rule in rules:
        if not rule_matches(rule, facts):
            continue
        routes = rule.action in (
            RoutingAction.ROUTE_TO_PARTY,
            RoutingAction.ROUTE_TO_BRAND,
            RoutingAction.ROUTE_TO_MERCHANT,
        )
        target_id = rule_target(rule, facts) if routes else None
        if routes and target_id is None:
            skipped.append(Skipped(rule.pk, rule.name, _("No brand or merchant is known.")))
            continue
        if routes and target_id not in partner_ids:
            skipped.append(Skipped(rule.pk, rule.name, _("The target is not a partner.")))
            continue
        return RoutingDecision(
            rule=rule,
            target_id=target_id,
            hold=rule.action == RoutingAction.HOLD,
            priority=rule.set_priority,
            policy_id=rule.set_policy_id,
            skipped=tuple(skipped),
        )
    return RoutingDecision(skipped=tuple(skipped))
