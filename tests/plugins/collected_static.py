"""The static files as production serves them, for every test: collected once (hashed names,
gzip and Brotli copies) into a directory of this checkout, and collected again only when a
source file changes (collectstatic compresses for a while; most runs change no static file).

STATIC_ROOT is set at import, before pytest-django loads the settings; the collection runs
once Django is set up, before any test module imports the application. Worker processes
(tests/workers.py) inherit STATIC_ROOT.
"""

import fcntl
import hashlib
import os
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
STATIC_ROOT = PROJECT_DIR / ".pytest_cache" / "taskstream-static"
STAMP = ".sources-fingerprint"

os.environ["STATIC_ROOT"] = str(STATIC_ROOT)


def sources_fingerprint() -> str:
    """Every source file's path, size and time, and how they are stored and by which versions."""
    import django
    import servestatic
    from django.conf import settings
    from django.contrib.staticfiles import finders

    digest = hashlib.sha256()
    digest.update(f"{django.__version__} {servestatic.__version__} {settings.STORAGES}".encode())
    digest.update((PROJECT_DIR / "config" / "staticfiles.py").read_bytes())
    sources = sorted(
        (path, storage.path(path))
        for finder in finders.get_finders()
        for path, storage in finder.list([])
    )
    for name, source in sources:
        stat = os.stat(source)
        digest.update(f"{name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    from django.core.management import call_command

    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    with (STATIC_ROOT.parent / "taskstream-static.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run of this checkout may be collecting
        fingerprint = sources_fingerprint()
        stamp = STATIC_ROOT / STAMP
        if stamp.exists() and stamp.read_text() == fingerprint:
            return
        call_command("collectstatic", interactive=False, clear=True, verbosity=0)
        stamp.write_text(fingerprint)
