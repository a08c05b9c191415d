// The message box. It stays editable while a reply streams (it can hold the next draft) and
// keeps the focus: Enter sends only when no reply is being written in the conversation on
// screen, and Stop is a click or Escape, never a key press that was meant for the text.

import { CharacterLimit } from "./limits.js";

export class Composer {
  constructor({ onSend, onStop }) {
    this.form = document.getElementById("composer");
    this.input = document.getElementById("composer-input");
    this.sendButton = document.getElementById("send-button");
    this.stopButton = document.getElementById("stop-button");
    this.limit = new CharacterLimit({
      input: this.input,
      output: document.getElementById("composer-count"),
      max: Number(this.input.dataset.maxLength),
    });
    this.onSend = onSend;
    this.onStop = onStop;
    this.streaming = false;

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
    this.input.addEventListener("input", () => this.update());
    this.stopButton.addEventListener("click", () => {
      this.onStop();
      this.input.focus();
    });
  }

  /** The page's script is wired: the box (disabled in the HTML until now) takes input. */
  ready() {
    this.input.disabled = false;
    this.input.placeholder = this.input.dataset.placeholder;
    this.update();
  }

  get text() {
    return this.input.value.trim();
  }

  /** Show Stop instead of Send while the conversation on screen has a reply streaming. */
  setStreaming(streaming) {
    this.streaming = streaming;
    this.update();
  }

  update() {
    this.sendButton.hidden = this.streaming;
    this.stopButton.hidden = !this.streaming;
    this.sendButton.disabled = this.streaming || !this.text || this.limit.over;
    this.form.classList.toggle("is-streaming", this.streaming);
    // Grow with the text, up to the CSS max-height.
    this.input.style.height = "auto";
    this.input.style.height = `${this.input.scrollHeight}px`;
  }

  submit() {
    const { text } = this;
    if (!text || this.streaming || this.limit.over || this.input.disabled) return;
    this.input.value = "";
    this.limit.update();
    this.update();
    this.onSend(text);
  }

  focus() {
    if (!this.input.disabled) this.input.focus();
  }
}
