"""Campaign writes. Registrations become tickets only through ``tickets.services.ticket_create``;
reviews are bulk transitions (``bulk.services``), so each claim passes the same checks as a
single action.

How review maps onto the state machine (DESIGN §3):

* **registered** → the ticket is ``new`` with the streamer (buyer sees *Submitted*);
* **approve** (streamer) → ``route`` to the campaign's handling party (still *Submitted*: the
  prize is not on its way yet);
* **reject** (streamer, before approval) → ``cancel`` with the reason (buyer sees *Cancelled*);
  once approved, the handling party rejects with ``resolve`` / ``rejected_with_reason``;
* **accept** (handling party) → ``accept`` (buyer sees *In progress*);
* **mark shipped** (handling party) → ``resolve`` with outcome ``reissue`` and the note "gift
  shipped" (buyer sees *Resolved*); the approved list for shipping is an export of the
  campaign's in-progress claims.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tenants.actors import Actor
from tenants.models import Party, PartyKind
from tenants.selectors import is_partner
from tickets.errors import TicketPermissionDenied, TicketValidationError
from tickets.models import Channel, Ticket, TicketCategory
from tickets.services import ticket_create

from .eligibility import order_eligibility
from .errors import AlreadyRegistered, CampaignClosed, CampaignNotOpen
from .models import PRIZE_CLAIM, Campaign, Eligibility, EligibleOrder, Registration

FORM_FIELDS = ("size", "colour", "address_confirmed")
ORDER_NUMBER = re.compile(r"[A-Za-z0-9\-_]{4,64}")
PHONE = re.compile(r"\+?[0-9\- ]{6,20}")


# Portal paths beside /portal/campaigns/<slug>/ that a campaign's link name must not shadow.
RESERVED_SLUGS = frozenset({"new"})


def _streamer_of(actor: Actor) -> Party:
    party = actor.party
    if party is None or party.kind != PartyKind.STREAMER or not actor.can_act:
        raise TicketPermissionDenied(_("Only a streamer's team can run campaigns."))
    return party


def _campaign_errors(
    party: Party,
    *,
    name: str,
    prize: str,
    opens_at: datetime,
    closes_at: datetime,
    handling_party: Party | None,
    form_fields: list[str],
    eligibility: str,
    order_pattern: str,
) -> dict[str, list[str]]:
    """Field errors of a campaign's settings (empty: valid)."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("A name is required.")]
    if not prize.strip():
        errors["prize"] = [_("Say what the prize is.")]
    if closes_at <= opens_at:
        errors["closes_at"] = [_("Must be after the opening.")]
    if not set(form_fields) <= set(FORM_FIELDS):
        errors["form_fields"] = [_("Choose among size, colour and address_confirmed.")]
    if not {"size", "colour"} <= set(form_fields):
        errors["form_fields"] = [_("A prize claim needs size and colour.")]
    if eligibility not in Eligibility.values:
        errors["eligibility"] = [_("Unknown rule.")]
    if eligibility == Eligibility.PATTERN:
        try:
            re.compile(order_pattern)
        except re.error:
            errors["order_pattern"] = [_("Not a valid pattern.")]
    if (
        handling_party is None
        or handling_party.kind not in (PartyKind.BRAND, PartyKind.MERCHANT)
        or not is_partner(streamer=party, party=handling_party)
    ):
        errors["handling_party"] = [_("Choose one of your partner brands or merchants.")]
    return errors


def campaign_create(
    *,
    actor: Actor,
    name: str,
    slug: str,
    prize: str,
    opens_at: datetime,
    closes_at: datetime,
    handling_party: Party | None,
    description: str = "",
    form_fields: list[str] | None = None,
    size_options: list[str] | None = None,
    colour_options: list[str] | None = None,
    eligibility: str = Eligibility.ANYONE,
    order_pattern: str = "",
    eligible_orders: list[str] | None = None,
    livestream_session: str = "",
) -> Campaign:
    """Open a campaign for the actor's streamer. The handling party must be one of its partner
    brands or merchants (only they can receive the routed claims)."""
    party = _streamer_of(actor)
    form_fields = list(form_fields if form_fields is not None else FORM_FIELDS)
    errors = _campaign_errors(
        party,
        name=name,
        prize=prize,
        opens_at=opens_at,
        closes_at=closes_at,
        handling_party=handling_party,
        form_fields=form_fields,
        eligibility=eligibility,
        order_pattern=order_pattern,
    )
    if not re.fullmatch(r"[a-z0-9][a-z0-9\-]{1,59}", slug or ""):
        errors["slug"] = [_("Lower-case letters, digits and dashes.")]
    elif slug in RESERVED_SLUGS or Campaign.objects.filter(slug=slug).exists():
        errors["slug"] = [_("This link name is taken.")]
    if errors:
        raise TicketValidationError(field_errors=errors)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            streamer=party,
            name=name.strip(),
            slug=slug,
            description=description,
            prize=prize.strip(),
            opens_at=opens_at,
            closes_at=closes_at,
            eligibility=eligibility,
            order_pattern=order_pattern,
            form_fields=form_fields,
            size_options=[str(s) for s in size_options or []],
            colour_options=[str(c) for c in colour_options or []],
            handling_party=handling_party,
            livestream_session=livestream_session,
        )
        if eligible_orders:
            campaign_eligible_orders_add(campaign=campaign, order_numbers=eligible_orders)
    return campaign


