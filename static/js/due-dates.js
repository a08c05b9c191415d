// Due dates on the page: the user's time zone and local date, compact labels ("today", "Fri",
// "Dec 5", "Mon 9:00 AM ↻"); the control that edits them is due-control.js.
// Dates are calendar days ("YYYY-MM-DD") and times wall-clock "HH:MM" in the user's zone: they
// never pass through a Date in the browser's zone (only reminders, which are instants, do).

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

/** A wall-clock "HH:MM" (or "HH:MM:SS") in the reader's locale: "9:00 AM", "09:00". */
export function timeLabel(hhmm) {
  const [hours, minutes] = hhmm.split(":").map(Number);
  return new Intl.DateTimeFormat(undefined, { timeZone: "UTC", hour: "numeric", minute: "2-digit" }).format(
    Date.UTC(2000, 0, 1, hours, minutes),
  );
}

/** A task's due moment as the row shows it: "Mon 9:00 AM", "today", "" without a date. */
export function dueWhenLabel(task, today = todayIso()) {
  if (!task.due_date) return "";
  const day = dueLabel(task.due_date, today);
  return task.due_time ? `${day} ${timeLabel(task.due_time)}` : day;
}

/** The same for screen readers and tooltips: "Monday, December 7, 2026 at 9:00 AM". */
export function dueWhenLongLabel(task) {
  if (!task.due_date) return "";
  const day = dueLongLabel(task.due_date);
  return task.due_time ? `${day} at ${timeLabel(task.due_time)}` : day;
}

export function isOverdue(task, today = todayIso()) {
  return Boolean(task.due_date) && !task.completed && task.due_date < today;
}

const DUE_FILTER_WORDS = {
  today: "due today",
  tomorrow: "due tomorrow",
  overdue: "overdue",
  week: "due this week",
  next_week: "due next week",
  none: "with no date",
};

/**
 * What a tool chip adds when the tool set or cleared a date: " · due Fri", " · due Mon 9:00 AM
 * ↻" with a time and a repeat; a call that only moved a task's date reads "Moved dentist to
 * Fri" (and one that only removed it, "Cleared the date of dentist").
 */
export function toolDueNote(name, args = {}, output = null) {
  if (output && output.ok === false) return "";
  if (name === "list_tasks") {
    const filter = output?.due || args?.due;
    return filter ? ` ${DUE_FILTER_WORDS[filter] || ""}` : "";
  }
  const dateOnly = name === "update_task" && args?.title == null && args?.description == null;
  if (args?.clear_due_date) return dateOnly ? "" : " · no due date"; // "Cleared the date of …"
  const due = args?.due_date && (output?.task?.due_date ?? args.due_date);
  if (!due) return "";
  const time = output?.task?.due_time ?? args.due_time;
  const when = `${dueLabel(due)}${time ? ` ${timeLabel(time)}` : ""}${args.recurrence ? " ↻" : ""}`;
  return dateOnly ? ` to ${when}` : ` · due ${when}`;
}
