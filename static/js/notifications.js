// Reminders as they fall due (the live stream's `reminder` event): a notice in the page that
// stays until dismissed (or the task is completed from it), and a system notification through
// the browser's Notification API when the person allowed it. The permission is asked for only
// from a gesture of theirs (adding a reminder: reminders.js), never on load.

import { dueLabel, timeLabel } from "./due-dates.js";
import { announce, h, icon } from "./ui.js";

const MOST_SHOWN = 4; // older notices make room for new ones

const supported = () => "Notification" in window;

/** Ask for system notifications, if the browser has not been told yet. Call it from a click. */
export function askForSystemNotifications() {
  if (!supported() || Notification.permission !== "default") return;
  try {
    Notification.requestPermission().catch(() => {});
  } catch {
    // Old callback-only versions: nothing to wait for.
  }
}

/** The person (or the browser) turned system notifications off for this site. */
export function systemNotificationsBlocked() {
  return supported() && Notification.permission === "denied";
}

/** A reminder instant (ISO 8601 UTC) in the reader's zone and locale: "Mon, Dec 7, 4:30 PM". */
export function instantLabel(iso) {
  return new Intl.DateTimeFormat(undefined, {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
  }).format(Date.parse(iso));
}

function dueText(reminder) {
  if (!reminder.due_date) return "";
  const day = dueLabel(reminder.due_date);
  return `due ${day}${reminder.due_time ? ` at ${timeLabel(reminder.due_time)}` : ""}`;
}

/** The words of one reminder: "due today at 5:00 PM", and for a late one when it was set for. */
function details(reminder) {
  const parts = [`#${reminder.task_number}`];
  const due = dueText(reminder);
  if (due) parts.push(due);
  if (reminder.late) parts.push(`late: it was set for ${instantLabel(reminder.remind_at)}`);
  return parts.join(" · ");
}

function systemNotification(reminder) {
  if (!supported() || Notification.permission !== "granted") return;
  try {
    // One tag per reminder: the page's other tabs replace it rather than add theirs.
    const notification = new Notification(`Reminder: ${reminder.title}`, {
      body: details(reminder),
      tag: `taskstream-reminder-${reminder.id}`,
    });
    notification.addEventListener("click", () => {
      window.focus();
      notification.close();
    });
  } catch {
    // Browsers that show notifications only from a service worker (Chrome on Android).
  }
}

/** The notices in the page, top right (#reminder-notices). */
export class ReminderNotices {
  constructor({ onComplete }) {
    this.region = document.getElementById("reminder-notices");
    this.onComplete = onComplete; // (taskId) => Promise: completes the task
    this.shown = new Set(); // reminder ids already shown: a replayed event shows nothing twice
  }

  show(reminder) {
    if (this.shown.has(reminder.id)) return;
    this.shown.add(reminder.id);
    const notice = this.notice(reminder);
    this.region.prepend(notice);
    while (this.region.children.length > MOST_SHOWN) this.region.lastElementChild.remove();
    this.region.hidden = false;
    systemNotification(reminder);
  }

  notice(reminder) {
    const meta = h("span", { class: "reminder-notice__meta", text: details(reminder) });
    const notice = h(
      "div",
      { class: `reminder-notice${reminder.late ? " is-late" : ""}`, dataset: { reminderId: reminder.id, shownAt: Date.now() } },
      h("span", { class: "reminder-notice__icon" }, icon("bell")),
      // Its own alert: inserted, it is read out at once; the buttons are not part of it.
      h(
        "p",
        { class: "reminder-notice__text", role: "alert" },
        h("strong", { text: "Reminder: " }),
        h("span", { class: "reminder-notice__title", dir: "auto", text: reminder.title }),
        meta,
      ),
      h(
        "div",
        { class: "reminder-notice__actions" },
        h("button", {
          type: "button",
          class: "btn btn--small btn--primary",
          text: "Complete",
          "aria-label": `Complete “${reminder.title}”`,
          onClick: async (event) => {
            const button = event.currentTarget;
            button.disabled = true;
            try {
              await this.onComplete(reminder.task_id);
              this.dismiss(notice);
              announce(`Completed “${reminder.title}”.`);
            } catch (error) {
              meta.textContent = `Couldn't complete it: ${error.message}`;
              button.disabled = false;
            }
          },
        }),
        h("button", {
          type: "button",
          class: "btn btn--small btn--ghost",
          text: "Dismiss",
          "aria-label": `Dismiss the reminder for “${reminder.title}”`,
          onClick: () => this.dismiss(notice),
        }),
      ),
    );
    return notice;
  }

  /** Remove a notice; the focus, if it was there, goes to the next notice or the composer. */
  dismiss(notice) {
    const hadFocus = notice.contains(document.activeElement);
    const next = notice.nextElementSibling || notice.previousElementSibling;
    notice.remove();
    this.region.hidden = this.region.children.length === 0;
    if (hadFocus) (next?.querySelector("button") || document.getElementById("composer-input"))?.focus();
  }
}
