// The messages of a conversation: user messages as plain text, assistant replies as
// sanitized Markdown with their tool activity, stored or streaming.

import { toolDueNote } from "./due-dates.js";
import { renderMarkdown } from "./markdown.js";
import { h, icon } from "./ui.js";

const TOOL_ICONS = {
  add_task: "tool-add",
  list_tasks: "tool-list",
  complete_task: "tool-complete",
  delete_task: "tool-delete",
  update_task: "tool-update",
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

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** The task a tool call is about, in a few words: its title, "#3", or "4 tasks". */
export function toolSubject(name, args = {}, output = null) {
  if (output && output.ok === false) return output.error || "failed";
  if (output?.task?.title) return output.task.title;
  if (Array.isArray(output?.tasks)) {
    const which = output.status && output.status !== "all" ? `${output.status} ` : "";
    return `${plural(output.tasks.length, `${which}task`)}`;
  }
  if (args?.title) return args.title;
  if (args?.task_id !== undefined && args?.task_id !== null) return `task #${args.task_id}`;
  if (name === "list_tasks") return args?.status && args.status !== "all" ? `${args.status} tasks` : "all tasks";
  return "";
}

export class ToolChip {
  constructor({ call_id: callId, name, arguments: args }) {
    this.name = name;
    this.args = args || {};
    this.subject = h("span", { class: "tool-chip__subject" });
    this.state = h("span", { class: "tool-chip__state" });
    this.stateLabel = h("span", { class: "visually-hidden" });
    this.el = h(
      "li",
      { class: "tool-chip is-running", dataset: { callId: callId || "", tool: name } },
      icon(TOOL_ICONS[name] || "tool", "icon tool-chip__icon"),
      h("span", { class: "tool-chip__name", text: name }),
      this.subject,
      this.state,
      this.stateLabel,
    );
    this.setOutput(undefined);
  }

  /** undefined: still running; null: never returned (stored reply cut off); else the output. */
  setOutput(output) {
    this.subject.textContent =
      toolSubject(this.name, this.args, output || null) + toolDueNote(this.name, this.args, output || null);
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

export function userMessage(text) {
  return h(
    "li",
    { class: "message message--user" },
    h("div", { class: "message__bubble" }, h("span", { class: "visually-hidden", text: "You: " }), text),
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
    this.body = h("div", { class: "message__body md" });
    this.footer = h("div", { class: "message__footer", hidden: true });
    this.el = h(
      "li",
      { class: "message message--assistant" },
      h("span", { class: "message__avatar", "aria-hidden": "true" }, icon("logo")),
      h(
        "div",
        { class: "message__content" },
        h("span", { class: "visually-hidden", text: "Taskstream: " }),
        this.toolList,
        this.body,
        this.thinking,
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
    for (const call of message.tool_calls || []) {
      reply.toolCall(call).setOutput(call.output ?? null);
    }
    reply.text = message.content || "";
    reply.render();
    const status = message.status;
    if (status === "error") reply.note("error", storedErrorText(message.error_code));
    else if (status === "interrupted" || status === "cancelled") reply.note("stopped", "Stopped");
    else if (status === "streaming") reply.note("pending", "Still being written… reload in a moment to see the rest.");
    return reply;
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
    this.body.innerHTML = renderMarkdown(this.text); // escape-first: see markdown.js
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

  /** The reply is over: `status` is complete, interrupted or error. */
  finish(status) {
    this.streaming = false;
    this.thinking.hidden = true;
    this.el.classList.remove("is-streaming");
    for (const chip of this.chips.values()) {
      if (chip.el.classList.contains("is-running")) chip.setOutput(null);
    }
    this.render();
    this.body.setAttribute("aria-busy", "false");
    if (status === "interrupted") this.note("stopped", "Stopped");
  }

  note(kind, text) {
    this.footer.hidden = false;
    this.footer.append(
      h("p", { class: `message__note message__note--${kind}` }, kind === "error" ? icon("alert") : null, text),
    );
    this.onChange();
  }

  /** An inline error with a Retry button (or a sign-in link when the session is gone). */
  showError({ message, onRetry = null, signInUrl = null, retryAfterS = 0 }) {
    this.el.classList.add("has-error");
    const actions = h("div", { class: "message__actions" });
    if (signInUrl) {
      actions.append(h("a", { class: "btn btn--small btn--primary", href: signInUrl, text: "Sign in again" }));
    } else if (onRetry) {
      const retry = h("button", { type: "button", class: "btn btn--small", onClick: onRetry }, icon("retry"), "Retry");
      if (retryAfterS > 0) {
        // Rate limited: the server said how long to wait; retrying sooner would be refused.
        retry.disabled = true;
        setTimeout(() => (retry.disabled = false), retryAfterS * 1000);
      }
      actions.append(retry);
    }
    this.footer.hidden = false;
    this.footer.append(
      h("div", { class: "error-box", role: "alert" }, icon("alert"), h("p", { text: message }), actions),
    );
    this.onChange();
  }
}
