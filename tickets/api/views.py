"""Tickets, actions, comments and events for integrators and the portal (DESIGN §7).

Reads go through the party selectors, bodies through the projections, writes through the
services; the views only translate HTTP.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from integrations.api.base import PartyAPIView
from integrations.api.pagination import keyset_page
from tickets.models import Ticket
from tickets.projections import comment_for_party, event_for_party, ticket_for_party
from tickets.selectors import (
    comment_qs_for_party,
    event_qs_for_party,
    ticket_get_for_party,
    ticket_qs_for_party,
    ticket_relations_load,
)
from tickets.services import (
    allowed_actions,
    comment_add,
    ticket_create,
    ticket_perform,
    ticket_route_by_rules,
)
from tickets.workflow import ACTIONS

from . import shapes
from .serializers import (
    CommentCreateSerializer,
    EventListQuery,
    TicketCreateSerializer,
    TicketListQuery,
    action_serializer,
)


def _err(description: str, shape=shapes.ErrorShape) -> OpenApiResponse:
    return OpenApiResponse(shape, description=description)


READ_ERRORS = {
    401: _err("No or an invalid API key."),
    403: _err("The key lacks the scope."),
    404: _err("No such ticket, or not one you may see."),
}
WRITE_ERRORS = {
    400: _err("Invalid input; `field_errors` says which fields."),
    401: _err("No or an invalid API key."),
    403: _err("Not allowed for your party or key."),
    404: _err("No such ticket, or not one you may see."),
    409: _err(
        "Not possible in the ticket's current state (maybe someone acted first), or the same "
        "Idempotency-Key is still in flight. `current_state` tells the state.",
        shapes.ConflictShape,
    ),
    422: _err(
        "Idempotency-Key reused with a different body; or a text the buyer would read contains "
        "a listed phrase: `quality_blocked` (reword it) or `quality_confirmation_required` "
        "(reword it, or send again with `confirm_warnings: true`); the message names the phrase."
    ),
}


class TicketListCreate(PartyAPIView):
    @extend_schema(
        operation_id="tickets_list",
        summary="List tickets",
        description="Tickets your party may see, newest first, with cursor pagination.",
        parameters=[TicketListQuery],
        responses={200: shapes.TicketPageShape, **READ_ERRORS, 400: _err("Bad filter.")},
        tags=["tickets"],
    )
    def get(self, request) -> Response:
        query = TicketListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        qs = ticket_qs_for_party(self.party())
        filters = {
            "state": "state",
            "category": "category__code",
            "custody": "custody_party__slug",
            "assignee": "assignee__username",
            "created_after": "created_at__gte",
            "created_before": "created_at__lt",
            "updated_after": "updated_at__gte",
            "updated_before": "updated_at__lt",
        }
        qs = qs.filter(
            **{lookup: params[name] for name, lookup in filters.items() if name in params}
        )
        if params.get("breached") is not None:
            qs = qs.filter(sla_breached=params["breached"])
        if params.get("q"):
            term = params["q"]
            qs = qs.filter(
                Q(reference__icontains=term)
                | Q(subject__icontains=term)
                | Q(order_number__icontains=term)
            )
        party = self.party()
        rows, following = keyset_page(qs, cursor=params.get("cursor"), size=params["page_size"])
        ticket_relations_load(rows)
        return Response(
            {"results": [ticket_for_party(t, party) for t in rows], "next_cursor": following}
        )

    @extend_schema(
        operation_id="tickets_create",
        summary="Create a ticket",
        description=(
            "Opens a ticket for your party (routing and SLA rules apply). Send an "
            "`Idempotency-Key` header so a retried request cannot create it twice."
        ),
        request=TicketCreateSerializer,
        responses={201: shapes.TicketCreatedShape, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "Size change",
                request_only=True,
                value={
                    "category": "size_colour_change",
                    "subject": "Shoes: change size to 42",
                    "order_number": "DY2026111100001",
                    "sku": "NP-SHOE-01",
                    "brand": "north-peak",
                    "buyer_name": "张三",
                    "buyer_phone": "13812345678",
                    "buyer_consent": True,
                    "form_data": {"new_size": "42", "new_colour": "black"},
                },
            )
        ],
        tags=["tickets"],
    )
    def post(self, request) -> Response:
        return self.once(self._create)

    def _create(self) -> Response:
        body = TicketCreateSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["buyer_address"] = dict(data.get("buyer_address") or {})
        actor = self.actor()
        ticket, token = ticket_create(actor=actor, **data)
        payload = ticket_for_party(ticket, actor.party)
        payload["allowed_actions"] = allowed_actions(ticket, actor)
        payload["buyer_link"] = f"{settings.COLLAB_PUBLIC_BASE_URL}/t/{token}"
        return Response(payload, status=status.HTTP_201_CREATED)


def _detail(ticket: Ticket, actor) -> dict:
    payload = ticket_for_party(ticket, actor.party)
    payload["allowed_actions"] = allowed_actions(ticket, actor)
    return payload


class TicketDetail(PartyAPIView):
    @extend_schema(
        operation_id="tickets_retrieve",
        summary="Get a ticket",
        description="The ticket as your party may see it, with the actions you may take now.",
        responses={200: shapes.TicketDetailShape, **READ_ERRORS},
        tags=["tickets"],
    )
    def get(self, request, reference: str) -> Response:
        ticket = ticket_get_for_party(self.party(), reference)
        return Response(_detail(ticket, self.actor()))


class TicketAction(PartyAPIView):
    """One view class per action (see ``action_views``), so each has its own request schema."""

    action_name = ""

    def post(self, request, reference: str) -> Response:
        return self.once(lambda: self._perform(reference))

    def _perform(self, reference: str) -> Response:
        ticket = ticket_get_for_party(self.party(), reference)
        body = self.body_serializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        actor = self.actor()
        ticket = ticket_perform(
            ticket=ticket, action=self.action_name, actor=actor, **body.validated_data
        )
        fresh = ticket_get_for_party(self.party(), reference)
        return Response(_detail(fresh, actor))


# buyer_reply belongs to the buyer alone: the public endpoints offer it.
PARTY_ACTIONS = [name for name in ACTIONS if name != "buyer_reply"]


def _action_view(action: str) -> type[TicketAction]:
    body = action_serializer(action)
    title = "".join(part.title() for part in action.split("_"))

    def post(self, request, reference: str) -> Response:
        return TicketAction.post(self, request, reference)

    post = extend_schema(
        summary=f"Ticket action: {action}",
        description=(
            f"Applies `{action}` (DESIGN §3). 409 with `current_state` when the ticket's state "
            "does not allow it."
        ),
        request=body,
        responses={200: shapes.TicketDetailShape, **WRITE_ERRORS},
        tags=["actions"],
        operation_id=f"tickets_action_{action}",
    )(post)
    attrs = {"action_name": action, "body_serializer": body, "post": post}
    return type(f"{title}Action", (TicketAction,), attrs)


ACTION_VIEWS = {action: _action_view(action) for action in PARTY_ACTIONS}


class RouteByRules(PartyAPIView):
    """Let the rules decide: not a transition of its own, so it sits beside the actions."""

    @extend_schema(
        summary="Ticket action: route by rules",
        description=(
            "Runs your routing rules (then your platform's) on a new ticket you originated, as at "
            "creation: a routing rule routes it (`ticket.routed` names the rule); a hold or no "
            "match leaves it new with a `routing.held` / `routing.applied` / `routing.unmatched` "
            "event. 409 with `current_state` once it is no longer new."
        ),
        request=None,
        responses={200: shapes.TicketDetailShape, **WRITE_ERRORS},
        tags=["actions"],
        operation_id="tickets_action_route_by_rules",
    )
    def post(self, request, reference: str) -> Response:
        return self.once(lambda: self._route(reference))

    def _route(self, reference: str) -> Response:
        actor = self.actor()
        ticket_route_by_rules(ticket=ticket_get_for_party(self.party(), reference), actor=actor)
        return Response(_detail(ticket_get_for_party(self.party(), reference), actor))


class CommentListCreate(PartyAPIView):
    @extend_schema(
        operation_id="comments_list",
        summary="List comments",
        description="Messages you may see: internal ones of your party, parties and public.",
        responses={200: shapes.CommentShape(many=True), **READ_ERRORS},
        tags=["comments"],
    )
    def get(self, request, reference: str) -> Response:
        ticket = ticket_get_for_party(self.party(), reference)
        comments = comment_qs_for_party(ticket, self.party())
        return Response([comment_for_party(c) for c in comments])

    @extend_schema(
        operation_id="comments_create",
        summary="Add a comment",
        description="`internal`: your party only; `parties`: every party; `public`: also buyer.",
        request=CommentCreateSerializer,
        responses={201: shapes.CommentShape, **WRITE_ERRORS},
        tags=["comments"],
    )
    def post(self, request, reference: str) -> Response:
        return self.once(lambda: self._add(reference))

    def _add(self, reference: str) -> Response:
        ticket = ticket_get_for_party(self.party(), reference)
        body = CommentCreateSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        comment = comment_add(ticket=ticket, actor=self.actor(), **body.validated_data)
        return Response(comment_for_party(comment), status=status.HTTP_201_CREATED)


class EventList(PartyAPIView):
    @extend_schema(
        operation_id="events_list",
        summary="List events",
        description="The ticket's events you may see, in sequence order, after `after`.",
        parameters=[EventListQuery],
        responses={200: shapes.EventPageShape, **READ_ERRORS, 400: _err("Bad parameter.")},
        tags=["events"],
    )
    def get(self, request, reference: str) -> Response:
        query = EventListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        ticket = ticket_get_for_party(self.party(), reference)
        events = list(
            event_qs_for_party(ticket, self.party())
            .filter(seq__gt=query.validated_data["after"])
            .select_related("actor_party", "actor_user")[: query.validated_data["limit"]]
        )
        for event in events:
            event.ticket = ticket
        last = events[-1].seq if events else query.validated_data["after"]
        return Response({"results": [event_for_party(e) for e in events], "last_seq": last})
