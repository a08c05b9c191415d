// Small DOM helpers. Text always goes in through textContent / text nodes, never innerHTML:
// the one place that produces HTML is markdown.js, and it escapes first.

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * h("button", { class: "btn", type: "button", onClick: fn, dataset: {id: 3} }, "Label", child)
 * Attributes are set with setAttribute; `text` sets textContent; on* props add listeners.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "text") element.textContent = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** An icon from the page's SVG sprite (templates/partials/icons.html). */
export function icon(name, className = "icon") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", className);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS(SVG_NS, "use");
  use.setAttribute("href", `#i-${name}`);
  svg.append(use);
  return svg;
}

/** What every part of the page says when the session is gone (expired, signed out elsewhere). */
export const SESSION_ENDED = "Your session ended — sign in again to keep going.";

/** The sign-in page, coming back here afterwards. */
export function signInUrl() {
  const login = document.getElementById("app")?.dataset.loginUrl || "/accounts/login/";
  return `${login}?next=${encodeURIComponent(window.location.pathname)}`;
}

/** The session-ended message and its sign-in link, for the notice and error lines. */
export function sessionEnded() {
  return [SESSION_ENDED, h("a", { class: "btn btn--small", href: signInUrl(), text: "Sign in again" })];
}

/** Say something to screen-reader users through the page's polite status region. */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick makes repeated identical messages announce again.
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/** Ask before something destructive, with the page's <dialog>. Resolves true on confirm. */
export function confirmDialog({ title, message, confirmLabel = "Delete" }) {
  const dialog = document.getElementById("confirm-dialog");
  dialog.querySelector("#confirm-title").textContent = title;
  dialog.querySelector("#confirm-message").textContent = message;
  dialog.querySelector("#confirm-ok").textContent = confirmLabel;
  const opener = document.activeElement;
  return new Promise((resolve) => {
    dialog.returnValue = "cancel";
    dialog.addEventListener(
      "close",
      () => {
        resolve(dialog.returnValue === "confirm");
        if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      },
      { once: true },
    );
    dialog.showModal();
    dialog.querySelector("#confirm-cancel").focus();
  });
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "5 min", "3 h", "Tue", "12 Mar": short enough for a sidebar row. */
export function shortTime(iso, now = Date.now()) {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return "";
  const age = now - time;
  if (age < MINUTE) return "just now";
  if (age < HOUR) return `${Math.floor(age / MINUTE)} min`;
  if (age < DAY) return `${Math.floor(age / HOUR)} h`;
  const date = new Date(time);
  if (age < 7 * DAY) return date.toLocaleDateString(undefined, { weekday: "short" });
  return date.toLocaleDateString(undefined, { day: "numeric", month: "short" });
}

/**
 * Wrap an async loader so overlapping calls share one run; a call made while it runs makes it
 * run once more afterwards, so the result is never older than the latest call.
 */
export function coalesced(load) {
  let running = null;
  let again = false;
  return function run() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await load();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
}

/** Holds `redraws` while a press in `area` is in progress, until its click has been handled. A
 * list redrawn between a button's down and up (a live refresh landing) would swallow the
 * click, down and up then being on different elements. The click (and a checkbox's change)
 * come in the pointerup's task; the release comes in the next. */
export function holdWhilePressed(area, redraws) {
  let pressed = false;
  area.addEventListener("pointerdown", () => {
    pressed = true;
    redraws.hold("press");
  });
  const end = () => {
    if (!pressed) return;
    pressed = false;
    redraws.release("press");
  };
  document.addEventListener("pointerup", () => setTimeout(end), true);
  document.addEventListener("pointercancel", end, true);
}

/** A list's redraws, held while something in it is in progress (a press, an open editor): a
 * redraw asked for meanwhile waits, and the last hold's end draws once. A list that was not
 * asked to redraw stays as it is, and so keeps its focus and hover. */
export class RedrawHolds {
  constructor(draw) {
    this.draw = draw;
    this.holds = new Set();
    this.stale = false; // a redraw was asked for while held
  }

  hold(what) {
    this.holds.add(what);
  }

  /** `changed`: the holder changed the list itself (a row swapped for an input): its end draws. */
  release(what, { changed = false } = {}) {
    this.holds.delete(what);
    if (changed) this.stale = true;
    if (!this.holds.size && this.stale) this.draw();
  }

  /** Whether the list may draw now; if not, the redraw waits for the last hold's end. */
  ready() {
    this.stale = this.holds.size > 0;
    return !this.stale;
  }
}
