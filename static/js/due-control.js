// The date control of one task: a compact badge ("Mon 9:00 AM ↻") that opens a small editor
// (date, time, repeat with "Custom" taking an RRULE), and a button that removes the date.
// Enter or Save saves, Escape or Cancel leaves it as it was, and leaving the editor saves, as the
// date field alone did before. A refused save (an invalid rule) keeps the editor open with the
// server's reason.

import { dueWhenLabel, dueWhenLongLabel, isOverdue, todayIso } from "./due-dates.js";
import { repeatChoices, repeatKind } from "./repeats.js";
import { h, icon } from "./ui.js";

/** "HH:MM" of a time the API may give with seconds. */
const hhmm = (time) => (time ? time.slice(0, 5) : "");

/** The first thing the server said about `fields` (else its summary). */
export function refusal(error, fields = []) {
  for (const field of fields) {
    const messages = error?.errors?.[field];
    if (messages?.length) return messages[0];
  }
  return error?.message || "Something went wrong.";
}

function badgeFor(task, today, onOpen) {
  const overdue = isOverdue(task, today);
  const shown = dueWhenLabel(task, today);
  const repeats = Boolean(task.recurrence);
  const repeatText = repeats ? `, repeats ${task.recurrence_text || "on a custom rule"}` : "";
  // The name starts with exactly what it shows ("Mon 9:00 AM · overdue"), then the details;
  // the ↻ mark is spelt out as "repeats …".
  return h(
    "button",
    {
      type: "button",
      class: `task-due__badge${task.due_date ? "" : " is-empty"}`,
      title: task.due_date ? `Due ${dueWhenLongLabel(task)}${repeatText}: change` : "Set a due date",
      "aria-label": task.due_date
        ? `${shown}${overdue ? " · overdue" : ""}: due ${dueWhenLongLabel(task)}${repeatText}, change the date of “${task.title}”`
        : `Set a due date for “${task.title}”`,
      dataset: { role: "due" }, // the badge and the editor's controls share a role, so the
      // panel's re-render puts focus back on the badge
      onClick: onOpen,
    },
    icon("calendar"),
    task.due_date
      ? h(
          "span",
          { class: "task-due__text" },
          shown,
          overdue ? [" ", h("span", { class: "task-due__overdue", text: "· overdue" })] : null,
          repeats ? [" ", h("span", { class: "task-due__repeat", "aria-hidden": "true", text: "↻" })] : null,
        )
      : null,
  );
}

/** The editor's fields, filled from the task. */
function editorFields(task) {
  const named = (what) => `${what} of “${task.title}”`;
  const field = (label, control, extra = "") =>
    h("label", { class: `due-editor__field${extra}` }, h("span", { class: "due-editor__label", text: label }), control);
  const date = h("input", { type: "date", value: task.due_date || "", "aria-label": named("Due date"), dataset: { role: "due" } });
  const time = h("input", { type: "time", value: hhmm(task.due_time), "aria-label": named("Due time"), dataset: { role: "due" } });
  const repeat = h("select", { "aria-label": `Repeat “${task.title}”`, dataset: { role: "due" } });
  const rule = h("input", {
    type: "text",
    value: "",
    placeholder: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
    spellcheck: "false",
    autocomplete: "off",
    autocapitalize: "characters",
    "aria-label": named("Repeat rule (RRULE)"),
    dataset: { role: "due" },
  });
  const ruleField = field("Rule (RRULE)", rule, " due-editor__field--wide");
  return {
    date,
    time,
    repeat,
    rule,
    ruleField,
    nodes: [field("Date", date), field("Time", time), field("Repeat", repeat, " due-editor__field--wide"), ruleField],
  };
}

/**
 * `onSave(changes)` PATCHes {due_date, due_time, recurrence} (only those that changed) and
 * resolves to null or the ApiError; `onEditing(open)` tells the panel to hold its re-renders
 * while the editor is open.
 */
