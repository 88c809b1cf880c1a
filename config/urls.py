from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from bulk import portal as bulk_portal
from campaigns import portal as campaigns_portal
from collab.health import healthz
from collab.metrics import metrics
from insight import portal as insight_portal

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    # gettext() for the static scripts: the djangojs catalogue of locale/ (LOCALE_PATHS) in the
    # active language. Naming one app keeps the admin's catalogues out of the payload.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["collab"]), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("portal/bulk/", bulk_portal.jobs_page, name="bulk-portal"),
    path("portal/campaigns/", campaigns_portal.campaign_list, name="campaign-list"),
    path("portal/campaigns/new/", campaigns_portal.campaign_new, name="campaign-new"),
    path("portal/campaigns/<slug:slug>/", campaigns_portal.campaign_review, name="campaign-review"),
    path(
        "portal/campaigns/<slug:slug>/edit/", campaigns_portal.campaign_edit, name="campaign-edit"
    ),
    path("portal/notifications/", include("notifications.urls")),
    path("portal/insight/", insight_portal.dashboard, name="insight"),
    path("portal/insight/<slug:name>.csv", insight_portal.table_csv, name="insight-csv"),
    path("portal/quality/", include("quality.urls")),
    path("portal/", include("portal.urls")),
    path("", include("buyer.urls")),
    path("", include("campaigns.urls")),
]

handler404 = "integrations.api.errors.not_found"
