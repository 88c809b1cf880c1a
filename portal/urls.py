from django.urls import path

from .views import console, inbox, session, ticket

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
    path("leaderboard/", session.home, name="leaderboard"),
    path("platform/", session.home, name="platform"),
    path("settings/", session.home, name="settings"),
]
