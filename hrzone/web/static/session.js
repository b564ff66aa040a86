// One session: facts, the HR plot (SVG from the server), cues, data quality, warnings, exports.
"use strict";
function fact(dl, label, value) { dl.append(hz.el("dt", { text: label }), hz.el("dd", { text: value })); }

function cueText(c) {
  if (c.text) return c.text;
  const at = c.hr_bpm != null ? ` at ${Math.round(c.hr_bpm)} bpm` : "";
  if (c.kind === "zone") return `zone ${c.zone}${at}`;
  if (c.kind === "ceiling") return c.above ? `above the ceiling${at}` : `back below the ceiling${at}`;
  const bits = Object.entries(c).filter(([k]) => k !== "t_s" && k !== "kind").map(([k, v]) => `${k} ${v}`);
  return `${c.kind}${bits.length ? ": " + bits.join(", ") : ""}`;
}

document.addEventListener("DOMContentLoaded", async () => {
  const id = location.pathname.split("/").pop();
  try {
    const s = await hz.api(`/api/sessions/${id}`);
    const sum = s.summary || {};
    hz.set("title", `Session ${s.id} · ${hz.fmtDate(s.start)}`);
    const f = hz.$("facts");
    fact(f, "Duration", hz.clock(s.duration_s));
    fact(f, "Credited", `${hz.min(s.minutes.credited)} min (moderate ${hz.min(s.minutes.moderate)}, vigorous ${hz.min(s.minutes.vigorous)} ×2)`);
    fact(f, "Zones", `low ${hz.clock(s.zones.low_s)} · moderate ${hz.clock(s.zones.moderate_s)} · high ${hz.clock(s.zones.high_s)}`);
    if (sum.hr) fact(f, "Heart rate", `mean ${sum.hr.mean}, max ${sum.hr.max} bpm`);
    if (s.thresholds) fact(f, "Thresholds", `moderate from ${Math.round(s.thresholds.moderate_bpm)} bpm, high from ${Math.round(s.thresholds.high_bpm)} bpm`);
    fact(f, "From", `${s.origin} · ${s.format}${s.duplicate_of ? ` · same workout as session ${s.duplicate_of}` : ""}`);
    hz.$("plot").src = `/api/sessions/${s.id}/plot.svg`;
    hz.$("tcx").href = `/api/sessions/${s.id}/export.tcx`;
    hz.$("csv").href = `/api/sessions/${s.id}/export.csv`;
    const cues = sum.cues || [];
    hz.$("cues").replaceChildren(...(cues.length ? cues.map((c) => hz.el("li", { text: `${hz.clock(c.t_s)}  ${cueText(c)}` }))
      : [hz.el("li", { text: "none" })]));
    const q = hz.$("quality");
    fact(q, "Valid heart rate", `${hz.clock(s.valid_s)} of ${hz.clock(s.duration_s)}`);
    if (sum.gaps) fact(q, "Gaps", `${sum.gaps.count} (${hz.clock(sum.gaps.total_s)})`);
    if (sum.contact_losses != null) fact(q, "Contact losses", String(sum.contact_losses));
    if (sum.artifacts) fact(q, "Artefacts", Object.entries(sum.artifacts).filter(([, v]) => v).map(([k, v]) => `${k.replace(/_/g, " ")} ${v}`).join(", ") || "none");
    if (sum.malformed) fact(q, "Malformed notifications", String(sum.malformed));
    hz.$("warnings").replaceChildren(...(sum.warnings || []).map((w) => hz.el("li", { text: w })));
  } catch (e) { hz.showError(e); }
});
