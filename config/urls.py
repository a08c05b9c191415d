"""URL map: the JSON API under /api/, admin, and the web chat pages."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from config.openapi import ApiDocsView


class FaviconRedirect(RedirectView):
    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("img/favicon.svg")


urlpatterns = [
    # Browsers ask for /favicon.ico on pages naming no icon (admin, API docs): send them ours.
    # Resolved per request: the hashed name comes from collectstatic's manifest, which a
    # command run before collectstatic (migrate's checks import this module) does not have.
    path("favicon.ico", FaviconRedirect.as_view(permanent=True)),
    path("admin/", admin.site.urls),
    path("api/auth/", include("accounts.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/<int:user_id>/", include("chat.api_urls")),
    path("api/<int:user_id>/", include("chat.conversation_urls")),
    path("api/<int:user_id>/", include("todos.api_urls")),
    path("api/<int:user_id>/", include("live.urls")),
    path("accounts/", include("accounts.page_urls")),
    path("", include("chat.page_urls")),
]

handler400 = "config.errors.handler400"
handler403 = "config.errors.handler403"
handler404 = "config.errors.handler404"
handler500 = "config.errors.handler500"
