// Week page: the `week --json` object as a progress bar, days, streak, next step; earlier weeks.
"use strict";
let shown = null;

function shift(days) {
  const d = new Date(shown.start + "T12:00:00Z");
  d.setUTCDate(d.getUTCDate() + days);
  load(d.toISOString().slice(0, 10));
}

function extraFields(w) {
  // Fields other tools add to the week object (shown as they are, so nothing is hidden).
  const known = new Set(["week", "start", "end", "timezone", "goal", "credited", "moderate", "vigorous",
    "remaining", "met", "days", "sessions", "streak", "other_thresholds", "next_step"]);
  return Object.entries(w).filter(([k, v]) => !known.has(k) && v !== null && typeof v !== "object");
}

async function load(date) {
  hz.showError(null);
  try {
    const q = date ? `?date=${encodeURIComponent(date)}` : "";
    const w = await hz.api(`/api/week${q}`);
    shown = w;
    hz.set("title", `Week ${w.week} · ${w.start} to ${w.end}`);
    hz.set("total", `${hz.min(w.credited)} of ${w.goal} credited minutes` +
      (w.met ? " · goal met" : ` · ${hz.min(w.remaining)} to go`));
    const vig2 = Math.max(0, w.credited - w.moderate);
    hz.$("bar-mod").style.width = `${Math.min(100, 100 * w.moderate / w.goal)}%`;
    hz.$("bar-vig").style.width = `${Math.max(0, Math.min(100 - 100 * w.moderate / w.goal, 100 * vig2 / w.goal))}%`;
    hz.$("bar").setAttribute("aria-valuenow", w.credited);
    hz.$("bar").setAttribute("aria-valuemax", w.goal);
    hz.set("mod-min", `${hz.min(w.moderate)} min`);
    hz.set("vig-min", `${hz.min(w.vigorous)} min`);
    hz.set("next-step", w.next_step || "");
    hz.set("streak", `Streak: ${w.streak} week${w.streak === 1 ? "" : "s"} meeting the goal`);
    const extra = extraFields(w).map(([k, v]) => `${k.replace(/_/g, " ")}: ${v}`);
    const other = w.other_thresholds ? [`${w.other_thresholds} session(s) were credited with other thresholds than your current ones (hrzone log recompute re-credits them).`] : [];
    hz.set("note", [...other, ...extra].join(" · "));
    const body = hz.$("days").tBodies[0];
    body.replaceChildren(...w.days.map((d) => hz.el("tr", {},
      hz.el("td", { text: `${d.weekday} ${d.date.slice(5)}` }), hz.el("td", { class: "num day-credited", text: hz.min(d.credited) }),
      hz.el("td", { class: "num", text: hz.min(d.moderate) }), hz.el("td", { class: "num", text: hz.min(d.vigorous) }),
      hz.el("td", { class: "num wide", text: String(d.sessions) }))));
    hz.$("week-plot").src = `/api/week.svg?date=${w.start}`;
    const rows = await hz.api("/api/weeks?last=12");
    hz.$("weeks").tBodies[0].replaceChildren(...rows.slice().reverse().map((r) => hz.el("tr", {},
      hz.el("td", {}, hz.el("a", { href: `/week?date=${r.start}`, text: r.week })), hz.el("td", { class: "wide", text: r.start }),
      hz.el("td", { class: "num", text: hz.min(r.credited) }), hz.el("td", { class: "num", text: String(r.goal) }),
      hz.el("td", { text: r.met ? "met" : "" }))));
  } catch (e) { hz.showError(e); }
}

document.addEventListener("DOMContentLoaded", () => {
  hz.$("prev").addEventListener("click", () => shift(-7));
  hz.$("next").addEventListener("click", () => shift(7));
  load(new URLSearchParams(location.search).get("date"));
});
