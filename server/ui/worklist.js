// The worklist: every study with its status, when it came, its SvdH total and how many sites
// need review; filtered and sorted on the page. Films are uploaded by dropping them here.

import { getJSON, upload } from "./api.js";
import { h, toast, fmtDate } from "./dom.js";

const FILTERS = [
  ["open", "To read"],
  ["review", "Needs review"],
  ["signed", "Signed off"],
  ["pending", "Queued"],
  ["failed", "Failed / no hand"],
  ["all", "All studies"],
];

const COLUMNS = [
  // key, title, class, value for sorting
  ["created", "Received", "", (s) => s.created],
  ["id", "Study", "mono", (s) => s.id],
  ["patient", "Patient key", "mono", (s) => s.patient_key || ""],
  ["source", "Source", "", (s) => s.source],
  ["state", "Status", "", (s) => stateOf(s).order],
  ["total", "SvdH total", "num", (s) => (s.totals ? s.totals.total : -1)],
  ["erosion", "Erosion", "num", (s) => (s.totals ? s.totals.erosion : -1)],
  ["jsn", "JSN", "num", (s) => (s.totals ? s.totals.jsn : -1)],
  ["review", "Needs review", "num", (s) => (s.totals ? s.totals.needs_review : -1)],
];

// stateOf says where a study is: its label, badge class and order.
export function stateOf(s) {
  if (!s.status) return { label: "Queued", cls: "pending", order: 0 };
  if (s.status === "failed") return { label: "Failed", cls: "failed", order: 5 };
  if (s.status === "no hand") return { label: "No hand", cls: "failed", order: 5 };
  if (s.signed_off) return { label: "Signed off", cls: "signed", order: 4 };
  if (s.corrections > 0) return { label: "Corrected", cls: "corrected", order: 2 };
  return { label: "AI read", cls: "ai", order: 1 };
}

function matches(s, filter, text) {
  const st = stateOf(s).cls;
  const ok = {
    open: st === "ai" || st === "corrected",
    review: (st === "ai" || st === "corrected") && s.totals && s.totals.needs_review > 0,
    signed: st === "signed",
    pending: st === "pending",
    failed: st === "failed",
    all: true,
  }[filter];
  if (!ok) return false;
  if (!text) return true;
  return [s.id, s.film_id, s.patient_key || "", s.sop_instance_uid || ""]
    .some((v) => v.toLowerCase().includes(text));
}

