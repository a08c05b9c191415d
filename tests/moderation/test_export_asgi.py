"""The export streams through Django's ASGI handler (how the app is served), reading the
database on the request's sync thread between chunks."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import AsyncClient

from chat import export

from .conftest import CONVERSATIONS


@pytest.mark.django_db(transaction=True)
def test_json_export_streams_under_asgi(monkeypatch, moderator, user, make_conversation):
    monkeypatch.setattr(export, "CHUNK_SIZE", 2)
    conversations = [
        make_conversation(user, title=f"chat {n}", messages=[("user", f"hi {n}")]) for n in range(5)
    ]

    async def download():
        client = AsyncClient()
        await client.aforce_login(moderator)
        response = await client.post(
            CONVERSATIONS,
            {
                "action": "export_json",
                ACTION_CHECKBOX_NAME: [c.pk for c in conversations],
                "index": "0",
            },
        )
        parts = [part async for part in response.streaming_content]
        return response, parts

    response, parts = async_to_sync(download)()

    assert response.status_code == 200
    assert response.is_async  # not drained into a list by Django before sending
    assert len(parts) == 7  # opening, five conversations, closing
    document = json.loads(b"".join(parts))
    assert [c["messages"][0]["content"] for c in document["conversations"]] == [
        f"hi {n}" for n in range(5)
    ]
