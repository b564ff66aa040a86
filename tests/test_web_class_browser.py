"""The class screen in a real browser: headless Chromium (Debian's package) driven by Playwright,
against `hrzone class run --serve --virtual 20 --speed 20` (a demo roster of 20 people).

At 1920x1080 (a TV): every tile visible at once, no text overflowing its tile or the screen,
heart rates changing, a ceiling alert on a tile, zones only when the instructor hides bpm; on a
tablet the tiles reflow; the class table at the end is the API's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from web_helpers import (
    chromium_or_skip, hrzone, open_page, no_horizontal_overflow, request, screenshot_dirs,
    serve)

TV = {"width": 1920, "height": 1080}
TABLETS = ({"width": 1024, "height": 768}, {"width": 768, "height": 1024})
PEOPLE = 20

# Every tile and every part of it: its box inside the tile and the viewport, its text not cut
# (scrollWidth within its box). Returns the problems found, as strings.
LAYOUT_PROBLEMS = """() => {
  const vw = window.innerWidth, vh = window.innerHeight, bad = [];
  const tiles = [...document.querySelectorAll('#tiles .tile')];
  for (const t of tiles) {
    const b = t.getBoundingClientRect(), name = t.dataset.name;
    if (b.left < 0 || b.top < 0 || b.right > vw + 0.5 || b.bottom > vh + 0.5)
      bad.push(`${name}: tile outside the viewport ${JSON.stringify(b)}`);
    for (const e of t.querySelectorAll('*')) {
      if (e.hidden || e.closest('[hidden]') || !e.textContent.trim()) continue;
      const r = e.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < b.left - 0.5 || r.right > b.right + 0.5 || r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5)
        bad.push(`${name}: ${e.className} outside its tile`);
      if (e.children.length === 0 && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
        bad.push(`${name}: ${e.className} text cut (${e.textContent}: ${e.scrollWidth} > ${e.clientWidth})`);
    }
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    exe = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("class_home")
    env = {**os.environ, "HRZONE_HOME": str(home), "MPLBACKEND": "Agg"}
    with serve(env, "--virtual", str(PEOPLE), "--speed", "20", "--for", "30m", "--no-save",
               command=("class", "run", "--serve")) as base, sync_playwright() as pw:
        browser, page, outside = open_page(pw, exe, base, TV)
        yield {"base": base, "env": env, "page": page, "browser": browser,
               "shots": screenshot_dirs(tmp_path_factory.mktemp("class_artefacts"))}
        browser.close()
    assert outside == [], f"the class screen asked for outside URLs: {outside}"


def hr_texts(page: Any) -> list[str]:
    return page.locator("#tiles .tile .t-hr").evaluate_all(
        "es => es.map(e => e.firstChild ? e.firstChild.textContent : '')")


def test_tv_twenty_tiles(klass: dict[str, Any]) -> None:
    page, base = klass["page"], klass["base"]
    page.goto(f"{base}/class")
    page.wait_for_function(f"() => [...document.querySelectorAll('#tiles .t-hr')]"
                           f".filter(e => /^\\d+/.test(e.textContent)).length === {PEOPLE}",
                           timeout=30000)
    names = page.locator("#tiles .tile .t-name").all_inner_texts()
    api = request(f"{base}/api/class")[1]
    assert names == [t["name"] for t in api["tiles"]] and len(names) == PEOPLE
    # heart rates change on screen
    first = hr_texts(page)
    page.wait_for_function("(first) => [...document.querySelectorAll('#tiles .t-hr')]"
                           ".filter((e, i) => e.firstChild.textContent !== first[i]).length >= 10",
                           arg=first, timeout=10000)
    # each tile's zone word is the API's zone for that person, in words
    assert set(page.locator("#tiles .t-zone").all_inner_texts()) <= {
        "LOW", "MODERATE", "HIGH", "NO SIGNAL", "—"}
    # a ceiling alert appears on a tile of someone with a ceiling
    alert = page.locator("#tiles .tile.alert").first
    alert.wait_for(timeout=60000)
    who = alert.get_attribute("data-name")
    text = alert.locator(".t-alert").inner_text()
    for d in klass["shots"]:
        page.screenshot(path=str(d / "class-tv.png"))
    assert text.startswith("EASE OFF\nover ")
    people = {p["name"]: p for p in json.loads(hrzone(klass["env"], "class", "roster", "list",
                                                      "--json").stdout)}
    assert text == f"EASE OFF\nover {round(people[who]['thresholds']['ceiling_bpm'])} bpm"
    # every tile visible, nothing overflowing, at 1920x1080
    assert page.evaluate(LAYOUT_PROBLEMS) == []
    assert no_horizontal_overflow(page)
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.t-zone')).fontSize)") >= 30


def test_hide_bpm_shows_zones_only(klass: dict[str, Any]) -> None:
    page, base = klass["page"], klass["base"]
    page.check("#hide-bpm")
    page.wait_for_function("() => [...document.querySelectorAll('#tiles .t-hr')].every(e => e.hidden)",
                           timeout=5000)
    assert request(f"{base}/api/class")[1]["hide_bpm"] is True
    assert page.locator("#tiles .t-hr:visible").count() == 0
    assert page.locator("#tiles .t-zone:visible").count() == PEOPLE
    assert page.evaluate(LAYOUT_PROBLEMS) == []
    # a second screen (the TV) opened now shows zones only too
    other = klass["browser"].new_page(viewport=TV)
    other.goto(f"{base}/class")
    other.wait_for_function(f"() => document.querySelectorAll('#tiles .tile').length === {PEOPLE}")
    assert other.locator("#tiles .t-hr:visible").count() == 0
    other.close()
    page.uncheck("#hide-bpm")
    page.wait_for_function("() => [...document.querySelectorAll('#tiles .t-hr')].every(e => !e.hidden)",
                           timeout=5000)
    assert request(f"{base}/api/class")[1]["hide_bpm"] is False


def test_zone_cues_for_a_small_group(klass: dict[str, Any]) -> None:
    page, base = klass["page"], klass["base"]
    page.fill("#zone-cues", "anna, Ben")
    page.click("#cues-form button")
    page.wait_for_function("() => document.getElementById('zone-cues').value === 'Anna, Ben'",
                           timeout=5000)
    assert request(f"{base}/api/class")[1]["zone_cues"] == ["Anna", "Ben"]
    page.fill("#zone-cues", "Zed")
    page.click("#cues-form button")
    page.wait_for_selector("#error:not([hidden])", timeout=5000)
    assert "Zed not in this class" in page.inner_text("#error")
    assert request(f"{base}/api/class")[1]["zone_cues"] == ["Anna", "Ben"]


def test_tablet_reflow(klass: dict[str, Any]) -> None:
    page = klass["page"]
    for size in TABLETS:
        page.set_viewport_size(size)
        page.wait_for_timeout(200)
        assert no_horizontal_overflow(page)
        columns = page.evaluate("new Set([...document.querySelectorAll('#tiles .tile')]"
                                ".map(t => Math.round(t.getBoundingClientRect().left))).size")
        assert 2 <= columns <= 3, (size, columns)
        # scrolled into view one by one, every tile's text fits inside it
        for i in range(0, PEOPLE, 4):
            page.locator("#tiles .tile").nth(i).scroll_into_view_if_needed()
            problems = [p for p in page.evaluate(LAYOUT_PROBLEMS) if "outside the viewport" not in p]
            assert problems == []
        for d in klass["shots"]:
            page.screenshot(path=str(d / f"class-tablet-{size['width']}.png"))
    page.set_viewport_size(TV)


def test_end_of_class_table(klass: dict[str, Any]) -> None:
    page, base = klass["page"], klass["base"]
    page.click("#stop")
    page.wait_for_selector("#table-card:not([hidden])", timeout=60000)
    api = request(f"{base}/api/class")[1]
    assert api["state"] == "ended"
    rows = page.locator("#table tbody tr").all()
    assert len(rows) == PEOPLE == len(api["table"])
    for row, want in zip(rows, api["table"]):
        cells = row.locator("td").all_inner_texts()
        assert cells[0] == want["name"]
        assert cells[4] == f"{want['credited_min']:.1f}"
    assert page.is_visible("#start")