export function showWorklist(root) {
  const state = { studies: [], filter: "all", text: "", sort: "created", desc: true };
  let timer = null;
  let stopped = false;

  const search = h("input", { type: "search", id: "wl-search", placeholder: "Study, film or patient key",
    spellcheck: "false", oninput: (e) => { state.text = e.target.value.trim().toLowerCase(); render(); } });
  const filters = h("div", { class: "seg", role: "tablist" },
    FILTERS.map(([k, label]) => h("button", { class: "seg-btn", dataset: { filter: k },
      onclick: () => { state.filter = k; render(); } }, label, h("span", { class: "seg-count" }))));
  const fileInput = h("input", { type: "file", id: "wl-file", multiple: true, hidden: true,
    accept: ".dcm,.dicom,.png,.jpg,.jpeg,.tif,.tiff,application/dicom,image/*",
    onchange: (e) => { sendFiles([...e.target.files]); e.target.value = ""; } });
  const uploads = h("ul", { class: "uploads", id: "wl-uploads" });
  const drop = h("div", { class: "dropzone", id: "wl-drop" },
    h("div", { class: "drop-icon" }, "⇪"),
    h("div", {}, h("strong", {}, "Drop films here"), " — DICOM, PNG, JPEG or TIFF, one hand film each, or ",
      h("button", { class: "linklike", onclick: () => fileInput.click() }, "choose files"), "."),
    fileInput);
  const tbody = h("tbody");
  const thead = h("thead", {}, h("tr", {}, COLUMNS.map(([k, title, cls]) =>
    h("th", { class: cls + " sortable", dataset: { sort: k }, onclick: () => sortBy(k) }, title))));
  const summary = h("div", { class: "wl-summary", id: "wl-summary" });
  const table = h("table", { class: "grid worklist", id: "worklist" }, thead, tbody);
  const empty = h("div", { class: "empty", id: "wl-empty", hidden: true });

  root.append(h("section", { class: "page worklist-page" },
    h("div", { class: "page-head" },
      h("div", {}, h("h2", {}, "Worklist"), summary),
      h("div", { class: "toolbar" }, filters, search)),
    drop, uploads,
    h("div", { class: "table-wrap" }, table, empty)));

  for (const ev of ["dragenter", "dragover"]) {
    drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    sendFiles([...e.dataTransfer.files]);
  });

  function sortBy(k) {
    if (state.sort === k) state.desc = !state.desc;
    else { state.sort = k; state.desc = k !== "id" && k !== "patient"; }
    render();
  }

  async function sendFiles(files) {
    for (const f of files) {
      const bar = h("div", { class: "bar-fill" });
      const note = h("span", { class: "upload-note" }, "0 %");
      const li = h("li", { class: "upload" }, h("span", { class: "upload-name" }, `Film ${f.size ? (f.size / 1e6).toFixed(1) + " MB" : ""}`),
        h("div", { class: "bar" }, bar), note);
      uploads.prepend(li);
      try {
        const q = await upload(f, (p) => {
          bar.style.width = (100 * p).toFixed(0) + "%";
          note.textContent = (100 * p).toFixed(0) + " %";
        });
        bar.style.width = "100%";
        li.classList.add("done");
        note.textContent = "queued · study " + q.study_id;
        load();
      } catch (err) {
        li.classList.add("failed");
        note.textContent = err.message;
        toast("Upload refused: " + err.message, "error");
      }
    }
  }

  async function load() {
    clearTimeout(timer);
    try {
      const body = await getJSON("/v1/worklist?limit=1000");
      if (stopped) return;
      state.studies = body.studies;
      render();
    } catch (err) {
      if (!stopped) toast("Worklist: " + err.message, "error");
    }
    if (!stopped) {
      const busy = state.studies.some((s) => !s.status);
      timer = setTimeout(load, busy ? 1500 : 10000);
    }
  }

  function render() {
    const counts = Object.fromEntries(FILTERS.map(([k]) => [k, 0]));
    for (const s of state.studies) for (const [k] of FILTERS) if (matches(s, k, "")) counts[k]++;
    for (const b of filters.children) {
      b.classList.toggle("on", b.dataset.filter === state.filter);
      b.querySelector(".seg-count").textContent = counts[b.dataset.filter];
    }
    const reviewSites = state.studies.reduce((n, s) =>
      n + (s.totals && !s.signed_off ? s.totals.needs_review : 0), 0);
    summary.textContent = `${state.studies.length} studies · ${counts.open} to read · ` +
      `${reviewSites} sites flagged for review`;
    for (const th of thead.querySelectorAll("th")) {
      th.classList.toggle("sorted", th.dataset.sort === state.sort);
      th.classList.toggle("desc", th.dataset.sort === state.sort && state.desc);
    }
    const col = COLUMNS.find((c) => c[0] === state.sort);
    const rows = state.studies.filter((s) => matches(s, state.filter, state.text));
    rows.sort((a, b) => {
      const x = col[3](a), y = col[3](b);
      const c = x < y ? -1 : x > y ? 1 : 0;
      return state.desc ? -c : c;
    });
    tbody.replaceChildren(...rows.map(row));
    empty.hidden = rows.length > 0;
    empty.textContent = state.studies.length ? "No study matches." :
      "No studies yet. Drop a film above, or send one from the PACS by STOW-RS.";
  }

  function row(s) {
    const st = stateOf(s);
    const t = s.totals;
    const open = s.status === "scored";
    const review = t ? t.needs_review : null;
    return h("tr", { class: open ? "link" : "", dataset: { study: s.id },
      onclick: open ? () => { location.hash = "#/study/" + s.id; } : null },
    h("td", {}, fmtDate(s.created)),
    h("td", { class: "mono" }, s.id),
    h("td", { class: "mono muted" }, s.patient_key ? s.patient_key.slice(0, 12) : "—"),
    h("td", { class: "muted" }, s.source === "stow" ? "PACS (STOW-RS)" : "Upload"),
    h("td", {}, h("span", { class: "badge " + st.cls, title: s.error || "" }, st.label),
      s.signed_off ? h("span", { class: "by" }, s.signed_off.reader) :
        s.corrections ? h("span", { class: "by" }, `${s.corrections} change${s.corrections > 1 ? "s" : ""}`) : null),
    h("td", { class: "num strong" }, t ? t.total : "—"),
    h("td", { class: "num" }, t ? t.erosion : "—"),
    h("td", { class: "num" }, t ? t.jsn : "—"),
    h("td", { class: "num" }, review === null ? "—" :
      review > 0 && !s.signed_off ? h("span", { class: "flag" }, review) : h("span", { class: "muted" }, review)));
  }

  load();
  return { stop() { stopped = true; clearTimeout(timer); } };
}
