from django.urls import path

from . import views

urlpatterns = [
    path("tickets/", views.TicketListCreate.as_view(), name="api-tickets"),
    path("tickets/<str:reference>/", views.TicketDetail.as_view(), name="api-ticket"),
    path(
        "tickets/<str:reference>/comments/",
        views.CommentListCreate.as_view(),
        name="api-ticket-comments",
    ),
    path("tickets/<str:reference>/events/", views.EventList.as_view(), name="api-ticket-events"),
    *[
        path(
            f"tickets/<str:reference>/actions/{action}/",
            view.as_view(),
            name=f"api-ticket-action-{action}",
        )
        for action, view in views.ACTION_VIEWS.items()
    ],
]
