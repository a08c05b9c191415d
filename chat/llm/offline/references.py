"""Which task "it" means: the task of the latest recent turn that dealt with tasks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from chat.llm.offline.conversation import InputTurn, ToolResult, assistant_text, tool_results
from chat.llm.offline.intents import TASK_KINDS, IntentKind
from chat.llm.offline.parsing import parse_intent


def _single_task_ids(results: Iterable[ToolResult]) -> list[int]:
    tasks = (result.output.get("task") for result in results if result.output)
    return [task["number"] for task in tasks if isinstance(task, dict) and "number" in task]


def _listed_task_ids(results: Iterable[ToolResult]) -> list[int]:
    ids: list[int] = []
    for result in results:
        if result.output and result.output.get("ok") and "tasks" in result.output:
            ids.extend(task["number"] for task in result.output["tasks"] if "number" in task)
    return ids


def _turn_task_id(turn: InputTurn, kind: IntentKind) -> int | None:
    """The one task an earlier turn was about, if it is clear which."""
    results = tool_results(turn.items)
    if single := _single_task_ids(results):
        return single[-1]
    if results:
        listed = _listed_task_ids(results)
        return listed[0] if len(listed) == 1 else None
    mentioned = list(dict.fromkeys(int(n) for n in re.findall(r"#(\d+)", assistant_text(turn))))
    if len(mentioned) == 1 or (mentioned and kind == "add"):
        return mentioned[-1]
    return None


# "it" means something said lately; looking further back would re-read (parse) every
# earlier message on each model call.
PRONOUN_LOOKBACK_TURNS = 8


def recent_task_id(earlier: Sequence[InputTurn]) -> int | None:
    """What "it" means: the task of the latest recent turn that dealt with tasks."""
    for turn in reversed(earlier[-PRONOUN_LOOKBACK_TURNS:]):
        kind = parse_intent(turn.user_text).kind
        if kind in TASK_KINDS or tool_results(turn.items):
            return _turn_task_id(turn, kind)
    return None
