"""A real uvicorn server in a background thread, for tests that speak HTTP to the product."""

import asyncio
import threading
from collections.abc import Callable

import uvicorn

from tests.waiting import wait_until


class LiveAsgiServer:
    """Serve `config.asgi:application` (or an application object) on 127.0.0.1 with an
    ephemeral port."""

    def __init__(self, app: str | Callable = "config.asgi:application"):
        self.config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self._serve, name="live-asgi-server", daemon=True)
        self.url = ""

    def _serve(self) -> None:
        asyncio.run(self.server.serve())

    def __enter__(self) -> "LiveAsgiServer":
        self.thread.start()
        wait_until(
            lambda: self.server.started or not self.thread.is_alive(),
            interval=0.01,
            message="uvicorn did not start",
        )
        if not self.server.started:
            raise RuntimeError("uvicorn failed to start")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
