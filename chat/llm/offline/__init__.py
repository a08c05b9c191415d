"""Taskstream's built-in offline model: plain-English todo requests answered through the real
agent tool loop, with no network.

Pure modules (no I/O, no SDK objects) read the conversation and plan; `model.py` is the SDK
boundary that turns a plan into Responses events.

| module | owns |
|---|---|
| `conversation.py` | reading a Responses-style input list into turns and this turn's tool results |
| `intents.py` | what a message asks for (`Intent`) and what to do next (`NextStep`) |
| `text.py` | normalizing a message (bounded, linear-time), stripping politeness, cleaning titles |
| `talk.py`, `tasks.py`, `dates.py`, `lists.py` | one phrase family each: tables and parsers |
| `times.py`, `repeats.py`, `reminders.py` | times of day, repeats (RRULEs), reminders: the same |
| `schedule.py` | an add's date, time and repeat phrases taken off its title, resolved |
| `parsing.py` | `parse_intent`: the families tried in order, cached |
| `references.py` | what "it" means |
| `replies.py` | what the model says about each tool result |
| `planning.py` | `plan_next_step`: tool calls to make now, or the final reply |
| `list_planning.py` | the list tools; list_tasks then one bulk_update_tasks |
| `model.py`, `benchmark.py` | the `agents` Model and its `benchmark <N>` reply |

Bounds: parsing is linear in the text and reads at most `text.MAX_PARSED_CHARS` of a message;
a pronoun looks back `references.PRONOUN_LOOKBACK_TURNS` turns at most.
"""
