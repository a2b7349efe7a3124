// The viewer: the film on a canvas (zoom, pan, window/level done here, on the 8-bit film the
// server sends), every site drawn with its grades and joint space width, and beside it the
// selected site (patch, probabilities, width), the totals, the sites table and the audit
// trail. Grades are changed with the keys 0–5; every change goes to the server, which keeps
// it with the reader's name and answers with the read and its totals summed again.

import { getJSON, postJSON, getBlob, download, session } from "./api.js";
import { h, $, toast, fmtDate, fmtTime, gradeColour } from "./dom.js";

const KIND_TOP = { erosion: 5, jsn: 4 };
const JOINT_ORDER = ["ip", "pip2", "pip3", "pip4", "pip5", "mcp1", "mcp2", "mcp3", "mcp4",
  "mcp5", "cmc1", "mul", "nav", "lunate", "radius", "ulna", "cmc3", "cmc4", "cmc5", "mna",
  "capnlun", "radcar"];

export function showViewer(root, id) {
  const v = new Viewer(root, id);
  v.load();
  return { stop: () => v.stop() };
}

class Viewer {
  constructor(root, id) {
    this.id = id;
    this.read = null; // rascore.read/v1
    this.ai = null; // the AI's report, as it was
    this.sel = null; // selected column
    this.moving = false;
    this.showMarks = true;
    this.view = { zoom: 1, x: 0, y: 0 };
    this.wl = { c: 128, w: 256, invert: false };
    this.grey = null; // Uint8Array of film pixels
    this.stopped = false;
    this.build(root);
    this.onKey = (e) => this.key(e);
    window.addEventListener("keydown", this.onKey);
    this.onResize = () => this.resize();
    window.addEventListener("resize", this.onResize);
    window.rascoreViewer = this; // for the end-to-end tests
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("keydown", this.onKey);
    window.removeEventListener("resize", this.onResize);
    if (window.rascoreViewer === this) delete window.rascoreViewer;
    if (this.patchURL) URL.revokeObjectURL(this.patchURL);
  }

  // ---- layout ----

  build(root) {
    this.canvas = h("canvas", { id: "film", tabindex: "0" });
    this.status = h("div", { class: "canvas-status", id: "canvas-status" });
    this.banner = h("div", { class: "lock-banner", id: "lock-banner", hidden: true });
    this.moveHint = h("div", { class: "move-hint", hidden: true },
      "Click where the joint is · Esc cancels");
    const tool = (label, title, fn, id) =>
      h("button", { class: "tool", title, onclick: fn, id }, label);
    this.toolbar = h("div", { class: "tools" },
      tool("← Worklist", "Back to the worklist", () => { location.hash = "#/"; }),
      h("span", { class: "tool-sep" }),
      tool("Fit", "Fit the film (F)", () => this.fit()),
      tool("1:1", "One film pixel per screen pixel", () => this.setZoom(1)),
      tool("+", "Zoom in (wheel)", () => this.zoomBy(1.25)),
      tool("−", "Zoom out (wheel)", () => this.zoomBy(0.8)),
      h("span", { class: "tool-sep" }),
      tool("Invert", "Invert grey scale (I)", () => { this.wl.invert = !this.wl.invert; this.applyWL(); }),
      tool("Reset W/L", "Reset window and level (W); right-drag or shift-drag to window", () => this.resetWL()),
      tool("Marks", "Show or hide the sites (H)", () => { this.showMarks = !this.showMarks; this.draw(); }),
      h("span", { class: "tool-sep" }),
      tool("Keys ?", "Keyboard shortcuts", () => this.help.hidden = !this.help.hidden));
    this.help = h("div", { class: "help card", hidden: true }, h("h3", {}, "Keyboard"),
      h("dl", {}, [
        ["0 – 5", "grade the selected site (JSN 0–4, erosion 0–5)"],
        ["N", "not assessable"], ["M", "move the joint: then click on the film"],
        ["↑ ↓", "previous / next site"], ["← →", "erosion / JSN of the same joint"],
        ["Space", "next site that needs review"], ["F", "fit"], ["I", "invert"],
        ["W", "reset window/level"], ["H", "hide marks"], ["Esc", "cancel"],
      ].map(([k, d]) => [h("dt", {}, h("kbd", {}, k)), h("dd", {}, d)])),
      h("p", { class: "fine" }, "Wheel zooms, drag pans, right-drag (or shift-drag) sets window and level."));
    const stage = h("div", { class: "stage", id: "stage" }, this.canvas, this.status, this.moveHint,
      this.help);

    this.head = h("div", { class: "study-head" });
    this.totals = h("div", { class: "totals", id: "totals" });
    this.siteCard = h("div", { class: "site-card", id: "site-card" });
    this.sitesTable = h("div", { class: "sites", id: "sites" });
    this.auditList = h("ol", { class: "audit", id: "audit" });
    const tabs = h("div", { class: "tabs" },
      h("button", { class: "tab on", dataset: { tab: "sites" }, onclick: (e) => this.tab(e.target, "sites") }, "Sites"),
      h("button", { class: "tab", dataset: { tab: "audit" }, id: "tab-audit", onclick: (e) => this.tab(e.target, "audit") }, "Audit trail"));
    this.panes = { sites: this.sitesTable, audit: h("div", { class: "audit-pane", hidden: true }, this.auditList) };
    this.actions = h("div", { class: "actions" },
      h("button", { class: "btn", id: "export-csv", onclick: () => this.export("csv") }, "Export CSV"),
      h("button", { class: "btn", id: "export-json", onclick: () => this.export("json") }, "Export JSON"),
      h("button", { class: "btn primary", id: "sign-off", onclick: () => this.askSignOff() }, "Sign off…"));
    this.confirm = h("div", { class: "confirm", id: "confirm", hidden: true });
    const panel = h("aside", { class: "panel" }, this.head, this.banner, this.totals, this.siteCard,
      tabs, this.panes.sites, this.panes.audit, this.confirm, this.actions);
    root.append(h("section", { class: "viewer" }, h("div", { class: "stage-wrap" }, this.toolbar, stage), panel));
    this.stage = stage;
    this.bindCanvas();
  }

