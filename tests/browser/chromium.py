"""Debian's Chromium for Playwright (Playwright's own browser download is not used)."""

import os
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ChromiumMissing(RuntimeError):
    pass


def launch_chromium(playwright):
    if not Path(CHROMIUM).exists():
        raise ChromiumMissing(
            f"Chromium is not installed at {CHROMIUM}: `apt-get install chromium` "
            "(or set CHROMIUM_PATH). Browser tests are never skipped."
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
