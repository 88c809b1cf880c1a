from django.urls import path

from . import public

urlpatterns = [
    path("requests/", public.BuyerRequestCreate.as_view(), name="api-public-requests"),
    path("tickets/<str:token>/", public.BuyerTicketDetail.as_view(), name="api-public-ticket"),
    path("tickets/<str:token>/reply/", public.BuyerReply.as_view(), name="api-public-reply"),
    path("tickets/<str:token>/confirm/", public.BuyerConfirm.as_view(), name="api-public-confirm"),
    path("tickets/<str:token>/reopen/", public.BuyerReopen.as_view(), name="api-public-reopen"),
    path(
        "tickets/<str:token>/withdraw/", public.BuyerWithdraw.as_view(), name="api-public-withdraw"
    ),
    path("tickets/<str:token>/rate/", public.BuyerRate.as_view(), name="api-public-rate"),
]
