"""The operations layer around the whole ASGI application.

`with_operations(app)` answers `/healthz`, `/readyz` and `/metrics` before Django (no
middleware, no URL resolution, no session), counts every HTTP response by status class for
`/metrics` (including the middleware-free chat paths and static files), and handles the ASGI
lifespan: at startup it takes over SIGTERM for a graceful drain (ops.shutdown), starts the
sweep for runs whose worker died (chat.runs.lapsed) and the reminder scheduler
(reminders.scheduler), pins the worker to a CPU of its own if WORKER_CPU_PINNING is on
(ops.cpu_pinning) and sets the started worker's heap aside from the garbage collector
(ops.heap); at shutdown it stops the scheduler and ends what is left.
"""

import asyncio
import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

from chat.runs.lapsed import start_sweeping
from ops import metrics, shutdown
from ops.cpu_pinning import pin_worker
from ops.health import OK, readiness
from ops.heap import freeze_startup_heap, set_collection_thresholds
from reminders.scheduler import start_scheduler, stop_scheduler

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def with_operations(app: ASGIApp) -> ASGIApp:
    endpoints: dict[str, Callable[[Scope, Send], Awaitable[None]]] = {
        "/healthz": _healthz,
        "/readyz": _readyz,
        "/metrics": _metrics,
    }

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        if scope["type"] != "http":
            return await app(scope, receive, send)
        counted = _counting_statuses(send)
        endpoint = endpoints.get(scope["path"])
        if endpoint is not None:
            return await endpoint(scope, counted)
        return await app(scope, receive, counted)

    return application


def _counting_statuses(send: Send) -> Send:
    async def counted(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            metrics.http_response(message["status"])
        await send(message)

    return counted


async def _healthz(scope: Scope, send: Send) -> None:
    await _send_json(send, 200, {"status": "ok"})


async def _readyz(scope: Scope, send: Send) -> None:
    checks = await readiness()
    failing = [name for name, result in checks.items() if result != OK]
    if failing:
        await _send_json(send, 503, {"status": "unavailable", "failing": failing, "checks": checks})
    else:
        await _send_json(send, 200, {"status": "ok", "checks": checks})


async def _metrics(scope: Scope, send: Send) -> None:
    if not settings.METRICS_ENABLED:
        return await _send_json(send, 404, {"detail": "Not found.", "code": "not_found"})
    if not _client_allowed(scope):
        detail = "This address may not read the metrics."
        return await _send_json(send, 403, {"detail": detail, "code": "permission_denied"})
    if not _token_accepted(scope):
        body = {"detail": "A valid metrics token is required.", "code": "not_authenticated"}
        return await _send_json(send, 401, body, ((b"www-authenticate", b"Bearer"),))
    payload = await asyncio.to_thread(metrics.render)
    await _send(send, 200, payload, metrics.CONTENT_TYPE.encode())


def _client_allowed(scope: Scope) -> bool:
    """METRICS_ALLOWED_IPS against the connecting address (scrape the workers directly: a
    forwarded-for header could be forged)."""
    if not settings.METRICS_ALLOWED_IPS:
        return True
    client = scope.get("client")
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_IPS)


def _token_accepted(scope: Scope) -> bool:
    if not settings.METRICS_TOKEN:
        return True
    expected = f"Bearer {settings.METRICS_TOKEN}".encode()
    sent = dict(scope["headers"]).get(b"authorization", b"")
    return hmac.compare_digest(sent, expected)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            pin_worker()
            shutdown.take_over_sigterm()
            start_sweeping()
            start_scheduler()
            freeze_startup_heap()
            set_collection_thresholds()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await asyncio.to_thread(stop_scheduler)
            await shutdown.end_local_runs()
            metrics.process_exiting()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _send_json(
    send: Send, status: int, body: dict, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    await _send(send, status, json.dumps(body).encode(), b"application/json", headers)


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    start_headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": start_headers})
    await send({"type": "http.response.body", "body": body})
