"""A small TCP proxy for the browser tests, in a thread of its own: it forwards 127.0.0.1:port
to an upstream that the test may change, and can be cut like a network that drops every
packet (connections stay open, nothing passes) and restored (the connections that lived
through the cut are closed, as a peer that gave up on them would)."""

import asyncio
import threading

from tests.workers import free_port


class TcpProxy:
    def __init__(self, upstream_port: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.upstream_port = upstream_port
        self._open = asyncio.Event()
        self._writers: set[asyncio.StreamWriter] = set()
        self._connections: set[asyncio.Task] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> "TcpProxy":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc_info) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def cut(self) -> None:
        self._loop.call_soon_threadsafe(self._open.clear)

    def restore(self) -> None:
        asyncio.run_coroutine_threadsafe(self._restore(), self._loop).result(timeout=10)

    async def _start(self) -> None:
        self._open.set()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _stop(self) -> None:
        """Stop listening and end every connection's task (a task left pending is reported
        as destroyed when its loop goes)."""
        self._server.close()
        for connection in self._connections:
            connection.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        for writer in list(self._writers):
            writer.close()

    async def _restore(self) -> None:
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        self._open.set()

    async def _serve(self, client_reader, client_writer) -> None:
        connection = asyncio.current_task()
        self._connections.add(connection)
        try:
            await self._forward(client_reader, client_writer)
        finally:
            self._connections.discard(connection)

    async def _forward(self, client_reader, client_writer) -> None:
        await self._open.wait()
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.upstream_port
            )
        except OSError:
            client_writer.close()
            return
        self._writers |= {client_writer, upstream_writer}
        await asyncio.gather(
            self._pipe(client_reader, upstream_writer),
            self._pipe(upstream_reader, client_writer),
            return_exceptions=True,
        )
        for writer in (client_writer, upstream_writer):
            self._writers.discard(writer)
            writer.close()

    async def _pipe(self, reader, writer) -> None:
        while data := await reader.read(65536):
            if not self._open.is_set():
                # Cut: what was in flight is lost, and nothing passes; the restore closes
                # this connection.
                await self._open.wait()
                return
            writer.write(data)
            await writer.drain()
        writer.close()
