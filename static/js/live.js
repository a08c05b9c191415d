// The user's live stream (GET /api/<user_id>/events): every change made anywhere — another
// tab, another device, the assistant, an admin — as one event each, in order. EventSource
// reconnects by itself after a drop and sends the last event id it saw, so nothing is missed;
// a gap longer than the server keeps events for comes back as `resync` (reload the lists).
// After `account.signed_out` or `replaced` the server closes the stream for good.

const REOPEN_DELAYS_MS = [1000, 2000, 5000, 10000, 30000];
const FINAL = new Set(["account.signed_out", "replaced"]);

export class LiveUpdates {
  constructor({ url, onEvent }) {
    this.url = url;
    this.onEvent = onEvent;
    this.lastId = "";
    this.failures = 0;
    this.source = null;
    this.ended = false;
  }

  start() {
    const url = this.lastId ? `${this.url}?after=${encodeURIComponent(this.lastId)}` : this.url;
    const source = new EventSource(url);
    this.source = source;
    source.addEventListener("open", () => {
      this.failures = 0;
    });
    source.addEventListener("message", (message) => {
      if (message.lastEventId) this.lastId = message.lastEventId;
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return; // not ours to read
      }
      if (FINAL.has(event.type)) this.stop();
      this.onEvent(event);
    });
    source.addEventListener("error", () => {
      // CONNECTING: EventSource is reconnecting with Last-Event-ID itself. CLOSED: the server
      // refused (a restart answering 503, a session that ended): open again later.
      if (source.readyState !== EventSource.CLOSED || this.ended) return;
      const delay = REOPEN_DELAYS_MS[Math.min(this.failures, REOPEN_DELAYS_MS.length - 1)];
      this.failures += 1;
      setTimeout(() => {
        if (!this.ended && this.source === source) this.start();
      }, delay);
    });
  }

  stop() {
    this.ended = true;
    this.source?.close();
  }
}
