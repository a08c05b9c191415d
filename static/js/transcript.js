// The messages of a conversation: user messages as plain text, assistant replies as
// sanitized Markdown with their tool activity, stored or streaming.

import { toolDueNote } from "./due-dates.js";
import { renderMarkdown } from "./markdown.js";
import { announce, h, icon } from "./ui.js";

const TOOL_ICONS = {
  add_task: "tool-add",
  list_tasks: "tool-list",
  complete_task: "tool-complete",
  delete_task: "tool-delete",
  update_task: "tool-update",
  undo_last_change: "retry",
  bulk_update_tasks: "tool-update",
  list_lists: "tool-list",
  create_list: "tool-add",
  rename_list: "tool-update",
  delete_list: "tool-delete",
};

const STORED_ERRORS = {
  model_auth: "The model provider refused Taskstream's API key.",
  model_rate_limited: "The model is rate-limited right now.",
  model_unavailable: "The model could not be reached.",
  model_timeout: "The model took too long to answer.",
  max_turns: "The assistant needed too many steps and gave up.",
  model_error: "The model failed to answer.",
};

export function storedErrorText(code) {
  return STORED_ERRORS[code] || "This reply failed.";
}

// Block elements the typing cursor may descend into, to sit at the end of the last line.
const CURSOR_HOSTS = new Set(["P", "UL", "OL", "LI", "BLOCKQUOTE", "PRE", "CODE", "H3", "H4", "H5", "H6"]);

// What a tool call does, in words: while it runs, once it worked, when it failed.
const TOOL_WORDS = {
  add_task: ["Adding", "Added", "Couldn't add"],
  list_tasks: ["Looking up tasks", "Looked up tasks", "Couldn't look up tasks"],
  complete_task: ["Completing", "Completed", "Couldn't complete"],
  delete_task: ["Deleting", "Deleted", "Couldn't delete"],
  update_task: ["Renaming", "Renamed", "Couldn't rename"],
  update_description: ["Updating", "Updated", "Couldn't update"],
  update_due_date: ["Moving", "Moved", "Couldn't move"],
  undo_last_change: ["Undoing my last change", "Undid my change to", "Couldn't undo"],
  clear_due_date: ["Clearing the date of", "Cleared the date of", "Couldn't clear the date of"],
  bulk_update_tasks: ["Changing tasks", "Changed", "Couldn't change"],
  list_lists: ["Looking up lists", "Looked up lists", "Couldn't look up lists"],
  create_list: ["Creating list", "Created list", "Couldn't create list"],
  rename_list: ["Renaming list", "Renamed list", "Couldn't rename list"],
  delete_list: ["Deleting list", "Deleted list", "Couldn't delete list"],
};

/** Which words an update_task call gets: a rename, a new description, or a new date only. */
function updateKind(args = {}) {
  if (args?.title != null) return "update_task";
  if (args?.description != null) return "update_description";
  if (args?.due_date != null) return "update_due_date";
  if (args?.clear_due_date) return "clear_due_date";
  return "update_task";
}

/** "Added", "Looking up tasks", "Couldn't delete", "Moved": the chip's label for this state. */
export function toolAction(name, args = {}, output) {
  const words = TOOL_WORDS[name === "update_task" ? updateKind(args) : name];
  if (!words) return name;
  const [running, done, failed] = words;
  if (output?.ok === false) return failed;
  return output ? done : running;
}

/** The task a tool call is about, in a few words: its title, "task #3", or "3 pending". */
export function toolSubject(args = {}, output = null) {
  if (output && output.ok === false) return output.error || "failed";
  if (output?.task?.title) {
    const number = output.task.number ?? null; // calls stored before tasks had numbers have none
    return number === null ? output.task.title : `#${number} ${output.task.title}`;
  }
  if (output?.list?.name) return output.list.name;
  if (Array.isArray(output?.lists)) return `${output.lists.length} lists`;
  if (output?.action === "bulk_updated") {
    const tasks = output.tasks || [];
    return `${tasks.length} ${tasks.length === 1 ? "task" : "tasks"}: ${tasks.map((task) => `#${task.number}`).join(" ")}`;
  }
  if (Array.isArray(output?.tasks)) {
    const which = output.status && output.status !== "all" ? output.status : "in all";
    return `${output.tasks.length} ${which}`;
  }
  if (args?.title) return args.title;
  if (args?.number !== undefined && args?.number !== null) return `task #${args.number}`;
  return "";
}

/** The titles and descriptions a tool result carries: a reply quoting them shows them as text. */
export function quotedTexts(output) {
  const tasks = [output?.task, ...(Array.isArray(output?.tasks) ? output.tasks : [])];
  return tasks.filter(Boolean).flatMap((task) => [task.title, task.description].filter(Boolean));
}

const clock = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A message's time, shown on hover. */
function timeLabel(iso) {
  const time = iso ? new Date(iso) : new Date();
  return Number.isNaN(time.getTime()) ? null : clock.format(time);
}

