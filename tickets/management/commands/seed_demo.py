"""A demo installation: every kind of party, people of every role, ~200 tickets in every state.

Idempotent: parties, people and partnerships are upserted; tickets are created only when the
demo streamer has none yet. Demo passwords are printed and meant for a local demo only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from notifications.models import NotificationSettings
from quality.matching import phrase_normalise
from quality.models import QualityPhrase, Severity
from tenants.actors import Actor
from tenants.models import (
    AssignmentStrategy,
    Membership,
    Oversight,
    Partnership,
    Party,
    PartyKind,
    Role,
)
from tickets.models import (
    BreachAction,
    BusinessCalendar,
    Channel,
    Outcome,
    Priority,
    Product,
    RoutingAction,
    RoutingRule,
    SlaPolicy,
    Ticket,
    TicketCategory,
)
from tickets.services import comment_add, ticket_create, ticket_perform

# Reply quality: what a marketplace and a brand do not want their buyers to read.
QUALITY_PHRASES = [
    ("starmall", "加微信", Severity.BLOCK),
    ("starmall", "私下交易", Severity.BLOCK),
    ("starmall", "保证全额退款", Severity.WARN),
    ("north-peak", "不可能", Severity.WARN),
]

DEMO_PASSWORD = "collab-demo"  # noqa: S105 - a printed demo login, not a secret

PARTIES = [
    # slug, kind, name
    ("starmall", PartyKind.PLATFORM, "星河商城 StarMall"),
    ("lucy-live", PartyKind.STREAMER, "露西直播间 Lucy Live"),
    ("north-peak", PartyKind.BRAND, "北峰户外 North Peak"),
    ("glow-lab", PartyKind.BRAND, "光研美妆 Glow Lab"),
    ("kitchen-joy", PartyKind.BRAND, "厨乐 Kitchen Joy"),
    ("swift-ship", PartyKind.MERCHANT, "迅达仓配 Swift Ship"),
    ("east-warehouse", PartyKind.MERCHANT, "华东仓 East Warehouse"),
]

PEOPLE = [
    # username, party slug, role
    ("platform-admin", "starmall", Role.ADMIN),
    ("platform-agent", "starmall", Role.AGENT),
    ("lucy-admin", "lucy-live", Role.ADMIN),
    ("lucy-supervisor", "lucy-live", Role.SUPERVISOR),
    ("lucy-agent", "lucy-live", Role.AGENT),
    ("lucy-viewer", "lucy-live", Role.VIEWER),
    ("northpeak-admin", "north-peak", Role.ADMIN),
    ("northpeak-agent", "north-peak", Role.AGENT),
    ("glowlab-agent", "glow-lab", Role.AGENT),
    ("kitchenjoy-agent", "kitchen-joy", Role.AGENT),
    ("swiftship-agent", "swift-ship", Role.AGENT),
    ("eastwh-agent", "east-warehouse", Role.AGENT),
    # One person working for two companies, to show the acting-party switcher.
    ("ops-multi", "north-peak", Role.SUPERVISOR),
    ("ops-multi", "swift-ship", Role.SUPERVISOR),
]

PRODUCTS = [
    ("NP-SHOE-01", "北峰轻徒步鞋", "north-peak", "swift-ship"),
    ("NP-JKT-02", "北峰冲锋衣", "north-peak", "east-warehouse"),
    ("GL-SERUM-01", "光研精华液", "glow-lab", "swift-ship"),
    ("KJ-PAN-01", "厨乐不粘锅", "kitchen-joy", "east-warehouse"),
]

FORMS = {
    "size_colour_change": {"new_size": "42", "new_colour": "黑色"},
    "address_change": {
        "new_address": {
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "detail": "文三路 90 号 3 幢 502 室",
        }
    },
    "quality": {"defect": "鞋底开胶"},
    "urge_shipment": {},
    "refund": {"reason": "不想要了"},
    "exchange": {"reason": "尺码偏小", "new_size": "43", "new_colour": "灰色"},
}

# How far each demo ticket travels: the action path from "new".
PATHS = [
    [],
    ["route"],
    ["route", "accept"],
    ["route", "accept", "request_info"],
    ["route", "accept", "resolve"],
    ["route", "accept", "resolve", "close"],
    ["route", "escalate"],
    ["route", "decline"],
    ["cancel"],
]


# Tickets created last, routed by the rules rather than by hand. The first one is held to a
# three-minute accept clock, so a visitor sees it warned, breached and escalated by itself.
ROUTED_DEMO = [
    # subject, description, sku, category
    ("北峰轻徒步鞋 鞋底开胶（加急）", "买家加急：鞋底开胶，明天要穿。", "NP-SHOE-01", "quality"),
    ("光研精华液 使用后过敏", "买家反馈用后皮肤过敏，要求退货。", "GL-SERUM-01", "refund"),
]


def demo_buyer_token() -> str:
    """The demo ticket's buyer token: random-looking (256 bits) yet the same on every run of this
    installation, so `seed_demo` can print the tracking link again."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"collab-demo-buyer", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class Command(BaseCommand):
    help = "Create (or refresh) the demo parties, people and tickets."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tickets", type=int, default=200)

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            parties = self._parties()
            memberships = self._people(parties)
            self._routing_and_sla(parties)
            self._quality_phrases(parties)
        streamer = parties["lucy-live"]
        if not Ticket.objects.filter(originator=streamer).exists():
            self._tickets(parties, memberships, options["tickets"])
        self._print(parties)

    def _parties(self) -> dict[str, Party]:
        parties: dict[str, Party] = {}
        for slug, kind, name in PARTIES:
            party, _created = Party.objects.update_or_create(
                slug=slug,
                defaults={
                    "kind": kind,
                    "name": name,
                    "oversight": Oversight.STRONG if kind == PartyKind.PLATFORM else "",
                    "platform": parties.get("starmall") if kind == PartyKind.STREAMER else None,
                },
            )
            parties[slug] = party
        for slug, kind, _name in PARTIES:
            if kind in (PartyKind.BRAND, PartyKind.MERCHANT):
                Partnership.objects.get_or_create(
                    streamer=parties["lucy-live"], partner=parties[slug]
                )
        return parties

    def _people(self, parties: dict[str, Party]) -> dict[str, Membership]:
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD)
        memberships: dict[str, Membership] = {}
        for username, slug, role in PEOPLE:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            membership, _created = Membership.objects.update_or_create(
                user=user, party=parties[slug], defaults={"role": role}
            )
            memberships.setdefault(slug, membership)
        # Notification choices to show off: the brand's admin gets breaches and escalations by
        # e-mail (console backend in the demo) and the supervisors' morning digest.
        northpeak_admin = User.objects.get(username="northpeak-admin")
        if not northpeak_admin.email:
            northpeak_admin.email = "northpeak-admin@example.com"
            northpeak_admin.save(update_fields=["email"])
        NotificationSettings.objects.get_or_create(
            user=northpeak_admin,
            defaults={"email_kinds": ["sla_breached", "escalated"], "digest": True},
        )
        return memberships

    def _routing_and_sla(self, parties: dict[str, Party]) -> None:
        """Products, an SLA floor on the platform, a three-minute demo clock and the streamer's
        routing rules; upserted by name so reruns change nothing."""
        streamer, platform = parties["lucy-live"], parties["starmall"]
        for sku, name, brand_slug, merchant_slug in PRODUCTS:
            Product.objects.update_or_create(
                owner=streamer,
                sku=sku,
                defaults={
                    "name": name,
                    "brand": parties[brand_slug],
                    "merchant": parties[merchant_slug],
                },
            )
        parties["north-peak"].assignment_strategy = AssignmentStrategy.ROUND_ROBIN
        parties["north-peak"].save(update_fields=["assignment_strategy"])
        always, _created = BusinessCalendar.objects.update_or_create(
            owner=platform, name="全天候 24×7", defaults={"always_open": True}
        )
        SlaPolicy.objects.update_or_create(
            owner=platform,
            name="平台底线：品牌 4 小时接单、48 小时解决",
            defaults={
                "party_kind": PartyKind.BRAND,
                "accept_within": timedelta(hours=4),
                "resolve_within": timedelta(hours=48),
                "calendar": always,
                "breach_action": BreachAction.ESCALATE,
            },
        )
        quality = TicketCategory.objects.get(code="quality")
        fast, _created = SlaPolicy.objects.update_or_create(
            owner=streamer,
            name="演示：加急质量问题 3 分钟接单",
            defaults={
                "party": parties["north-peak"],
                "category": quality,
                "priority": Priority.URGENT,
                "accept_within": timedelta(minutes=3),
                "warn_at_percent": 50,
                "calendar": always,
                "breach_action": BreachAction.ESCALATE,
            },
        )
        rules = [
            ("加急 → 商品品牌（3 分钟时钟）", ["加急"], Priority.URGENT, fast),
            ("过敏、开胶 → 商品品牌", ["过敏", "开胶"], "", None),
        ]
        for position, (name, keywords, priority, policy) in enumerate(rules):
            RoutingRule.objects.update_or_create(
                owner=streamer,
                name=name,
                defaults={
                    "position": position,
                    "keywords": keywords,
                    "action": RoutingAction.ROUTE_TO_BRAND,
                    "set_priority": priority,
                    "set_policy": policy,
                },
            )

    def _quality_phrases(self, parties: dict[str, Party]) -> None:
        """The platform's list (every reply on StarMall) and a brand's own; none of them occurs
        in the seeded replies."""
        for slug, phrase, severity in QUALITY_PHRASES:
            QualityPhrase.objects.update_or_create(
                party=parties[slug],
                normalised=phrase_normalise(phrase),
                defaults={"phrase": phrase, "severity": severity},
            )

    def _tickets(self, parties, memberships, count: int) -> None:
        rng = random.Random(20261111)
        categories = {c.code: c for c in TicketCategory.objects.filter(code__in=FORMS)}
        streamer_agent = Actor.for_membership(memberships["lucy-live"])
        routed = ROUTED_DEMO[: max(count - 1, 0)]
        for subject, description, sku, code in routed:
            ticket_create(
                actor=streamer_agent,
                category=categories[code],
                subject=subject,
                description=description,
                channel=Channel.CHAT_BOT,
                order_number=f"DY2026111199{len(subject):03d}",
                sku=sku,
                buyer_name="赵敏",
                buyer_phone="13900001111",
                form_data=FORMS[code],
            )
        for index in range(count - len(routed)):
            code = rng.choice(list(FORMS))
            sku, product, brand_slug, merchant_slug = rng.choice(PRODUCTS)
            brand, merchant = parties[brand_slug], parties[merchant_slug]
            first = index == 0
            ticket, _token = ticket_create(
                actor=streamer_agent,
                category=categories["size_colour_change" if first else code],
                subject=f"{product} · {categories[code].name_zh_hans}",
                description="买家在直播间下单后联系客服。",
                priority=rng.choice(Priority.values),
                channel=Channel.BUYER_FORM if first else rng.choice(Channel.values),
                order_number=f"DY{202611110000 + index}",
                sku=sku,
                product_name=product,
                brand=brand,
                merchant=merchant,
                livestream_session="双11 狂欢夜",
                buyer_name=rng.choice(["张伟", "王芳", "李娜", "刘洋", "陈静"]),
                buyer_phone=f"138{rng.randrange(10**8):08d}",
                buyer_address={
                    "province": "浙江省",
                    "city": "杭州市",
                    "district": "西湖区",
                    "detail": f"文三路 {rng.randrange(1, 200)} 号",
                },
                buyer_consent=rng.random() < 0.7,
                form_data=FORMS["size_colour_change" if first else code],
                buyer_token=demo_buyer_token() if first else None,
            )
            path = [] if first else PATHS[index % len(PATHS)]
            handler = brand if code != "address_change" else merchant
            for action in path:
                self._step(ticket, action, parties, memberships, handler, streamer_agent)

    def _step(self, ticket, action, parties, memberships, handler, streamer_agent) -> None:
        handler_agent = Actor.for_membership(memberships[handler.slug])
        args: dict = {}
        actor = handler_agent
        if action == "route":
            actor, args = streamer_agent, {"to_party": handler}
        elif action == "decline":
            args = {"reason": "该商品不属于本品牌"}
        elif action == "request_info":
            args = {"question": "请上传商品照片"}
        elif action == "resolve":
            args = {"outcome": Outcome.EXCHANGE, "note": "已安排换货"}
        elif action in ("close", "cancel"):
            actor = streamer_agent
            args = {"reason": "买家撤回"} if action == "cancel" else {}
        elif action == "escalate":
            actor, args = streamer_agent, {"reason": "品牌超时未处理"}
        ticket = ticket_perform(ticket=ticket, action=action, actor=actor, **args)
        if action == "accept":
            comment_add(
                ticket=ticket,
                actor=handler_agent,
                body="已收到，正在核实库存。",
                visibility="public",
            )

    def _print(self, parties) -> None:
        base = settings.COLLAB_PUBLIC_BASE_URL.rstrip("/")
        out = self.stdout
        out.write(self.style.SUCCESS("Collab demo is ready."))
        out.write(f"  Django admin:  {base}/admin/   admin / {DEMO_PASSWORD}")
        out.write(f"  Demo logins (password {DEMO_PASSWORD}):")
        seen: set[str] = set()
        for username, slug, role in PEOPLE:
            label = f"{parties[slug].name} ({role.label})"
            out.write(
                f"    {username:<18} {label}" if username not in seen else f"    {'':<18} {label}"
            )
            seen.add(username)
        out.write(f"  Buyer tracking link: {base}/t/{demo_buyer_token()}")
