// The chat page: wires the sidebar, the transcript, the composer and the task panel to the
// public API. Module map:
//   api.js           endpoints + ApiError (the API's {detail, code} shape), CSRF header
//   sse.js           reads the stream's `data: <json>` frames
//   run.js           one reply being written on the server: reconnect, reattach, cancel
//   composer.js      the message box, Send and Stop;  limits.js: length counters
//   scroll.js        follow the newest line, "Jump to latest"
//   markdown.js      escape-first Markdown for replies (no HTML from anyone ever runs)
//   transcript.js    user messages, assistant replies (streaming or stored), tool chips
//   conversations.js the sidebar list: open, rename, delete
//   tasks.js         the task panel: lists (task-lists.js), search, select + bulk changes with Undo,
//                    dates, times and repeats (due-control.js, repeats.js), reminders (reminders.js)
//   undo.js          the Undo control on the chips of task-changing tool calls
//   live.js          the user's live stream: changes made in other tabs and clients
//   notifications.js reminders falling due (the live `reminder` event): in the page and the system's
//   ui.js            DOM helpers, announcements, the confirm dialog

import { Api, ApiError } from "./api.js";
import { Composer } from "./composer.js";
import { ConversationList, displayTitle, titleFromMessage } from "./conversations.js";
import { LiveUpdates } from "./live.js";
import { ReminderNotices } from "./notifications.js";
import { Run } from "./run.js";
import { TranscriptScroll } from "./scroll.js";
import { TaskPanel } from "./tasks.js";
import { AssistantMessage, userMessage } from "./transcript.js";
import { SESSION_ENDED, announce, h, sessionEnded, signInUrl } from "./ui.js";
import { ToolCallUndo } from "./undo.js";

const root = document.getElementById("app");
const config = {
  userId: root.dataset.userId,
  conversationId: Number(root.dataset.conversationId) || null,
  chatUrl: root.dataset.chatUrl,
};

const urlFor = (id) => (id ? `${config.chatUrl}c/${id}/` : config.chatUrl);
const idFromLocation = () => Number(window.location.pathname.match(/\/c\/(\d+)\/?$/)?.[1]) || null;

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

