// Undo of the assistant's task changes: each chip of a call that changed a task gets an Undo
// button (live and on reloaded conversations); after undo it reads "undone", and a refusal
// because the task changed since is explained on the chip. POST .../chat/tool-calls/<id>/undo.

import { announce, h } from "./ui.js";

// The tools whose successful calls the server records for undo (todos/tools.py). Stored calls
// say so themselves (`undoable`); a live tool_result event does not.
const CHANGING_TOOLS = new Set(["add_task", "complete_task", "delete_task", "update_task", "bulk_update_tasks"]);

const CONFLICT_TEXT = "Can't undo: the task changed since.";

export class ToolCallUndo {
  /** `onUndone` runs after a call is undone (the page refreshes its task panel). */
  constructor({ api, onUndone = () => {} }) {
    this.api = api;
    this.onUndone = onUndone;
    this.noted = new Set(); // chips showing a refusal, stale once any undo succeeds
    this.chipsByCall = new Map(); // call id → its chip, for undo_last_change's result
  }

  /** The assistant took back one of its calls (undo_last_change): show that call's chip undone. */
  markUndoneByCall(callId) {
    const chip = this.chipsByCall.get(callId);
    if (chip?.el.isConnected) this.markUndone(chip);
    for (const noted of this.noted) this.setNote(noted, "");
  }

  /** `call`: a stored tool call or a live tool_result event; `chip`: its ToolChip. */
  attach(chip, call) {
    if (!chip || chip.el.querySelector(".tool-chip__undo")) return;
    this.chipsByCall.set(call.call_id, chip);
    if (call.undone_at) {
      this.markUndone(chip);
      return;
    }
    const undoable = "undoable" in call ? call.undoable : CHANGING_TOOLS.has(call.name) && call.output?.ok === true;
    if (!undoable) return;
    const button = h("button", {
      type: "button",
      class: "tool-chip__undo",
      text: "Undo",
      "aria-label": `Undo: ${chip.summary}`,
    });
    button.addEventListener("click", () => this.undo(chip, call.call_id, button));
    chip.el.append(button);
  }

  async undo(chip, callId, button) {
    button.disabled = true;
    this.setNote(chip, "");
    try {
      await this.api.undoToolCall(callId);
    } catch (error) {
      if (error.code !== "already_undone") {
        button.disabled = false;
        const text = error.code === "undo_conflict" ? CONFLICT_TEXT : `Couldn't undo: ${error.message}`;
        this.setNote(chip, text);
        announce(text);
        return;
      }
      // Undone already (another tab): show it as it is.
    }
    for (const noted of this.noted) this.setNote(noted, "");
    this.markUndone(chip);
    announce(`Undone: ${chip.summary}.`);
    this.onUndone();
  }

  markUndone(chip) {
    chip.el.querySelector(".tool-chip__undo")?.remove();
    this.setNote(chip, "");
    chip.el.classList.add("is-undone");
    chip.stateLabel.textContent = " (undone)";
    chip.el.append(h("span", { class: "tool-chip__undone", text: "undone" }));
  }

  setNote(chip, text) {
    chip.el.querySelector(".tool-chip__note")?.remove();
    this.noted.delete(chip);
    if (!text) return;
    chip.el.append(h("span", { class: "tool-chip__note", role: "alert", text }));
    this.noted.add(chip);
  }
}
