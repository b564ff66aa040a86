// Class screen: one tile per participant, following the class by Server-Sent Events.
// Every number comes from the server's tiles (ClassMonitor); this file only draws them.
"use strict";
window.hrzoneTiles = [];   // {name, start, t_s, shown_ms}: when each tile update reached the screen (bench)
const ZONE_WORDS = { low: "LOW", moderate: "MODERATE", high: "HIGH" };
const tiles = new Map();   // name -> {box, parts}
let events = null;
let hideBpm = false;

function part(cls, tag = "div") { return hz.el(tag, { class: cls }); }

function makeTile(name) {
  const p = {
    name: part("t-name"), status: part("t-status"), hr: part("t-hr"), alert: part("t-alert"),
    zone: part("t-zone"), hint: part("t-hint"), targetLabel: part("t-label"), target: part("t-value"),
    credited: part("t-value"),
  };
  p.alert.setAttribute("role", "alert");
  p.name.textContent = name;
  const box = hz.el("article", { class: "tile", "data-name": name },
    hz.el("div", { class: "t-head" }, p.name, p.status),
    hz.el("div", { class: "t-mid" }, p.hr, p.alert),
    hz.el("div", { class: "t-band" }, p.zone, p.hint),
    hz.el("div", { class: "t-foot" },
      hz.el("div", { class: "t-stat" }, p.targetLabel, p.target),
      hz.el("div", { class: "t-stat" }, hz.el("div", { class: "t-label", text: "credited" }), p.credited)));
  hz.$("tiles").append(box);
  const t = { box, p };
  tiles.set(name, t);
  return t;
}

function drawTile(j) {
  const t = tiles.get(j.name) || makeTile(j.name);
  const p = t.p, ok = j.signal === "ok";
  const zone = ok && j.zone ? j.zone : null;
  t.box.className = "tile" + (j.above_ceiling ? " alert" : "") + (j.present ? "" : " absent");
  p.band = p.zone.parentElement;
  p.band.className = "t-band " + (zone || (j.present ? "nosignal" : "none"));
  p.zone.textContent = !j.present ? "NOT HERE" : zone ? ZONE_WORDS[zone] : ok ? "—" : "NO SIGNAL";
  p.hint.textContent = !j.present ? "" : zone ? j.target_hint : ok ? "" : (j.signal_reason || "");
  p.hr.textContent = j.hr_bpm == null ? "—" : `${j.hr_bpm}`;
  p.hr.append(hz.el("small", { text: " bpm" }));
  p.hr.hidden = hideBpm;
  p.alert.hidden = !j.above_ceiling;
  p.alert.replaceChildren();
  if (j.above_ceiling) p.alert.append("EASE OFF", hz.el("small", { text: `over ${Math.round(j.ceiling_bpm)} bpm` }));
  p.targetLabel.textContent = `in ${j.target}`;
  p.target.textContent = hz.clock(j.in_target_s);
  p.credited.textContent = `${hz.min(j.credited_min)} min`;
  const bits = [];
  if (!j.present) bits.push("absent");
  else bits.push(j.link === "connected" ? (ok ? "signal ok" : "no signal") : j.link);
  if (j.battery != null) bits.push(`battery ${j.battery}%`);
  p.status.textContent = bits.join(" · ");
  t.box.title = j.room_cue ? `Last said to ${j.name}: “${j.room_cue}”` : "";
  const mark = { name: j.name, start: j.start, t_s: j.elapsed_s };
  requestAnimationFrame(() => {
    mark.shown_ms = Date.now();
    window.hrzoneTiles.push(mark);
    if (window.hrzoneTiles.length > 20000) window.hrzoneTiles.splice(0, 5000);
  });
}

