"""ASGI entry point (uvicorn config.asgi:application)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()


def build_application():
    from django.conf import settings
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    if settings.SERVE_STATIC:
        # Only /static/ paths are intercepted; everything else goes straight to Django.
        return ASGIStaticFilesHandler(django_application)
    return django_application


application = build_application()
