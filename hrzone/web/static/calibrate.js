// Calibrate page: the guided talk test with three large buttons, the proposal, save.
"use strict";
let following = null;

function render(s) {
  hz.set("hr", s.hr_bpm == null ? "—" : Math.round(s.hr_bpm));
  hz.set("signal", s.signal === "ok" ? `Elapsed ${hz.clock(s.elapsed_s)}` : `No signal (${s.signal_reason})`);
  const marks = s.confirmations || [];
  if (marks.length < hz.$("marks").children.length) return;   // an older message than the mark
  hz.$("marks").replaceChildren(...marks.map((m) => hz.el("li", { text: m })));
}

async function mark(kind, advice) {
  hz.showError(null);
  try {
    if (kind) render(await hz.post("/api/calibrate/mark", { mark: kind }));
    hz.set("advice", advice);
  } catch (e) { hz.showError(e); }
}

function showResult(p) {
  hz.$("test").hidden = true;
  hz.$("result").hidden = false;
  hz.set("proposal", p.text);
  hz.set("p-mod", `${Math.round(p.moderate_bpm)} bpm`);
  hz.set("p-high", `${Math.round(p.high_bpm)} bpm`);
  hz.set("c-mod", p.current ? `${Math.round(p.current.moderate_bpm)} bpm` : "—");
  hz.set("c-high", p.current ? `${Math.round(p.current.high_bpm)} bpm` : "—");
}

function showTest(s) {
  hz.$("intro").hidden = true;
  hz.$("test").hidden = false;
  render(s);
  following = hz.follow(s.id, { status: render });
}

async function start(device) {
  hz.showError(null);
  try { showTest(await hz.post("/api/calibrate/start", device ? { device } : {})); } catch (e) { hz.showError(e); }
}

document.addEventListener("DOMContentLoaded", async () => {
  hz.$("b-sing").addEventListener("click", () => mark(null, "Good. Raise the effort a little; press again when that changes."));
  hz.$("b-talk").addEventListener("click", () => mark("sing", "Marked: you can no longer sing. Keep raising the effort slowly."));
  hz.$("b-notalk").addEventListener("click", () => mark("talk", "Marked: you can no longer talk. Ease off, then finish the test."));
  hz.$("finish").addEventListener("click", async () => {
    hz.showError(null);
    hz.$("finish").disabled = true;
    if (following) following.close();
    try { showResult(await hz.post("/api/calibrate/finish", {})); }
    catch (e) { hz.showError(e); hz.$("test").hidden = true; hz.$("intro").hidden = false; hz.strapChooser(hz.$("straps"), start); }
    hz.$("finish").disabled = false;
  });
  hz.$("save").addEventListener("click", async () => {
    try {
      const r = await hz.post("/api/calibrate/save", {});
      hz.set("saved", "Saved in your profile." + (r.recompute ? ` ${r.recompute}` : ""));
      hz.$("save").disabled = true;
    } catch (e) { hz.showError(e); }
  });
  const s = await hz.api("/api/calibrate").catch(() => ({ state: "idle" }));
  if (s.state === "running" || s.state === "connecting") showTest(s);
  else hz.strapChooser(hz.$("straps"), start);
});
