// Profile page: thresholds with a live preview in bpm, target zone, goal, cue switches.
"use strict";
const FIELDS = [
  ["age", "Age (years)"], ["rest_hr", "Resting heart rate (bpm)"], ["max_hr", "Measured maximum (bpm)"],
  ["method", "Method (hrr, hrmax or bpm)"], ["moderate_bpm", "Moderate from (bpm, method bpm)"],
  ["high_bpm", "High from (bpm, method bpm)"], ["ceiling_bpm", "Ceiling: ease off above (bpm)"],
];
const SWITCH_WORDS = { zone_low: "entering low", zone_moderate: "entering moderate", zone_high: "entering high",
  ceiling: "ceiling alert", signal: "signal lost/back", battery: "battery low", milestones: "milestones",
  goal: "weekly goal reached", start: "session start", end: "session end", say_hr: "say the heart rate" };
let original = {};

function inputs() { return [...document.querySelectorAll("[data-key]")]; }

function valueOf(e) { return e.type === "checkbox" ? String(e.checked) : e.value.trim(); }

function changes() {
  const out = {};
  for (const e of inputs()) if (valueOf(e) !== original[e.dataset.key]) out[e.dataset.key] = valueOf(e);
  return out;
}

function fill(p) {
  for (const [key] of FIELDS) hz.$(`f-${key}`).value = p[key] == null ? "" : String(p[key]);
  hz.$("weekly_goal").value = p.weekly_goal == null ? "" : String(p.weekly_goal);
  hz.$("target").value = p.target;
  for (const [k, v] of Object.entries(p.cue_switches)) hz.$(`s-${k}`).checked = v;
  original = Object.fromEntries(inputs().map((e) => [e.dataset.key, valueOf(e)]));
  showZones(p);
}

function showZones(p) {
  hz.set("zones", p.zones_text ? `Your zones: ${p.zones_text}` : "No thresholds yet.");
  const notes = [p.thresholds_note, ...(p.problems || []).map((x) => x.message)].filter(Boolean);
  hz.set("note", notes.join(" · "));
}

let timer = null;
function preview() {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const set = changes();
    if (!Object.keys(set).length) { hz.showError(null); return; }
    try { showZones(await hz.post("/api/profile/preview", { set })); hz.showError(null); }
    catch (e) { hz.showError(e); }
  }, 250);
}

document.addEventListener("DOMContentLoaded", async () => {
  const box = hz.$("fields");
  for (const [key, label] of FIELDS) {
    box.append(hz.el("label", { class: "field" }, label, hz.el("input", { id: `f-${key}`, "data-key": key })));
  }
  const p = await hz.api("/api/profile").catch((e) => { hz.showError(e); return null; });
  if (!p) return;
  const sw = hz.$("switches");
  for (const k of Object.keys(p.cue_switches)) {
    sw.append(hz.el("label", {}, hz.el("input", { type: "checkbox", id: `s-${k}`, "data-key": `cues.${k}` }),
      SWITCH_WORDS[k] || k.replace(/_/g, " ")));
  }
  fill(p);
  for (const e of inputs()) { e.addEventListener("input", preview); e.addEventListener("change", preview); }
  hz.$("save").addEventListener("click", async () => {
    const set = changes();
    if (!Object.keys(set).length) { hz.set("saved", "Nothing changed."); return; }
    try {
      const r = await hz.post("/api/profile", { set });
      fill(r); hz.showError(null);
      hz.set("saved", "Saved." + (r.recompute ? ` ${r.recompute}` : ""));
    } catch (e) { hz.showError(e); }
  });
});
