"""Portal pages: the person's notifications (list, mark read, open) and their settings. Every
notification is fetched through the person's own queryset, so another person's id is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.access import party_view, portal_render
from tenants.middleware import acting_party_set

from .forms import NotificationSettingsForm
from .models import Notification, NotificationKind
from .selectors import notification_qs_for_user, notification_settings_get, user_supervises
from .services import notification_mark_read, notification_settings_update
from .texts import text_of

PAGE_SIZE = 25


def _own(request: HttpRequest, notification_id: int) -> Notification:
    notification = notification_qs_for_user(request.user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404
    return notification


@party_view
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_qs_for_user(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(n, text_of(n)) for n in page.object_list]
    return portal_render(request, "notifications/list.html", {"page": page, "rows": rows})


@require_POST
@party_view
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification_mark_read(user=request.user, notification_ids=[_own(request, notification_id).pk])
    page = request.POST.get("page", "")
    suffix = f"?page={page}" if page.isdigit() else ""
    return redirect(reverse("notifications:list") + suffix)


@require_POST
@party_view
def notification_read_all(request: HttpRequest) -> HttpResponse:
    changed = notification_mark_read(user=request.user)
    messages.success(request, _("%(count)s notifications marked read.") % {"count": changed})
    return redirect("notifications:list")


@require_POST
@party_view
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark it read and show the ticket as the party the person was notified as."""
    notification = _own(request, notification_id)
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    acting_party_set(request, notification.party_id)
    return redirect("portal:ticket", reference=notification.ticket.reference)


@party_view
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    can_digest = user_supervises(user)
    current = notification_settings_get(user)
    options = {"can_digest": can_digest, "has_email": bool(user.email)}
    if request.method != "POST":
        form = NotificationSettingsForm(
            initial={
                "in_app": [k for k in NotificationKind.values if current.in_app(k)],
                "email": list(current.email_kinds),
                "digest": current.digest,
            },
            **options,
        )
        return portal_render(request, "notifications/settings.html", {"form": form})
    form = NotificationSettingsForm(request.POST, **options)
    if not form.is_valid():
        return portal_render(request, "notifications/settings.html", {"form": form}, status=400)
    notification_settings_update(
        user=user,
        muted_kinds=[k for k in NotificationKind.values if k not in form.cleaned_data["in_app"]],
        email_kinds=form.cleaned_data["email"],
        digest=form.cleaned_data["digest"],
    )
    messages.success(request, _("Notification settings saved."))
    return redirect("notifications:settings")
