"""The product's URLs plus views that crash, to see what a crash looks like from outside."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def crash(request):
    raise RuntimeError("boom: a secret stack detail")


class CrashApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("boom: a secret stack detail")


urlpatterns = [
    path("api/crash/", crash),
    path("api/crash-drf/", CrashApi.as_view()),
    path("crash/", crash),
    *urlpatterns,
]
