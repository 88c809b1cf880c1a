from django.urls import path

from . import views

urlpatterns = [
    path("c/<slug:slug>", views.campaign_page, name="campaign-page"),
    path("c/<slug:slug>/qr.png", views.campaign_qr, name="campaign-qr"),
]
