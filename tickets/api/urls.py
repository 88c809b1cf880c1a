from django.urls import path

from . import config_views as config
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
    path("products/", config.ProductUpsert.as_view(), name="api-products"),
    path("routing-rules/", config.RuleList.as_view(), name="api-routing-rules"),
    path("routing-rules/<int:pk>/", config.RuleDetail.as_view(), name="api-routing-rule"),
    path("sla-policies/", config.PolicyList.as_view(), name="api-sla-policies"),
    path("sla-policies/<int:pk>/", config.PolicyDetail.as_view(), name="api-sla-policy"),
    path("calendars/", config.CalendarList.as_view(), name="api-calendars"),
    path("calendars/<int:pk>/", config.CalendarDetail.as_view(), name="api-calendar"),
    path("stats/sla/", config.SlaStats.as_view(), name="api-stats-sla"),
    *[
        path(
            f"tickets/<str:reference>/actions/{action}/",
            view.as_view(),
            name=f"api-ticket-action-{action}",
        )
        for action, view in views.ACTION_VIEWS.items()
    ],
    path(
        "tickets/<str:reference>/actions/route_by_rules/",
        views.RouteByRules.as_view(),
        name="api-ticket-route-by-rules",
    ),
]
