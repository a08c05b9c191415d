// An escape-first Markdown renderer for the assistant's replies.
//
// Safety does not depend on a sanitizer: every character of the source goes through
// escapeHtml() before any markup is added, and the only tags in the output are the literal
// ones written below (p, br, strong, em, del, code, pre, a, ul, ol, li, blockquote, h3-h6,
// hr, table parts). The one attribute built from the source is a link's href, which must
// start with http://, https:// or mailto: and is escaped inside double quotes.
// Classes, never style attributes: the page's CSP forbids inline styles.
//
// Supported: paragraphs, line breaks, # headings, - * + and 1. lists (nested by indent),
// > quotes, ``` fences, `code`, **bold**, *italic*, _italic_, ~~strike~~, [links](https://…),
// --- rules and | pipe | tables. Anything else shows as the text it is.
//
// `literals` are strings quoted from the user's data (task titles and descriptions the
// assistant repeats): wherever one appears it is shown as the text it is, never as Markdown,
// so a title like "[win](https://evil.example)" cannot become a link in a reply.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

// Placeholders for finished inline HTML (code spans, links) while emphasis is applied to
// the rest; \u0000 is removed from the source first, so the source cannot forge one.
const HOLD = "\u0000";
const SAFE_URL = /^(?:https?:\/\/|mailto:)/i;

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w#+.-]*)\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_DIVIDER = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;

