from django.urls import path

from . import views

urlpatterns = [
    path("campaigns/", views.CampaignListCreate.as_view(), name="api-campaigns"),
    path("campaigns/<slug:slug>/", views.CampaignDetail.as_view(), name="api-campaign"),
    path(
        "campaigns/<slug:slug>/registrations/",
        views.CampaignRegistrations.as_view(),
        name="api-campaign-registrations",
    ),
    path(
        "campaigns/<slug:slug>/eligible-orders/",
        views.CampaignEligibleOrders.as_view(),
        name="api-campaign-eligible-orders",
    ),
    path(
        "campaigns/<slug:slug>/review/",
        views.CampaignReview.as_view(),
        name="api-campaign-review",
    ),
]
