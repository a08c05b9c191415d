// Due dates on the page: the user's time zone and local date, compact labels ("today", "Fri",
// "Dec 5"), and the small date control on each task (the API orders the tasks by date).
// Dates are calendar days ("YYYY-MM-DD"); they never pass through a Date at midnight UTC.

import { h, icon } from "./ui.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The browser's IANA time zone (sent as X-Timezone and as a chat request's `timezone`). */
export function timeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

function isoDay(date) {
  const pad = (number) => String(number).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Today in the browser's zone, as "YYYY-MM-DD". */
export function todayIso() {
  return isoDay(new Date());
}

/** A "YYYY-MM-DD" day as a UTC timestamp, for day arithmetic free of DST jumps. */
function dayNumber(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

function formatDay(iso, options) {
  return new Intl.DateTimeFormat("en-US", { timeZone: "UTC", ...options }).format(dayNumber(iso) * DAY_MS);
}

/** "today", "tomorrow", "yesterday", "Fri" (this week), "Dec 5", or "Dec 5, 2027". */
export function dueLabel(iso, today = todayIso()) {
  const days = dayNumber(iso) - dayNumber(today);
  if (days === 0) return "today";
  if (days === 1) return "tomorrow";
  if (days === -1) return "yesterday";
  if (days > 1 && days < 7) return formatDay(iso, { weekday: "short" });
  const sameYear = iso.slice(0, 4) === today.slice(0, 4);
  return formatDay(iso, { month: "short", day: "numeric", ...(sameYear ? {} : { year: "numeric" }) });
}

/** The full date for screen readers and tooltips: "Friday, December 4, 2026". */
export function dueLongLabel(iso) {
  return formatDay(iso, { weekday: "long", month: "long", day: "numeric", year: "numeric" });
}

export function isOverdue(task, today = todayIso()) {
  return Boolean(task.due_date) && !task.completed && task.due_date < today;
}

/**
 * What a tool chip adds when the tool set or cleared a date: " · due Fri"; a call that only
 * moved a task's date reads "Moved dentist to Fri" (and one that only removed it, "Cleared the
 * date of dentist").
 */
export function toolDueNote(name, args = {}, output = null) {
  if (output && output.ok === false) return "";
  if (name === "list_tasks") {
    const filter = output?.due || args?.due;
    return filter ? ` ${{ today: "due today", overdue: "overdue", week: "due this week", none: "with no date" }[filter] || ""}` : "";
  }
  const dateOnly = name === "update_task" && args?.title == null && args?.description == null;
  if (args?.clear_due_date) return dateOnly ? "" : " · no due date"; // "Cleared the date of …"
  const due = args?.due_date && (output?.task?.due_date ?? args.due_date);
  if (!due) return "";
  return dateOnly ? ` to ${dueLabel(due)}` : ` · due ${dueLabel(due)}`;
}

/**
 * The date control of one task: a compact badge that opens a date input, and a button that
 * removes the date. `onChange("YYYY-MM-DD" | null)` saves it.
 */
export function dueControl(task, onChange) {
  const today = todayIso();
  const overdue = isOverdue(task, today);
  // The badge's name starts with exactly what it shows ("yesterday · overdue"), then the details.
  const shown = task.due_date ? `${dueLabel(task.due_date, today)}${overdue ? " · overdue" : ""}` : "";
  const input = h("input", {
    type: "date",
    class: "task-due__input",
    value: task.due_date || "",
    "aria-label": `Due date of “${task.title}”`,
    dataset: { role: "due" }, // the badge, the input and the clear button share a role, so
    // the panel's re-render puts focus back on the badge
    hidden: true,
  });
  const badge = h(
    "button",
    {
      type: "button",
      class: `task-due__badge${task.due_date ? "" : " is-empty"}`,
      title: task.due_date ? `Due ${dueLongLabel(task.due_date)}: change` : "Set a due date",
      "aria-label": task.due_date
        ? `${shown}: due ${dueLongLabel(task.due_date)}, change the date of “${task.title}”`
        : `Set a due date for “${task.title}”`,
      dataset: { role: "due" },
      onClick: () => {
        badge.hidden = true;
        input.hidden = false;
        input.focus(); // type the date, or open the field's own calendar
      },
    },
    icon("calendar"),
    // One run of text, so what it shows reads as one phrase: "yesterday · overdue".
    task.due_date
      ? h(
          "span",
          { class: "task-due__text" },
          dueLabel(task.due_date, today),
          overdue ? [" ", h("span", { class: "task-due__overdue", text: "· overdue" })] : null,
        )
      : null,
  );
  // Typing a date fires "change" at every complete value (year 0002, 0020, 0202, 2026):
  // save once the field is left, on Enter, or after a pause (a pick from the calendar).
  let timer = 0;
  const commit = () => {
    clearTimeout(timer);
    if (input.hidden) return; // hiding the field blurs it: commit once
    input.hidden = true;
    badge.hidden = false;
    if (input.value !== (task.due_date || "")) onChange(input.value || null);
  };
  input.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(commit, 1200);
  });
  input.addEventListener("blur", commit);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      commit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      input.value = task.due_date || "";
      commit();
      badge.focus();
    }
  });
  const clear = task.due_date
    ? h(
        "button",
        {
          type: "button",
          class: "task-due__clear",
          "aria-label": `Remove the due date of “${task.title}”`,
          title: "Remove the due date",
          dataset: { role: "due" },
          onClick: () => onChange(null),
        },
        icon("close"),
      )
    : null;
  return h(
    "span",
    { class: `task-due${overdue ? " is-overdue" : ""}` },
    badge,
    input,
    clear,
  );
}