export function dueControl(task, { onSave, onClear, onEditing, trailing = [] }) {
  const today = todayIso();
  const fields = editorFields(task);
  const error = h("p", { class: "due-editor__error", role: "alert", hidden: true });
  const save = h("button", { type: "submit", class: "btn btn--primary btn--small", text: "Save", dataset: { role: "due" } });
  const cancel = h("button", { type: "button", class: "btn btn--ghost btn--small", text: "Cancel", dataset: { role: "due" } });
  const editor = h(
    "form",
    // Named by its legend only: a named form would be a landmark, one per task.
    { class: "due-editor", novalidate: true, hidden: true },
    h(
      "fieldset",
      { class: "due-editor__fields" },
      h("legend", { class: "visually-hidden", text: `When “${task.title}” is due` }),
      fields.nodes,
    ),
    error,
    h("div", { class: "due-editor__actions" }, save, cancel),
  );
  let open = false;
  let saving = false;

  const fillRepeat = (kind) => {
    const choices = repeatChoices(fields.date.value);
    fields.repeat.replaceChildren(...choices.map((choice) => h("option", { value: choice.kind, text: choice.label })));
    fields.repeat.value = kind;
    fields.ruleField.hidden = kind !== "custom";
  };
  const wanted = () => {
    const dueDate = fields.date.value || null;
    if (!dueDate) return { due_date: null, due_time: null, recurrence: "" };
    const kind = fields.repeat.value;
    const choice = repeatChoices(dueDate).find((each) => each.kind === kind);
    const recurrence = kind === "custom" ? fields.rule.value.trim() : choice.rule(dueDate);
    return { due_date: dueDate, due_time: fields.time.value || null, recurrence };
  };
  const changes = () => {
    const next = wanted();
    const now = { due_date: task.due_date || null, due_time: hhmm(task.due_time) || null, recurrence: task.recurrence || "" };
    // A rule the page only words differently (its order, its case) is not a change.
    if (repeatKind(next.recurrence, next.due_date) === repeatKind(now.recurrence, next.due_date) && fields.repeat.value !== "custom") {
      next.recurrence = now.recurrence;
    }
    return Object.fromEntries(Object.entries(next).filter(([name, value]) => value !== now[name]));
  };

  const close = () => {
    open = false;
    editor.hidden = true;
    line.hidden = false;
    onEditing(false);
  };
  const commit = async () => {
    if (!open || saving) return;
    const changed = changes();
    if (!Object.keys(changed).length) {
      close();
      return;
    }
    saving = true; // (not by disabling Save: a disabled button drops the focus it has)
    const refused = await onSave(changed);
    saving = false;
    if (!refused) {
      close();
      return;
    }
    error.textContent = refusal(refused, ["recurrence", "due_time", "due_date"]);
    error.hidden = false;
    const field = refused.errors?.recurrence ? (fields.repeat.value === "custom" ? fields.rule : fields.repeat) : null;
    (field || fields.date).focus();
  };
  const revert = () => {
    close();
    badge.focus();
  };

  const badge = badgeFor(task, today, () => {
    open = true;
    onEditing(true);
    fields.date.value = task.due_date || "";
    fields.time.value = hhmm(task.due_time);
    const kind = repeatKind(task.recurrence || "", task.due_date || "");
    fillRepeat(kind);
    fields.rule.value = kind === "custom" ? task.recurrence : "";
    error.hidden = true;
    line.hidden = true;
    editor.hidden = false;
    fields.date.focus(); // type the date, or open the field's own calendar
  });
  // A time or a repeat needs a date: picking one first gives the task today.
  const needDate = () => {
    if (!fields.date.value) fields.date.value = today;
  };
  fields.date.addEventListener("change", () => fillRepeat(fields.repeat.value));
  fields.time.addEventListener("change", () => fields.time.value && needDate());
  fields.repeat.addEventListener("change", () => {
    if (fields.repeat.value !== "none") needDate();
    fillRepeat(fields.repeat.value);
    if (fields.repeat.value === "custom") fields.rule.focus();
  });
  editor.addEventListener("submit", (event) => {
    event.preventDefault();
    commit();
  });
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault(); // the edit's key, not the page's (Escape stops a reply)
      event.stopPropagation();
      revert();
    } else if (event.key === "Enter" && event.target instanceof HTMLInputElement) {
      event.preventDefault();
      commit();
    }
  });
  cancel.addEventListener("click", revert);
  // Leaving the editor saves it; the window losing focus (another app) is not leaving it.
  editor.addEventListener("focusout", () => {
    setTimeout(() => {
      if (open && document.hasFocus() && !editor.contains(document.activeElement)) commit();
    }, 0);
  });

  const overdue = isOverdue(task, today);
  const clear = task.due_date
    ? h(
        "button",
        {
          type: "button",
          class: "task-due__clear",
          "aria-label": `Remove the due date of “${task.title}”`,
          title: task.due_time || task.recurrence ? "Remove the due date, time and repeat" : "Remove the due date",
          dataset: { role: "due" },
          onClick: onClear,
        },
        icon("close"),
      )
    : null;
  const line = h("span", { class: `task-due${overdue ? " is-overdue" : ""}` }, badge, clear, trailing);
  return h("div", { class: "task-when" }, line, editor);
}
