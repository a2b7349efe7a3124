// The reader's page: login (API key and reader name), the worklist and the viewer, switched
// by the location hash (#/ and #/study/ID).

import { session, getJSON } from "./api.js";
import { $, toast } from "./dom.js";
import { showWorklist } from "./worklist.js";
import { showViewer } from "./viewer.js";

let current = null; // the view shown: { stop() }

function route() {
  if (current) current.stop();
  current = null;
  const view = $("#view");
  view.replaceChildren();
  if (!session.key) {
    showLogin();
    return;
  }
  $("#reader-chip").hidden = false;
  $("#reader-chip").textContent = session.reader;
  $("#sign-out").hidden = false;
  const m = location.hash.match(/^#\/study\/([0-9a-f]{16})$/);
  current = m ? showViewer(view, m[1]) : showWorklist(view);
}

function showLogin(message) {
  $("#login").hidden = false;
  $("#reader-chip").hidden = true;
  $("#sign-out").hidden = true;
  const err = $("#login-error");
  err.hidden = !message;
  err.textContent = message || "";
  $("#login-reader").value = session.reader;
  $("#login-key").focus();
}

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const key = $("#login-key").value.trim();
  const reader = $("#login-reader").value.trim().replace(/\s+/g, " ");
  try {
    await getJSON("/v1/worklist?limit=1", key);
  } catch (err) {
    showLogin(err.status === 401 ? "That key is unknown or revoked." : err.message);
    return;
  }
  session.set(key, reader);
  $("#login-key").value = "";
  $("#login").hidden = true;
  route();
});

$("#sign-out").addEventListener("click", () => {
  session.clear();
  location.hash = "#/";
  route();
});

window.addEventListener("rascore:unauthorized", () => {
  if (!session.key) return;
  session.clear();
  toast("The API key was refused; enter it again.", "error");
  route();
});

window.addEventListener("hashchange", route);
route();
