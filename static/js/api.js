// The public endpoints, as this page uses them: session cookie + X-CSRFToken, same origin.
// Every failure becomes an ApiError carrying the API's {detail, code, errors} shape.

import { timeZone } from "./due-dates.js";
import { readServerSentEvents } from "./sse.js";

export class ApiError extends Error {
  constructor(status, detail, code, errors = null, retryAfterS = 0, runId = null) {
    super(detail);
    this.name = "ApiError";
    this.status = status; // 0 when the server could not be reached
    this.detail = detail;
    this.code = code;
    this.errors = errors;
    this.retryAfterS = retryAfterS; // from Retry-After (429, 503): wait before retrying
    this.runId = runId; // the run a 409 names (run_active, duplicate_message)
  }

  /** The session is gone (expired, signed out in another tab): only signing in again helps. */
  get needsSignIn() {
    return this.status === 401 || this.code === "csrf_failed";
  }

  /** Worth trying the same request again (network trouble, server or model failures). */
  get retryable() {
    return this.status === 0 || this.status >= 500 || this.status === 409 || this.status === 429;
  }

  static network() {
    return new ApiError(0, "Couldn't reach Taskstream. Check your connection and try again.", "network");
  }

  static async fromResponse(response) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON (a proxy's error page, say): fall back to the status line.
    }
    const detail =
      (body && typeof body.detail === "string" && body.detail) ||
      `The server answered ${response.status} ${response.statusText}`.trim();
    const retryAfterS = Number.parseInt(response.headers.get("Retry-After") || "0", 10) || 0;
    const runId = typeof body?.run_id === "string" ? body.run_id : null;
    return new ApiError(response.status, detail, body?.code || "error", body?.errors || null, retryAfterS, runId);
  }
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  // CSRF_COOKIE_HTTPONLY hides the cookie from scripts: use the token the page was rendered with.
  return document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
}

async function send(url, { method = "GET", body, signal, keepalive, accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  const zone = timeZone(); // the user's local date for due dates (?due=today, …)
  if (zone) headers["X-Timezone"] = zone;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal,
      keepalive,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw ApiError.network();
  }
  if (!response.ok) throw await ApiError.fromResponse(response);
  return response;
}

async function json(url, options) {
  const response = await send(url, options);
  return response.status === 204 ? null : response.json();
}

/** Endpoints under /api/<userId>/, for the signed-in user. */
export class Api {
  constructor(userId) {
    this.base = `/api/${encodeURIComponent(userId)}`;
  }

  // --- conversations ----------------------------------------------------------------------
  listConversations(pageUrl = null) {
    return json(pageUrl || `${this.base}/conversations/`);
  }
  getConversation(id) {
    return json(`${this.base}/conversations/${id}/`);
  }
  renameConversation(id, title) {
    return json(`${this.base}/conversations/${id}/`, { method: "PATCH", body: { title } });
  }
  deleteConversation(id) {
    return json(`${this.base}/conversations/${id}/`, { method: "DELETE" });
  }

  // --- tasks ------------------------------------------------------------------------------
  /** `filters`: {list, search} (empty values left out). */
  listTasks(status = "all", pageUrl = null, filters = {}) {
    const query = new URLSearchParams({ status });
    for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
    return json(pageUrl || `${this.base}/tasks/?${query}`);
  }
  createTask(title, description = "", list = null) {
    const body = { title, description };
    if (list) body.list = list;
    return json(`${this.base}/tasks/`, { method: "POST", body });
  }
  /** One change to many tasks: {tasks, change_id}. */
  bulkTasks(ids, action, value = undefined) {
    return json(`${this.base}/tasks/bulk/`, { method: "POST", body: { ids, action, value } });
  }
  undoChange(changeId) {
    return json(`${this.base}/tasks/changes/${encodeURIComponent(changeId)}/undo`, { method: "POST" });
  }

  // --- lists ------------------------------------------------------------------------------
  listLists(pageUrl = null) {
    return json(pageUrl || `${this.base}/lists/`);
  }
  createList(name) {
    return json(`${this.base}/lists/`, { method: "POST", body: { name } });
  }
  renameList(id, name) {
    return json(`${this.base}/lists/${id}/`, { method: "PATCH", body: { name } });
  }
  deleteList(id) {
    return json(`${this.base}/lists/${id}/`, { method: "DELETE" });
  }
  updateTask(id, changes) {
    return json(`${this.base}/tasks/${id}/`, { method: "PATCH", body: changes });
  }
  /** `body`: {minutes_before} or {remind_at} (ISO 8601 with Z); answers the task. */
  addReminder(id, body) {
    return json(`${this.base}/tasks/${id}/reminders/`, { method: "POST", body });
  }
  /** Remove the reminder at `remindAt` (ISO 8601), or every reminder; answers the task. */
  removeReminder(id, remindAt = null) {
    const query = remindAt ? `?${new URLSearchParams({ remind_at: remindAt })}` : "";
    return json(`${this.base}/tasks/${id}/reminders/${query}`, { method: "DELETE" });
  }
  /** `keepalive` lets the request finish after the page is gone. */
  deleteTask(id, { keepalive = false } = {}) {
    return json(`${this.base}/tasks/${id}/`, { method: "DELETE", keepalive });
  }

  // --- chat -------------------------------------------------------------------------------
  undoToolCall(callId) {
    return json(`${this.base}/chat/tool-calls/${encodeURIComponent(callId)}/undo`, { method: "POST" });
  }

  /**
   * POST the message and return an async iterator over the reply's events.
   * Throws ApiError for answers refused before the stream starts (4xx JSON) or no network;
   * aborting `signal` ends the fetch and the iteration with an AbortError.
   */
  async streamChat({ message, conversationId, clientMessageId, signal }) {
    const response = await send(`${this.base}/chat/stream`, {
      method: "POST",
      body: {
        message,
        conversation_id: conversationId ?? null,
        timezone: timeZone() || null,
        locale: navigator.language || null, // how the user writes numeric dates ("12/20")
        client_message_id: clientMessageId,
      },
      signal,
      accept: "text/event-stream",
    });
    return eventStream(response);
  }

  /** Follow a run's events from the one after `after` (from the first when null). */
  async runEvents(runId, { after = null, signal } = {}) {
    const query = after === null ? "" : `?after=${encodeURIComponent(after)}`;
    const response = await send(`${this.base}/chat/runs/${encodeURIComponent(runId)}/events${query}`, {
      signal,
      accept: "text/event-stream",
    });
    return eventStream(response);
  }

  /** Ask the server to stop a run; it ends with `done` {status: "cancelled"}. */
  cancelRun(runId) {
    return json(`${this.base}/chat/runs/${encodeURIComponent(runId)}/cancel`, { method: "POST" });
  }
}

function eventStream(response) {
  const type = response.headers.get("Content-Type") || "";
  if (!type.startsWith("text/event-stream")) {
    throw new ApiError(response.status, "The server did not answer with an event stream.", "protocol");
  }
  return readServerSentEvents(response.body);
}
