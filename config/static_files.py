"""`/static/` served by the app itself (SERVE_STATIC): Django's handler, except that a path
that climbs out of the static directories (`/static/../../.env`) is a plain 404, not a 500
with a `SuspiciousFileOperation` traceback."""

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest, HttpResponse


class StaticFilesHandler(ASGIStaticFilesHandler):
    def serve(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().serve(request)
        except SuspiciousFileOperation:
            raise Http404("Not found.") from None