// Characters that could make Markdown of a quoted string; strings without them render as
// themselves anyway.
const MARKUP = /[`*_~[\]()|\\]/;

/** One pattern matching any of `literals` (longest first), or null. */
function literalPattern(literals) {
  const marked = [...new Set(literals)].filter((text) => text && MARKUP.test(text));
  if (marked.length === 0) return null;
  marked.sort((a, b) => b.length - a.length);
  return new RegExp(marked.map((text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
}

function renderInline(source, literals) {
  const held = [];
  const hold = (html) => `${HOLD}${held.push(html) - 1}${HOLD}`;
  let text = literals ? source.replace(literals, (quoted) => hold(escapeHtml(quoted))) : source;
  text = text.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_, ticks, code) =>
    hold(`<code>${escapeHtml(code.trim() || code)}</code>`),
  );
  text = escapeHtml(text);
  text = text.replace(/\[([^\]\n]+)\]\(\s*([^()\s]+)\s*\)/g, (match, label, url) =>
    SAFE_URL.test(url) && !url.includes(HOLD)
      ? hold(`<a href="${url}" target="_blank" rel="noopener noreferrer nofollow">${label}</a>`)
      : label,
  );
  text = text
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, "$1<strong>$2</strong>")
    .replace(/(^|[^*\w])\*(?=[^\s*])([^*]*?[^\s*])\*(?![*\w])/g, "$1<em>$2</em>")
    .replace(/(^|[^\w])_(?=[^\s_])([^_]*?[^\s_])_(?!\w)/g, "$1<em>$2</em>")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>");
  // Held pieces may hold others (a link label with code): restore until none is left.
  const restore = new RegExp(`${HOLD}(\\d+)${HOLD}`, "g");
  while (restore.test(text)) {
    restore.lastIndex = 0;
    text = text.replace(restore, (_, index) => held[Number(index)]);
  }
  return text;
}

function inlineLines(lines, literals) {
  return lines.map((line) => renderInline(line.trim(), literals)).join("<br>");
}

function indentOf(line) {
  return line.match(/^\s*/)[0].replace(/\t/g, "    ").length;
}

function startsBlock(line) {
  return (
    FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || LIST_ITEM.test(line)
  );
}

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|")) row = row.slice(0, -1);
  return row.split("|").map((cell) => cell.trim());
}

function renderTable(lines, start, literals) {
  const header = splitRow(lines[start]);
  const aligns = splitRow(lines[start + 1]).map((cell) => {
    if (cell.startsWith(":") && cell.endsWith(":")) return "center";
    if (cell.endsWith(":")) return "right";
    return "";
  });
  const cell = (tag, text, column) => {
    const align = aligns[column] ? ` class="align-${aligns[column]}"` : "";
    return `<${tag}${align}>${renderInline(text, literals)}</${tag}>`;
  };
  let index = start + 2;
  const rows = [];
  while (index < lines.length && lines[index].includes("|") && lines[index].trim()) {
    const cells = splitRow(lines[index]);
    rows.push(`<tr>${header.map((_, column) => cell("td", cells[column] ?? "", column)).join("")}</tr>`);
    index += 1;
  }
  const head = `<tr>${header.map((text, column) => cell("th", text, column)).join("")}</tr>`;
  const html = `<div class="md-table"><table><thead>${head}</thead><tbody>${rows.join("")}</tbody></table></div>`;
  return [html, index];
}

function renderList(lines, start, literals) {
  const first = LIST_ITEM.exec(lines[start]);
  const indent = indentOf(first[1]);
  const ordered = /\d/.test(first[2]);
  const items = [];
  let index = start;
  while (index < lines.length) {
    const line = lines[index];
    const item = LIST_ITEM.exec(line);
    if (item && indentOf(item[1]) === indent && /\d/.test(item[2]) === ordered) {
      items.push({ lines: [item[3]], contentIndent: indent + item[2].length + 1 });
      index += 1;
      continue;
    }
    if (!line.trim()) {
      let next = index + 1;
      while (next < lines.length && !lines[next].trim()) next += 1;
      if (next < lines.length && indentOf(lines[next]) > indent) {
        items.at(-1).lines.push("");
        index = next;
        continue;
      }
      const following = next < lines.length && LIST_ITEM.exec(lines[next]);
      if (following && indentOf(following[1]) === indent && /\d/.test(following[2]) === ordered) {
        index = next;
        continue;
      }
      break;
    }
    // Only an indented line continues an item: a sentence after a list ("Which one?") is
    // its own paragraph, not part of the last bullet.
    const indentNow = indentOf(line);
    if (indentNow > indent) {
      const current = items.at(-1);
      current.lines.push(line.replace(/^\s+/, (space) => space.slice(Math.min(space.length, current.contentIndent))));
      index += 1;
      continue;
    }
    break;
  }
  const body = items
    .map(({ lines: itemLines }) => {
      let split = itemLines.findIndex((line, at) => at > 0 && (!line.trim() || startsBlock(line)));
      if (split === -1) split = itemLines.length;
      const rest = itemLines.slice(split);
      const tail = rest.length ? renderBlocks(rest, literals) : "";
      return `<li>${inlineLines(itemLines.slice(0, split), literals)}${tail}</li>`;
    })
    .join("");
  const number = ordered ? Number.parseInt(first[2], 10) : 1;
  const open = ordered ? (number !== 1 ? `<ol start="${number}">` : "<ol>") : "<ul>";
  return [`${open}${body}${ordered ? "</ol>" : "</ul>"}`, index];
}

function renderBlocks(lines, literals) {
  const out = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    let match;
    if (!line.trim()) {
      index += 1;
    } else if ((match = FENCE.exec(line))) {
      const fence = match[1];
      const code = [];
      index += 1;
      while (index < lines.length && !lines[index].trim().startsWith(fence)) code.push(lines[index++]);
      index += 1; // the closing fence; an unclosed fence (still streaming) runs to the end
      const language = match[2] ? ` class="language-${escapeHtml(match[2])}"` : "";
      out.push(`<pre><code${language}>${escapeHtml(code.join("\n"))}</code></pre>`);
    } else if ((match = HEADING.exec(line))) {
      // Replies sit under the page's own h1/h2: their headings start at h3.
      const level = Math.min(match[1].length + 2, 6);
      out.push(`<h${level}>${renderInline(match[2], literals)}</h${level}>`);
      index += 1;
    } else if (RULE.test(line)) {
      out.push("<hr>");
      index += 1;
    } else if (QUOTE.test(line)) {
      const quoted = [];
      while (index < lines.length && lines[index].trim() && QUOTE.test(lines[index])) {
        quoted.push(QUOTE.exec(lines[index])[1]);
        index += 1;
      }
      out.push(`<blockquote>${renderBlocks(quoted, literals)}</blockquote>`);
    } else if (LIST_ITEM.test(line)) {
      const [html, next] = renderList(lines, index, literals);
      out.push(html);
      index = next;
    } else if (line.includes("|") && index + 1 < lines.length && TABLE_DIVIDER.test(lines[index + 1])) {
      const [html, next] = renderTable(lines, index, literals);
      out.push(html);
      index = next;
    } else {
      const paragraph = [];
      while (index < lines.length && lines[index].trim() && !(paragraph.length && startsBlock(lines[index]))) {
        paragraph.push(lines[index]);
        index += 1;
      }
      out.push(`<p>${inlineLines(paragraph, literals)}</p>`);
    }
  }
  return out.join("");
}

/** Markdown source → HTML string that is safe to assign to innerHTML. */
export function renderMarkdown(source, { literals = [] } = {}) {
  const text = String(source ?? "").replace(/\u0000/g, "").replace(/\r\n?/g, "\n");
  const quoted = literals.map((literal) => String(literal).replace(/\u0000/g, ""));
  return renderBlocks(text.split("\n"), literalPattern(quoted));
}

const BLOCK_MARKER = /^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,9}[.)]\s+)+/;

/**
 * The words of a Markdown text, without its syntax, on one line: for previews (the sidebar),
 * where a reply's "- **Added** `milk`" reads "Added milk". The source may be cut anywhere
 * (a preview is its first characters), so unpaired markers go too. Plain text, never HTML.
 */
export function plainText(source) {
  return String(source)
    .split("\n")
    .filter((line) => !RULE.test(line) && !TABLE_DIVIDER.test(line))
    .map((line) =>
      line
        .replace(BLOCK_MARKER, "")
        .replace(/\[([^\]\n]+)\]\([^)\s]*\)?/g, "$1")
        .replace(/\*\*|__|~~|`+|\|/g, " ")
        .replace(/(^|[\s(])[*_]+(?=\S)|(?<=\S)[*_]+(?=$|[\s).,!?:;])/g, "$1"),
    )
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}
