"""The offline model's benchmarking reply (`benchmark <N>`) and its fixed-deadline pacing."""

import asyncio

import pytest

from chat.llm.offline import model as offline_model
from chat.llm.offline.benchmark import MAX_BENCHMARK_TOKENS, benchmark_step
from chat.llm.offline.model import OfflineModel, tokenize
from chat.models import Message
from tests.chat.test_offline_model import model_args
from tests.chat.test_offline_model import user as says
from tests.conftest import bearer
from tests.sse import stream_chat

DELTA = "response.output_text.delta"


@pytest.mark.parametrize("tokens", [1, 7, 100, MAX_BENCHMARK_TOKENS])
def test_benchmark_n_is_answered_with_exactly_n_tokens(tokens):
    step = benchmark_step([says(f"benchmark {tokens}")])
    assert step is not None and step.calls == ()
    assert len(tokenize(step.text)) == tokens


@pytest.mark.parametrize("text", ["Benchmark 5", "  benchmark   5 ", "BENCHMARK 5"])
def test_benchmark_spelling_is_forgiving(text):
    assert len(tokenize(benchmark_step([says(text)]).text)) == 5


@pytest.mark.parametrize("tokens", [0, MAX_BENCHMARK_TOKENS + 1, 99999])
def test_benchmark_out_of_range_says_the_range(tokens):
    step = benchmark_step([says(f"benchmark {tokens}")])
    assert step.calls == () and step.text == "A benchmark takes 1 to 2000 tokens."


@pytest.mark.parametrize(
    "text", ["benchmark", "benchmark x", "run benchmark 5", "benchmark 5 now", "benchmark 1" * 50]
)
def test_other_messages_are_planned_as_usual(text):
    assert benchmark_step([says(text)]) is None


def test_only_the_latest_message_counts():
    tool_output = {"type": "function_call_output", "call_id": "c1", "output": "{}"}
    assert benchmark_step([says("benchmark 5"), tool_output]) is None
    assert benchmark_step([says("benchmark 5"), says("add milk")]) is None
    assert len(tokenize(benchmark_step([says("add milk"), says("benchmark 3")]).text)) == 3


class FakeClock:
    """The event loop's clock and asyncio.sleep, advanced only by sleeping or by `stall`."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def paced_delta_times(monkeypatch, model: OfflineModel, text: str, stall_after: int) -> list:
    """When (ms after the call) each text delta was yielded; the consumer stalls 50 ms once."""
    clock = FakeClock()
    monkeypatch.setattr(offline_model.asyncio, "sleep", clock.sleep)

    async def run() -> list[float]:
        asyncio.get_running_loop().time = clock.time
        started, times = clock.now, []
        async for event in model.stream_response(**model_args([says(text)])):
            if event.type == DELTA:
                times.append(round((clock.now - started) * 1000, 6))
                if len(times) == stall_after:
                    clock.now += 0.050  # a busy event loop
        return times

    return asyncio.run(run())


def test_pacing_is_on_fixed_deadlines_so_a_stall_does_not_shift_later_tokens(monkeypatch):
    model = OfflineModel(first_token_ms=50, token_ms=20)
    times = paced_delta_times(monkeypatch, model, "benchmark 10", stall_after=3)
    # Due at 50 + 20k; token 3 (due 110) waits for the stall to end at 90 + 50 = 140, token 4
    # (due 130) goes at once, and from token 4 on every token is back on its deadline.
    assert times == [50, 70, 90, 140, 140, 150, 170, 190, 210, 230]


def test_unpaced_model_never_sleeps(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(offline_model.asyncio, "sleep", clock.sleep)
    paced_delta_times(monkeypatch, OfflineModel(), "benchmark 5", stall_after=0)
    assert clock.sleeps == []


def test_benchmark_stream_end_to_end(live_server_url, user):
    result = stream_chat(
        live_server_url, user.id, {"message": "benchmark 25"}, {"Authorization": bearer(user)}
    )
    assert result.types[0] == "start" and result.types[-1] == "done"
    assert "tool_call" not in result.types
    assert len(result.of_type("text")) == 25
    reply = Message.objects.get(pk=result.events[-1]["message_id"])
    assert reply.status == "complete" and reply.content == result.text