export class ToolChip {
  constructor({ call_id: callId, name, arguments: args }) {
    this.name = name;
    this.args = args || {};
    this.action = h("span", { class: "tool-chip__name" });
    this.subject = h("span", { class: "tool-chip__subject", dir: "auto" });
    // Its own span: a long title is cut with "…", the date it names never is.
    this.due = h("span", { class: "tool-chip__due" });
    this.state = h("span", { class: "tool-chip__state" });
    this.stateLabel = h("span", { class: "visually-hidden" });
    this.el = h(
      "li",
      { class: "tool-chip is-running", title: name, dataset: { callId: callId || "", tool: name } },
      icon(TOOL_ICONS[name] || "tool", "icon tool-chip__icon"),
      this.action,
      " ",
      this.subject,
      this.due,
      this.state,
      this.stateLabel,
    );
    this.setOutput(undefined);
  }

  /** What the chip says, in one line: "Moved dentist to Fri". */
  get summary() {
    return `${this.action.textContent} ${this.subject.textContent}${this.due.textContent}`;
  }

  /** undefined: still running; null: never returned (stored reply cut off); else the output. */
  setOutput(output) {
    this.output = output;
    this.action.textContent = toolAction(this.name, this.args, output);
    this.subject.textContent = toolSubject(this.args, output || null);
    this.due.textContent = toolDueNote(this.name, this.args, output || null);
    this.state.replaceChildren();
    this.el.classList.remove("is-running", "is-ok", "is-failed", "is-unknown");
    if (output === undefined) {
      this.el.classList.add("is-running");
      this.state.append(h("span", { class: "spinner", "aria-hidden": "true" }));
      this.stateLabel.textContent = " (running)";
    } else if (output === null) {
      this.el.classList.add("is-unknown");
      this.stateLabel.textContent = " (no result)";
    } else if (output.ok === false) {
      this.el.classList.add("is-failed");
      this.state.append(icon("alert"));
      this.stateLabel.textContent = " (failed)";
    } else {
      this.el.classList.add("is-ok");
      this.state.append(icon("check"));
      this.stateLabel.textContent = " (done)";
    }
  }
}

/** A message of the person's; `id` once the server has stored it (live events name it). */
export function userMessage(text, createdAt = null, id = null) {
  return h(
    "li",
    {
      class: "message message--user",
      title: timeLabel(createdAt),
      dataset: id === null ? null : { messageId: id },
    },
    // The label sits outside the bubble: dir=auto takes the bubble's direction from its text.
    h("span", { class: "visually-hidden", text: "You: " }),
    h("div", { class: "message__bubble", dir: "auto" }, text),
  );
}

