"""The base of every party-facing API view: authentication, scopes, throttling, idempotency."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.actors import Actor
from tenants.models import Party

from .access import PartyAccess, request_actor, request_party
from .idempotency import idempotent
from .parsers import StrictJSONParser
from .throttles import PartyCallerThrottle


class PartyAPIView(APIView):
    permission_classes = [PartyAccess]
    # JSON bodies only (attachments add multipart): one unambiguous encoding to validate.
    parser_classes = [StrictJSONParser]
    throttle_classes = [PartyCallerThrottle]

    def actor(self) -> Actor:
        actor = request_actor(self.request)
        assert actor is not None
        return actor

    def party(self) -> Party:
        return request_party(self.request)

    def once(self, effect: Callable[[], Response]) -> Response:
        """Run a POST's effect under the caller's ``Idempotency-Key`` scope."""
        return idempotent(self.request, f"party:{self.party().pk}", effect)
