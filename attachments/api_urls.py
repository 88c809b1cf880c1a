from django.urls import path

from . import api

urlpatterns = [
    path(
        "tickets/<str:reference>/attachments/",
        api.AttachmentListCreate.as_view(),
        name="api-ticket-attachments",
    ),
    path(
        "tickets/<str:reference>/attachments/<int:attachment_id>/",
        api.AttachmentDownload.as_view(),
        name="api-ticket-attachment",
    ),
]
