from django.urls import path

from . import views

urlpatterns = [
    path("insight/dashboard/", views.DashboardView.as_view(), name="insight-dashboard"),
    path("insight/top-issues/", views.TopIssuesView.as_view(), name="insight-top-issues"),
]
