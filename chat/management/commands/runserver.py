"""`manage.py runserver` serving the ASGI application through uvicorn, with auto-reload.

Django's own runserver is WSGI, which buffers an async event stream into one response;
this keeps local development streaming token by token, exactly like production. As in the
deploy files, uvicorn's own proxy headers are off: otherwise it takes X-Forwarded-For from any
local client as the client's address, and a client would pick its own address for the
per-address rate limits. The app reads X-Forwarded-For itself, from TRUSTED_PROXY_IPS only.
"""

import re

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

ADDRPORT = re.compile(r"^(?:(?P<host>[^:]+|\[[^\]]+\]):)?(?P<port>\d+)$")


class Command(BaseCommand):
    help = "Start the development server (ASGI, uvicorn) with auto-reload."

    def add_arguments(self, parser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="[host:]port")
        parser.add_argument("--noreload", action="store_false", dest="use_reloader")

    def handle(self, *args, addrport: str, use_reloader: bool, **options) -> None:
        match = ADDRPORT.match(addrport)
        if not match:
            raise CommandError(f'"{addrport}" is not a valid port number or address:port pair.')
        host = (match["host"] or "127.0.0.1").strip("[]")
        uvicorn.run(
            "config.asgi:application",
            host=host,
            port=int(match["port"]),
            reload=use_reloader,
            reload_dirs=[str(settings.BASE_DIR)] if use_reloader else None,
            log_level="info",
            proxy_headers=False,
            lifespan="off",
        )