/** The side panels that slide over the chat on narrow screens. An open one is modal: the rest
 * of the page is inert, Tab stays inside it, and Escape closes it and returns the focus. */
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
      if (!this.open || document.querySelector("dialog[open]")) return;
      if (event.key === "Escape") {
        event.preventDefault();
        this.close();
      } else if (event.key === "Tab") {
        this.keepFocusInside(event);
      }
    });
  }

  /** Tab from the last control goes to the first, Shift+Tab from the first to the last. */
  keepFocusInside(event) {
    const drawer = document.getElementById(this.open);
    const controls = [...drawer.querySelectorAll(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
    if (controls.length === 0) return;
    const first = controls[0];
    const last = controls.at(-1);
    const active = document.activeElement;
    if (!drawer.contains(active) || (event.shiftKey ? active === first : active === last)) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
  }

  /** Everything the open drawer covers, taken out of reach (keyboard and screen readers). */
  setBackgroundInert(inert) {
    const drawer = this.open && document.getElementById(this.open);
    for (const part of document.querySelectorAll("#chat, .layout > .drawer")) {
      part.inert = inert && part !== drawer;
    }
  }

  show(id) {
    this.close({ restoreFocus: false });
    const drawer = document.getElementById(id);
    drawer.classList.add("is-open");
    this.toggles[id].setAttribute("aria-expanded", "true");
    this.scrim.hidden = false;
    this.open = id;
    this.setBackgroundInert(true);
    // Visible only after the class applies (visibility transitions), then take focus.
    // (Unless it was closed meanwhile: an Escape pressed at once has sent focus to the toggle.)
    requestAnimationFrame(() => {
      if (this.open === id) drawer.querySelector("button, [href], input")?.focus();
    });
  }

  close({ restoreFocus = true } = {}) {
    if (!this.open) return;
    const drawer = document.getElementById(this.open);
    const toggle = this.toggles[this.open];
    this.setBackgroundInert(false);
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
    this.tasksCount = document.getElementById("tasks-toggle-count");

    this.conversationId = null;
    // Replies streaming now, in any conversation: { conversationId, list, reply, run, ... }.
    // Each belongs to its transcript list; the composer follows the one on screen.
    this.turns = new Set();
    this.refused = null; // the latest turn refused as rate limited (see keepOneRefusal)
    this.openSeq = 0; // ignores a slow load once the user has opened something else

    this.composer = new Composer({ onSend: (text) => this.send(text), onStop: () => this.stop() });
    this.scroll = new TranscriptScroll({
      transcript: this.transcript,
      jumpButton: document.getElementById("jump-latest"),
    });
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
    this.notices = new ReminderNotices({
      onComplete: async (taskId) => {
        await this.api.updateTask(taskId, { completed: true });
        this.tasks.scheduleRefresh();
      },
    });
    this.undo = new ToolCallUndo({ api: this.api, onUndone: () => this.tasks.scheduleRefresh() });
    this.live = new LiveUpdates({ url: `${this.api.base}/events`, onEvent: (event) => this.applyLive(event) });
    this.bind();
  }

  bind() {
    // Escape stops the reply on screen, unless something else (a drawer, a dialog, an edit)
    // took the key first.
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || event.defaultPrevented || this.drawers.open) return;
      if (document.querySelector("dialog[open]") || !this.turnOnScreen()) return;
      event.preventDefault();
      this.stop();
    });
    document.getElementById("new-chat").addEventListener("click", () => this.newChat({ history: "push" }));
    for (const button of document.querySelectorAll("[data-suggestion]")) {
      button.addEventListener("click", () => {
        if (this.turnOnScreen()) return;
        this.send(button.dataset.suggestion);
        this.composer.focus();
      });
    }
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
    this.live.start();
    this.sidebar.refresh();
    this.tasks.refresh();
    this.composer.ready();
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

  /** Show `list` as the transcript (a fresh one, or a streaming turn's own). */
  showList(list) {
    if (this.list !== list) this.list.replaceWith(list);
    this.list = list;
    this.composer.setStreaming(Boolean(this.turnOnScreen()));
  }

  freshList() {
    return h("ol", { class: "messages", id: "messages", "aria-label": "Messages" });
  }

  showNotice(message, action = null) {
    this.notice.replaceChildren(message);
    if (action) this.notice.append(" ", action);
    this.notice.hidden = !message;
  }

  turnOnScreen() {
    for (const turn of this.turns) if (turn.list === this.list) return turn;
    return null;
  }

  turnFor(conversationId) {
    for (const turn of this.turns) if (turn.conversationId === conversationId) return turn;
    return null;
  }

  newChat({ history = "push", focus = true } = {}) {
    this.openSeq += 1;
    this.drawers.close({ restoreFocus: false });
    this.conversationId = null;
    this.sidebar.setActive(null);
    this.setLocation(null, history);
    this.showNotice("");
    this.showList(this.freshList());
    this.welcome.hidden = false;
    this.setTitle("New chat");
    if (focus) this.composer.focus();
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
    const streaming = this.turnFor(id);
    if (streaming) {
      this.showList(streaming.list); // still streaming: show it live
      this.scroll.toBottom();
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
      this.showStored(list, conversation);
      this.setTitle(displayTitle(conversation));
      this.welcome.hidden = list.children.length > 0;
    } catch (error) {
      if (seq !== this.openSeq) return;
      list.replaceChildren();
      if (error.status === 404) {
        this.newChat({ history: "replace", focus: false });
        this.showNotice("That conversation doesn't exist any more, so here is a new chat.");
      } else if (error instanceof ApiError && error.needsSignIn) {
        this.showNotice(...sessionEnded());
      } else {
        const retry = h("button", { type: "button", class: "btn btn--small", text: "Retry" });
        retry.addEventListener("click", () => this.open(id, { history: "none" }));
        this.showNotice(`Couldn't load this conversation: ${error.message}`, retry);
      }
    } finally {
      list.classList.remove("is-loading");
      list.removeAttribute("aria-busy");
    }
    this.scroll.toBottom();
  }

  /** The stored transcript; a reply still being written is followed live (replayed, then live). */
  showStored(list, conversation) {
    const messages = conversation.messages;
    const runId = conversation.active_run_id;
    const last = messages.at(-1);
    const live = runId && last?.role === "assistant" && last.status === "streaming" ? last : null;
    list.replaceChildren(...messages.filter((m) => m !== live).map((m) => this.storedMessage(m)));
    if (runId && !this.turnFor(conversation.id)) this.attach({ conversationId: conversation.id, list, runId });
  }

  storedMessage(message) {
    if (message.role === "user") return userMessage(message.content, message.created_at, message.id);
    const reply = AssistantMessage.fromStored(message);
    for (const call of message.tool_calls || []) this.undo.attach(reply.chips.get(call.call_id), call);
    return reply.el;
  }

  stop() {
    this.turnOnScreen()?.run.stop();
  }

  // --- a chat turn --------------------------------------------------------------------------

  newTurn({ conversationId, list, text = "", question = null }) {
    const reply = new AssistantMessage({
      streaming: true,
      onChange: () => {
        if (list === this.list) this.scroll.follow();
      },
    });
    list.append(reply.el);
    reply.setThinking(true);
    const turn = { conversationId, list, question, reply, text, started: false };
    turn.run = new Run({
      api: this.api,
      onEvent: (event) => this.handleEvent(turn, event),
      onSilence: (silent) => reply.setReconnecting(silent),
    });
    this.turns.add(turn);
    if (conversationId) this.sidebar.setStreaming(conversationId, true);
    if (list === this.list) {
      this.composer.setStreaming(true);
      this.scroll.toBottom();
    }
    return turn;
  }

  send(text) {
    if (this.turnOnScreen()) return;
    this.welcome.hidden = true;
    this.showNotice("");
    const question = userMessage(text);
    this.list.append(question);
    const turn = this.newTurn({ conversationId: this.conversationId, list: this.list, text, question });
    this.follow(turn, turn.run.start({ message: text, conversationId: turn.conversationId }));
  }

  /** Follow a run that is going on the server already (this page was reloaded mid-reply). */
  attach({ conversationId, list, runId }) {
    const turn = this.newTurn({ conversationId, list });
    turn.started = true;
    this.follow(turn, turn.run.attach(runId));
  }

  async follow(turn, running) {
    try {
      await running;
    } catch (error) {
      if (error.name === "AbortError") {
        turn.reply.finish("cancelled");
        announce("Stopped.");
      } else {
        this.fail(turn, error);
      }
    } finally {
      this.turns.delete(turn);
      if (turn.conversationId) this.sidebar.setStreaming(turn.conversationId, false);
      if (turn.list === this.list) this.composer.setStreaming(Boolean(this.turnOnScreen()));
      if (turn.started) this.sidebar.refresh();
    }
  }

  /** Apply one stream event; true once the run has ended. */
  handleEvent(turn, event) {
    const { reply } = turn;
    switch (event.type) {
      case "start":
        turn.started = true;
        turn.conversationId = event.conversation_id;
        // Named as the live stream names them, which may replay this turn after it ended.
        reply.el.dataset.runId = event.run_id;
        if (turn.question) turn.question.dataset.messageId = event.user_message_id;
        if (this.list === turn.list && this.conversationId !== event.conversation_id) {
          // A new chat just became a conversation: give it its URL, so reload reopens it.
          this.conversationId = event.conversation_id;
          this.setLocation(event.conversation_id, "replace");
          this.sidebar.setActive(event.conversation_id);
          this.setTitle(titleFromMessage(turn.text));
        }
        this.sidebar.setStreaming(event.conversation_id, true);
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
        if (event.name === "undo_last_change" && event.output?.ok) this.undo.markUndoneByCall(event.output.call_id);
        if (event.output?.ok) this.tasks.scheduleRefresh(event.output.task?.number ?? null);
        return false;
      case "done":
        reply.el.dataset.messageId = event.message_id;
        reply.finish(event.status === "cancelled" ? "cancelled" : "complete");
        if (event.status === "cancelled") announce("Stopped.");
        return true;
      case "error":
        if (event.code === "interrupted") {
          // Ended by the server (its worker crashed or shut down), not by the user: the text
          // so far stays, and Retry asks for a new reply.
          reply.finish("interrupted");
          if (turn.question) reply.showRetry(() => this.retry(turn));
          announce("The reply was interrupted.");
          return true;
        }
        reply.finish("error");
        reply.showError({
          message: event.message || "The reply failed.",
          onRetry: turn.question ? () => this.retry(turn) : null,
        });
        announce(`The reply failed: ${event.message || ""}`);
        return true;
      default:
        return false; // an event type newer than this page: ignore it
    }
  }

  // --- changes made elsewhere (live.js) -----------------------------------------------------

  /** One event of the live stream: what another tab, client or the assistant changed. */
  applyLive(event) {
    switch (event.type) {
      case "task.created":
      case "task.updated":
        this.tasks.scheduleRefresh(event.task.number);
        break;
      case "task.deleted":
      case "tasks.bulk":
        this.tasks.scheduleRefresh();
        break;
      case "list.created":
      case "list.updated":
      case "list.deleted":
        this.tasks.lists.reload().catch(() => {}); // the panel shows a failed load itself
        this.tasks.scheduleRefresh();
        break;
      case "conversation.created":
      case "conversation.updated":
        this.sidebar.refresh();
        if (event.conversation.id === this.conversationId) this.setTitle(displayTitle(event.conversation));
        break;
      case "conversation.deleted":
        this.sidebar.refresh();
        if (event.conversation_id === this.conversationId && !this.turnOnScreen()) {
          this.newChat({ history: "replace", focus: false });
          this.showNotice("This conversation was deleted elsewhere, so here is a new chat.");
        }
        break;
      case "message.created":
        // A message sent from another tab into the conversation on screen (ours is shown already).
        if (this.showsNew(event.conversation_id, { messageId: event.message.id })) {
          this.welcome.hidden = true;
          this.list.append(userMessage(event.message.content, event.message.created_at, event.message.id));
          this.scroll.follow();
        }
        break;
      case "run.started":
        this.sidebar.setStreaming(event.conversation_id, true);
        if (this.showsNew(event.conversation_id, { runId: event.run_id, messageId: event.message_id })) {
          this.attach({ conversationId: event.conversation_id, list: this.list, runId: event.run_id });
        }
        break;
      case "run.finished":
        if (!this.turnFor(event.conversation_id)) this.sidebar.setStreaming(event.conversation_id, false);
        this.sidebar.refresh();
        break;
      case "resync":
        // Away longer than the server keeps changes: reload what is on screen.
        this.tasks.refresh();
        this.sidebar.refresh();
        if (this.conversationId && !this.turnOnScreen()) this.open(this.conversationId, { history: "none" });
        break;
      case "reminder":
        this.notices.show(event.reminder);
        this.tasks.scheduleRefresh(); // its bell: one reminder fewer to come
        break;
      case "account.signed_out":
        this.showNotice(...sessionEnded());
        announce(SESSION_ENDED);
        break;
      case "replaced":
        this.showNotice("Live updates stopped here: this account has too many pages open. Reload to resume.");
        break;
      default:
        break; // an event type newer than this page
    }
  }

  /**
   * Whether a message or run announced on the live stream belongs on screen: it is in the
   * conversation shown, no turn of this page is going on there (that turn shows it), and it is
   * not shown already (a live stream that comes back after a drop replays what it missed, maybe
   * after the turn it announced has ended here).
   */
  showsNew(conversationId, { runId = null, messageId = null }) {
    if (conversationId !== this.conversationId || this.turnFor(conversationId)) return false;
    const shown = (name, value) =>
      value !== null && this.list.querySelector(`[data-${name}="${CSS.escape(String(value))}"]`) !== null;
    return !shown("run-id", runId) && !shown("message-id", messageId);
  }

  fail(turn, error) {
    const { reply } = turn;
    reply.finish("error");
    if (error instanceof ApiError && error.needsSignIn) {
      reply.showError({ message: SESSION_ENDED, signInUrl: signInUrl() });
      announce(SESSION_ENDED);
      return;
    }
    const message = error instanceof ApiError ? error.detail : "Something went wrong while reading the reply.";
    const retryAfterS = error instanceof ApiError ? error.retryAfterS : 0;
    if (retryAfterS > 0 && !turn.started) this.keepOneRefusal(turn);
    reply.showError({ message, onRetry: turn.question ? () => this.retry(turn) : null, retryAfterS });
    announce(`The reply failed: ${message}`);
  }

  /** Refused for now (rate limited, nothing stored): only the latest refused attempt stays on
   * screen, with its one notice, rather than a bubble and an error per attempt. */
  keepOneRefusal(turn) {
    const earlier = this.refused;
    this.refused = turn;
    if (!earlier || earlier === turn || earlier.list !== turn.list) return;
    earlier.question?.remove();
    earlier.reply.el.remove();
  }

  retry(turn) {
    if (this.list !== turn.list || this.turnOnScreen()) return;
    if (!turn.started) {
      // Refused before the stream started: nothing was stored, so drop the attempt.
      turn.question.remove();
      turn.reply.el.remove();
    } else {
      turn.reply.el.querySelector(".message__actions")?.remove();
    }
    this.send(turn.text);
  }
}

new ChatPage().start();
