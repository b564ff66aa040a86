// hrzone: shared helpers for every page (no outside code; talks to this server only).
"use strict";
const hz = {
  async api(path, options = {}) {
    const opts = { ...options, headers: { ...(options.headers || {}) } };
    if (opts.method && opts.method !== "GET") {
      opts.headers["X-Hrzone"] = "1";
      if (opts.json !== undefined) {
        opts.headers["Content-Type"] = "application/json";
        opts.body = JSON.stringify(opts.json);
      }
    }
    delete opts.json;
    const r = await fetch(path, opts);
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (!r.ok && !opts.allowError) {
      throw new Error((body && body.error) || `${r.status} ${r.statusText}`);
    }
    return body;
  },
  post(path, json, extra = {}) { return hz.api(path, { method: "POST", json: json || {}, ...extra }); },
  el(tag, props = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  },
  $(id) { return document.getElementById(id); },
  set(id, text) { const e = hz.$(id); if (e) e.textContent = text; },
  clock(s) {
    s = Math.max(0, Math.floor(s || 0));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? `${h}:` : "") + `${mm}:${String(r).padStart(2, "0")}`;
  },
  min(x) { return x == null ? "—" : Number(x).toFixed(1); },
  showError(e) {
    const p = hz.$("error");
    if (!e) { p.hidden = true; return; }
    p.textContent = String(e.message || e); p.hidden = false;
  },
  fmtDate(iso) {
    const d = new Date(iso);
    return d.toLocaleString([], { weekday: "short", year: "numeric", month: "short", day: "numeric",
                                  hour: "2-digit", minute: "2-digit" });
  },
};
document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page === "session" ? "sessions" : document.body.dataset.page;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.page === page) { a.classList.add("here"); a.setAttribute("aria-current", "page"); }
  }
});
// The strap chooser of the live and calibrate pages: the virtual strap, or a Bluetooth scan.
hz.strapChooser = async function (box, onPick) {
  box.replaceChildren(hz.el("p", { text: "Looking for straps…", class: "muted" }));
  let found;
  try { found = await hz.api("/api/straps"); } catch (e) {
    box.replaceChildren(hz.el("p", { class: "muted", text: `No strap list: ${e.message}` }));
    found = { straps: [], virtual: false };
  }
  const list = hz.el("div", { class: "row" });
  for (const s of found.straps) {
    const label = `${s.name || "?"}${found.virtual ? " (virtual strap)" : ""} · ${s.rssi} dBm`;
    list.append(hz.el("button", { class: "strap", text: label, onclick: () => onPick(s.address) }));
  }
  box.replaceChildren(list);
  if (!found.straps.length) {
    box.append(hz.el("p", { text: "No strap found. Wear it (most straps sleep when dry or off the body), then look again." }));
  }
  box.append(hz.el("button", { class: "secondary", text: "Look again", onclick: () => hz.strapChooser(box, onPick) }));
};
// Server-Sent Events of a running session; calls on.status / on.cue / on.end.
hz.follow = function (id, on) {
  const es = new EventSource(`/api/live/events?id=${encodeURIComponent(id)}`);
  es.addEventListener("status", (m) => on.status && on.status(JSON.parse(m.data)));
  es.addEventListener("cue", (m) => on.cue && on.cue(JSON.parse(m.data)));
  es.addEventListener("end", (m) => { es.close(); on.end && on.end(JSON.parse(m.data)); });
  es.onerror = () => { if (es.readyState === EventSource.CLOSED && on.lost) on.lost(); };
  es.runId = id;
  return es;
};
