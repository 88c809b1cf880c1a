"""Who performs an action: a person acting for a party, an API key, the buyer, or the system.

Every write in the product takes an ``Actor``; permission checks and the event log read from it,
so a portal click, an API call and a sweeper decision are told apart the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser

from .models import ApiKey, ApiKeyScope, Membership, Party


class ActorKind(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    BUYER = "buyer"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    party: Party | None = None
    user: AbstractBaseUser | None = None
    api_key: ApiKey | None = None
    can_act: bool = True

    @classmethod
    def for_membership(cls, membership: Membership) -> Actor:
        return cls(
            kind=ActorKind.USER,
            party=membership.party,
            user=membership.user,
            can_act=membership.can_act,
        )

    @classmethod
    def for_api_key(cls, api_key: ApiKey) -> Actor:
        return cls(
            kind=ActorKind.API_KEY,
            party=api_key.party,
            api_key=api_key,
            can_act=api_key.has_scope(ApiKeyScope.WRITE),
        )

    @classmethod
    def buyer(cls) -> Actor:
        return cls(kind=ActorKind.BUYER)

    @classmethod
    def system(cls) -> Actor:
        return cls(kind=ActorKind.SYSTEM)

    @property
    def is_buyer(self) -> bool:
        return self.kind == ActorKind.BUYER

    @property
    def is_system(self) -> bool:
        return self.kind == ActorKind.SYSTEM

    def describe(self) -> str:
        if self.user is not None:
            return str(self.user)
        if self.api_key is not None:
            return str(self.api_key)
        return self.kind.value
