// A short message at the bottom of the page with one action ("Deleted “milk”. Undo").

import { h } from "./ui.js";

let current = null;

/** Show `message` for `ms`; `onTimeout` runs unless the action was taken or another toast came. */
export function showToast({ message, actionLabel, onAction, onTimeout = () => {}, ms = 5000 }) {
  current?.finish(true);
  const region = document.getElementById("toast");
  const action = h("button", { type: "button", class: "btn btn--small toast__action", text: actionLabel });
  let done = false;
  const toast = {
    finish(timedOut) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      region.hidden = true;
      region.replaceChildren();
      if (current === toast) current = null;
      if (timedOut) onTimeout();
    },
  };
  const timer = setTimeout(() => toast.finish(true), ms);
  action.addEventListener("click", () => {
    toast.finish(false);
    onAction();
  });
  region.replaceChildren(h("span", { text: message }), action);
  region.hidden = false;
  current = toast;
  return toast;
}
