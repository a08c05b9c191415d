// Read the chat stream's frames: `data: <json>\n\n`. Lines starting with ':' are keepalive
// comments, yielded as KEEPALIVE (a sign of life, not an event). Written to the SSE spec's field rules (several data lines join with \n) so a
// future `event:`/`id:` line would be ignored, not misread.

export class StreamProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = "StreamProtocolError";
  }
}

export const KEEPALIVE = Object.freeze({ type: "keepalive" });

function parseFrame(frame) {
  const data = [];
  let comment = false;
  for (const line of frame.split("\n")) {
    if (line.startsWith(":")) comment = true;
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
  }
  if (data.length === 0) return comment ? KEEPALIVE : null;
  try {
    return JSON.parse(data.join("\n"));
  } catch {
    throw new StreamProtocolError("The server sent an event this page could not read.");
  }
}

/** Yield each event object of a fetch Response body, in order, as frames complete. */
export async function* readServerSentEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
      buffer = buffer.replace(/\r\n/g, "\n");
      let boundary;
      while ((boundary = buffer.indexOf("\n\n")) !== -1) {
        const event = parseFrame(buffer.slice(0, boundary));
        buffer = buffer.slice(boundary + 2);
        if (event) yield event;
      }
      if (done) break;
    }
    const last = parseFrame(buffer);
    if (last) yield last;
  } finally {
    // Stopping early (a terminal event, an abort) releases the connection.
    reader.cancel().catch(() => {});
  }
}
