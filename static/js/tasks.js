// The task panel: pending and completed tasks from the REST API; check off, delete, add.
// The chat refreshes it whenever a tool result arrives, so the assistant's changes show up live.

import { compareTasks, dueControl, dueLabel } from "./due-dates.js";
import { announce, coalesced, h, icon } from "./ui.js";

const MAX_PAGES = 10; // 10 × API_PAGE_SIZE tasks is more than a panel should ever show

export class TaskPanel {
  constructor({ api, onCount = () => {} }) {
    this.api = api;
    this.onCount = onCount;
    this.tasks = [];
    this.loaded = false;
    this.flashIds = new Set();
    this.pendingList = document.getElementById("pending-tasks");
    this.completedList = document.getElementById("completed-tasks");
    this.pendingEmpty = document.getElementById("pending-empty");
    this.pendingCount = document.getElementById("tasks-pending-count");
    this.completedCount = document.getElementById("completed-count");
    this.completedSection = document.getElementById("completed-section");
    this.error = document.getElementById("tasks-error");
    this.addForm = document.getElementById("task-add");
    this.addInput = document.getElementById("task-add-input");
    this.addForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.add();
    });
    this.loadAll = coalesced(async () => {
      const tasks = [];
      let page = await this.api.listTasks("all");
      tasks.push(...page.results);
      for (let count = 1; page.next && count < MAX_PAGES; count += 1) {
        page = await this.api.listTasks("all", page.next);
        tasks.push(...page.results);
      }
      this.tasks = tasks;
    });
    this.timer = 0;
  }

  /** Refresh soon; several tool results in a burst cost one request. */
  scheduleRefresh(flashId = null) {
    if (flashId !== null && flashId !== undefined) this.flashIds.add(flashId);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 120);
  }

  /** Reload every task. Concurrent calls share one. */
  refresh() {
    return this.loadAll().then(
      () => {
        this.loaded = true;
        this.showError("");
        this.render();
      },
      (error) => this.showError(`Couldn't load your tasks: ${error.message}`),
    );
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  }

  render() {
    const focused = document.activeElement;
    const focusKey =
      focused && this.completedSection.parentElement.contains(focused) && focused.closest(".task")
        ? [focused.closest(".task").dataset.id, focused.dataset.role]
        : null;
    this.tasks.sort(compareTasks);
    const pending = this.tasks.filter((task) => !task.completed);
    const completed = this.tasks.filter((task) => task.completed);
    this.pendingList.replaceChildren(...pending.map((task) => this.item(task)));
    this.completedList.replaceChildren(...completed.map((task) => this.item(task)));
    this.pendingEmpty.hidden = !this.loaded || pending.length > 0;
    this.completedSection.hidden = completed.length === 0;
    this.pendingCount.textContent = String(pending.length);
    this.completedCount.textContent = String(completed.length);
    this.onCount(pending.length);
    if (focusKey) {
      const [id, role] = focusKey;
      document.querySelector(`.task[data-id="${id}"] [data-role="${role}"]`)?.focus();
    }
    for (const id of this.flashIds) {
      const element = document.querySelector(`.task[data-id="${id}"]`);
      if (element) {
        element.classList.add("is-new");
        element.addEventListener("animationend", () => element.classList.remove("is-new"), { once: true });
      }
    }
    this.flashIds.clear();
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
      { class: `task${task.completed ? " is-done" : ""}`, dataset: { id: task.id } },
      checkbox,
      h(
        "div",
        { class: "task__body" },
        h(
          "label",
          { class: "task__label", for: id },
          h("span", { class: "task__title", text: task.title }),
          task.description ? h("span", { class: "task__description", text: task.description }) : null,
        ),
        dueControl(task, (dueDate) => this.setDueDate(task, dueDate)),
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
    );
  }

  async setCompleted(task, completed) {
    const before = task.completed;
    task.completed = completed; // optimistic: the checkbox moves at once
    this.render();
    try {
      Object.assign(task, await this.api.updateTask(task.id, { completed }));
      announce(completed ? `Completed “${task.title}”.` : `“${task.title}” is pending again.`);
      this.showError("");
    } catch (error) {
      task.completed = before;
      this.showError(`Couldn't update “${task.title}”: ${error.message}`);
    }
    this.render();
  }

  async setDueDate(task, dueDate) {
    const before = task.due_date;
    task.due_date = dueDate; // optimistic: the task moves to its place at once
    this.render();
    try {
      Object.assign(task, await this.api.updateTask(task.id, { due_date: dueDate }));
      announce(dueDate ? `“${task.title}” is due ${dueLabel(dueDate)}.` : `Removed the due date of “${task.title}”.`);
      this.showError("");
    } catch (error) {
      task.due_date = before;
      this.showError(`Couldn't change the date of “${task.title}”: ${error.message}`);
    }
    this.render();
  }

  async delete(task) {
    const index = this.tasks.indexOf(task);
    this.tasks = this.tasks.filter((other) => other !== task);
    this.render();
    try {
      await this.api.deleteTask(task.id);
      announce(`Deleted task “${task.title}”.`);
      this.showError("");
    } catch (error) {
      if (error.status !== 404) {
        this.tasks.splice(index, 0, task);
        this.showError(`Couldn't delete “${task.title}”: ${error.message}`);
        this.render();
      }
    }
    this.addInput.focus();
  }

  async add() {
    const title = this.addInput.value.trim();
    if (!title) return;
    this.addInput.disabled = true;
    try {
      const task = await this.api.createTask(title);
      this.addInput.value = "";
      this.flashIds.add(task.id);
      this.tasks.unshift(task);
      this.render();
      announce(`Added “${task.title}”.`);
      this.showError("");
    } catch (error) {
      this.showError(`Couldn't add the task: ${error.message}`);
    } finally {
      this.addInput.disabled = false;
      this.addInput.focus();
    }
  }
}
