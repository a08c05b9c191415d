// One reply being written on the server (a run), followed by this page. The run lives on the
// server, not in this connection: a dropped stream is picked up again from the events
// endpoint after the last `seq` seen, a reloaded page attaches to it, and Stop asks the
// server to cancel it. Each event reaches `onEvent` once, in order; `onEvent` returns true
// for the terminal event (`done` or `error`).
//
// A message is sent with a `client_message_id` of its own, kept for every attempt: sent
// again after a failure, the server answers with the run the first attempt started (or 409
// `duplicate_message` naming it) and stores nothing new, so a message is never sent twice.
// While nothing (not even a keepalive) has arrived for SILENCE_MS the run reports
// `onSilence(true)` and, past STALLED_MS, drops the connection and follows again; it keeps
// trying with backoff as long as the page is open, at once when the browser comes back
// online or the tab gets focus.

import { ApiError } from "./api.js";
import { KEEPALIVE } from "./sse.js";

const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000]; // the last one repeats
const SILENCE_MS = 3000; // the server sends a keepalive every 2 s (CHAT_KEEPALIVE_S)
const STALLED_MS = 8000; // a connection this silent is dead even if the socket says otherwise
const DRAIN_MS = 5000; // how long the end of a finished stream may take before it is closed
const CANCEL_WAIT_MS = 5000; // a cancelled run that sends nothing more is let go after this
// Answers worth sending again by ourselves: no network, a proxy that could not reach a worker,
// a worker shutting down or without its broker (a model's failure is shown, with Retry).
const RETRY_STATUSES = new Set([0, 502, 504]);
const RETRY_CODES = new Set(["broker_unavailable", "shutting_down", "error"]);

function worthRetrying(error) {
  if (!(error instanceof ApiError)) return false;
  return RETRY_STATUSES.has(error.status) || (error.status === 503 && RETRY_CODES.has(error.code));
}

/** A random (version 4) UUID, also outside secure contexts where crypto.randomUUID is missing. */
export function newClientMessageId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function streamEnded() {
  return new ApiError(0, "The connection closed before the reply finished.", "stream_ended");
}

export class Run {
  constructor({ api, onEvent, onSilence = () => {} }) {
    this.api = api;
    this.onEvent = onEvent;
    this.onSilence = onSilence;
    this.runId = null;
    this.lastSeq = null;
    this.ended = false;
    this.stopping = false;
    this.controller = new AbortController();
    this.connection = null; // the AbortController of the connection being read
    this.heardAt = 0;
    this.silent = false;
    this.wake = null; // ends the wait before the next attempt early
  }

  /** Send `message` and follow the reply to its end. Rejects with ApiError or AbortError. */
  start({ message, conversationId }) {
    const clientMessageId = newClientMessageId();
    const send = (signal) => this.api.streamChat({ message, conversationId, clientMessageId, signal });
    return this.follow(send);
  }

  /** Follow a run already going on the server (a reloaded page), replaying it from the start. */
  attach(runId) {
    this.runId = runId;
    return this.follow((signal) => this.resume(signal));
  }

  /** Stop the reply: the server cancels the run and ends it with done {status: "cancelled"}. */
  async stop() {
    if (this.ended) return;
    this.stopping = true;
    if (!this.runId) return; // asked again as soon as `start` names the run
    try {
      await this.api.cancelRun(this.runId);
      setTimeout(() => this.abort(), CANCEL_WAIT_MS);
    } catch {
      // A server that cannot cancel stops the run when its connection closes.
      this.abort();
    }
  }

  abort() {
    if (!this.ended) this.controller.abort();
  }

  resume(signal) {
    return this.api.runEvents(this.runId, { after: this.lastSeq, signal });
  }

  async follow(send) {
    const watchdog = setInterval(() => this.watch(), 500);
    const retryNow = () => this.wake?.();
    const onVisible = () => document.visibilityState === "visible" && retryNow();
    window.addEventListener("online", retryNow);
    window.addEventListener("focus", retryNow);
    document.addEventListener("visibilitychange", onVisible);
    try {
      return await this.attempts(send);
    } finally {
      clearInterval(watchdog);
      window.removeEventListener("online", retryNow);
      window.removeEventListener("focus", retryNow);
      document.removeEventListener("visibilitychange", onVisible);
      this.setSilent(false);
    }
  }

