"""Parties (the companies that collaborate), their people, partnerships and API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab.config_cache import PARTNERS, config_forget


class PartyKind(models.TextChoices):
    PLATFORM = "platform", _("Platform")
    STREAMER = "streamer", _("Streamer")
    BRAND = "brand", _("Brand")
    MERCHANT = "merchant", _("Merchant")


class Oversight(models.TextChoices):
    STRONG = "strong", _("Strong: sees and acts on every ticket")
    WEAK = "weak", _("Weak: aggregate figures, acts on escalations only")


class RoutingMode(models.TextChoices):
    AUTO = "auto", _("Route automatically")
    REVIEW_FIRST = "review_first", _("Review first, then route")


class AssignmentStrategy(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOAD = "least_load", _("Least open load")


class Party(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    platform = models.ForeignKey(
        "self",
        verbose_name=_("platform"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sellers",
        limit_choices_to={"kind": PartyKind.PLATFORM},
        help_text=_("The marketplace a streamer sells on; its tickets are arbitrated there."),
    )
    oversight = models.CharField(
        _("oversight"),
        max_length=8,
        choices=Oversight.choices,
        blank=True,
        help_text=_("Platforms only."),
    )
    routing_mode = models.CharField(
        _("routing mode"), max_length=16, choices=RoutingMode.choices, default=RoutingMode.AUTO
    )
    assignment_strategy = models.CharField(
        _("assignment"),
        max_length=16,
        choices=AssignmentStrategy.choices,
        default=AssignmentStrategy.MANUAL,
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                name="party_oversight_only_for_platforms",
                condition=models.Q(kind=PartyKind.PLATFORM, oversight__in=["strong", "weak"])
                | (~models.Q(kind=PartyKind.PLATFORM) & models.Q(oversight="")),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_platform(self) -> bool:
        return self.kind == PartyKind.PLATFORM

    @property
    def has_strong_oversight(self) -> bool:
        return self.is_platform and self.oversight == Oversight.STRONG


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    skills = models.JSONField(
        _("skills"),
        default=list,
        blank=True,
        help_text=_("Ticket category codes this person handles; empty means every category."),
    )
    is_online = models.BooleanField(_("online"), default=False)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # Round robin hands the next ticket to whoever waited longest (tickets.assignment).
    last_assigned_at = models.DateTimeField(_("last assigned"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "party"], name="membership_unique_user_party")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.party} ({self.get_role_display()})"

    @property
    def can_act(self) -> bool:
        """Viewers read; everyone else may act on tickets."""
        return self.role != Role.VIEWER


class Partnership(models.Model):
    """A streamer works with a brand or merchant; routing only ever targets partners."""

    streamer = models.ForeignKey(
        Party,
        on_delete=models.CASCADE,
        related_name="partnerships",
        limit_choices_to={"kind": PartyKind.STREAMER},
    )
    partner = models.ForeignKey(
        Party,
        on_delete=models.CASCADE,
        related_name="partner_of",
        limit_choices_to={"kind__in": [PartyKind.BRAND, PartyKind.MERCHANT]},
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.UniqueConstraint(fields=["streamer", "partner"], name="partnership_unique_pair")
        ]

    def __str__(self) -> str:
        return f"{self.streamer} ↔ {self.partner}"


class ApiKeyScope(models.TextChoices):
    READ = "tickets:read", _("Read tickets")
    WRITE = "tickets:write", _("Create and act on tickets")
    ADMIN = "party:admin", _("Manage products, rules, policies and webhooks")


# How long authentication may answer from the cache's copy of a key, its party and platform.
# Saving any of them drops the copy at once (on every server process when the cache is Redis,
# as in production; on the saving process only with the in-memory cache); the lifetime bounds
# what another process may miss meanwhile.
API_KEY_CACHE_SECONDS = 10


def _key_cache_name(prefix: str) -> str:
    return f"tenants:api_key:{prefix}"


def _key_digest(secret: str) -> str:
    # Keys carry 256 bits of randomness, so a keyed hash (no slow KDF) is enough and keeps
    # authentication to one indexed lookup plus a constant-time compare.
    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


class ApiKey(models.Model):
    """An integrator's key: ``ck_<prefix>_<secret>``; only the prefix and a digest are stored."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} (ck_{self.prefix}_…)"

    @classmethod
    def issue(
        cls, *, party: Party, name: str, scopes: list[str] | None = None, created_by=None
    ) -> tuple[ApiKey, str]:
        """Create a key and return it with the raw secret, which is never retrievable again."""
        prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        key = cls.objects.create(
            party=party,
            name=name,
            prefix=prefix,
            digest=_key_digest(secret),
            scopes=scopes if scopes is not None else [s.value for s in ApiKeyScope],
            created_by=created_by,
        )
        return key, f"ck_{prefix}_{secret}"

    @classmethod
    def authenticate(cls, raw: str) -> ApiKey | None:
        try:
            marker, prefix, secret = raw.split("_", 2)
        except ValueError:
            return None
        if marker != "ck":
            return None
        # The cache saves a query per request; the digest is still compared every time.
        key = cache.get(_key_cache_name(prefix))
        if key is None:
            key = (
                cls.objects.select_related("party", "party__platform").filter(prefix=prefix).first()
            )
            if key is not None:
                cache.set(_key_cache_name(prefix), key, API_KEY_CACHE_SECONDS)
        if key is None or key.revoked_at is not None or not key.party.is_active:
            return None
        if not hmac.compare_digest(key.digest, _key_digest(secret)):
            return None
        return key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    def mark_used(self, when) -> None:
        """Record ``last_used_at`` (the caller decides how often) in the row and the cache."""
        ApiKey.objects.filter(pk=self.pk).update(last_used_at=when)
        self.last_used_at = when
        cache.set(_key_cache_name(self.prefix), self, API_KEY_CACHE_SECONDS)


def _keys_forget(prefixes: list[str]) -> None:
    # Now, and again after the commit: a request that read the old row in between must not
    # leave it cached.
    names = [_key_cache_name(prefix) for prefix in prefixes]
    cache.delete_many(names)
    transaction.on_commit(lambda: cache.delete_many(names))


@receiver(post_save, sender=ApiKey)
def _api_key_saved(sender, instance: ApiKey, **kwargs) -> None:
    _keys_forget([instance.prefix])


@receiver(post_save, sender=Party)
def _party_saved(sender, instance: Party, **kwargs) -> None:
    """A key's cached copy carries its party and that party's platform."""
    prefixes = ApiKey.objects.filter(Q(party=instance) | Q(party__platform=instance)).values_list(
        "prefix", flat=True
    )
    _keys_forget(list(prefixes))
    # Cached partner lists carry the party itself (routing targets it).
    streamers = Partnership.objects.filter(partner=instance).values_list("streamer_id", flat=True)
    config_forget(PARTNERS, [instance.pk, *streamers])


@receiver([post_save, post_delete], sender=Partnership)
def _partnership_changed(sender, instance: Partnership, **kwargs) -> None:
    config_forget(PARTNERS, [instance.streamer_id])
