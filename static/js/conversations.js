// The sidebar: the user's conversations, newest first, with rename and delete.

import { plainText } from "./markdown.js";
import {
  announce,
  coalesced,
  confirmDialog,
  h,
  holdWhilePressed,
  icon,
  RedrawHolds,
  sessionEnded,
  shortTime,
} from "./ui.js";

const TITLE_WORDS_LENGTH = 60; // chat/turns.py's title_from_message, which names the conversation

export function displayTitle(conversation) {
  return (conversation.title || "").trim() || "New conversation";
}

/** The title the server gives a new conversation: its first words, cut at a word, with "…". */
export function titleFromMessage(text) {
  const words = text.split(/\s+/).filter(Boolean).join(" ");
  if (words.length <= TITLE_WORDS_LENGTH) return words;
  const cut = words.slice(0, TITLE_WORDS_LENGTH);
  return `${cut.includes(" ") ? cut.slice(0, cut.lastIndexOf(" ")) : cut}…`;
}

export class ConversationList {
  constructor({ api, urlFor, onOpen, onDeleted }) {
    this.api = api;
    this.urlFor = urlFor;
    this.onOpen = onOpen;
    this.onDeleted = onDeleted;
    this.list = document.getElementById("conversation-list");
    this.empty = document.getElementById("conversation-empty");
    this.error = document.getElementById("conversation-error");
    this.more = document.getElementById("conversations-more");
    this.conversations = [];
    this.nextUrl = null;
    this.activeId = null;
    this.streamingIds = new Set();
    this.editingId = null;
    this.redraws = new RedrawHolds(() => this.render()); // held by a press in the list
    this.loaded = false;
    this.loadFirstPage = coalesced(async () => {
      const page = await this.api.listConversations();
      this.conversations = page.results;
      this.nextUrl = page.next;
    });
    this.more.addEventListener("click", () => this.loadMore());
    holdWhilePressed(this.list, this.redraws);
  }

  /** Reload the first page (after a reply, a rename elsewhere...). Concurrent calls share one. */
  refresh() {
    return this.loadFirstPage().then(
      () => {
        this.loaded = true;
        this.showError("");
        this.render();
      },
      (error) => this.showError(`Couldn't load your conversations: ${error.message}`, error),
    );
  }

  async loadMore() {
    if (!this.nextUrl) return;
    this.more.disabled = true;
    try {
      const page = await this.api.listConversations(this.nextUrl);
      const known = new Set(this.conversations.map((c) => c.id));
      this.conversations.push(...page.results.filter((c) => !known.has(c.id)));
      this.nextUrl = page.next;
      this.render();
    } catch (error) {
      this.showError(`Couldn't load more conversations: ${error.message}`, error);
    } finally {
      this.more.disabled = false;
    }
  }

  find(id) {
    return this.conversations.find((c) => c.id === id) || null;
  }

  setActive(id) {
    this.activeId = id;
    for (const item of this.list.children) {
      const active = Number(item.dataset.id) === id;
      item.classList.toggle("is-active", active);
      const link = item.querySelector(".conversation__link");
      if (link) {
        if (active) link.setAttribute("aria-current", "page");
        else link.removeAttribute("aria-current");
      }
    }
  }

  /** Mark a conversation as having a reply being written (several may at once). */
  setStreaming(id, streaming) {
    if (streaming) this.streamingIds.add(id);
    else this.streamingIds.delete(id);
    this.markStreaming();
  }

  markStreaming() {
    for (const item of this.list.children) {
      item.classList.toggle("is-streaming", this.streamingIds.has(Number(item.dataset.id)));
    }
  }

  /** `error` (optional) is what failed: a lost session says so, with a way to sign in. */
  showError(message, error = null) {
    if (error?.needsSignIn) this.error.replaceChildren(...sessionEnded());
    else this.error.textContent = message;
    this.error.hidden = !message;
  }

  render() {
    if (this.editingId !== null) return; // mid-rename: the rename's end redraws
    if (!this.redraws.ready()) return;
    const focusedId = this.list.contains(document.activeElement)
      ? document.activeElement.closest(".conversation")?.dataset.id
      : null;
    this.list.replaceChildren(...this.conversations.map((c) => this.item(c)));
    this.empty.hidden = !this.loaded || this.conversations.length > 0;
    this.more.hidden = !this.nextUrl;
    this.setActive(this.activeId);
    this.markStreaming();
    if (focusedId) this.list.querySelector(`[data-id="${focusedId}"] .conversation__link`)?.focus();
  }