export class AssistantMessage {
  /** `onChange` runs after every visible change (the page keeps the newest line in view). */
  constructor({ streaming = false, onChange = () => {} } = {}) {
    this.text = "";
    this.streaming = streaming;
    this.onChange = onChange;
    this.chips = new Map();
    this.frame = 0;
    this.toolList = h("ul", { class: "tool-chips", "aria-label": "Tool activity", hidden: true });
    this.thinking = h(
      "div",
      { class: "thinking", hidden: true },
      h("span", { class: "thinking__dots", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
      h("span", { class: "thinking__label", text: "Thinking…" }),
    );
    this.body = h("div", { class: "message__body md", dir: "auto" });
    this.reconnecting = h("p", {
      class: "message__note message__reconnecting",
      role: "status",
      hidden: true,
      text: "Reconnecting…",
    });
    this.footer = h("div", { class: "message__footer", hidden: true });
    this.el = h(
      "li",
      { class: "message message--assistant", title: timeLabel(null) },
      h("span", { class: "message__avatar", "aria-hidden": "true" }, icon("logo")),
      h(
        "div",
        { class: "message__content" },
        h("span", { class: "visually-hidden", text: "Taskstream: " }),
        this.toolList,
        this.body,
        this.thinking,
        this.reconnecting,
        this.footer,
      ),
    );
    if (streaming) {
      this.el.classList.add("is-streaming");
      // Announce the reply politely, once it is complete (aria-busy holds it back until then).
      this.body.setAttribute("aria-live", "polite");
      this.body.setAttribute("aria-busy", "true");
    }
  }

  static fromStored(message) {
    const reply = new AssistantMessage();
    reply.el.dataset.messageId = message.id;
    reply.el.title = timeLabel(message.created_at) || "";
    for (const call of message.tool_calls || []) {
      reply.toolCall(call).setOutput(call.output ?? null);
    }
    reply.text = message.content || "";
    reply.render();
    const status = message.status;
    if (status === "error") reply.note("error", storedErrorText(message.error_code));
    else if (status === "interrupted") reply.note("interrupted", "Interrupted");
    else if (status === "cancelled") reply.note("stopped", "Stopped");
    else if (status === "streaming") reply.note("pending", "Still being written… reload in a moment to see the rest.");
    reply.addCopy();
    return reply;
  }

  /** "Reconnecting…" while the reply's stream is silent (the run goes on on the server). */
  setReconnecting(on) {
    this.reconnecting.hidden = !on;
    this.onChange();
  }

  setThinking(on) {
    this.thinking.hidden = !on;
    this.onChange();
  }

  appendText(content) {
    if (!content) return;
    this.text += content;
    this.thinking.hidden = true;
    // Many tokens can land in one frame: render once per frame.
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.render();
      });
    }
  }

  toolCall(event) {
    const chip = new ToolChip(event);
    this.chips.set(event.call_id, chip);
    this.toolList.append(chip.el);
    this.toolList.hidden = false;
    this.thinking.hidden = true;
    this.onChange();
    return chip;
  }

  toolResult(event) {
    const chip = this.chips.get(event.call_id) || this.toolCall(event);
    chip.setOutput(event.output ?? null);
    this.onChange();
  }

  render() {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    // Escape-first (see markdown.js); task titles the assistant quotes stay plain text.
    const literals = [...this.chips.values()].flatMap((chip) => quotedTexts(chip.output));
    this.body.innerHTML = renderMarkdown(this.text, { literals });
    this.body.hidden = !this.text && !this.streaming;
    if (this.streaming && this.text) {
      let host = this.body;
      while (host.lastElementChild && CURSOR_HOSTS.has(host.lastElementChild.tagName)) {
        host = host.lastElementChild;
      }
      host.append(h("span", { class: "cursor", "aria-hidden": "true" }));
    }
    this.onChange();
  }

  /** The reply is over: `status` is complete, cancelled, interrupted or error. */
  finish(status) {
    this.streaming = false;
    this.thinking.hidden = true;
    this.el.classList.remove("is-streaming");
    for (const chip of this.chips.values()) {
      if (chip.el.classList.contains("is-running")) chip.setOutput(null);
    }
    this.setReconnecting(false);
    this.render();
    this.body.setAttribute("aria-busy", "false");
    if (status === "interrupted") this.note("interrupted", "Interrupted");
    if (status === "cancelled") this.note("stopped", "Stopped");
    this.addCopy();
  }

  /** A Copy button for the reply's text (its Markdown source, as the assistant wrote it). */
  addCopy() {
    if (!this.text) return;
    const button = h(
      "button",
      { type: "button", class: "icon-btn icon-btn--sm message__copy", "aria-label": "Copy reply", title: "Copy" },
      icon("copy"),
    );
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(this.text);
        announce("Copied the reply.");
        button.classList.add("is-done");
      } catch {
        announce("Couldn't copy: the browser did not allow it.");
      }
    });
    this.footer.hidden = false;
    this.footer.prepend(button);
  }

  note(kind, text) {
    this.footer.hidden = false;
    this.footer.append(
      h("p", { class: `message__note message__note--${kind}` }, kind === "error" ? icon("alert") : null, text),
    );
    this.onChange();
  }

  /** A Retry button under the reply (an interrupted one: its text stays as it was). */
  showRetry(onRetry) {
    const retry = h("button", { type: "button", class: "btn btn--small", onClick: onRetry }, icon("retry"), "Retry");
    this.footer.hidden = false;
    this.footer.append(h("div", { class: "message__actions" }, retry));
    this.onChange();
  }

  /** An inline error with a Retry button (or a sign-in link when the session is gone). */
  showError({ message, onRetry = null, signInUrl = null, retryAfterS = 0 }) {
    this.el.classList.add("has-error");
    const actions = h("div", { class: "message__actions" });
    const text = h("p", { text: message });
    if (signInUrl) {
      actions.append(h("a", { class: "btn btn--small btn--primary", href: signInUrl, text: "Sign in again" }));
    } else if (onRetry) {
      const retry = h("button", { type: "button", class: "btn btn--small", onClick: onRetry }, icon("retry"), "Retry");
      actions.append(retry);
      if (retryAfterS > 0) this.waitBeforeRetry(text, retry, retryAfterS);
    }
    this.footer.hidden = false;
    this.footer.append(h("div", { class: "error-box", role: "alert" }, icon("alert"), text, actions));
    this.onChange();
  }

  /**
   * Rate limited: the server said how long to wait, and retrying sooner would be refused. The
   * "N s" in the message counts down (not announced each second), Retry stays disabled until
   * then, and nothing is sent again unless the person asks.
   */
  waitBeforeRetry(text, retry, seconds) {
    const left = h("span", { class: "countdown", "aria-live": "off", text: `${seconds} s` });
    const message = text.textContent;
    const match = /\b\d+ s\b/.exec(message);
    if (match) text.replaceChildren(message.slice(0, match.index), left, message.slice(match.index + match[0].length));
    else text.append(" Try again in ", left, ".");
    retry.disabled = true;
    const deadline = Date.now() + seconds * 1000;
    const timer = setInterval(() => {
      const remaining = Math.ceil((deadline - Date.now()) / 1000);
      if (!retry.isConnected) clearInterval(timer);
      else if (remaining > 0) left.textContent = `${remaining} s`;
      else {
        clearInterval(timer);
        text.textContent = "You can send again now.";
        retry.disabled = false;
        announce("You can send again now.");
      }
    }, 250);
  }
}