  tab(btn, name) {
    for (const b of btn.parentNode.children) b.classList.toggle("on", b === btn);
    this.panes.sites.hidden = name !== "sites";
    this.panes.audit.hidden = name !== "audit";
    if (name === "audit") this.loadAudit();
  }

  // ---- data ----

  async load() {
    this.head.replaceChildren(h("div", { class: "muted" }, "Loading study " + this.id + "…"));
    try {
      const [read, ai] = await Promise.all([
        getJSON(`/v1/studies/${this.id}/read.json`),
        getJSON(`/v1/studies/${this.id}/report.json`),
      ]);
      if (this.stopped) return;
      this.ai = ai;
      this.setRead(read);
      const first = this.order().find((c) => this.site(c).needs_review) || this.order()[0];
      if (first) this.select(first);
      await this.loadFilm();
      this.loadAudit();
    } catch (err) {
      if (!this.stopped) this.head.replaceChildren(h("div", { class: "error" }, err.message));
    }
  }

  async loadFilm() {
    const blob = await getBlob(`/v1/studies/${this.id}/film.png`);
    const bmp = await createImageBitmap(blob);
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const cx = c.getContext("2d", { willReadFrequently: true });
    cx.drawImage(bmp, 0, 0);
    const rgba = cx.getImageData(0, 0, bmp.width, bmp.height).data;
    this.grey = new Uint8Array(bmp.width * bmp.height);
    for (let i = 0; i < this.grey.length; i++) this.grey[i] = rgba[4 * i];
    this.img = { w: bmp.width, h: bmp.height };
    this.windowed = new OffscreenCanvas(bmp.width, bmp.height);
    this.windowedData = new ImageData(bmp.width, bmp.height);
    this.k = bmp.width / this.read.report.input.width; // film pixels to picture pixels
    this.resize();
    this.fit();
    this.applyWL();
    this.canvas.dataset.ready = "1";
  }

  async loadAudit() {
    try {
      const body = await getJSON(`/v1/studies/${this.id}/audit`);
      this.auditList.replaceChildren(...body.entries.slice().reverse().map((e) =>
        h("li", { class: "audit-" + e.action.replace(/[^a-z]/g, "-") },
          h("div", { class: "audit-top" }, h("span", { class: "audit-action" }, e.action),
            h("time", {}, fmtTime(e.at))),
          h("div", { class: "audit-detail" }, e.detail || ""),
          h("div", { class: "audit-key" }, "key " + e.key_id))));
    } catch (err) {
      toast("Audit trail: " + err.message, "error");
    }
  }

