// A short message above the composer with one action ("Deleted “milk”. Undo"). It waits while
// the pointer or the focus is on it, and its action is one key away: Control+Z (⌘Z), from
// anywhere but a text field.

import { h } from "./ui.js";

let current = null;

const EDITABLE = "input, textarea, select, [contenteditable]";

document.addEventListener("keydown", (event) => {
  if (!current || event.defaultPrevented || event.key.toLowerCase() !== "z") return;
  if (!(event.ctrlKey || event.metaKey) || event.shiftKey || event.altKey) return;
  if (event.target instanceof Element && event.target.closest(EDITABLE)) return; // the field's own undo
  event.preventDefault();
  current.act();
});

/** Sit above the composer, whatever its height: a toast never covers where one types. */
function placeAboveComposer(region) {
  const composer = document.getElementById("composer");
  const top = composer?.getClientRects().length ? composer.getBoundingClientRect().top : null;
  region.style.bottom = top === null ? "" : `${Math.max(16, window.innerHeight - top + 12)}px`;
}

/**
 * Show `message` for `ms` (counted again from the start whenever the pointer or the focus
 * leaves it); `onTimeout` runs unless the action was taken or another toast came.
 */
export function showToast({ message, actionLabel, onAction, onTimeout = () => {}, ms = 5000 }) {
  current?.finish(true);
  const region = document.getElementById("toast");
  const action = h("button", {
    type: "button",
    class: "btn btn--small toast__action",
    text: actionLabel,
    "aria-keyshortcuts": "Control+Z",
    title: `${actionLabel} (Ctrl+Z)`,
  });
  let done = false;
  let timer = 0;
  const held = new Set(); // "pointer", "focus": what keeps it open
  const hold = (reason) => {
    held.add(reason);
    clearTimeout(timer);
  };
  const release = (reason) => {
    held.delete(reason);
    if (!held.size && !done) {
      clearTimeout(timer);
      timer = setTimeout(() => toast.finish(true), ms);
    }
  };
  const listeners = {
    mouseenter: () => hold("pointer"),
    mouseleave: () => release("pointer"),
    focusin: () => hold("focus"),
    focusout: (event) => region.contains(event.relatedTarget) || release("focus"),
  };
  const toast = {
    finish(timedOut) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const [type, listener] of Object.entries(listeners)) region.removeEventListener(type, listener);
      const hadFocus = region.contains(document.activeElement);
      region.hidden = true;
      region.replaceChildren();
      if (current === toast) current = null;
      if (hadFocus) document.getElementById("composer-input")?.focus();
      if (timedOut) onTimeout();
    },
    act() {
      toast.finish(false);
      onAction();
    },
  };
  action.addEventListener("click", () => toast.act());
  for (const [type, listener] of Object.entries(listeners)) region.addEventListener(type, listener);
  region.replaceChildren(h("span", { text: message }), action);
  region.hidden = false;
  placeAboveComposer(region);
  current = toast;
  timer = setTimeout(() => toast.finish(true), ms);
  return toast;
}
