"""Schemathesis against the live schema of a real server: no 5xx, and every response matches
the schema. Bounded: a few examples per operation, a fixed seed, a hard timeout.

The chat endpoints are left out (they run the agent; tests/chat covers them), the live stream
(it never ends; tests/live covers it), and so is logout:
a fuzzed `{"all": true}` would sign the fuzzer out of every other operation
(tests/accounts/test_tokens.py covers it).
"""

import json
import re
import subprocess
import sys
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
import pytest

from chat.models import Conversation, Message
from tests.waiting import DEADLINE_S

EXCLUDED_PATHS = "chat|auth/logout|/events$"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# A hard stop for a hung run, far above what a loaded machine needs (~30 s on a quiet one).
TIMEOUT_S = 600


@pytest.fixture
def account(live_server_url) -> dict:
    """A user registered and logged in over HTTP, as a client would."""
    credentials = {"username": "fuzzer", "password": "a-long-test-password-42"}
    with httpx.Client(base_url=live_server_url) as client:
        registered = client.post("/api/auth/register/", json=credentials)
        assert registered.status_code == 201, registered.text
        tokens = client.post("/api/auth/token/", json=credentials)
        assert tokens.status_code == 200, tokens.text
        user_id = registered.json()["id"]
        headers = {"Authorization": f"Bearer {tokens.json()['access']}"}

        def tasks(*titles: str) -> list[int]:
            ids = []
            for title in titles:
                created = client.post(
                    f"/api/{user_id}/tasks/", json={"title": title}, headers=headers
                )
                assert created.status_code == 201, created.text
                ids.append(created.json()["id"])
            return ids

        task_ids = tasks("Buy milk", "Call mum", "Water plants")
        reminder_task_ids = tasks("Renew passport", "Book dentist", "Pay rent")
    return {
        "id": user_id,
        "access": tokens.json()["access"],
        "task_ids": task_ids,
        "reminder_task_ids": reminder_task_ids,
    }


@pytest.fixture
def conversation_ids(account) -> list[int]:
    """Transcripts as the chat writes them, including tool calls and a cut-off reply."""
    ids = []
    for number in range(2):
        conversation = Conversation.objects.create(owner_id=account["id"], title=f"chat {number}")
        Message.objects.create(conversation=conversation, role="user", content="add buy milk")
        Message.objects.create(
            conversation=conversation,
            role="assistant",
            content="Added.",
            run_id=uuid.uuid4(),
            model_name="offline",
            tool_calls=[
                {
                    "call_id": "c1",
                    "name": "add_task",
                    "arguments": {"title": "Buy milk"},
                    "output": {"ok": True},
                },
                {"call_id": "c2", "name": "list_tasks", "arguments": {}},
            ],
            duration_ms=12,
        )
        ids.append(conversation.pk)
    return ids


def test_schemathesis_finds_no_server_errors_or_schema_mismatches(
    live_server_url, account, conversation_ids, tmp_path
):
    # Path ids drawn mostly from the caller's own objects, so the fuzzing reaches past the
    # 403/404 guards; the rest are arbitrary.
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f"""
[parameters]
"path.user_id" = {account["id"]}
"path.task_id" = {{ dictionary = "task_ids", probability = 0.8 }}
"path.conversation_id" = {{ dictionary = "conversation_ids", probability = 0.8 }}

[dictionaries.task_ids]
values = {json.dumps(account["task_ids"])}

# A task's reminders are fuzzed on tasks of their own: the fuzzing of DELETE .../tasks/{{task_id}}/
# may delete every task of task_ids before their turn (then none of their calls reaches 2xx).
[[operations]]
include-path-regex = "/reminders/$"

[operations.parameters]
"path.user_id" = {account["id"]}
"path.task_id" = {{ dictionary = "reminder_task_ids", probability = 0.8 }}

[dictionaries.reminder_task_ids]
values = {json.dumps(account["reminder_task_ids"])}

[dictionaries.conversation_ids]
values = {json.dumps(conversation_ids)}
"""
    )
    command = [
        str(SCHEMATHESIS),
        "--config-file", str(config),
        "run", f"{live_server_url}/api/schema/",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--exclude-path-regex", EXCLUDED_PATHS,
        "--header", f"Authorization: Bearer {account['access']}",
        "--max-examples", "15",
        "--phases", "examples,coverage,fuzzing",
        "--seed", "20240607",
        "--workers", "1",
        "--generation-database", "none",
        "--request-timeout", str(DEADLINE_S),
        "--suppress-health-check", "too_slow",  # a loaded machine is slow, not the API
        "--no-color",
        "--report", "ndjson", "--report-ndjson-path", str(tmp_path / "events.ndjson"),
    ]  # fmt: skip
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=tmp_path, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output

    # It reached past the guards: every per-user operation answered 2xx at least once (random
    # credentials rarely get past the auth endpoints, which is their job).
    statuses = _statuses_by_operation(tmp_path / "events.ndjson")
    assert set(statuses) == _fuzzed_operations(live_server_url), sorted(statuses)
    unreached = [
        label
        for label, codes in statuses.items()
        if "{user_id}" in label
        and label not in NEED_IDS_FROM_EARLIER_CALLS
        and not any(200 <= code < 300 for code in codes)
    ]
    assert not unreached, unreached


def _fuzzed_operations(live_server_url: str) -> set[str]:
    """Every operation of the served schema the run covers ("POST /api/auth/register/")."""
    schema = httpx.get(
        f"{live_server_url}/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}
    ).json()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        if not re.search(EXCLUDED_PATHS, path)
        for method in operations
    }


# Operations a random request cannot get past: a bulk change needs the ids of existing tasks
# (any other id is a 404, by design), an undo the change id a bulk change answered. Their
# success paths are tested in tests/api/test_task_lists_filters_bulk.py.
NEED_IDS_FROM_EARLIER_CALLS = frozenset(
    {"POST /api/{user_id}/tasks/bulk/", "POST /api/{user_id}/tasks/changes/{change_id}/undo"}
)


def _statuses_by_operation(report: Path) -> dict[str, set[int]]:
    """From schemathesis' NDJSON report: the statuses each operation's own method got."""
    statuses: dict[str, set[int]] = defaultdict(set)
    for line in report.read_text().splitlines():
        event = json.loads(line)
        recorder = event.get("ScenarioFinished", {}).get("recorder") or {}
        label = recorder.get("label", "")
        for interaction in (recorder.get("interactions") or {}).values():
            if (
                interaction["request"]["method"] == label.split(" ", 1)[0]
                and interaction["response"]
            ):
                statuses[label].add(interaction["response"]["status_code"])
    return statuses