  setRead(read) {
    this.read = read;
    this.sites = new Map(); // column → {site, hand, ai, width}
    this.joints = []; // {hand, joint, label, sites: {erosion, jsn}}
    const aiSites = new Map();
    for (const hd of this.ai.hands) for (const s of hd.sites) aiSites.set(s.column, s);
    for (const hd of read.report.hands) {
      const byJoint = new Map();
      for (const s of hd.sites) {
        const width = (hd.widths || []).find((w) => w.joint === s.joint);
        this.sites.set(s.column, { site: s, hand: hd, ai: aiSites.get(s.column), width });
        if (!byJoint.has(s.joint)) byJoint.set(s.joint, { hand: hd, joint: s.joint, label: s.label, sites: {} });
        byJoint.get(s.joint).sites[s.kind] = s.column;
      }
      const js = [...byJoint.values()];
      js.sort((a, b) => JOINT_ORDER.indexOf(a.joint) - JOINT_ORDER.indexOf(b.joint));
      this.joints.push(...js);
    }
    this.corrected = new Set(read.corrections.map((c) => c.column));
    this.renderHead();
    this.renderTotals();
    this.renderSites();
    this.renderSiteCard();
    this.draw();
  }

  site(column) { return this.sites.get(column).site; }
  locked() { return !!this.read.signed_off; }

  order() {
    const out = [];
    for (const j of this.joints) for (const k of ["erosion", "jsn"]) if (j.sites[k]) out.push(j.sites[k]);
    return out;
  }

  // ---- panel ----

  renderHead() {
    const r = this.read.report;
    const stLabel = { ai: "AI read", corrected: "Corrected", "signed off": "Signed off" }[this.read.status];
    const stCls = { ai: "ai", corrected: "corrected", "signed off": "signed" }[this.read.status];
    const hands = r.hands.map((hd) => (hd.laterality === "L" ? "left" : "right")).join(" + ") || "no hand";
    this.head.replaceChildren(
      h("div", { class: "study-title" }, h("span", { class: "mono" }, "Study " + this.id),
        h("span", { class: "badge " + stCls, id: "read-status" }, stLabel)),
      h("div", { class: "study-meta" },
        h("span", {}, "Film ", h("span", { class: "mono" }, r.input.film_id)),
        h("span", {}, `${r.input.width} × ${r.input.height} px`),
        h("span", {}, `${r.input.spacing_mm[0].toFixed(3)} mm/px (${r.input.spacing_source})`),
        h("span", {}, hands + " hand" + (r.hands.length > 1 ? "s" : ""))));
    const so = this.read.signed_off;
    this.banner.hidden = !so;
    if (so) this.banner.textContent = `Signed off by ${so.reader}, ${fmtDate(so.at)} — the read is locked.`;
    $("#sign-off", this.actions.parentNode).disabled = !!so;
  }

  renderTotals() {
    const t = this.read.report.totals;
    const a = this.read.ai_totals;
    const cell = (id, label, v, ai, big) => h("div", { class: "total" + (big ? " big" : "") },
      h("div", { class: "total-label" }, label),
      h("div", { class: "total-value", id }, v),
      h("div", { class: "total-ai" + (ai !== v ? " changed" : "") }, "AI " + ai));
    this.totals.replaceChildren(
      cell("total-svdh", "SvdH total", t.total, a.total, true),
      cell("total-erosion", "Erosion", t.erosion, a.erosion),
      cell("total-jsn", "JSN", t.jsn, a.jsn),
      h("div", { class: "total small" },
        h("div", { class: "total-label" }, "Sites"),
        h("div", { class: "total-sub" }, `${t.scored} graded`),
        h("div", { class: "total-sub" }, `${t.missing} missing`),
        h("div", { class: "total-sub" + (t.needs_review ? " flag-text" : ""), id: "total-review" },
          `${t.needs_review} to review`)));
  }

