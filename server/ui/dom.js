// Small DOM helpers: h builds an element, text is never parsed as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style") setStyle(el, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  append(el, children);
  return el;
}

// setStyle sets "prop: value; …" through the CSSOM: the page's Content-Security-Policy
// refuses style attributes.
function setStyle(el, css) {
  for (const decl of css.split(";")) {
    const i = decl.indexOf(":");
    if (i > 0) el.style.setProperty(decl.slice(0, i).trim(), decl.slice(i + 1).trim());
  }
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function $(sel, root = document) { return root.querySelector(sel); }

let toastTimer;
// toast shows a short message at the bottom of the page.
export function toast(msg, kind = "info") {
  const el = $("#toast");
  el.textContent = msg;
  el.className = "toast " + kind;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, kind === "error" ? 6000 : 2500);
}

export function fmtDate(iso) {
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fmtTime(iso) {
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${fmtDate(iso)}:${p(d.getSeconds())}`;
}

// gradeColour maps a grade on 0..top to green, yellow, red (as the overlay PNG does).
export function gradeColour(grade, top) {
  const f = Math.max(0, Math.min(1, grade / Math.max(top, 1)));
  const g = [40, 200, 70], y = [245, 215, 40], r = [235, 40, 40];
  const lerp = (a, b, t) => a.map((v, i) => Math.round(v + t * (b[i] - v)));
  const c = f <= 0.5 ? lerp(g, y, 2 * f) : lerp(y, r, 2 * f - 1);
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
