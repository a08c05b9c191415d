// One reply being written on the server (a run), followed by this page. The run lives on the
// server, not in this connection: a dropped stream is picked up again from the events
// endpoint after the last `seq` seen, a reloaded page attaches to it, and Stop asks the
// server to cancel it. Each event reaches `onEvent` once, in order; `onEvent` returns true
// for the terminal event (`done` or `error`).

import { ApiError } from "./api.js";

const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000];
const DRAIN_MS = 5000; // how long the end of a finished stream may take before it is closed
const CANCEL_WAIT_MS = 5000; // a cancelled run that sends nothing more is let go after this

function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(new DOMException("Stopped", "AbortError"));
      },
      { once: true },
    );
  });
}

function streamEnded() {
  return new ApiError(0, "The connection closed before the reply finished.", "stream_ended");
}

export class Run {
  constructor({ api, onEvent }) {
    this.api = api;
    this.onEvent = onEvent;
    this.runId = null;
    this.lastSeq = null;
    this.ended = false;
    this.stopping = false;
    this.controller = new AbortController();
  }

  /** Send `message` and follow the reply to its end. Rejects with ApiError or AbortError. */
  start({ message, conversationId }) {
    const { signal } = this.controller;
    return this.follow(() => this.api.streamChat({ message, conversationId, signal }));
  }

  /** Follow a run already going on the server (a reloaded page), replaying it from the start. */
  attach(runId) {
    this.runId = runId;
    return this.follow(() => this.resume());
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

  resume() {
    return this.api.runEvents(this.runId, { after: this.lastSeq, signal: this.controller.signal });
  }

  async follow(connect) {
    let failures = 0;
    let lost = null;
    for (;;) {
      try {
        const events = (await connect())[Symbol.asyncIterator]();
        for (;;) {
          const { value: event, done } = await events.next();
          if (done) break;
          failures = 0;
          if (this.accept(event)) {
            this.drain(events);
            return;
          }
        }
        lost = streamEnded();
      } catch (error) {
        if (error.name === "AbortError" || error === lost) throw error;
        // A body cut off mid-read fails with a TypeError: the connection was lost.
        const dropped = error instanceof TypeError ? ApiError.network() : error;
        // Refused (4xx) or unreadable: following again would get the same answer.
        if (!(dropped instanceof ApiError) || dropped.status !== 0 || !this.runId) throw dropped;
        lost = dropped;
      }
      if (!this.runId || failures >= RECONNECT_DELAYS_MS.length) throw lost;
      await pause(RECONNECT_DELAYS_MS[failures], this.controller.signal);
      failures += 1;
      connect = () =>
        this.resume().catch((error) => {
          // Gone (expired, or a server without the events endpoint): report the lost stream.
          throw error instanceof ApiError && error.status === 404 ? lost : error;
        });
    }
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
    const timer = setTimeout(() => this.controller.abort(), DRAIN_MS);
    try {
      while (!(await events.next()).done);
    } catch {
      // Closed early: nothing was left to read.
    } finally {
      clearTimeout(timer);
    }
  }
}
