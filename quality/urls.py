from django.urls import path

from . import portal

app_name = "quality"

urlpatterns = [
    path("", portal.hits, name="hits"),
    path("phrases/", portal.phrases, name="phrases"),
    path("phrases/<int:pk>/delete/", portal.phrase_delete, name="phrase_delete"),
]
