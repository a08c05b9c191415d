"""Queries and wall time of one chat turn in a conversation with 10, 100 and 1000 earlier messages.

Run by bench/stream_bench.py in a subprocess on the benchmark's database (DATABASE_URL):
`python -m bench.turn_cost 10 100 1000` prints JSON. The turn goes through the real ASGI
application in-process (`POST /api/<id>/chat`, `benchmark 1`, unpaced), so the figures are the
server's own work without the network; every SQL statement on any thread is counted.
"""

import asyncio
import json
import os
import statistics
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["OFFLINE_MODEL_FIRST_TOKEN_MS"] = "0"
os.environ["OFFLINE_MODEL_TOKEN_MS"] = "0"

import django

django.setup()

import httpx  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from chat.models import Conversation, Message  # noqa: E402
from config.asgi import application  # noqa: E402
from config.db_threads import run_db  # noqa: E402

TURNS_PER_SIZE = 5


class StatementLog:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)


LOG = StatementLog()


def _attach(connection, **kwargs) -> None:
    if LOG not in connection.execute_wrappers:
        connection.execute_wrappers.append(LOG)


def _conversation_with_history(user, earlier: int) -> int:
    conversation = Conversation.objects.create(owner=user, title=f"{earlier} earlier messages")
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            role=Message.Role.USER if index % 2 == 0 else Message.Role.ASSISTANT,
            content=f"message {index} " * 8,
            status=Message.Status.COMPLETE,
        )
        for index in range(earlier)
    )
    # Written a day ago: old history, as in a long-lived conversation.
    conversation.messages.update(created_at=timezone.now() - timedelta(days=1))
    return conversation.pk


async def _turn(client: httpx.AsyncClient, path: str, conversation_id: int | None) -> float:
    started = time.perf_counter()
    response = await client.post(
        path, json={"message": "benchmark 1", "conversation_id": conversation_id}
    )
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"turn failed: {response.status_code} {response.text[:200]}")
    return elapsed


async def measure(sizes: list[int]) -> dict:
    user = await run_db(
        get_user_model().objects.create_user, username=f"turn-cost-{os.getpid()}", password="x"
    )
    headers = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
    transport = httpx.ASGITransport(app=application)
    path = f"/api/{user.pk}/chat"
    figures = {}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1", headers=headers
    ) as client:
        for _ in range(3):  # warm up: imports, the agent, connections
            await _turn(client, path, None)
        for earlier in sizes:
            conversation_id = await run_db(_conversation_with_history, user, earlier)
            times = []
            for _ in range(TURNS_PER_SIZE):
                LOG.statements.clear()
                times.append(await _turn(client, path, conversation_id))
            figures[str(earlier)] = {
                "queries": len(LOG.statements),
                "wall_ms_p50": round(statistics.median(times), 2),
            }
    return figures


def main() -> None:
    connection_created.connect(_attach)
    for connection in connections.all(initialized_only=True):
        _attach(connection)
    sizes = [int(arg) for arg in sys.argv[1:]] or [10, 100, 1000]
    print(json.dumps(asyncio.run(measure(sizes))))


if __name__ == "__main__":
    main()
