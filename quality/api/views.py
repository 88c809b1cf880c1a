"""``/api/v1/quality/``: the acting party's phrase list (its admins: ``party:admin`` keys or the
admin role) and its hits (supervisors and admins, or keys with ``tickets:read``). Everything is
looked up within the party: another party's phrase is a 404, and its hits are never listed."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from integrations.api.base import PartyAPIView
from integrations.api.pagination import keyset_page
from tenants.models import ApiKey, Role
from tickets.api.shapes import ErrorShape

from .. import services
from ..selectors import hit_qs_for_party, phrase_get_for_party, phrase_qs_for_party
from .serializers import (
    HitPageShape,
    HitQuery,
    HitSerializer,
    PhraseSerializer,
    PhraseWriteSerializer,
)

_ERRORS = {
    400: OpenApiResponse(
        ErrorShape, description="Invalid input: empty or duplicate phrase, unknown severity."
    ),
    401: OpenApiResponse(ErrorShape, description="No or an invalid API key."),
    403: OpenApiResponse(ErrorShape, description="Needs party:admin or the admin role."),
    404: OpenApiResponse(ErrorShape, description="No such phrase on your party's list."),
}
TAG = "quality"


class PhraseList(PartyAPIView):
    admin_only = True

    @extend_schema(
        operation_id="quality_phrases_list",
        summary="List your party's phrases",
        description="A platform's list applies to every ticket on it, whoever writes.",
        responses={200: PhraseSerializer(many=True), **_ERRORS},
        tags=[TAG],
    )
    def get(self, request) -> Response:
        return Response(PhraseSerializer(phrase_qs_for_party(self.party()), many=True).data)

    @extend_schema(
        operation_id="quality_phrases_create",
        summary="Add a phrase to your party's list",
        request=PhraseWriteSerializer,
        responses={201: PhraseSerializer, **_ERRORS},
        tags=[TAG],
    )
    def post(self, request) -> Response:
        return self.once(self._create)

    def _create(self) -> Response:
        body = PhraseWriteSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        phrase = services.phrase_create(actor=self.actor(), **body.validated_data)
        return Response(PhraseSerializer(phrase).data, status=status.HTTP_201_CREATED)


class PhraseDetail(PartyAPIView):
    admin_only = True

    def _get(self, pk: int):
        phrase = phrase_get_for_party(self.party(), pk)
        if phrase is None:
            raise NotFound(_("No such phrase."))
        return phrase

    @extend_schema(
        operation_id="quality_phrases_get",
        summary="Get one of your phrases",
        responses={200: PhraseSerializer, **_ERRORS},
        tags=[TAG],
    )
    def get(self, request, pk: int) -> Response:
        return Response(PhraseSerializer(self._get(pk)).data)

    @extend_schema(
        operation_id="quality_phrases_update",
        summary="Change one of your phrases",
        request=PhraseWriteSerializer(partial=True),
        responses={200: PhraseSerializer, **_ERRORS},
        tags=[TAG],
    )
    def patch(self, request, pk: int) -> Response:
        phrase = self._get(pk)
        body = PhraseWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        phrase = services.phrase_update(
            actor=self.actor(),
            phrase=phrase,
            text=data.get("phrase"),
            severity=data.get("severity"),
            note=data.get("note"),
        )
        return Response(PhraseSerializer(phrase).data)

    @extend_schema(
        operation_id="quality_phrases_delete",
        summary="Remove one of your phrases",
        responses={204: None, **_ERRORS},
        tags=[TAG],
    )
    def delete(self, request, pk: int) -> Response:
        services.phrase_delete(actor=self.actor(), phrase=self._get(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SupervisorsOnly(permissions.BasePermission):
    """What agents wrote is for their supervisors: people need the supervisor or admin role;
    keys need ``tickets:read`` (checked by ``PartyAccess``)."""

    message = _("Supervisors and admins only.")

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiKey):
            return True
        membership = getattr(request._request, "membership", None)
        return bool(membership) and membership.role in (Role.ADMIN, Role.SUPERVISOR)


class HitList(PartyAPIView):
    permission_classes = [*PartyAPIView.permission_classes, SupervisorsOnly]

    @extend_schema(
        operation_id="quality_hits_list",
        summary="List your party's quality hits",
        description=(
            "Every listed phrase found in a buyer-visible text your people or keys wrote, newest "
            "first: `blocked` (refused), `withdrawn` (warned and not sent), `sent` (warned and "
            "confirmed). Cursor pagination."
        ),
        parameters=[HitQuery],
        responses={
            200: HitPageShape,
            400: _ERRORS[400],
            401: _ERRORS[401],
            403: OpenApiResponse(ErrorShape, description="Supervisors and admins only."),
        },
        tags=[TAG],
    )
    def get(self, request) -> Response:
        query = HitQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        party = self.party()
        author = None
        if params.get("agent"):
            author = (
                get_user_model()
                .objects.filter(username=params["agent"], memberships__party=party)
                .first()
            )
        hits = hit_qs_for_party(
            party,
            start=params.get("start"),
            end=params.get("end"),
            severity=params.get("severity", ""),
            outcome=params.get("outcome", ""),
            user_id=author.pk if author is not None else None,
        )
        if params.get("agent") and author is None:
            hits = hits.none()  # not one of the party's people: nothing they wrote is here
        rows, following = keyset_page(hits, cursor=params.get("cursor"), size=params["page_size"])
        return Response({"results": HitSerializer(rows, many=True).data, "next_cursor": following})
