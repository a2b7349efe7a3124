// The API as the page uses it. The key and the reader's name live in sessionStorage (this tab
// only, gone when it closes); no study data is ever written to browser storage.

const KEY = "rascore.key";
const READER = "rascore.reader";

export const session = {
  get key() { return sessionStorage.getItem(KEY) || ""; },
  get reader() { return sessionStorage.getItem(READER) || ""; },
  set(key, reader) {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(READER, reader);
  },
  clear() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(READER);
  },
};

export class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function errorOf(resp) {
  let msg = resp.statusText;
  try {
    msg = (await resp.json()).error || msg;
  } catch { /* not JSON */ }
  return new APIError(resp.status, msg);
}

// call sends a request with the key; JSON bodies are encoded, JSON answers decoded.
export async function call(method, path, body, key = session.key) {
  const init = { method, headers: { Authorization: "Bearer " + key } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  if (resp.status === 401) window.dispatchEvent(new CustomEvent("rascore:unauthorized"));
  if (!resp.ok) throw await errorOf(resp);
  return resp;
}

export async function getJSON(path, key) {
  return (await call("GET", path, undefined, key)).json();
}

export async function postJSON(path, body) {
  return (await call("POST", path, body)).json();
}

export async function getBlob(path) {
  return (await call("GET", path)).blob();
}

// upload sends one film as multipart/form-data, reporting progress (0–1) as it goes.
export function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/studies");
    xhr.setRequestHeader("Authorization", "Bearer " + session.key);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status === 202) resolve(body);
      else reject(new APIError(xhr.status, body.error || xhr.statusText));
    };
    xhr.onerror = () => reject(new APIError(0, "network error"));
    const form = new FormData();
    form.append("file", file, "film");
    xhr.send(form);
  });
}

// download fetches an export with the key and saves it under name.
export async function download(path, name) {
  const blob = await getBlob(path);
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
