from django.urls import path

from .views import console, inbox, leaderboard, party_settings, platform, session, ticket

app_name = "portal"

urlpatterns = [
    path("", session.home, name="home"),
    path("login/", session.LoginView.as_view(), name="login"),
    path("logout/", session.LogoutView.as_view(), name="logout"),
    path("party/", session.party_switch, name="party_switch"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("t/<str:reference>/", ticket.ticket_detail, name="ticket"),
    path("t/<str:reference>/comment/", ticket.ticket_comment, name="ticket_comment"),
    path("t/<str:reference>/assign/", ticket.ticket_assignee, name="ticket_assign"),
    path("t/<str:reference>/act/<str:action>/", ticket.ticket_action, name="ticket_action"),
    path("console/", console.console, name="console"),
    path("console/bulk/", console.console_bulk, name="console_bulk"),
    path("leaderboard/", leaderboard.leaderboard, name="leaderboard"),
    path("platform/", platform.platform_console, name="platform"),
    path("settings/", party_settings.members, name="settings"),
    path("settings/members/<int:membership_id>/", party_settings.member_update, name="member"),
    path("settings/keys/", party_settings.api_keys, name="settings_keys"),
    path("settings/keys/<int:key_id>/revoke/", party_settings.api_key_revoke, name="key_revoke"),
    path("settings/webhooks/", party_settings.webhooks, name="settings_webhooks"),
    path(
        "settings/webhooks/<int:endpoint_id>/toggle/",
        party_settings.webhook_toggle,
        name="webhook_toggle",
    ),
    path("settings/<str:kind>/", party_settings.owned, name="settings_owned"),
    path("settings/<str:kind>/<int:pk>/delete/", party_settings.owned_delete, name="owned_delete"),
]
