// The task panel: pending and completed tasks from the REST API; check off, rename, delete
// (with Undo), add, clear completed. The chat refreshes it whenever a tool result arrives, so
// the assistant's changes show up live. Each task shows its number ("#5", the user's own,
// never the database id) exactly as the assistant names it, and its priority (P1-P3).
// A list switcher (task-lists.js) and a search box narrow what is shown; "Select" picks
// several tasks for one change (tasks/bulk/) with one Undo (tasks/changes/<id>/undo).
// Each task's date, time and repeat (due-control.js) and its reminders (reminders.js).

import { dueControl, refusal } from "./due-control.js";
import { dueWhenLabel } from "./due-dates.js";
import { CharacterLimit } from "./limits.js";
import { askForSystemNotifications, instantLabel } from "./notifications.js";
import { bellButton, defaultMoment, reminderPanel } from "./reminders.js";
import { ListSwitcher } from "./task-lists.js";
import { showToast } from "./toast.js";
import { announce, coalesced, confirmDialog, h, holdWhilePressed, icon, RedrawHolds, sessionEnded } from "./ui.js";

const UNDO_MS = 5000;
const SEARCH_DEBOUNCE_MS = 250;
const BULK_MAX = 500; // ids per tasks/bulk/ request
const BULK_WORDS = {
  complete: "Completed",
  delete: "Deleted",
  move: "Moved",
  set_priority: "Changed the priority of",
  set_due_date: "Set the due date of",
  clear_due_date: "Cleared the due date of",
};

function tasksCount(count) {
  return `${count} ${count === 1 ? "task" : "tasks"}`;
}

/** One status's tasks, a page at a time: the true count, and more on demand. */
class TaskSection {
  constructor({ api, status, moreButton, filters }) {
    this.api = api;
    this.status = status;
    this.moreButton = moreButton;
    this.filters = filters; // () => {list, search}: what the panel shows now
    this.tasks = [];
    this.count = 0;
    this.next = null;
    this.pages = 1; // how many pages a refresh reloads: as many as the person has seen
  }

  /** Reload the pages already shown. */
  async reload() {
    const tasks = [];
    let page = await this.api.listTasks(this.status, null, this.filters());
    tasks.push(...page.results);
    for (let loaded = 1; page.next && loaded < this.pages; loaded += 1) {
      page = await this.api.listTasks(this.status, page.next);
      tasks.push(...page.results);
    }
    this.tasks = tasks;
    this.count = page.count;
    this.next = page.next;
  }

  async loadMore() {
    if (!this.next) return;
    const page = await this.api.listTasks(this.status, this.next);
    const known = new Set(this.tasks.map((task) => task.id));
    this.tasks.push(...page.results.filter((task) => !known.has(task.id)));
    this.count = page.count;
    this.next = page.next;
    this.pages += 1;
  }

  /** Every task of this status (to clear them all), loading the pages not seen yet. */
  async loadAll() {
    while (this.next) await this.loadMore();
    return this.tasks;
  }

  /** By id: a refresh may have replaced the objects since `task` was shown. */
  remove(task) {
    const index = this.tasks.findIndex((shown) => shown.id === task.id);
    if (index === -1) return -1;
    this.tasks.splice(index, 1);
    this.count -= 1;
    return index;
  }

  insert(task, index = 0) {
    this.tasks.splice(Math.max(0, index), 0, task);
    this.count += 1;
  }
}

