// The reference browser client's read loop (shared/reference/streaming-sse-examples.md,
// useChat.ts, sendMessage), kept as written there, without React: fetch the stream, split
// the decoded text on blank lines, parse each `data: ` frame. Prints what the hook would
// show as one JSON line. Usage: node use_chat_read_loop.mjs <api url> <user id> <token> <message>
const [apiUrl, userId, token, content] = process.argv.slice(2);
const started = Date.now();
const seen = { conversationId: null, fullResponse: '', types: [], textAtMs: [], endMs: null };

const response = await fetch(`${apiUrl}/api/${userId}/chat/stream`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'Authorization': `Bearer ${token}` },
  body: JSON.stringify({ message: content, conversation_id: undefined }),
});
if (!response.ok) throw new Error('Request failed');

const reader = response.body?.getReader();
if (!reader) throw new Error('No reader');

const decoder = new TextDecoder();
let buffer = '';
let fullResponse = '';

while (true) {
  const { done, value } = await reader.read();
  if (done) break;

  buffer += decoder.decode(value, { stream: true });
  const events = buffer.split('\n\n');
  buffer = events.pop() || '';

  for (const event of events) {
    if (!event.startsWith('data: ')) continue;
    const data = event.slice(6);

    if (data === '[DONE]') break;

    try {
      const parsed = JSON.parse(data);
      seen.types.push(parsed.type);

      if (parsed.type === 'start' && parsed.conversation_id) {
        seen.conversationId = parsed.conversation_id;
      }

      if (parsed.type === 'text' && parsed.content) {
        fullResponse += parsed.content;
        seen.textAtMs.push(Date.now() - started);
      }

      if (parsed.type === 'done' || parsed.type === 'error') {
        seen.endMs = Date.now() - started;
        break;
      }
    } catch {}
  }
}
seen.fullResponse = fullResponse;
console.log(JSON.stringify(seen));
