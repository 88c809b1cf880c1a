"""``/api/v1/notifications/``: the signed-in person's notifications, for the portal's own calls.

Notifications belong to a person, and an API key has none (it acts for a party, not for
anybody): a key gets 403 with the stable code ``session_required``. Integrators who want alerts
subscribe a webhook endpoint (or a chat robot) instead.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.api.parsers import StrictJSONParser
from integrations.api.throttles import PartyCallerThrottle
from tenants.models import ApiKey
from tickets.api.shapes import ErrorShape

from ..models import Notification, NotificationKind
from ..selectors import notification_qs_for_user, unread_count
from ..services import notification_mark_read
from ..texts import text_of

MAX_PAGE_SIZE = 100

_ERRORS = {
    401: OpenApiResponse(ErrorShape, description="Not signed in."),
    403: OpenApiResponse(
        ErrorShape, description="`session_required`: API keys have no notifications."
    ),
}


class SessionRequired(exceptions.PermissionDenied):
    default_code = "session_required"
    default_detail = _("Notifications belong to a signed-in person; API keys have none.")


class SignedInPerson(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiKey):
            raise SessionRequired()
        return bool(request.user and request.user.is_authenticated)


class NotificationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    ticket = serializers.CharField(source="ticket.reference")
    party = serializers.CharField(source="party.slug")
    text = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "ticket", "party", "text", "read_at", "created_at"]

    def get_text(self, notification: Notification) -> str:
        return text_of(notification)


class NotificationPage(serializers.Serializer):
    results = NotificationSerializer(many=True)
    unread = serializers.IntegerField()
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()


class PageQuery(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, default=25)
    unread = serializers.BooleanField(default=False)


class MarkRead(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    all = serializers.BooleanField(default=False)

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError({"ids": [_("Give ids, or all: true.")]})
        return attrs


class MarkedRead(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class _PersonView(APIView):
    permission_classes = [SignedInPerson]
    parser_classes = [StrictJSONParser]
    throttle_classes = [PartyCallerThrottle]
    # Person-scoped, not party-scoped: tests/api/test_isolation.py leaves these to
    # tests/notifications (keys are refused with 403 here, by design).
    session_only = True


class NotificationList(_PersonView):
    @extend_schema(
        operation_id="notifications_list",
        summary="My notifications",
        description="Newest first; `unread=true` for unread ones only. Signed-in people only "
        "(the portal's session); API keys get 403 `session_required`.",
        parameters=[
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description=f"1–{MAX_PAGE_SIZE}, default 25"),
            OpenApiParameter("unread", bool),
        ],
        responses={200: NotificationPage, 400: OpenApiResponse(ErrorShape), **_ERRORS},
        tags=["notifications"],
    )
    def get(self, request) -> Response:
        query = PageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        page, size = query.validated_data["page"], query.validated_data["page_size"]
        qs = notification_qs_for_user(request.user)
        if query.validated_data["unread"]:
            qs = qs.filter(read_at__isnull=True)
        rows = list(qs[(page - 1) * size : page * size + 1])
        return Response(
            {
                "results": NotificationSerializer(rows[:size], many=True).data,
                "unread": unread_count(request.user),
                "page": page,
                "has_next": len(rows) > size,
            }
        )


class NotificationMarkRead(_PersonView):
    @extend_schema(
        operation_id="notifications_mark_read",
        summary="Mark notifications read",
        description='`{"ids": [1, 2]}` or `{"all": true}`. Ids that are not yours are '
        "ignored. Your open pages get the new unread count live.",
        request=MarkRead,
        responses={200: MarkedRead, 400: OpenApiResponse(ErrorShape), **_ERRORS},
        tags=["notifications"],
    )
    def post(self, request) -> Response:
        body = MarkRead(data=request.data)
        body.is_valid(raise_exception=True)
        ids = None if body.validated_data["all"] else body.validated_data["ids"]
        marked = notification_mark_read(user=request.user, notification_ids=ids)
        return Response({"marked": marked, "unread": unread_count(request.user)})
