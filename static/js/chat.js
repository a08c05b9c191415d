// The chat page: wires the sidebar, the transcript, the composer and the task panel to the
// public API. Module map:
//   api.js           endpoints + ApiError (the API's {detail, code} shape), CSRF header
//   sse.js           reads the stream's `data: <json>` frames
//   markdown.js      escape-first Markdown for replies (no HTML from anyone ever runs)
//   transcript.js    user messages, assistant replies (streaming or stored), tool chips
//   conversations.js the sidebar list: open, rename, delete
//   tasks.js         the task panel
//   undo.js          the Undo control on the chips of task-changing tool calls
//   ui.js            DOM helpers, announcements, the confirm dialog

import { Api, ApiError } from "./api.js";
import { ConversationList, displayTitle } from "./conversations.js";
import { TaskPanel } from "./tasks.js";
import { AssistantMessage, userMessage } from "./transcript.js";
import { announce, h } from "./ui.js";
import { ToolCallUndo } from "./undo.js";

const root = document.getElementById("app");
const config = {
  userId: root.dataset.userId,
  conversationId: Number(root.dataset.conversationId) || null,
  chatUrl: root.dataset.chatUrl,
  loginUrl: root.dataset.loginUrl,
};

const urlFor = (id) => (id ? `${config.chatUrl}c/${id}/` : config.chatUrl);
const idFromLocation = () => Number(window.location.pathname.match(/\/c\/(\d+)\/?$/)?.[1]) || null;

class Drawers {
  constructor() {
    this.scrim = document.getElementById("scrim");
    this.toggles = {
      sidebar: document.getElementById("sidebar-toggle"),
      "task-panel": document.getElementById("tasks-toggle"),
    };
    this.open = null;
    for (const [id, toggle] of Object.entries(this.toggles)) {
      toggle.addEventListener("click", () => (this.open === id ? this.close() : this.show(id)));
    }
    this.scrim.addEventListener("click", () => this.close());
    for (const button of document.querySelectorAll("[data-close-drawer]")) {
      button.addEventListener("click", () => this.close());
    }
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.open && !document.querySelector("dialog[open]")) {
        event.preventDefault();
        this.close();
      }
    });
  }

  show(id) {
    this.close({ restoreFocus: false });
    const drawer = document.getElementById(id);
    drawer.classList.add("is-open");
    this.toggles[id].setAttribute("aria-expanded", "true");
    this.scrim.hidden = false;
    this.open = id;
    // Visible only after the class applies (visibility transitions), then take focus.
    requestAnimationFrame(() => drawer.querySelector("button, [href], input")?.focus());
  }

  close({ restoreFocus = true } = {}) {
    if (!this.open) return;
    const drawer = document.getElementById(this.open);
    const toggle = this.toggles[this.open];
    drawer.classList.remove("is-open");
    toggle.setAttribute("aria-expanded", "false");
    this.scrim.hidden = true;
    this.open = null;
    if (restoreFocus && toggle.offsetParent !== null) toggle.focus();
    // Focus must not stay inside a drawer that is now hidden (a conversation was opened).
    else if (drawer.contains(document.activeElement)) this.focusAfterClose?.();
  }
}

class ChatPage {
  constructor() {
    this.api = new Api(config.userId);
    this.transcript = document.getElementById("transcript");
    this.list = document.getElementById("messages");
    this.welcome = document.getElementById("welcome");
    this.notice = document.getElementById("transcript-notice");
    this.title = document.getElementById("chat-title");
    this.form = document.getElementById("composer");
    this.input = document.getElementById("composer-input");
    this.sendButton = document.getElementById("send-button");
    this.stopButton = document.getElementById("stop-button");
    this.tasksCount = document.getElementById("tasks-toggle-count");

    this.conversationId = null;
    this.run = null; // the reply streaming now: { conversationId, list, reply, controller, ... }
    this.openSeq = 0; // ignores a slow load once the user has opened something else
    this.stick = true; // keep the newest line in view unless the user scrolled up

    this.drawers = new Drawers();
    this.drawers.focusAfterClose = () => this.transcript.focus();
    this.sidebar = new ConversationList({
      api: this.api,
      urlFor,
      onOpen: (id) => this.open(id, { history: "push" }),
      onDeleted: (id) => {
        if (id === this.conversationId) this.newChat({ history: "replace", focus: false });
      },
    });
    this.tasks = new TaskPanel({
      api: this.api,
      onCount: (count) => {
        this.tasksCount.textContent = String(count);
        this.tasksCount.hidden = count === 0;
      },
    });
    this.undo = new ToolCallUndo({ api: this.api, onUndone: () => this.tasks.scheduleRefresh() });
    this.bind();
  }

