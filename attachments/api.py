"""Ticket attachments for parties: list, upload (multipart), download."""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from integrations.api.base import PartyAPIView
from tickets.api.shapes import ErrorShape, PartyRef
from tickets.models import Visibility
from tickets.selectors import ticket_get_for_party

from .models import Attachment
from .selectors import attachment_qs_for_party
from .services import attachment_add

_ERRORS = {
    400: OpenApiResponse(ErrorShape, description="Too large, wrong type or invalid."),
    401: OpenApiResponse(ErrorShape, description="No or an invalid API key."),
    403: OpenApiResponse(ErrorShape, description="Not allowed for your key."),
    404: OpenApiResponse(ErrorShape, description="No such ticket or file that you may see."),
}


class AttachmentSerializer(serializers.ModelSerializer):
    author_party = PartyRef(allow_null=True)

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "visibility", "author_party"]
        fields += ["created_at"]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PARTIES)


class AttachmentListCreate(PartyAPIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="attachments_list",
        summary="List attachments",
        responses={200: AttachmentSerializer(many=True), **_ERRORS},
        tags=["attachments"],
    )
    def get(self, request, reference: str) -> Response:
        ticket = ticket_get_for_party(self.party(), reference)
        files = attachment_qs_for_party(ticket, self.party())
        return Response(AttachmentSerializer(files, many=True).data)

    @extend_schema(
        operation_id="attachments_create",
        summary="Upload an attachment",
        description="multipart/form-data with `file` and `visibility`; size and type limited.",
        request={"multipart/form-data": UploadSerializer},
        responses={201: AttachmentSerializer, **_ERRORS},
        tags=["attachments"],
    )
    def post(self, request, reference: str) -> Response:
        return self.once(lambda: self._upload(reference))

    def _upload(self, reference: str) -> Response:
        ticket = ticket_get_for_party(self.party(), reference)
        body = UploadSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        attachment = attachment_add(
            ticket=ticket,
            actor=self.actor(),
            upload=body.validated_data["file"],
            visibility=body.validated_data["visibility"],
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDownload(PartyAPIView):
    @extend_schema(
        operation_id="attachments_download",
        summary="Download an attachment",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            **_ERRORS,
        },
        tags=["attachments"],
    )
    def get(self, request, reference: str, attachment_id: int):
        ticket = ticket_get_for_party(self.party(), reference)
        attachment = get_object_or_404(
            attachment_qs_for_party(ticket, self.party()), pk=attachment_id
        )
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.filename,
            content_type="application/octet-stream",
        )