  async attempts(send) {
    let failures = 0;
    let lost = null;
    for (;;) {
      const seenBefore = this.lastSeq;
      const resuming = lost !== null;
      try {
        if (await this.read(send)) return;
        lost = streamEnded();
      } catch (error) {
        if (this.controller.signal.aborted) throw new DOMException("Stopped", "AbortError");
        // Gone (expired, or a server without the events endpoint): report the lost stream.
        if (resuming && error instanceof ApiError && error.status === 404) throw lost;
        lost = this.asLost(error);
        if (error instanceof ApiError && error.code === "duplicate_message" && error.runId) {
          this.runId = error.runId; // the first attempt's run: follow it
        } else if (!worthRetrying(lost)) {
          throw lost; // refused (4xx) or unreadable: the same request gets the same answer
        }
      }
      if (this.lastSeq !== seenBefore) failures = 0; // it got somewhere: start the backoff over
      const delay = Math.max(
        RECONNECT_DELAYS_MS[Math.min(failures, RECONNECT_DELAYS_MS.length - 1)],
        (lost.retryAfterS || 0) * 1000,
      );
      failures += 1;
      this.setSilent(true);
      await this.pause(delay);
      // The message was sent with its id: until the run is known, sending it again is safe.
      if (this.runId) send = (signal) => this.resume(signal);
    }
  }

  /** One connection, read to its end; true once the run has ended. */
  async read(send) {
    this.connection = new AbortController();
    const onStop = () => this.connection.abort();
    this.controller.signal.addEventListener("abort", onStop, { once: true });
    this.heard();
    try {
      const events = (await send(this.connection.signal))[Symbol.asyncIterator]();
      for (;;) {
        const { value: event, done } = await events.next();
        if (done) return false;
        this.heard();
        if (event === KEEPALIVE) continue;
        if (event.type === "error" && event.code === "broker_unavailable") {
          throw new ApiError(503, event.message, event.code); // not the run's end: follow again
        }
        if (this.accept(event)) {
          this.drain(events);
          return true;
        }
      }
    } finally {
      this.controller.signal.removeEventListener("abort", onStop);
    }
  }

  asLost(error) {
    // A body cut off mid-read fails with a TypeError; an abort by the watchdog, an AbortError.
    if (error instanceof TypeError || error.name === "AbortError") return ApiError.network();
    return error;
  }

  heard() {
    this.heardAt = Date.now();
    this.setSilent(false);
  }

  /** Every half second: say when the stream went quiet, and drop a connection that stalled. */
  watch() {
    const quiet = Date.now() - this.heardAt;
    if (quiet >= SILENCE_MS) this.setSilent(true);
    if (quiet >= STALLED_MS && this.connection && !this.connection.signal.aborted) {
      this.connection.abort();
    }
  }

  setSilent(silent) {
    if (silent === this.silent || (silent && this.ended)) return;
    this.silent = silent;
    this.onSilence(silent);
  }

  pause(ms) {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        this.controller.signal.removeEventListener("abort", stopped);
      };
      const stopped = () => {
        done();
        reject(new DOMException("Stopped", "AbortError"));
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, ms);
      this.wake = () => {
        done();
        resolve();
      };
      this.controller.signal.addEventListener("abort", stopped, { once: true });
    });
  }

  /** One event: skip what was already seen, note the run, hand it on. True when it ends the run. */
  accept(event) {
    if (typeof event.seq === "number") {
      if (this.lastSeq !== null && event.seq <= this.lastSeq) return false;
      this.lastSeq = event.seq;
    }
    if (event.type === "start" && event.run_id && !this.runId) {
      this.runId = event.run_id;
      if (this.stopping) this.stop();
    }
    const terminal = this.onEvent(event) === true;
    if (terminal) this.ended = true;
    return terminal;
  }

  /** Read a finished stream to its end, so the browser does not log the request as aborted. */
  async drain(events) {
    const timer = setTimeout(() => this.connection?.abort(), DRAIN_MS);
    try {
      while (!(await events.next()).done);
    } catch {
      // Closed early: nothing was left to read.
    } finally {
      clearTimeout(timer);
    }
  }
}
