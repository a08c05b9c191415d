// Keeping the newest line of the transcript in view, unless the person scrolled up to read:
// any scroll up lets go, reaching the bottom again holds on, and "Jump to latest" appears
// while there is more below.

export class TranscriptScroll {
  constructor({ transcript, jumpButton }) {
    this.transcript = transcript;
    this.jumpButton = jumpButton;
    this.stick = true;
    this.lastTop = 0;
    transcript.addEventListener("scroll", () => this.onScroll(), { passive: true });
    jumpButton.addEventListener("click", () => this.toBottom());
  }

  get atBottom() {
    const { scrollTop, scrollHeight, clientHeight } = this.transcript;
    return scrollHeight - scrollTop - clientHeight < 4;
  }

  onScroll() {
    const top = this.transcript.scrollTop;
    if (this.atBottom) this.stick = true;
    else if (top < this.lastTop) this.stick = false;
    this.lastTop = top;
    this.showJump();
  }

  showJump() {
    this.jumpButton.hidden = this.stick || this.atBottom;
  }

  /** Scroll to the newest line and keep following it. */
  toBottom() {
    this.stick = true;
    this.transcript.scrollTop = this.transcript.scrollHeight;
    this.lastTop = this.transcript.scrollTop;
    this.showJump();
  }

  /** Content grew: follow it if holding on, else offer the jump. */
  follow() {
    if (this.stick) this.toBottom();
    else this.showJump();
  }
}
