// Sessions page: the history, and `log add` by upload (drag and drop or a file picker).
"use strict";
async function loadList() {
  const rows = await hz.api("/api/sessions");
  hz.$("empty").hidden = rows.length > 0;
  hz.$("list").tBodies[0].replaceChildren(...rows.map((s) => hz.el("tr", {},
    hz.el("td", {}, hz.el("a", { href: `/sessions/${s.id}`, text: hz.fmtDate(s.start) })),
    hz.el("td", { class: "num", text: hz.clock(s.duration_s) }),
    hz.el("td", { class: "num", text: `${hz.min(s.minutes.credited)} min` }),
    hz.el("td", { class: "num", text: hz.min(s.minutes.moderate) }),
    hz.el("td", { class: "num", text: hz.min(s.minutes.vigorous) }),
    hz.el("td", { text: s.origin + (s.duplicate_of ? ` (same as ${s.duplicate_of})` : "") }))));
}

async function upload(files) {
  hz.showError(null);
  for (const f of files) {
    const li = hz.el("li", { text: `${f.name}: adding…` });
    hz.$("added").append(li);
    try {
      const r = await hz.api(`/api/sessions/upload?name=${encodeURIComponent(f.name)}`,
        { method: "POST", body: f, headers: { "Content-Type": "application/octet-stream" }, allowError: true });
      if (r && r.files) {
        li.textContent = r.files.map((o) => `${f.name}: ${o.status}` + (o.reason ? ` (${o.reason})` : "") +
          (o.credited != null ? `, ${hz.min(o.credited)} min credited` : "")).join("; ");
      } else li.textContent = `${f.name}: ${(r && r.error) || "not added"}`;
    } catch (e) { li.textContent = `${f.name}: ${e.message}`; }
  }
  await loadList();
}

document.addEventListener("DOMContentLoaded", () => {
  const drop = hz.$("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); upload(e.dataTransfer.files); });
  hz.$("file").addEventListener("change", (e) => upload(e.target.files));
  loadList().catch(hz.showError);
});
