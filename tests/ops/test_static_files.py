"""Static files as mature Django sites serve them (issue 27, item 16): hashed names cached for a
year, gzip and Brotli copies made at collectstatic, served by ServeStatic under uvicorn (or by
nginx with SERVE_STATIC=false: tests/ops/test_behind_nginx.py), and still served without
collectstatic in development (DEBUG)."""

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import brotli
import httpx
import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage

PROJECT_STATIC = Path(settings.BASE_DIR) / "static"
OUR_FILES = sorted(
    str(path.relative_to(PROJECT_STATIC))
    for path in PROJECT_STATIC.rglob("*")
    if path.suffix in {".js", ".css", ".svg"}
)
A_YEAR_OR_MORE = re.compile(r"max-age=(\d+)")
IMPORT = re.compile(r'from "(\./[^"]+)"')

pytestmark = pytest.mark.django_db(transaction=True)


def assert_cached_for_good(response: httpx.Response) -> None:
    cache_control = response.headers["Cache-Control"]
    assert int(A_YEAR_OR_MORE.search(cache_control)[1]) >= 365 * 24 * 3600, cache_control
    assert "immutable" in cache_control and "public" in cache_control
    assert "Accept-Encoding" in response.headers["Vary"]


def test_each_file_is_sent_compressed_and_cached_for_good_under_uvicorn(live_server_url):
    assert len(OUR_FILES) >= 15
    with httpx.Client(base_url=live_server_url) as client:
        for name in OUR_FILES:
            url = staticfiles_storage.url(name)
            assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), url
            source = (PROJECT_STATIC / name).read_bytes()

            # httpx would decode the body itself: read the raw bytes to see the encoding.
            with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
                assert response.status_code == 200, url
                assert response.headers["Content-Encoding"] == "gzip", url
                assert_cached_for_good(response)
                body = gzip.decompress(b"".join(response.iter_raw()))
            if not name.endswith(".js"):  # the modules' imports name hashed files
                assert body == source, url

            with client.stream("GET", url, headers={"Accept-Encoding": "br, gzip"}) as response:
                assert response.headers["Content-Encoding"] == "br", url
                assert brotli.decompress(b"".join(response.iter_raw())) == body


def test_the_pages_modules_import_each_other_by_their_hashed_names(live_server_url):
    """A module is never paired with a stale copy of another: every import names a hashed
    file, and it is there."""
    # The entry points: the chat page's module, and the sign-in and sign-up forms' script.
    entries = ("js/chat.js", "js/browser-time-zone.js")
    seen, queue = set(), [staticfiles_storage.url(name) for name in entries]
    with httpx.Client(base_url=live_server_url) as client:
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.headers["Content-Type"].startswith("text/javascript")
            for relative in IMPORT.findall(response.text):
                assert re.fullmatch(r"\./[\w-]+\.[0-9a-f]{12}\.js", relative), (url, relative)
                queue.append(url.rsplit("/", 1)[0] + relative[1:])
    assert len(seen) == len([name for name in OUR_FILES if name.startswith("js/")])


def test_the_page_links_hashed_files_its_policy_allows(client, user):
    client.force_login(user)
    response = client.get("/")
    html = response.content.decode()
    linked = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert linked and all(re.search(r"\.[0-9a-f]{12}\.\w+$", url) for url in linked), linked
    # Same origin: the Content-Security-Policy's 'self' covers them.
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy


PROBE = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps(settings.MIDDLEWARE))
"""


@pytest.mark.parametrize(("serve_static", "served"), [("true", True), ("false", False)])
def test_serve_static_switches_the_app_serving_on_and_off(serve_static, served):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "x" * 40,
        "DOTENV_DISABLED": "1",
        "SERVE_STATIC": serve_static,
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    middleware = json.loads(result.stdout)
    assert ("servestatic.middleware.ServeStaticMiddleware" in middleware) is served


def test_in_development_files_are_served_without_collectstatic(settings, tmp_path):
    """DEBUG: the pages link the plain names and ServeStatic finds them in static/ as they are
    saved (no collectstatic, no restart)."""
    from servestatic.middleware import ServeStaticMiddleware

    settings.DEBUG = True
    settings.STATIC_ROOT = str(tmp_path)  # empty: nothing was collected

    async def next_in_chain(request):
        raise AssertionError("a static file went past ServeStatic")

    middleware = ServeStaticMiddleware(next_in_chain, settings=settings)
    assert staticfiles_storage.url("js/chat.js") == "/static/js/chat.js"
    found = middleware.find_file("/static/js/chat.js")
    assert found is not None
    assert Path(found.alternatives[-1][1]).resolve() == (PROJECT_STATIC / "js" / "chat.js")
