// Live page: start a session, follow it by Server-Sent Events, stop it, show its summary.
"use strict";
window.hrzoneShown = [];   // {t_s, start, shown_ms}: when each status reached the screen (bench)
const ZONE_WORDS = { low: "LOW", moderate: "MODERATE", high: "HIGH" };
let following = null;

function render(s) {
  const ok = s.signal === "ok";
  const zone = ok && s.zone && s.zone !== "invalid" ? s.zone : null;
  const box = hz.$("zone");
  box.className = "zone " + (zone || (ok ? "" : "nosignal"));
  hz.set("zone-word", zone ? ZONE_WORDS[zone] : ok ? "—" : "NO SIGNAL");
  hz.set("zone-hint", zone ? s.hint : ok ? "waiting for a zone" : (s.signal_reason || ""));
  hz.set("hr", s.hr_bpm == null ? "—" : Math.round(s.hr_bpm));
  hz.set("target", s.target || "—");
  hz.set("elapsed", hz.clock(s.elapsed_s));
  hz.set("in-target", hz.clock(s.target_s));
  hz.set("credited", hz.min(s.credited_min));
  const goal = s.goal_min || 0, week = s.week_min || 0;
  hz.set("week-text", `${hz.min(week)} of ${goal} min (${goal ? Math.round(100 * week / goal) : 0}%)`);
  hz.$("week-fill").style.width = `${goal ? Math.min(100, 100 * week / goal) : 0}%`;
  hz.$("week-bar").setAttribute("aria-valuenow", week);
  hz.$("week-bar").setAttribute("aria-valuemax", goal);
  hz.set("last-cue", s.last_cue ? `“${s.last_cue}”` : "—");
  hz.set("signal", ok ? "ok" : `no signal (${s.signal_reason})`);
  hz.set("device", s.device || "");
  hz.set("battery", s.battery == null ? "" : `· battery ${s.battery}%`);
  const banner = hz.$("ceiling");
  banner.hidden = !s.above_ceiling;
  if (s.above_ceiling) banner.textContent = `EASE OFF · ${s.ceiling_text}`;
  const mark = { t_s: s.t_s, start: s.start };
  requestAnimationFrame(() => {
    mark.shown_ms = Date.now();
    window.hrzoneShown.push(mark);
    if (window.hrzoneShown.length > 5000) window.hrzoneShown.shift();
  });
}

function speak(cue) {
  if (!hz.$("speak").checked || !("speechSynthesis" in window)) return;
  speechSynthesis.speak(new SpeechSynthesisUtterance(cue.text));
}

function showEnd(s) {
  following = null;
  hz.$("view").hidden = true;
  const end = s.end;
  hz.$("last").hidden = false;
  if (!end || !end.summary) {
    hz.set("last-text", s.error || "The session ended before the strap was connected.");
    hz.set("last-saved", "");
  } else {
    const m = end.summary.minutes, z = end.summary.zones;
    hz.set("last-text", `${hz.clock(end.summary.duration_s)} · credited ${hz.min(m.credited)} min ` +
      `(moderate ${hz.min(m.moderate)}, vigorous ${hz.min(m.vigorous)}) · low ${hz.clock(z.low_s)}, ` +
      `moderate ${hz.clock(z.moderate_s)}, high ${hz.clock(z.high_s)}`);
    const saved = hz.$("last-saved");
    saved.replaceChildren();
    if (end.saved_id != null) {
      saved.append("Saved as ", hz.el("a", { href: `/sessions/${end.saved_id}`, text: `session ${end.saved_id}` }),
        end.origin !== "device" ? ` (${end.origin})` : "");
    } else {
      saved.append(end.save_error ? `Not saved: ${end.save_error}` : "Not saved to your history.");
    }
  }
  showStart();
}

function follow(s) {
  hz.$("start").hidden = true;
  hz.$("last").hidden = true;
  hz.$("view").hidden = false;
  render(s);
  if (following) following.close();
  following = hz.follow(s.id, { status: render, cue: speak,
    end: (e) => { if (following) showEnd(e); },
    lost: () => hz.showError("Lost the connection to the server.") });
}

async function start(device) {
  hz.showError(null);
  try { follow(await hz.post("/api/live/start", device ? { device } : {})); } catch (e) { hz.showError(e); }
}

function showStart() {
  hz.$("start").hidden = false;
  hz.strapChooser(hz.$("straps"), start);
}

document.addEventListener("DOMContentLoaded", async () => {
  hz.$("stop").addEventListener("click", async () => {
    hz.$("stop").disabled = true;
    try {
      const s = await hz.post("/api/live/stop", following ? { id: following.runId } : {});
      if (following) { following.close(); showEnd(s); }
    } catch (e) { hz.showError(e); }
    hz.$("stop").disabled = false;
  });
  try {
    const id = new URLSearchParams(location.search).get("id");   // one of several sessions
    const s = await hz.api(id ? `/api/live?id=${encodeURIComponent(id)}` : "/api/live");
    if (s.state === "running" || s.state === "connecting" || s.state === "stopping") follow(s);
    else showStart();
  } catch (e) { hz.showError(e); }
});
