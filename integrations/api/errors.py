"""One error shape for the whole API, mapped once (STYLE.md §5):

``{"type": ..., "code": ..., "message": ..., "field_errors": {field: [messages]}}``, plus
``current_state`` on a 409 about a ticket's state.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from tickets.errors import TicketConflict, TicketError


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as ``{"a.b": ["message"]}``."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" else str(key)
            flat.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": [str(detail)]}


def error_body(code: str, message: str, *, status_code: int, field_errors=None, **extra) -> dict:
    kind = "validation_error" if field_errors else "client_error"
    if status_code >= 500:
        kind = "server_error"
    return {
        "type": kind,
        "code": code,
        "message": str(message),
        "field_errors": field_errors or {},
        **extra,
    }


def exception_handler(exc, context) -> Response | None:
    if isinstance(exc, TicketError):
        extra = {"current_state": exc.current_state} if isinstance(exc, TicketConflict) else {}
        set_rollback()
        exc.on_refused()
        return Response(
            error_body(
                exc.code,
                exc.message,
                status_code=exc.status,
                field_errors=exc.field_errors,
                **extra,
            ),
            status=exc.status,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(
            "invalid",
            _("Some fields are invalid."),
            status_code=400,
            field_errors=_flatten(exc.detail),
        )
    else:
        code = exc.get_codes() if not isinstance(exc.detail, dict | list) else exc.default_code
        body = error_body(str(code), str(exc.detail), status_code=exc.status_code)
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def not_found(request, exception=None):
    """``handler404``: JSON in the error shape under /api/, Django's page elsewhere (a URL that
    matches no route, e.g. a non-numeric id, never reaches the API views)."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Not found."), status_code=404), status=404)
    return page_not_found(request, exception)