export class TaskPanel {
  constructor({ api, onCount = () => {} }) {
    this.api = api;
    this.onCount = onCount;
    this.loaded = false;
    this.flashIds = new Set();
    this.deleting = new Map(); // task id → its pending delete, until Undo's time is up
    this.redraws = new RedrawHolds(() => this.render()); // held by a press, a rename, a date's editor
    this.reminders = { openId: null, draft: "", error: "" }; // the open bell's panel
    this.pendingList = document.getElementById("pending-tasks");
    this.completedList = document.getElementById("completed-tasks");
    this.pendingEmpty = document.getElementById("pending-empty");
    this.pendingCount = document.getElementById("tasks-pending-count");
    this.completedCount = document.getElementById("completed-count");
    this.completedSection = document.getElementById("completed-section");
    this.scrollArea = this.completedSection.parentElement;
    holdWhilePressed(this.scrollArea, this.redraws);
    this.error = document.getElementById("tasks-error");
    this.errorFromLoading = false; // what the error shown is about: see showError
    this.addForm = document.getElementById("task-add");
    this.addInput = document.getElementById("task-add-input");
    this.titleMax = Number(this.addInput.dataset.maxLength);
    this.addLimit = new CharacterLimit({
      input: this.addInput,
      output: document.getElementById("task-add-count"),
      max: this.titleMax,
    });
    const filters = () => ({ list: this.lists.currentId, search: this.search });
    this.pending = new TaskSection({
      api,
      status: "pending",
      moreButton: document.getElementById("pending-more"),
      filters,
    });
    this.completed = new TaskSection({
      api,
      status: "completed",
      moreButton: document.getElementById("completed-more"),
      filters,
    });
    this.lists = new ListSwitcher({
      api,
      onChange: () => this.filtersChanged(),
      onError: (message, error) => this.showError(message, error),
    });
    this.search = "";
    this.searchInput = document.getElementById("task-search");
    let searchTimer = 0;
    this.searchInput.addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => {
        this.search = this.searchInput.value.trim();
        this.filtersChanged();
      }, SEARCH_DEBOUNCE_MS);
    });
    this.selecting = false;
    this.selected = new Set(); // task ids
    this.selectToggle = document.getElementById("select-toggle");
    this.bulkBar = document.getElementById("bulk-bar");
    this.bulkCount = document.getElementById("bulk-count");
    this.selectToggle.addEventListener("click", () => this.setSelecting(!this.selecting));
    document.getElementById("bulk-all").addEventListener("click", () => this.selectAll());
    for (const button of this.bulkBar.querySelectorAll("[data-bulk]")) {
      button.addEventListener("click", () => this.bulk(button.dataset.bulk));
    }
    const bulkValue = (id, action, parse) => {
      const control = document.getElementById(id);
      control.addEventListener("change", () => {
        if (!control.value) return;
        const value = parse(control.value);
        control.value = "";
        this.bulk(action, value);
      });
    };
    bulkValue("bulk-move", "move", Number);
    bulkValue("bulk-priority", "set_priority", Number);
    bulkValue("bulk-date", "set_due_date", String);
    this.addForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.add();
    });
    document.getElementById("clear-completed").addEventListener("click", () => this.clearCompleted());
    for (const section of [this.pending, this.completed]) {
      section.moreButton.addEventListener("click", () => this.showMore(section));
    }
    // "Show more" loads by itself as it scrolls into view.
    this.moreObserver = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          const section = entry.target === this.pending.moreButton ? this.pending : this.completed;
          this.showMore(section);
        }
      },
      { root: this.scrollArea },
    );
    this.moreObserver.observe(this.pending.moreButton);
    this.moreObserver.observe(this.completed.moreButton);
    // Leaving the page ends the Undo time: the deletes go out now.
    window.addEventListener("pagehide", () => {
      for (const id of this.deleting.keys()) this.api.deleteTask(id, { keepalive: true }).catch(() => {});
    });
    this.loadAll = coalesced(() =>
      Promise.all([this.pending.reload(), this.completed.reload(), this.lists.reload()]),
    );
    this.timer = 0;
  }

  /** The list or the search changed: show the first page of what matches. */
  filtersChanged() {
    this.pending.pages = 1;
    this.completed.pages = 1;
    this.selected.clear();
    this.refresh();
  }

  /** Refresh soon; several tool results in a burst cost one request. `flashNumber`: the
   * number of a task the assistant just changed, to highlight. */
  scheduleRefresh(flashNumber = null) {
    if (flashNumber !== null && flashNumber !== undefined) this.flashIds.add(flashNumber);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 120);
  }

  /** Reload every task shown. Concurrent calls share one. */
  refresh() {
    return this.loadAll().then(
      () => {
        this.loaded = true;
        if (this.errorFromLoading) this.showError("");
        this.render();
      },
      (error) => this.showError(`Couldn't load your tasks: ${error.message}`, error, { loading: true }),
    );
  }

  async showMore(section) {
    if (section.loadingMore || !section.next) return;
    section.loadingMore = true;
    section.moreButton.disabled = true;
    try {
      await section.loadMore();
      this.render();
    } catch (error) {
      this.showError(`Couldn't load more tasks: ${error.message}`, error, { loading: true });
    } finally {
      section.loadingMore = false;
      section.moreButton.disabled = false;
    }
  }

  /** `error` (optional) is what failed: a lost session says so, with a way to sign in.
   * `loading`: the message is about loading the tasks. A reload that works clears only such a
   * message: a refused action's (a list name already used) stays until the person acts again,
   * however a refresh that a live event started interleaves with it. */
  showError(message, error = null, { loading = false } = {}) {
    if (error?.needsSignIn) this.error.replaceChildren(...sessionEnded());
    else this.error.textContent = message;
    this.error.hidden = !message;
    this.errorFromLoading = Boolean(message) && loading;
  }

  visible(section) {
    return section.tasks.filter((task) => !this.deleting.has(task.id));
  }

  render() {
    if (!this.redraws.ready()) return;
    const focused = document.activeElement;
    const focusKey =
      focused && this.scrollArea.contains(focused) && focused.closest(".task")
        ? [focused.closest(".task").dataset.id, focused.dataset.role]
        : null;
    const pending = this.visible(this.pending);
    const completed = this.visible(this.completed);
    const pendingCount = this.pending.count - (this.pending.tasks.length - pending.length);
    const completedCount = this.completed.count - (this.completed.tasks.length - completed.length);
    this.pendingList.replaceChildren(...pending.map((task) => this.item(task)));
    this.completedList.replaceChildren(...completed.map((task) => this.item(task)));
    this.pendingEmpty.hidden = !this.loaded || pendingCount > 0;
    this.completedSection.hidden = completedCount === 0;
    this.pending.moreButton.hidden = !this.pending.next;
    this.completed.moreButton.hidden = !this.completed.next;
    this.pendingCount.textContent = String(pendingCount);
    this.completedCount.textContent = String(completedCount);
    this.onCount(this.lists.currentId === null && !this.search ? pendingCount : this.totalPending());
    this.renderSelection();
    if (focusKey) {
      const [id, role] = focusKey;
      const row = document.querySelector(`.task[data-id="${id}"]`);
      // A reminder's control gone in this render (removed here or elsewhere, say a live
      // refresh answered first): its panel's moment field keeps the focus, not the page.
      const gone = role?.startsWith("reminder-") ? "[data-role=reminder-moment]" : null;
      (row?.querySelector(`[data-role="${role}"]`) || (gone && row?.querySelector(gone)))?.focus();
    }
    for (const number of this.flashIds) {
      const element = document.querySelector(`.task[data-number="${number}"]`);
      if (element) {
        element.classList.add("is-new");
        element.addEventListener("animationend", () => element.classList.remove("is-new"), { once: true });
      }
    }
    this.flashIds.clear();
  }

  /** Pending tasks in every list (the header's count, whatever the panel shows). */
  totalPending() {
    return this.lists.lists.reduce((sum, list) => sum + list.pending_count, 0);
  }

  setSelecting(on) {
    this.selecting = on;
    this.selected.clear();
    this.selectToggle.setAttribute("aria-pressed", String(on));
    this.selectToggle.textContent = on ? "Done" : "Select";
    this.render();
    if (on) this.bulkBar.querySelector("#bulk-all").focus();
  }

  selectAll() {
    for (const task of [...this.visible(this.pending), ...this.visible(this.completed)]) this.selected.add(task.id);
    this.render();
  }

  renderSelection() {
    this.bulkBar.hidden = !this.selecting;
    this.bulkCount.textContent = `${this.selected.size} selected`;
    for (const control of this.bulkBar.querySelectorAll("[data-bulk], select, input")) {
      control.disabled = this.selected.size === 0;
    }
  }

  /** One change to every selected task (or to `ids`), with one Undo. */
  async bulk(action, value = undefined, ids = [...this.selected]) {
    if (!ids.length) return;
    try {
      const result = await this.api.bulkTasks(ids, action, value);
      this.selected.clear();
      const said = `${BULK_WORDS[action]} ${tasksCount(result.tasks.length)}.`;
      announce(`${said} Press Control+Z to undo.`);
      this.showError("");
      if (result.change_id) {
        showToast({
          message: said,
          actionLabel: "Undo",
          ms: UNDO_MS,
          onAction: () => this.undoChange(result.change_id),
        });
      }
    } catch (error) {
      this.showError(`Couldn't change the tasks: ${error.message}`, error);
    }
    await this.refresh();
  }

  async undoChange(changeId) {
    try {
      const undone = await this.api.undoChange(changeId);
      announce(`Undone: ${tasksCount(undone.tasks.length)} back as they were.`);
      this.showError("");
    } catch (error) {
      const text = error.code === "undo_conflict" ? "Can't undo: a task changed since." : `Couldn't undo: ${error.message}`;
      this.showError(text, error);
    }
    await this.refresh();
  }

  priorityMark(task) {
    if (!(task.priority >= 1 && task.priority <= 3)) return null;
    return h("span", {
      class: `task__priority task__priority--p${task.priority}`,
      text: `P${task.priority}`,
      title: `Priority ${task.priority}`,
    });
  }

  selectBox(task) {
    if (!this.selecting) return null;
    return h("input", {
      type: "checkbox",
      class: "task__select",
      checked: this.selected.has(task.id),
      "aria-label": `Select #${task.number} ${task.title}`,
      dataset: { role: "select" },
      // Shift-click selects (or clears) every task between the last one clicked and this one.
      onClick: (event) => this.selectClicked(task, event.target.checked, event.shiftKey),
    });
  }

  selectClicked(task, checked, range) {
    const order = [...this.visible(this.pending), ...this.visible(this.completed)].map((shown) => shown.id);
    const from = order.indexOf(this.lastClickedId);
    const to = order.indexOf(task.id);
    const ids = range && from !== -1 ? order.slice(Math.min(from, to), Math.max(from, to) + 1) : [task.id];
    for (const id of ids) {
      if (checked) this.selected.add(id);
      else this.selected.delete(id);
    }
    this.lastClickedId = task.id;
    if (ids.length > 1) this.render();
    else this.renderSelection();
  }

  item(task) {
    const id = `task-${task.id}-check`;
    const checkbox = h("input", {
      type: "checkbox",
      id,
      class: "task__check",
      checked: task.completed,
      dataset: { role: "check" },
      onChange: (event) => this.setCompleted(task, event.target.checked),
    });
    return h(
      "li",
      {
        class: `task${task.completed ? " is-done" : ""}${this.selecting ? " is-selecting" : ""}`,
        dataset: { id: task.id, number: task.number },
      },
      this.selectBox(task),
      checkbox,
      h(
        "div",
        { class: "task__body" },
        h(
          "label",
          // dir=auto on the whole label: the number is neutral, so the title sets the direction.
          { class: "task__label", for: id, dir: "auto" },
          h("span", { class: "task__number", text: `#${task.number}` }),
          this.priorityMark(task),
          h("span", { class: "task__title", text: task.title }),
          task.description ? h("span", { class: "task__description", dir: "auto", text: task.description }) : null,
        ),
        dueControl(task, {
          onSave: (changes) => this.saveDue(task, changes),
          onClear: () => this.clearDue(task),
          onEditing: (open) => (open ? this.redraws.hold(`due-${task.id}`) : this.redraws.release(`due-${task.id}`)),
          // Reminders are for what is still to do.
          trailing: task.completed
            ? []
            : [
                bellButton(task, {
                  expanded: this.reminders.openId === task.id,
                  onToggle: () => this.toggleReminders(task),
                }),
              ],
        }),
      ),
      h(
        "button",
        {
          type: "button",
          class: "icon-btn icon-btn--sm task__rename",
          "aria-label": `Rename task “${task.title}”`,
          title: "Rename task",
          dataset: { role: "rename" },
          onClick: () => this.startRename(task),
        },
        icon("pencil"),
      ),
      h(
        "button",
        {
          type: "button",
          class: "icon-btn icon-btn--sm icon-btn--danger task__delete",
          "aria-label": `Delete task “${task.title}”`,
          title: "Delete task",
          dataset: { role: "delete" },
          onClick: () => this.delete(task),
        },
        icon("trash"),
      ),
      // Under the row, as wide as it (not only its text's column).
      this.reminders.openId === task.id && !task.completed
        ? reminderPanel(task, {
            state: this.reminders,
            onAdd: (body) => this.addReminder(task, body),
            onRemove: (remindAt) => this.removeReminder(task, remindAt),
            onDraft: (value) => (this.reminders.draft = value),
            onClose: () => this.toggleReminders(task),
          })
        : null,
    );
  }

  sectionOf(task) {
    return task.completed ? this.completed : this.pending;
  }

  async setCompleted(task, completed) {
    const before = task.completed;
    const move = (to) => {
      this.sectionOf(task).remove(task);
      task.completed = to;
      this.sectionOf(task).insert(task);
    };
    move(completed); // optimistic: the checkbox moves at once
    this.render();
    try {
      Object.assign(task, await this.api.updateTask(task.id, { completed }));
      announce(completed ? `Completed “${task.title}”.` : `“${task.title}” is pending again.`);
      this.showError("");
      // A refresh that started before the change may have put the old state back: reload.
      this.scheduleRefresh();
    } catch (error) {
      move(before);
      this.showError(`Couldn't update “${task.title}”: ${error.message}`, error);
    }
    this.render();
  }

  /** Save {due_date, due_time, recurrence} (those that changed): null, or the refusal, which
   * the date editor shows itself (it stays open). */
  async saveDue(task, changes) {
    try {
      Object.assign(task, await this.api.updateTask(task.id, changes));
    } catch (error) {
      if (error.status === 400) return error;
      this.showError(`Couldn't change the date of “${task.title}”: ${error.message}`, error);
      return null;
    }
    this.render(); // held while the editor is open: its close draws the new date
    const repeat = task.recurrence ? `, ${task.recurrence_text || "repeating"}` : "";
    announce(task.due_date ? `“${task.title}” is due ${dueWhenLabel(task)}${repeat}.` : `Removed the due date of “${task.title}”.`);
    this.showError("");
    this.scheduleRefresh(); // the API's order: by due date
    return null;
  }

  /** The ✕ beside the date: no date, so no time and no repeat either. */
  async clearDue(task) {
    const before = { due_date: task.due_date, due_time: task.due_time, recurrence: task.recurrence };
    const changes = { due_date: null };
    if (task.due_time) changes.due_time = null;
    if (task.recurrence) changes.recurrence = "";
    Object.assign(task, { due_date: null, due_time: null, recurrence: "" }); // optimistic
    this.render();
    try {
      Object.assign(task, await this.api.updateTask(task.id, changes));
      announce(`Removed the due date of “${task.title}”.`);
      this.showError("");
      this.scheduleRefresh(); // the API's order: undated tasks last
    } catch (error) {
      Object.assign(task, before);
      this.showError(`Couldn't remove the date of “${task.title}”: ${error.message}`, error);
    }
    this.render();
  }

  /** Open or close the bell's panel of `task` (one at a time). */
  toggleReminders(task) {
    const opening = this.reminders.openId !== task.id;
    this.reminders = { openId: opening ? task.id : null, draft: opening ? defaultMoment(task) : "", error: "" };
    this.render();
    const role = opening ? "reminder-moment" : "reminders";
    const row = document.querySelector(`.task[data-id="${task.id}"]`);
    row?.querySelector(opening && task.due_time ? "[data-role^=reminder-before]" : `[data-role=${role}]`)?.focus();
  }

  async addReminder(task, body) {
    askForSystemNotifications(); // this click is the gesture a browser asks permission on
    const before = new Set(task.reminders || []);
    try {
      Object.assign(task, await this.api.addReminder(task.id, body));
      this.reminders.error = "";
      const added = (task.reminders || []).find((iso) => !before.has(iso));
      announce(added ? `You'll be reminded ${instantLabel(added)}.` : "That reminder was set already.");
    } catch (error) {
      this.reminders.error = `Couldn't add the reminder: ${refusal(error, ["remind_at", "minutes_before"])}`;
      if (error.needsSignIn) this.showError(this.reminders.error, error); // with a way to sign in
    }
    this.render();
  }

  async removeReminder(task, remindAt) {
    try {
      Object.assign(task, await this.api.removeReminder(task.id, remindAt));
      this.reminders.error = "";
      announce(`Removed the reminder at ${instantLabel(remindAt)}.`);
    } catch (error) {
      this.reminders.error = `Couldn't remove the reminder: ${refusal(error, ["remind_at"])}`;
      if (error.needsSignIn) this.showError(this.reminders.error, error); // with a way to sign in
    }
    this.render(); // the removed reminder's button is gone: render keeps the focus in the panel
  }

  /** Inline rename: Enter (or leaving the box) saves, Escape cancels. */
  startRename(task) {
    const row = document.querySelector(`.task[data-id="${task.id}"]`);
    if (!row) return;
    const input = h("input", {
      class: "task__rename-input",
      type: "text",
      value: task.title,
      dir: "auto",
      "aria-label": `New title for “${task.title}”`,
    });
    const count = h("p", { class: "char-count", "aria-live": "polite", hidden: true });
    const limit = new CharacterLimit({ input, output: count, max: this.titleMax });
    let finished = false;
    const finish = async (save) => {
      if (finished) return;
      const title = input.value.trim();
      if (save && limit.over) return; // the counter says why; the box stays open
      finished = true;
      if (save && title && title !== task.title) {
        try {
          Object.assign(task, await this.api.updateTask(task.id, { title }));
          announce(`Renamed to “${task.title}”.`);
          this.showError("");
          this.scheduleRefresh();
        } catch (error) {
          this.showError(`Couldn't rename “${task.title}”: ${error.message}`, error);
        }
      }
      this.redraws.release("rename", { changed: true }); // the row is an input: draw it back
      document.querySelector(`.task[data-id="${task.id}"] [data-role="rename"]`)?.focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        finish(true);
      } else if (event.key === "Escape") {
        event.preventDefault(); // the key is the edit's, not the page's (Escape stops a reply)
        finish(false);
      }
    });
    input.addEventListener("blur", () => finish(true));
    this.redraws.hold("rename");
    row.classList.add("is-editing");
    row.replaceChildren(h("div", { class: "task__edit" }, input, count));
    input.focus();
    input.select();
  }

  /** Delete at once from view; the request waits out the Undo time. Focus goes to the same
   * button of the next task (or the one before), else to the list. */
  delete(task) {
    const row = document.querySelector(`.task[data-id="${task.id}"]`);
    const neighbour = row?.nextElementSibling || row?.previousElementSibling;
    const list = row?.parentElement || this.pendingList;
    const remove = () => this.sendDelete(task);
    this.deleting.set(task.id, remove);
    this.render(); // new rows: find the neighbour's button again
    const next = neighbour && document.querySelector(`.task[data-id="${neighbour.dataset.id}"] [data-role=delete]`);
    (next || (list.getClientRects().length ? list : this.addInput)).focus();
    announce(`Deleted task “${task.title}”. Press Control+Z to undo.`);
    showToast({
      message: `Deleted “${task.title}”.`,
      actionLabel: "Undo",
      ms: UNDO_MS,
      onTimeout: remove,
      onAction: () => {
        this.deleting.delete(task.id);
        this.render();
        announce(`Restored “${task.title}”.`);
      },
    });
  }

  async sendDelete(task) {
    if (!this.deleting.has(task.id)) return;
    try {
      await this.api.deleteTask(task.id);
      this.sectionOf(task).remove(task);
      this.scheduleRefresh(); // the lists' pending counts
      this.showError("");
    } catch (error) {
      if (error.status === 404) this.sectionOf(task).remove(task);
      else this.showError(`Couldn't delete “${task.title}”: ${error.message}`, error);
    } finally {
      this.deleting.delete(task.id);
      this.render();
    }
  }

  async clearCompleted() {
    const count = this.completed.count;
    const confirmed = await confirmDialog({
      title: "Clear completed tasks?",
      message: `${count === 1 ? "The completed task" : `All ${count} completed tasks`} will be deleted. Pending tasks stay.`,
      confirmLabel: "Clear completed",
    });
    if (!confirmed) return;
    try {
      const ids = (await this.completed.loadAll()).map((task) => task.id);
      const changes = [];
      for (let start = 0; start < ids.length; start += BULK_MAX) {
        const result = await this.api.bulkTasks(ids.slice(start, start + BULK_MAX), "delete");
        if (result.change_id) changes.push(result.change_id);
      }
      const said = `Cleared ${tasksCount(ids.length)}.`;
      announce(`${said} Press Control+Z to undo.`);
      showToast({
        message: said,
        actionLabel: "Undo",
        ms: UNDO_MS,
        onAction: async () => {
          for (const changeId of changes.reverse()) await this.undoChange(changeId);
        },
      });
      this.showError("");
    } catch (error) {
      this.showError(`Couldn't clear completed tasks: ${error.message}`, error);
    }
    await this.refresh();
    this.addInput.focus();
  }

  async add() {
    const title = this.addInput.value.trim();
    if (!title || this.addLimit.over) return;
    this.addInput.disabled = true;
    try {
      const task = await this.api.createTask(title, "", this.lists.currentId);
      this.addInput.value = "";
      this.addLimit.update();
      this.flashIds.add(task.number);
      this.pending.insert(task);
      this.render();
      this.scheduleRefresh(); // the lists' pending counts
      announce(`Added “${task.title}”.`);
      this.showError("");
    } catch (error) {
      this.showError(`Couldn't add the task: ${error.message}`, error);
    } finally {
      this.addInput.disabled = false;
      this.addInput.focus();
    }
  }
}