  renderSites() {
    const rows = [];
    let hand = null;
    for (const j of this.joints) {
      if (j.hand !== hand) {
        hand = j.hand;
        rows.push(h("tr", { class: "group" }, h("th", { colspan: 4 },
          (hand.laterality === "L" ? "Left" : "Right") + " hand",
          h("span", { class: "muted" }, ` · E ${hand.totals.erosion} · J ${hand.totals.jsn} · total ${hand.totals.total}`))));
      }
      const cell = (kind) => {
        const col = j.sites[kind];
        if (!col) return h("td", { class: "na" }, "");
        const e = this.sites.get(col);
        const s = e.site;
        const cls = ["gcell", col === this.sel ? "sel" : "", s.needs_review ? "review" : "",
          this.corrected.has(col) ? "corrected" : ""].join(" ");
        const aiG = e.ai && e.ai.grade ? e.ai.grade.grade : null;
        const g = s.grade ? s.grade.grade : null;
        return h("td", { class: cls, dataset: { column: col }, title: col, onclick: () => this.select(col) },
          h("span", { class: "chip", style: g === null ? "" : `--c:${gradeColour(g, KIND_TOP[kind])}` },
            g === null ? (s.reason === "not assessable (reader)" ? "NA" : "–") : g),
          this.corrected.has(col) && aiG !== g ? h("span", { class: "was" }, "AI " + (aiG === null ? "–" : aiG)) : null,
          s.needs_review ? h("span", { class: "q" }, "?") : null);
      };
      const w = this.sites.get(j.sites.erosion || j.sites.jsn).width;
      rows.push(h("tr", { dataset: { joint: j.joint } }, h("td", { class: "jl" }, j.label),
        cell("erosion"), cell("jsn"),
        h("td", { class: "num muted" }, w && w.available ? w.central_mm.toFixed(2) : "")));
    }
    this.sitesTable.replaceChildren(h("table", { class: "grid sites-grid" },
      h("thead", {}, h("tr", {}, h("th", {}, "Joint"), h("th", {}, "Erosion"), h("th", {}, "JSN"),
        h("th", { class: "num" }, "JSW mm"))), h("tbody", {}, rows)));
  }

  renderSiteCard() {
    if (!this.sel) {
      this.siteCard.replaceChildren(h("div", { class: "muted" }, "Click a site on the film or in the table."));
      return;
    }
    const e = this.sites.get(this.sel);
    const s = e.site;
    const top = KIND_TOP[s.kind];
    const g = s.grade ? s.grade.grade : null;
    const aiG = e.ai && e.ai.grade ? e.ai.grade : null;
    const kindName = s.kind === "jsn" ? "JSN" : "Erosion";
    const side = e.hand.laterality === "L" ? "Left" : "Right";
    const buttons = [];
    for (let k = 0; k <= top; k++) {
      buttons.push(h("button", { class: "grade-btn" + (k === g ? " on" : ""), disabled: this.locked(),
        style: `--c:${gradeColour(k, top)}`, onclick: () => this.correct({ action: "grade", grade: k }) },
      String(k), aiG && aiG.grade === k ? h("span", { class: "ai-tag" }, "AI") : null));
    }
    const probs = aiG ? aiG.probabilities.map((p, k) => h("div", { class: "prob" },
      h("span", { class: "prob-k" }, k),
      h("div", { class: "prob-bar" }, h("div", { class: "prob-fill", style: `width:${(100 * p).toFixed(1)}%;--c:${gradeColour(k, top)}` })),
      h("span", { class: "prob-v" }, (100 * p).toFixed(1) + " %"))) : [h("div", { class: "muted" }, "The AI gave no grade: " + (e.ai ? e.ai.reason || "not placed" : "—"))];
    const w = e.width;
    const width = w ? (w.available ?
      h("div", { class: "kv" }, h("span", {}, "Joint space width"),
        h("strong", { id: "site-jsw" }, `${w.central_mm.toFixed(2)} mm`),
        h("span", { class: "muted" }, ` min ${w.min_mm.toFixed(2)} · mean ${w.mean_mm.toFixed(2)}`)) :
      h("div", { class: "kv" }, h("span", {}, "Joint space width"), h("span", { class: "muted" }, w.reason))) : null;
    this.patch = h("img", { class: "patch", id: "site-patch", alt: "patch" });
    this.siteCard.replaceChildren(...[
      h("div", { class: "site-title" },
        h("div", {}, h("strong", {}, `${side} ${s.label}`), " · ", kindName,
          s.needs_review ? h("span", { class: "badge review" }, "needs review") : null,
          this.corrected.has(this.sel) ? h("span", { class: "badge corrected" }, "corrected") : null),
        h("span", { class: "mono muted" }, s.column)),
      h("div", { class: "site-body" },
        h("div", { class: "patch-box" }, this.patch, h("div", { class: "fine" }, "as the network saw it")),
        h("div", { class: "site-right" },
          h("div", { class: "grades", id: "grade-buttons" }, buttons),
          h("div", { class: "probs" }, h("div", { class: "fine" }, "AI probabilities",
            aiG ? ` · expected ${aiG.expected.toFixed(2)} ± ${aiG.sd.toFixed(2)}` : ""), probs))),
      width,
      h("div", { class: "kv" }, h("span", {}, "Placement confidence"),
        h("span", {}, e.ai ? e.ai.placement_confidence.toFixed(2) : "—"),
        s.x_px || s.y_px ? h("span", { class: "muted" }, ` at (${s.x_px.toFixed(0)}, ${s.y_px.toFixed(0)}) px`) : null),
      (s.review_reasons || []).length ? h("ul", { class: "reasons" }, s.review_reasons.map((r) => h("li", {}, r))) : null,
      h("div", { class: "site-actions" },
        h("button", { class: "btn small", disabled: this.locked(), id: "not-assessable",
          onclick: () => this.correct({ action: "not_assessable" }) }, "Not assessable (N)"),
        h("button", { class: "btn small", disabled: this.locked(), id: "move-site",
          onclick: () => this.startMove() }, "Move joint (M)"))].filter(Boolean));
    this.loadPatch(this.sel);
  }