  bind() {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => this.updateComposer());
    this.stopButton.addEventListener("click", () => this.stop());
    // Escape in the composer (where focus sits while a reply streams: the Stop button) stops it.
    this.form.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.run) this.stop();
    });
    document.getElementById("new-chat").addEventListener("click", () => this.newChat({ history: "push" }));
    for (const button of document.querySelectorAll("[data-suggestion]")) {
      button.addEventListener("click", () => this.send(button.dataset.suggestion));
    }
    this.transcript.addEventListener("scroll", () => {
      const { scrollTop, scrollHeight, clientHeight } = this.transcript;
      this.stick = scrollHeight - scrollTop - clientHeight < 80;
    });
    window.addEventListener("popstate", () => {
      const id = idFromLocation();
      if (id) this.open(id, { history: "none" });
      else this.newChat({ history: "none" });
    });
    document.addEventListener("conversation:renamed", (event) => {
      if (event.detail.id === this.conversationId) this.setTitle(displayTitle(event.detail));
    });
  }

  start() {
    this.sidebar.refresh();
    this.tasks.refresh();
    if (config.conversationId) this.open(config.conversationId, { history: "none" });
    else this.newChat({ history: "none", focus: true });
  }

  // --- navigation ---------------------------------------------------------------------------

  setLocation(id, history) {
    if (history === "none") return;
    const url = urlFor(id);
    if (window.location.pathname === url) return;
    window.history[history === "replace" ? "replaceState" : "pushState"]({ id }, "", url);
  }

  setTitle(text) {
    this.title.textContent = text;
    document.title = text === "New chat" ? "Taskstream" : `${text} · Taskstream`;
  }

  /** Show `list` as the transcript (a fresh one, or a streaming run's own). */
  showList(list) {
    if (this.list !== list) this.list.replaceWith(list);
    this.list = list;
  }

  freshList() {
    return h("ol", { class: "messages", id: "messages", "aria-label": "Messages" });
  }

  showNotice(message, action = null) {
    this.notice.replaceChildren(message);
    if (action) this.notice.append(" ", action);
    this.notice.hidden = !message;
  }

  newChat({ history = "push", focus = true } = {}) {
    this.openSeq += 1;
    this.drawers.close({ restoreFocus: false });
    this.conversationId = null;
    this.sidebar.setActive(null);
    this.setLocation(null, history);
    this.showNotice("");
    this.showList(this.run && this.run.conversationId === null ? this.run.list : this.freshList());
    this.welcome.hidden = this.list.children.length > 0;
    this.setTitle("New chat");
    this.updateComposer();
    if (focus && !this.input.disabled) this.input.focus();
  }

  async open(id, { history = "push" } = {}) {
    const seq = ++this.openSeq;
    this.drawers.close({ restoreFocus: false });
    this.conversationId = id;
    this.sidebar.setActive(id);
    this.setLocation(id, history);
    this.showNotice("");
    this.welcome.hidden = true;
    const known = this.sidebar.find(id);
    this.setTitle(known ? displayTitle(known) : "Conversation");
    this.updateComposer();
    if (this.run && this.run.conversationId === id) {
      this.showList(this.run.list); // still streaming: show it live
      this.scrollToBottom();
      return;
    }
    const list = this.freshList();
    list.classList.add("is-loading");
    list.setAttribute("aria-busy", "true");
    list.append(...[0, 1, 2].map(() => h("li", { class: "skeleton", "aria-hidden": "true" })));
    this.showList(list);
    try {
      const conversation = await this.api.getConversation(id);
      if (seq !== this.openSeq) return;
      list.replaceChildren(...conversation.messages.map((message) => this.storedMessage(message)));
      this.setTitle(displayTitle(conversation));
      this.welcome.hidden = list.children.length > 0;
    } catch (error) {
      if (seq !== this.openSeq) return;
      list.replaceChildren();
      if (error.status === 404) {
        this.newChat({ history: "replace", focus: false });
        this.showNotice("That conversation doesn't exist any more, so here is a new chat.");
      } else {
        const retry = h("button", { type: "button", class: "btn btn--small", text: "Retry" });
        retry.addEventListener("click", () => this.open(id, { history: "none" }));
        this.showNotice(`Couldn't load this conversation: ${error.message}`, retry);
      }
    } finally {
      list.classList.remove("is-loading");
      list.removeAttribute("aria-busy");
    }
    this.stick = true;
    this.scrollToBottom();
  }

  storedMessage(message) {
    if (message.role === "user") return userMessage(message.content);
    const reply = AssistantMessage.fromStored(message);
    for (const call of message.tool_calls || []) this.undo.attach(reply.chips.get(call.call_id), call);
    return reply.el;
  }

  // --- composer -----------------------------------------------------------------------------

  updateComposer() {
    const streaming = Boolean(this.run);
    this.input.disabled = streaming;
    this.sendButton.hidden = streaming;
    this.stopButton.hidden = !streaming;
    this.sendButton.disabled = streaming || !this.input.value.trim();
    this.form.classList.toggle("is-streaming", streaming);
    // Grow with the text, up to the CSS max-height.
    this.input.style.height = "auto";
    this.input.style.height = `${this.input.scrollHeight}px`;
  }

  submit() {
    const text = this.input.value.trim();
    if (!text || this.run) return;
    this.input.value = "";
    this.send(text);
  }

  stop() {
    this.run?.controller.abort();
  }

  scrollToBottom() {
    this.transcript.scrollTop = this.transcript.scrollHeight;
  }

  follow(list) {
    if (list === this.list && this.stick) this.scrollToBottom();
  }

  // --- a chat turn --------------------------------------------------------------------------

  async send(text) {
    if (this.run) return;
    this.welcome.hidden = true;
    this.showNotice("");
    const list = this.list;
    const question = userMessage(text);
    const reply = new AssistantMessage({ streaming: true, onChange: () => this.follow(list) });
    list.append(question, reply.el);
    reply.setThinking(true);
    const run = {
      conversationId: this.conversationId,
      list,
      question,
      reply,
      text,
      started: false,
      controller: new AbortController(),
    };
    this.run = run;
    const hadFocus = this.form.contains(document.activeElement);
    this.updateComposer();
    if (hadFocus) this.stopButton.focus();
    this.stick = true;
    this.scrollToBottom();

    let ended = false;
    try {
      const events = await this.api.streamChat({
        message: text,
        conversationId: run.conversationId,
        signal: run.controller.signal,
      });
      for await (const event of events) {
        ended = this.handleEvent(run, event);
        if (ended) break;
      }
      if (!ended) {
        throw new ApiError(0, "The connection closed before the reply finished.", "stream_ended");
      }
    } catch (error) {
      if (error.name === "AbortError") {
        reply.finish("interrupted");
        announce("Stopped.");
      } else {
        this.fail(run, error);
      }
    } finally {
      this.run = null;
      this.sidebar.setStreaming(null);
      const focusWasOnStop = document.activeElement === this.stopButton || document.activeElement === document.body;
      this.updateComposer();
      if (focusWasOnStop && this.list === list) this.input.focus();
      if (run.started) this.sidebar.refresh();
    }
  }

  /** Apply one stream event; true once the run has ended. */
  handleEvent(run, event) {
    const { reply } = run;
    switch (event.type) {
      case "start":
        run.started = true;
        run.conversationId = event.conversation_id;
        if (this.list === run.list) {
          // A new chat just became a conversation: give it its URL, so reload reopens it.
          const isNew = this.conversationId === null;
          this.conversationId = event.conversation_id;
          this.setLocation(event.conversation_id, isNew ? "replace" : "none");
          this.sidebar.setActive(event.conversation_id);
          if (isNew) this.setTitle(run.text.slice(0, 80));
        }
        this.sidebar.setStreaming(event.conversation_id);
        this.sidebar.refresh();
        return false;
      case "thinking":
        reply.setThinking(true);
        return false;
      case "text":
        reply.appendText(event.content);
        return false;
      case "tool_call":
        reply.toolCall(event);
        return false;
      case "tool_result":
        reply.toolResult(event);
        this.undo.attach(reply.chips.get(event.call_id), event);
        if (event.output?.ok) this.tasks.scheduleRefresh(event.output.task?.id ?? null);
        return false;
      case "done":
        reply.finish("complete");
        return true;
      case "error":
        reply.finish("error");
        reply.showError({ message: event.message || "The reply failed.", onRetry: () => this.retry(run) });
        announce(`The reply failed: ${event.message || ""}`);
        return true;
      default:
        return false; // an event type newer than this page: ignore it
    }
  }

  fail(run, error) {
    const { reply } = run;
    reply.finish("error");
    const message = error instanceof ApiError ? error.detail : "Something went wrong while reading the reply.";
    if (error instanceof ApiError && error.needsSignIn) {
      const next = encodeURIComponent(window.location.pathname);
      reply.showError({
        message: "Your session has ended. Sign in again to keep chatting.",
        signInUrl: `${config.loginUrl}?next=${next}`,
      });
    } else {
      const retryAfterS = error instanceof ApiError ? error.retryAfterS : 0;
      reply.showError({ message, onRetry: () => this.retry(run), retryAfterS });
    }
    announce(`The reply failed: ${message}`);
  }

  retry(run) {
    if (this.run) return;
    if (!run.started) {
      // Refused before the stream started: nothing was stored, so drop the attempt.
      run.question.remove();
      run.reply.el.remove();
    } else {
      run.reply.el.querySelector(".message__actions")?.remove();
    }
    if (this.list !== run.list) return;
    this.send(run.text);
  }
}

new ChatPage().start();
