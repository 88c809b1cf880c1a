from django.urls import path, re_path

from . import views

app_name = "buyer"

urlpatterns = [
    path("r/<slug:streamer>/<slug:category>", views.submit, name="submit"),
    path("t/<str:token>", views.progress, name="progress"),
    path("t/<str:token>/saved", views.saved, name="saved"),
    re_path(
        r"^t/(?P<token>[^/]+)/(?P<action>reply|confirm|reopen|withdraw|message|rate)$",
        views.act,
        name="act",
    ),
    path("track", views.track, name="track"),
]
