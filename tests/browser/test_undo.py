"""Undo on the chat page: the chip of a task-changing call takes its change back."""

import re

import pytest
from playwright.sync_api import expect

from todos.models import Task, TaskChange

pytestmark = pytest.mark.browser


def test_undo_an_added_task_from_its_chip_and_see_it_undone_after_reload(ui, user):
    ui.sign_in(user.username)
    reply = ui.chat("add buy milk")
    chip = reply.locator('.tool-chip[data-tool="add_task"]')
    expect(ui.pending_tasks).to_have_text(["buy milk"])

    chip.get_by_role("button", name="Undo: Added #1 buy milk").click()

    expect(chip).to_have_class(re.compile(r"\bis-undone\b"))
    expect(chip).to_contain_text("undone")
    expect(chip.get_by_role("button", name=re.compile("^Undo"))).to_have_count(0)
    expect(ui.pending_tasks).to_have_count(0)
    assert not Task.objects.filter(owner=user).exists()

    ui.reload()
    stored = ui.replies.last.locator('.tool-chip[data-tool="add_task"]')
    expect(stored).to_have_class(re.compile(r"\bis-undone\b"))
    expect(stored).to_contain_text("undone")
    expect(stored.get_by_role("button", name=re.compile("^Undo"))).to_have_count(0)
    expect(ui.pending_tasks).to_have_count(0)


def test_a_conflict_is_explained_on_the_chip_of_a_reloaded_conversation(ui, user):
    ui.sign_in(user.username)
    ui.chat("add buy milk")
    ui.chat("complete buy milk")
    ui.reload()
    expect(ui.completed_tasks).to_have_text(["buy milk"])
    add_chip = ui.replies.first.locator('.tool-chip[data-tool="add_task"]')
    # Reads are not undoable: the list_tasks chip of the completion has no Undo.
    list_chip = ui.replies.last.locator('.tool-chip[data-tool="list_tasks"]')
    expect(list_chip.get_by_role("button")).to_have_count(0)

    add_chip.get_by_role("button", name=re.compile("^Undo")).click()

    expect(add_chip.get_by_role("alert")).to_have_text("Can't undo: the task changed since.")
    expect(add_chip).not_to_have_class(re.compile(r"\bis-undone\b"))
    expect(ui.completed_tasks).to_have_text(["buy milk"])
    assert TaskChange.objects.filter(undone_at__isnull=False).count() == 0

    # Undo the completion first, and the add then goes too.
    ui.replies.last.locator('.tool-chip[data-tool="complete_task"]').get_by_role(
        "button", name=re.compile("^Undo")
    ).click()
    expect(ui.pending_tasks).to_have_text(["buy milk"])
    expect(add_chip.get_by_role("alert")).to_have_count(0)  # the refusal no longer holds
    add_chip.get_by_role("button", name=re.compile("^Undo")).click()
    expect(add_chip).to_have_class(re.compile(r"\bis-undone\b"))
    expect(add_chip.get_by_role("alert")).to_have_count(0)
    expect(ui.pending_tasks).to_have_count(0)
