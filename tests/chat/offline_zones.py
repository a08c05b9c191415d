"""Running the offline model at a fixed instant in a time zone, as the agent's instructions
tell it the user's today: shared by the offline-model phrase tables."""

import asyncio
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openai.types.responses import ResponseFunctionToolCall

from chat.llm.agent import today_line
from chat.llm.offline.model import OfflineModel
from tests.chat.test_offline_model import model_args


def local_date(zone: str, instant: str) -> date:
    """The user's date in `zone` at `instant` (ISO 8601 with an offset)."""
    return datetime.fromisoformat(instant).astimezone(ZoneInfo(zone)).date()


def instructions_at(zone: str, instant: str) -> str:
    """The instructions' lines the offline model reads, for a user in `zone` at `instant`."""
    return f"You are Taskstream.\n{today_line(local_date(zone, instant), zone)}"


def respond(instructions: str | None, items: list[dict]):
    arguments = model_args(items) | {"system_instructions": instructions}
    return asyncio.run(OfflineModel().get_response(**arguments))


def calls_with(instructions: str | None, items: list[dict]) -> list[tuple[str, dict]]:
    """What the offline model calls next, given `instructions`."""
    return [
        (item.name, json.loads(item.arguments))
        for item in respond(instructions, items).output
        if isinstance(item, ResponseFunctionToolCall)
    ]


def reply_with(instructions: str | None, items: list[dict]) -> str:
    """The offline model's reply text, given `instructions`."""
    return respond(instructions, items).output[0].content[0].text
