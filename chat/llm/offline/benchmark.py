"""The offline model's benchmarking reply: `benchmark <N>` is answered with exactly N text tokens.

No tool call and no database work beyond the turn's own, so a benchmark measures the relay:
with the model's pacing (`OFFLINE_MODEL_FIRST_TOKEN_MS`, `OFFLINE_MODEL_TOKEN_MS`, on fixed
deadlines) the model's own time is exactly first + (N - 1) * per-token. See bench/README.md.
"""

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from chat.llm.offline.intents import NextStep

MAX_BENCHMARK_TOKENS = 2000

# Bounded: at most 5 digits are read, so a long message costs nothing to reject.
_BENCHMARK = re.compile(r"\s*benchmark\s+(\d{1,5})\s*", re.IGNORECASE)


def _latest_user_text(input: str | Sequence[Any]) -> str | None:
    """The text of the last input item when it is the user's message (a new turn), else None."""
    if isinstance(input, str):
        return input
    if not input:
        return None
    last = input[-1]
    if not isinstance(last, dict) or last.get("role") != "user":
        return None
    content = last.get("content")
    return content if isinstance(content, str) else None


@lru_cache(maxsize=64)
def benchmark_text(tokens: int) -> str:
    """N word tokens ("t1 t2 … tN"): the offline model's tokenizer splits it into exactly N."""
    return " ".join(f"t{k}" for k in range(1, tokens + 1))


def benchmark_step(input: str | Sequence[Any]) -> NextStep | None:
    """The reply to `benchmark <N>`, or None when the latest message is not one."""
    text = _latest_user_text(input)
    if text is None or len(text) > 40:
        return None
    match = _BENCHMARK.fullmatch(text)
    if match is None:
        return None
    tokens = int(match.group(1))
    if not 1 <= tokens <= MAX_BENCHMARK_TOKENS:
        return NextStep.reply(f"A benchmark takes 1 to {MAX_BENCHMARK_TOKENS} tokens.")
    return NextStep.reply(benchmark_text(tokens))
