from django.urls import path

from . import views

urlpatterns = [
    path("quality/phrases/", views.PhraseList.as_view(), name="api-quality-phrases"),
    path("quality/phrases/<int:pk>/", views.PhraseDetail.as_view(), name="api-quality-phrase"),
    path("quality/hits/", views.HitList.as_view(), name="api-quality-hits"),
]
