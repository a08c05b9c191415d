"""A finished streamed run of openai-agents, freed by reference counting when it ends.

openai-agents 0.24 gives every streamed run a sandbox runtime, an agent without a sandbox
included, and keeps the runtime's cleanup on the result as a closure that refers back to the
result. The run's whole state (its tasks, queues, usage, the agent's copy, the tool context
with the turn and its user: some 130 objects a turn) is then a reference cycle, which only
CPython's full collections free, and those pause the event loop for tens of milliseconds
(docs/PERFORMANCE.md). Once that cleanup has run, `release_finished_run` drops the closure.

It touches private fields of the SDK's result: importing this module fails loudly if a new
SDK release renames them (tests/runs/test_reference_cycles.py checks the cycle is gone).
"""

import dataclasses

from agents import RunResultStreaming

_CLEANUP_FIELDS = {"_sandbox_cleanup", "_sandbox_cleanup_task"}
_RESULT_FIELDS = {field.name for field in dataclasses.fields(RunResultStreaming)}
if not _CLEANUP_FIELDS.issubset(_RESULT_FIELDS):
    raise RuntimeError(
        "openai-agents no longer keeps a streamed result's sandbox cleanup where "
        "chat/llm/sdk_cycles.py expects it: review that module for this SDK release"
    )


def release_finished_run(result: RunResultStreaming) -> None:
    """Drop the result's sandbox cleanup closure if the cleanup has run (the stream was read
    to its end); otherwise leave it to run, and the cycle to the collector."""
    cleanup = result._sandbox_cleanup_task
    if cleanup is not None and cleanup.done():
        result._sandbox_cleanup = None