def campaign_update(
    *,
    actor: Actor,
    campaign: Campaign,
    name: str,
    prize: str,
    opens_at: datetime,
    closes_at: datetime,
    handling_party: Party | None,
    description: str = "",
    size_options: list[str] | None = None,
    colour_options: list[str] | None = None,
    livestream_session: str = "",
) -> Campaign:
    """Change a running campaign's texts, window, options and handling party. The link name,
    the eligibility rule and the form's fields stay as created: buyers hold the link (and its QR
    code) and registrations were checked and filled against them. Claims approved before a
    change of handling party stay with the party they were routed to. Raises
    ``TicketPermissionDenied`` unless the actor acts for the campaign's streamer, and
    ``TicketValidationError`` (nothing written) for bad input."""
    party = _streamer_of(actor)
    if campaign.streamer_id != party.pk:
        raise TicketPermissionDenied(_("Only the streamer running the campaign can change it."))
    errors = _campaign_errors(
        party,
        name=name,
        prize=prize,
        opens_at=opens_at,
        closes_at=closes_at,
        handling_party=handling_party,
        form_fields=campaign.form_fields,
        eligibility=campaign.eligibility,
        order_pattern=campaign.order_pattern,
    )
    if errors:
        raise TicketValidationError(field_errors=errors)
    campaign.name, campaign.prize = name.strip(), prize.strip()
    campaign.description, campaign.livestream_session = description, livestream_session
    campaign.opens_at, campaign.closes_at = opens_at, closes_at
    campaign.size_options = [str(s) for s in size_options or []]
    campaign.colour_options = [str(c) for c in colour_options or []]
    campaign.handling_party = handling_party
    campaign.save()
    return campaign


def campaign_eligible_orders_add(*, campaign: Campaign, order_numbers: list[str]) -> int:
    """Add orders to the winners' list and re-check registrations already in; returns how many
    registrations are now eligible. Adding twice is harmless."""
    cleaned = {str(o).strip() for o in order_numbers if str(o).strip()}
    with transaction.atomic():
        EligibleOrder.objects.bulk_create(
            [EligibleOrder(campaign=campaign, order_number=o) for o in cleaned],
            ignore_conflicts=True,
            batch_size=1_000,
        )
        if campaign.eligibility == Eligibility.LIST:
            Registration.objects.filter(campaign=campaign, order_number__in=cleaned).update(
                eligible=True, eligibility_note=_("On the winners' list.")
            )
    return Registration.objects.filter(campaign=campaign, eligible=True).count()


def _register_validate(campaign: Campaign, order_number: str, phone: str, form_data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    if not ORDER_NUMBER.fullmatch(order_number):
        errors["order_number"] = [_("Enter the order number as shown in your order.")]
    if not PHONE.fullmatch(phone):
        errors["phone"] = [_("Enter the phone number of the order.")]
    data = {k: v for k, v in form_data.items() if k in campaign.form_fields and v not in ("", None)}
    if campaign.size_options and data.get("size") not in campaign.size_options:
        errors["size"] = [_("Choose a size.")]
    if campaign.colour_options and data.get("colour") not in campaign.colour_options:
        errors["colour"] = [_("Choose a colour.")]
    if "address_confirmed" in campaign.form_fields and data.get("address_confirmed") is not True:
        errors["address_confirmed"] = [_("Please confirm the address of your order.")]
    if errors:
        raise TicketValidationError(field_errors=errors)
    return data


def campaign_register(
    *,
    campaign: Campaign,
    order_number: str,
    phone: str,
    form_data: dict,
    buyer_name: str = "",
    consent: bool = False,
) -> tuple[Ticket, str]:
    """Register a buyer's order: a prize-claim ticket from the buyer for the streamer, plus the
    registration row, in one transaction. Returns the ticket and the buyer's tracking token.

    Raises ``CampaignNotOpen`` / ``CampaignClosed`` outside the window, ``AlreadyRegistered``
    for an order registered before (also when two registrations race), and
    ``TicketValidationError`` for bad input. Ineligible orders are registered and flagged for
    the team, who reject them in bulk; the buyer is not told the winners' list.
    """
    window = campaign.window_state()
    if window == "upcoming":
        raise CampaignNotOpen()
    if window == "closed":
        raise CampaignClosed()
    order_number, phone = order_number.strip(), phone.strip()
    data = _register_validate(campaign, order_number, phone, form_data)
    if Registration.objects.filter(campaign=campaign, order_number=order_number).exists():
        raise AlreadyRegistered()
    eligible, note = order_eligibility(campaign, order_number)
    category = TicketCategory.objects.get(code=PRIZE_CLAIM)
    try:
        with transaction.atomic():
            ticket, token = ticket_create(
                actor=Actor.buyer(),
                originator=campaign.streamer,
                category=category,
                subject=f"{campaign.name}: {campaign.prize}"[:200],
                channel=Channel.CAMPAIGN,
                order_number=order_number,
                livestream_session=campaign.livestream_session,
                buyer_name=buyer_name.strip()[:80],
                buyer_phone=phone,
                buyer_consent=consent,
                form_data=data,
                merchant=(
                    campaign.handling_party
                    if campaign.handling_party.kind == PartyKind.MERCHANT
                    else None
                ),
            )
            Registration.objects.create(
                campaign=campaign,
                order_number=order_number,
                ticket=ticket,
                eligible=eligible,
                eligibility_note=note,
            )
    except IntegrityError as exc:
        raise AlreadyRegistered() from exc
    return ticket, token