  async loadPatch(col) {
    try {
      const blob = await getBlob(`/v1/studies/${this.id}/sites/${col}/patch.png`);
      if (col !== this.sel || this.stopped) return;
      if (this.patchURL) URL.revokeObjectURL(this.patchURL);
      this.patchURL = URL.createObjectURL(blob);
      this.patch.src = this.patchURL;
    } catch {
      if (this.patch) this.patch.classList.add("none");
    }
  }

  select(col) {
    this.sel = col;
    this.renderSiteCard();
    for (const td of this.sitesTable.querySelectorAll("td.sel")) td.classList.remove("sel");
    const td = this.sitesTable.querySelector(`td[data-column="${col}"]`);
    if (td) {
      td.classList.add("sel");
      td.scrollIntoView({ block: "nearest" });
    }
    this.draw();
  }

  // ---- corrections ----

  async correct(change) {
    if (!this.sel) return;
    if (this.locked()) {
      toast("Signed off: the read is locked.", "error");
      return;
    }
    try {
      const read = await postJSON(`/v1/studies/${this.id}/corrections`,
        { reader: session.reader, column: this.sel, ...change });
      const c = read.corrections[read.corrections.length - 1];
      this.setRead(read);
      toast(`${c.label}: ${valueText(c.old)} → ${valueText(c.new)}`);
      this.loadAudit();
    } catch (err) {
      toast(err.message, "error");
      if (err.status === 409) this.reload();
    }
  }

  async reload() {
    this.setRead(await getJSON(`/v1/studies/${this.id}/read.json`));
  }

  startMove() {
    if (this.locked() || !this.sel) return;
    this.moving = true;
    this.moveHint.hidden = false;
    this.canvas.classList.add("moving");
  }

  endMove() {
    this.moving = false;
    this.moveHint.hidden = true;
    this.canvas.classList.remove("moving");
  }

  askSignOff() {
    const t = this.read.report.totals;
    this.confirm.hidden = false;
    this.confirm.replaceChildren(
      h("p", {}, `Sign off this read as `, h("strong", {}, session.reader), `? SvdH total ${t.total} ` +
        `(erosion ${t.erosion}, JSN ${t.jsn}), ${this.read.corrections.length} correction(s). ` +
        "Signed-off reads cannot be changed."),
      h("div", { class: "confirm-actions" },
        h("button", { class: "btn", onclick: () => { this.confirm.hidden = true; } }, "Cancel"),
        h("button", { class: "btn primary", id: "confirm-sign-off", onclick: () => this.signOff() }, "Sign off")));
  }

