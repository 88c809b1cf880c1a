from django.urls import path

from . import views

urlpatterns = [
    path("bulk-jobs/", views.BulkJobListCreate.as_view(), name="bulk-jobs"),
    path("bulk-jobs/<uuid:job_id>/", views.BulkJobDetail.as_view(), name="bulk-job"),
    path(
        "bulk-jobs/<uuid:job_id>/results/",
        views.BulkJobResults.as_view(),
        name="bulk-job-results",
    ),
    path("bulk-jobs/<uuid:job_id>/errors/", views.BulkJobErrors.as_view(), name="bulk-job-errors"),
    path(
        "bulk-jobs/<uuid:job_id>/download/",
        views.BulkJobDownload.as_view(),
        name="bulk-job-download",
    ),
]