  item(conversation) {
    const title = displayTitle(conversation);
    const when = conversation.last_message_at || conversation.updated_at;
    const link = h(
      "a",
      {
        class: "conversation__link",
        href: this.urlFor(conversation.id),
        onClick: (event) => {
          if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
          event.preventDefault();
          this.onOpen(conversation.id);
        },
      },
      h("span", { class: "conversation__title", dir: "auto", text: title }),
      h(
        "span",
        { class: "conversation__meta" },
        h("span", {
          class: "conversation__preview",
          dir: "auto",
          text: plainText(conversation.last_message_preview || "") || "No messages yet",
        }),
        h("time", { class: "conversation__time", datetime: when, text: shortTime(when) }),
      ),
    );
    return h(
      "li",
      { class: "conversation", dataset: { id: conversation.id } },
      link,
      h(
        "div",
        { class: "conversation__actions" },
        h(
          "button",
          {
            type: "button",
            class: "icon-btn icon-btn--sm",
            "aria-label": `Rename “${title}”`,
            title: "Rename",
            dataset: { action: "rename" },
            onClick: () => this.startRename(conversation.id),
          },
          icon("pencil"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "icon-btn icon-btn--sm icon-btn--danger",
            "aria-label": `Delete “${title}”`,
            title: "Delete",
            dataset: { action: "delete" },
            onClick: () => this.delete(conversation.id),
          },
          icon("trash"),
        ),
      ),
    );
  }

  startRename(id) {
    const conversation = this.find(id);
    const item = this.list.querySelector(`[data-id="${id}"]`);
    if (!conversation || !item) return;
    const input = h("input", {
      class: "conversation__rename",
      type: "text",
      value: displayTitle(conversation),
      maxlength: 200,
      dir: "auto",
      "aria-label": "Conversation title",
    });
    let finished = false;
    this.editingId = id;
    const finish = async (save) => {
      if (finished) return;
      finished = true;
      this.editingId = null;
      const title = input.value.trim();
      if (!save || !title || title === conversation.title) {
        this.render();
        this.list.querySelector(`[data-id="${id}"] [data-action="rename"]`)?.focus();
        return;
      }
      input.disabled = true;
      try {
        const updated = await this.api.renameConversation(id, title);
        conversation.title = updated.title;
        announce(`Renamed to ${updated.title}.`);
        this.showError("");
        document.dispatchEvent(new CustomEvent("conversation:renamed", { detail: updated }));
      } catch (error) {
        this.showError(`Couldn't rename: ${error.message}`, error);
      }
      this.render();
      this.list.querySelector(`[data-id="${id}"] .conversation__link`)?.focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        finish(true);
      } else if (event.key === "Escape") {
        event.preventDefault();
        finish(false);
      }
    });
    input.addEventListener("blur", () => finish(true));
    const form = h("div", { class: "conversation__edit" }, input);
    item.classList.add("is-editing");
    item.replaceChildren(form);
    input.focus();
    input.select();
  }

  async delete(id) {
    const conversation = this.find(id);
    if (!conversation) return;
    const title = displayTitle(conversation);
    const confirmed = await confirmDialog({
      title: "Delete this conversation?",
      message: `“${title}” and all its messages will be deleted. Your tasks stay as they are.`,
      confirmLabel: "Delete",
    });
    if (!confirmed) return;
    try {
      await this.api.deleteConversation(id);
    } catch (error) {
      if (error.status !== 404) {
        this.showError(error.status === 409 ? error.detail : `Couldn't delete: ${error.message}`, error);
        return;
      }
    }
    this.showError("");
    const index = this.conversations.findIndex((c) => c.id === id);
    this.conversations = this.conversations.filter((c) => c.id !== id);
    this.render();
    announce(`Deleted “${title}”.`);
    this.onDeleted(id);
    // Keep keyboard users in the list: the row that took its place, else "New chat".
    const links = this.list.querySelectorAll(".conversation__link");
    (links[Math.min(index, links.length - 1)] || document.getElementById("new-chat")).focus();
  }
}