  async signOff() {
    this.confirm.hidden = true;
    try {
      this.setRead(await postJSON(`/v1/studies/${this.id}/sign-off`, { reader: session.reader }));
      toast("Signed off.");
      this.loadAudit();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  async export(kind) {
    try {
      await download(`/v1/studies/${this.id}/read.${kind}`, `rascore-read-${this.id}.${kind}`);
      this.loadAudit();
    } catch (err) {
      toast("Export: " + err.message, "error");
    }
  }

  // ---- keyboard ----

  key(e) {
    if (e.target.closest && e.target.closest("input, textarea, select")) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    const order = this.order();
    const at = order.indexOf(this.sel);
    let done = true;
    if (/^[0-5]$/.test(k)) this.correct({ action: "grade", grade: Number(k) });
    else if (k === "n" || k === "N") this.correct({ action: "not_assessable" });
    else if (k === "m" || k === "M") this.startMove();
    else if (k === "Escape") { this.endMove(); this.help.hidden = true; this.confirm.hidden = true; }
    else if (k === "ArrowDown") this.select(order[Math.min(order.length - 1, at + 1)]);
    else if (k === "ArrowUp") this.select(order[Math.max(0, at - 1)]);
    else if (k === "ArrowLeft" || k === "ArrowRight") this.otherKind();
    else if (k === " ") this.nextReview(order, at);
    else if (k === "f" || k === "F") this.fit();
    else if (k === "i" || k === "I") { this.wl.invert = !this.wl.invert; this.applyWL(); }
    else if (k === "w" || k === "W") this.resetWL();
    else if (k === "h" || k === "H") { this.showMarks = !this.showMarks; this.draw(); }
    else if (k === "?") this.help.hidden = !this.help.hidden;
    else done = false;
    if (done) e.preventDefault();
  }

  otherKind() {
    const j = this.joints.find((x) => x.sites.erosion === this.sel || x.sites.jsn === this.sel);
    if (!j) return;
    const other = j.sites.erosion === this.sel ? j.sites.jsn : j.sites.erosion;
    if (other) this.select(other);
  }

  nextReview(order, at) {
    for (let i = 1; i <= order.length; i++) {
      const c = order[(at + i) % order.length];
      if (this.site(c).needs_review) { this.select(c); return; }
    }
    toast("No site needs review.");
  }

  // ---- canvas ----

  resize() {
    const r = this.stage.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(r.width * dpr));
    this.canvas.height = Math.max(1, Math.round(r.height * dpr));
    this.canvas.style.width = r.width + "px";
    this.canvas.style.height = r.height + "px";
    this.cssW = r.width;
    this.cssH = r.height;
    this.draw();
  }

  fit() {
    if (!this.img) return;
    const z = Math.min(this.cssW / this.img.w, this.cssH / this.img.h) * 0.96;
    this.view = { zoom: z, x: (this.cssW - this.img.w * z) / 2, y: (this.cssH - this.img.h * z) / 2 };
    this.draw();
  }

  setZoom(z, cx = this.cssW / 2, cy = this.cssH / 2) {
    const v = this.view;
    z = Math.max(0.05, Math.min(16, z));
    v.x = cx - (cx - v.x) * (z / v.zoom);
    v.y = cy - (cy - v.y) * (z / v.zoom);
    v.zoom = z;
    this.draw();
  }

  zoomBy(f, cx, cy) { this.setZoom(this.view.zoom * f, cx, cy); }

  resetWL() {
    this.wl = { c: 128, w: 256, invert: false };
    this.applyWL();
  }

  // applyWL maps the film's grey levels through the window into the picture drawn.
  applyWL() {
    if (!this.grey) return;
    const { c, w, invert } = this.wl;
    const lut = new Uint8ClampedArray(256);
    for (let i = 0; i < 256; i++) {
      let v = ((i - (c - 0.5)) / Math.max(w - 1, 1) + 0.5) * 255;
      v = Math.max(0, Math.min(255, v));
      lut[i] = invert ? 255 - v : v;
    }
    const d = this.windowedData.data;
    const g = this.grey;
    for (let i = 0, j = 0; i < g.length; i++, j += 4) {
      const v = lut[g[i]];
      d[j] = v; d[j + 1] = v; d[j + 2] = v; d[j + 3] = 255;
    }
    this.windowed.getContext("2d").putImageData(this.windowedData, 0, 0);
    this.draw();
  }

  // screenOf gives where a film position is on screen (CSS pixels of the canvas).
  screenOf(x, y) {
    const v = this.view;
    return [v.x + (x + 0.5) * this.k * v.zoom, v.y + (y + 0.5) * this.k * v.zoom];
  }

  filmOf(sx, sy) {
    const v = this.view;
    return [(sx - v.x) / (v.zoom * this.k) - 0.5, (sy - v.y) / (v.zoom * this.k) - 0.5];
  }

  // siteOnScreen is for the tests: the page position of a site's mark.
  siteOnScreen(col) {
    const s = this.site(col);
    const [x, y] = this.screenOf(s.x_px, s.y_px);
    const r = this.canvas.getBoundingClientRect();
    return [r.left + x, r.top + y];
  }

  draw() {
    if (!this.canvas || this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => { this.drawQueued = false; this.paint(); });
  }

  paint() {
    const cx = this.canvas.getContext("2d");
    const dpr = window.devicePixelRatio || 1;
    cx.setTransform(dpr, 0, 0, dpr, 0, 0);
    cx.fillStyle = "#000";
    cx.fillRect(0, 0, this.cssW, this.cssH);
    if (!this.img) return;
    const v = this.view;
    cx.imageSmoothingEnabled = v.zoom < 2;
    cx.imageSmoothingQuality = "high";
    cx.drawImage(this.windowed, v.x, v.y, this.img.w * v.zoom, this.img.h * v.zoom);
    if (this.showMarks) this.paintMarks(cx);
    this.status.textContent = `W ${Math.round(this.wl.w)} · L ${Math.round(this.wl.c)}` +
      `${this.wl.invert ? " · inverted" : ""} · zoom ${(v.zoom * this.k * 100).toFixed(0)} %`;
  }

  paintMarks(cx) {
    const r = 9;
    cx.font = "600 11px system-ui, -apple-system, Segoe UI, Roboto, sans-serif";
    cx.textBaseline = "middle";
    for (const j of this.joints) {
      const e = j.sites.erosion ? this.sites.get(j.sites.erosion) : null;
      const n = j.sites.jsn ? this.sites.get(j.sites.jsn) : null;
      const any = (e || n).site;
      if (any.missing && !any.x_px && !any.y_px) continue;
      const [x, y] = this.screenOf(any.x_px, any.y_px);
      const half = (entry, from, to, kind) => {
        cx.beginPath();
        cx.moveTo(x, y);
        cx.arc(x, y, r, from, to);
        cx.closePath();
        const s = entry.site;
        cx.fillStyle = s.grade ? gradeColour(s.grade.grade, KIND_TOP[kind]) : "#6b7480";
        cx.fill();
      };
      if (e && n) {
        half(e, Math.PI / 2, 3 * Math.PI / 2, "erosion");
        half(n, -Math.PI / 2, Math.PI / 2, "jsn");
      } else {
        half(e || n, 0, 2 * Math.PI, e ? "erosion" : "jsn");
      }
      cx.lineWidth = 1.5;
      cx.strokeStyle = "rgba(0,0,0,0.85)";
      cx.beginPath(); cx.arc(x, y, r, 0, 2 * Math.PI); cx.stroke();
      const cols = [j.sites.erosion, j.sites.jsn].filter(Boolean);
      const review = cols.some((c) => this.site(c).needs_review);
      const corrected = cols.some((c) => this.corrected.has(c));
      const na = cols.some((c) => this.site(c).reason === "not assessable (reader)");
      if (na) {
        cx.strokeStyle = "#0b0d10"; cx.lineWidth = 2;
        cx.beginPath(); cx.moveTo(x - r * 0.7, y + r * 0.7); cx.lineTo(x + r * 0.7, y - r * 0.7); cx.stroke();
      }
      if (review) {
        cx.setLineDash([4, 3]);
        cx.strokeStyle = "#ffb020"; cx.lineWidth = 2.5;
        cx.beginPath(); cx.arc(x, y, r + 5, 0, 2 * Math.PI); cx.stroke();
        cx.setLineDash([]);
      } else if (corrected) {
        cx.strokeStyle = "#3fd0c9"; cx.lineWidth = 2;
        cx.beginPath(); cx.arc(x, y, r + 4, 0, 2 * Math.PI); cx.stroke();
      }
      if (cols.includes(this.sel)) {
        cx.strokeStyle = "#ffffff"; cx.lineWidth = 2;
        cx.beginPath(); cx.arc(x, y, r + 9, 0, 2 * Math.PI); cx.stroke();
      }
      const label = [];
      if (e) label.push("E" + (e.site.grade ? e.site.grade.grade : "–"));
      if (n) label.push("J" + (n.site.grade ? n.site.grade.grade : "–"));
      if (review) label.push("?");
      const w = (e || n).width;
      const lx = x + r + 7;
      this.text(cx, label.join(" "), lx, y - (w && w.available ? 6 : 0), review ? "#ffcf6b" : "#f2f5f8");
      if (w && w.available) this.text(cx, w.central_mm.toFixed(2) + " mm", lx, y + 7, "#8fd3ff");
    }
  }

  text(cx, s, x, y, colour) {
    cx.lineWidth = 3;
    cx.strokeStyle = "rgba(0,0,0,0.9)";
    cx.strokeText(s, x, y);
    cx.fillStyle = colour;
    cx.fillText(s, x, y);
  }

  hit(sx, sy) {
    let best = null, bestD = 16;
    for (const j of this.joints) {
      const any = this.site(j.sites.erosion || j.sites.jsn);
      if (any.missing && !any.x_px && !any.y_px) continue;
      const [x, y] = this.screenOf(any.x_px, any.y_px);
      const d = Math.hypot(x - sx, y - sy);
      if (d < bestD) { best = j; bestD = d; }
    }
    return best;
  }

  bindCanvas() {
    const c = this.canvas;
    let drag = null;
    c.addEventListener("contextmenu", (e) => e.preventDefault());
    c.addEventListener("wheel", (e) => {
      e.preventDefault();
      const r = c.getBoundingClientRect();
      this.zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    c.addEventListener("pointerdown", (e) => {
      c.setPointerCapture(e.pointerId);
      drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y, wl: { ...this.wl },
        window: e.button === 2 || e.shiftKey, moved: false };
    });
    c.addEventListener("pointermove", (e) => {
      const r = c.getBoundingClientRect();
      if (this.img) {
        const [fx, fy] = this.filmOf(e.clientX - r.left, e.clientY - r.top);
        const mm = this.read.report.input.spacing_mm[0];
        this.status.dataset.pos = `(${fx.toFixed(0)}, ${fy.toFixed(0)}) px · ` +
          `(${(fx * mm).toFixed(1)}, ${(fy * mm).toFixed(1)}) mm`;
      }
      if (!drag) return;
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.hypot(dx, dy) > 3) drag.moved = true;
      if (!drag.moved) return;
      if (drag.window) {
        this.wl.w = Math.max(2, Math.min(512, drag.wl.w + dx));
        this.wl.c = Math.max(0, Math.min(255, drag.wl.c + dy * 0.5));
        this.applyWL();
      } else {
        this.view.x = drag.vx + dx;
        this.view.y = drag.vy + dy;
        this.draw();
      }
    });
    c.addEventListener("pointerup", (e) => {
      const d = drag;
      drag = null;
      if (!d || d.moved || !this.img) return;
      const r = c.getBoundingClientRect();
      const sx = e.clientX - r.left, sy = e.clientY - r.top;
      if (this.moving) {
        const [fx, fy] = this.filmOf(sx, sy);
        this.endMove();
        this.correct({ action: "move", x_px: fx, y_px: fy });
        return;
      }
      const j = this.hit(sx, sy);
      if (!j) return;
      const cols = [j.sites.erosion, j.sites.jsn].filter(Boolean);
      const i = cols.indexOf(this.sel);
      this.select(i >= 0 ? cols[(i + 1) % cols.length] : cols[0]);
    });
  }
}

function valueText(v) {
  if (v.x_px !== undefined) return `(${v.x_px.toFixed(0)}, ${v.y_px.toFixed(0)})`;
  if (v.not_assessable) return "not assessable";
  if (v.grade !== undefined) return String(v.grade);
  return "none";
}
