// The task panel's list switcher: "All", the Inbox, then the user's lists, each with its
// pending count; making, renaming and deleting a list (the Inbox can do neither). Choosing a
// list filters the panel and is where the add box puts new tasks.

import { announce, confirmDialog, h } from "./ui.js";

export class ListSwitcher {
  /** `onChange(list)` runs when another list is chosen (null: All). */
  constructor({ api, onChange, onError }) {
    this.api = api;
    this.onChange = onChange;
    this.onError = onError;
    this.lists = [];
    this.currentId = null;
    this.select = document.getElementById("list-switcher");
    this.renameButton = document.getElementById("list-rename");
    this.deleteButton = document.getElementById("list-delete");
    this.form = document.getElementById("list-form");
    this.formLabel = document.getElementById("list-form-label");
    this.input = document.getElementById("list-name-input");
    this.editing = null; // the list being renamed; null while making a new one
    this.select.addEventListener("change", () => this.choose(this.select.value ? Number(this.select.value) : null));
    document.getElementById("list-new").addEventListener("click", () => this.openForm(null));
    this.renameButton.addEventListener("click", () => this.openForm(this.current));
    this.deleteButton.addEventListener("click", () => this.remove(this.current));
    document.getElementById("list-form-cancel").addEventListener("click", () => this.closeForm());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.closeForm();
      }
    });
  }

  get current() {
    return this.lists.find((list) => list.id === this.currentId) || null;
  }

  get inbox() {
    return this.lists.find((list) => list.is_inbox) || null;
  }

  /** Every list with its counts (all pages). */
  async reload() {
    const lists = [];
    let page = await this.api.listLists();
    lists.push(...page.results);
    while (page.next) {
      page = await this.api.listLists(page.next);
      lists.push(...page.results);
    }
    this.lists = lists;
    if (this.currentId !== null && !this.current) this.currentId = null; // deleted meanwhile
    this.render();
  }

  render() {
    const total = this.lists.reduce((sum, list) => sum + list.pending_count, 0);
    const option = (value, text) => h("option", { value, text, selected: String(this.currentId ?? "") === value });
    this.select.replaceChildren(
      option("", `All (${total})`),
      ...this.lists.map((list) => option(String(list.id), `${list.name} (${list.pending_count})`)),
    );
    const own = this.current && !this.current.is_inbox;
    this.renameButton.hidden = !own;
    this.deleteButton.hidden = !own;
    const move = document.getElementById("bulk-move");
    move.replaceChildren(
      h("option", { value: "", text: "Move to…" }),
      ...this.lists.map((list) => h("option", { value: String(list.id), text: list.name })),
    );
  }

  choose(listId) {
    this.currentId = listId;
    this.render();
    this.onChange(this.current);
  }

  openForm(list) {
    this.editing = list;
    this.formLabel.textContent = list ? `New name for “${list.name}”` : "New list name";
    this.input.value = list ? list.name : "";
    this.form.hidden = false;
    this.input.focus();
    this.input.select();
  }

  closeForm() {
    this.form.hidden = true;
    this.select.focus();
  }

  async save() {
    const name = this.input.value.trim();
    if (!name) return;
    try {
      const saved = this.editing
        ? await this.api.renameList(this.editing.id, name)
        : await this.api.createList(name);
      announce(this.editing ? `Renamed the list to “${saved.name}”.` : `Created the list “${saved.name}”.`);
      this.form.hidden = true;
      await this.reload();
      this.choose(saved.id);
      this.select.focus();
      this.onError("");
    } catch (error) {
      const reason = error.errors?.name?.[0] || error.message;
      this.onError(`Couldn't save the list: ${reason}`, error);
      this.input.focus();
    }
  }

  async remove(list) {
    if (!list) return;
    const confirmed = await confirmDialog({
      title: `Delete the list “${list.name}”?`,
      message: `${list.task_count === 1 ? "Its task moves" : `Its ${list.task_count} tasks move`} to the Inbox.`,
      confirmLabel: "Delete list",
    });
    if (!confirmed) return;
    try {
      await this.api.deleteList(list.id);
      announce(`Deleted the list “${list.name}”; its tasks are in the Inbox.`);
      this.currentId = null;
      await this.reload();
      this.choose(null);
      this.onError("");
    } catch (error) {
      this.onError(`Couldn't delete the list: ${error.message}`, error);
    }
  }
}
