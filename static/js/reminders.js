// The bell on each task and the reminders it opens: the task's reminders (instants, shown in
// the reader's zone), each with Remove, and adding one at the due time, N minutes before it, or
// at a chosen moment (POST/DELETE tasks/<id>/reminders/). The panel is drawn from the task
// panel's state (which task's reminders are open, the moment being typed), so a refresh of the
// list keeps it as it was.

import { instantLabel, systemNotificationsBlocked } from "./notifications.js";
import { h, icon } from "./ui.js";

const BEFORE = [
  [0, "At the due time"],
  [10, "10 min before"],
  [30, "30 min before"],
  [60, "1 hour before"],
  [1440, "1 day before"],
];

const panelId = (task) => `task-${task.id}-reminders`;

/** Reminders still to come (the list holds sent ones too). */
export function pendingReminders(task, now = Date.now()) {
  return (task.reminders || []).filter((iso) => Date.parse(iso) > now);
}

/** The bell: shows whether reminders are set, opens the panel. */
export function bellButton(task, { expanded, onToggle }) {
  const pending = pendingReminders(task);
  const label = pending.length
    ? `Reminders of “${task.title}”: ${pending.length} set, the next ${instantLabel(pending[0])}`
    : `Reminders of “${task.title}”: none set`;
  return h(
    "button",
    {
      type: "button",
      class: `task-bell${pending.length ? " is-set" : ""}${expanded ? " is-open" : ""}`,
      "aria-label": label,
      title: pending.length ? `Next reminder ${instantLabel(pending[0])}` : "Add a reminder",
      "aria-expanded": String(expanded),
      "aria-controls": expanded ? panelId(task) : null,
      dataset: { role: "reminders" },
      onClick: onToggle,
    },
    icon("bell"),
  );
}

/** The moment field's first value: the task's due moment, else empty. "YYYY-MM-DDTHH:MM". */
export function defaultMoment(task) {
  if (!task.due_date) return "";
  return `${task.due_date}T${(task.due_time || "09:00").slice(0, 5)}`;
}

/**
 * The open panel of `task`. `state`: {draft, error}; `onAdd(body)` POSTs {minutes_before} or
 * {remind_at}; `onRemove(iso)` DELETEs one; `onDraft(value)` keeps the moment being typed.
 */
export function reminderPanel(task, { state, onAdd, onRemove, onDraft, onClose }) {
  const now = Date.now();
  const listed = (task.reminders || []).map((iso, index) => {
    const past = Date.parse(iso) <= now;
    const when = instantLabel(iso);
    return h(
      "li",
      { class: `reminders__item${past ? " is-past" : ""}` },
      h("span", { class: "reminders__when", text: past ? `${when} (past)` : when }),
      h("button", {
        type: "button",
        class: "btn btn--ghost btn--small",
        text: "Remove",
        "aria-label": `Remove the reminder at ${when}`,
        dataset: { role: `reminder-remove-${index}` },
        onClick: () => onRemove(iso),
      }),
    );
  });
  const relative = task.due_time
    ? h(
        "div",
        { class: "reminders__quick", role: "group", "aria-labelledby": `${panelId(task)}-quick` },
        h("span", { class: "reminders__heading", id: `${panelId(task)}-quick`, text: "Remind me" }),
        BEFORE.map(([minutes, text]) =>
          h("button", {
            type: "button",
            class: "btn btn--small reminders__chip",
            text,
            dataset: { role: `reminder-before-${minutes}` },
            onClick: () => onAdd({ minutes_before: minutes }),
          }),
        ),
      )
    : h("p", { class: "reminders__note", text: "Give the task a time to be reminded before it." });
  const moment = h("input", {
    type: "datetime-local",
    value: state.draft,
    "aria-label": `Remind me about “${task.title}” at a moment`,
    dataset: { role: "reminder-moment" },
    onInput: (event) => onDraft(event.target.value),
  });
  const addAt = () => {
    if (!moment.value) {
      moment.focus();
      return;
    }
    // The field's wall-clock time in this browser's zone, sent as an instant.
    onAdd({ remind_at: new Date(moment.value).toISOString() });
  };
  moment.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addAt();
    }
  });
  return h(
    "div",
    {
      class: "reminders",
      id: panelId(task),
      role: "group",
      "aria-label": `Reminders of “${task.title}”`,
      onKeydown: (event) => {
        if (event.key !== "Escape") return;
        event.preventDefault(); // the panel's key, not the page's (Escape stops a reply)
        event.stopPropagation();
        onClose();
      },
    },
    listed.length
      ? h("ul", { class: "reminders__list" }, listed)
      : h("p", { class: "reminders__note", text: "No reminders yet." }),
    relative,
    h(
      "div",
      { class: "reminders__moment" },
      h("label", { class: "reminders__label" }, h("span", { text: "At a moment" }), moment),
      h("button", {
        type: "button",
        class: "btn btn--small",
        text: "Add",
        "aria-label": `Add the reminder at the chosen moment`,
        dataset: { role: "reminder-add" },
        onClick: addAt,
      }),
    ),
    state.error ? h("p", { class: "reminders__error", role: "alert", text: state.error }) : null,
    systemNotificationsBlocked()
      ? h("p", { class: "reminders__note", text: "System notifications are off for this site: reminders show in the page." })
      : null,
  );
}
