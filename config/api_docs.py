"""The Swagger UI page for the OpenAPI schema."""

from django.http import HttpRequest, HttpResponse
from django.views import View
from drf_spectacular.views import SpectacularSwaggerView


class ApiDocsView(SpectacularSwaggerView):
    """drf-spectacular's Swagger page, with OPTIONS answered as Django's plain views do.

    DRF renders an OPTIONS answer through the view's renderer, here an HTML template renderer
    that has no template for it (500 `TemplateDoesNotExist`); this page has nothing to
    describe beyond the methods it allows.
    """

    def options(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        return View.options(self, request, *args, **kwargs)