function drawTable(rows) {
  const card = hz.$("table-card");
  card.hidden = !rows;
  if (!rows) return;
  const body = hz.$("table").tBodies[0];
  body.replaceChildren(...rows.map((r) => hz.el("tr", {},
    hz.el("td", { text: r.name }),
    ...[r.minutes.low, r.minutes.moderate, r.minutes.high, r.credited_min].map(
      (x) => hz.el("td", { class: "num", text: hz.min(x) })),
    hz.el("td", { text: r.target }),
    hz.el("td", { class: "num", text: hz.min(r.in_target_min) }),
    hz.el("td", { class: "num", text: r.above_ceiling_min == null ? "—" : hz.min(r.above_ceiling_min) }),
    hz.el("td", { class: "num", text: `${r.data_quality.valid_pct}%` }))));
}

function drawClass(s) {
  hideBpm = !!s.hide_bpm;
  hz.$("hide-bpm").checked = hideBpm;
  document.body.classList.toggle("zones-only", hideBpm);
  const running = s.state === "running" || s.state === "connecting" || s.state === "stopping";
  const words = { idle: "No class yet.", connecting: "Finding everyone's strap…", running: "Class running",
                  stopping: "Ending the class…", ended: "Class ended" };
  hz.set("class-state", (words[s.state] || s.state) + (s.virtual ? " (virtual straps)" : ""));
  hz.$("start").hidden = running;
  hz.$("stop").hidden = !running;
  if (document.activeElement !== hz.$("zone-cues")) hz.$("zone-cues").value = (s.zone_cues || []).join(", ");
  const notes = [...(s.notes || []), ...Object.entries(s.absent || {}).map(([n, w]) => `${n}: ${w}`),
                 ...Object.entries(s.late || {}).map(([n, t]) => `${n} joined at ${hz.clock(t)}`)];
  hz.$("notes").hidden = !notes.length && !s.error;
  hz.set("notes", [s.error, ...notes].filter(Boolean).join(" · "));
  for (const t of s.tiles || []) drawTile(t);
  const last = (s.cues || []).slice(-1)[0];
  hz.set("room-cue", last ? `Room: “${last.text}”` : "");
  drawTable(s.table);
  if (s.error && s.state === "ended") hz.showError(s.error);
}

function follow() {
  if (events) events.close();
  events = new EventSource("/api/class/events");
  events.addEventListener("class", (m) => drawClass(JSON.parse(m.data)));
  events.addEventListener("tile", (m) => drawTile(JSON.parse(m.data)));
  events.addEventListener("cue", (m) => hz.set("room-cue", `Room: “${JSON.parse(m.data).text}”`));
  events.addEventListener("end", (m) => { events.close(); events = null; drawClass(JSON.parse(m.data)); });
  events.onerror = () => {
    if (events && events.readyState === EventSource.CLOSED) hz.showError("Lost the connection to the server.");
  };
}

async function act(fn) {
  hz.showError(null);
  try { await fn(); } catch (e) { hz.showError(e); }
}

document.addEventListener("DOMContentLoaded", async () => {
  hz.$("start").addEventListener("click", () => act(async () => {
    hz.$("tiles").replaceChildren(); tiles.clear();
    drawClass(await hz.post("/api/class/start"));
    follow();
  }));
  hz.$("stop").addEventListener("click", () => act(async () => {
    hz.$("stop").disabled = true;
    try { drawClass(await hz.post("/api/class/stop")); } finally { hz.$("stop").disabled = false; }
  }));
  hz.$("hide-bpm").addEventListener("change", (e) => act(async () => {
    drawClass(await hz.post("/api/class/settings", { hide_bpm: e.target.checked }));
  }));
  hz.$("cues-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const names = hz.$("zone-cues").value.split(",").map((x) => x.trim()).filter(Boolean);
    act(async () => drawClass(await hz.post("/api/class/settings", { zone_cues: names })));
  });
  await act(async () => {
    const s = await hz.api("/api/class");
    drawClass(s);
    if (s.state !== "idle" && s.state !== "ended") follow();
  });
});
