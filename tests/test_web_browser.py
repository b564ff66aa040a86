"""The dashboard in a real browser: headless Chromium (Debian's package) driven by Playwright,
against `hrzone serve --virtual recordings/intervals.jsonl --speed 20` on a free port.

One server for the module; the tests run in order, as a person would: a live session (heart rate
and zone change on screen, the ceiling banner, stop, summary), the session in the history, a talk
test by button clicks, the week page against `hrzone week --json`, the profile preview.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from web_helpers import (
    DESKTOP, PHONE, chromium_or_skip, hrzone, open_page, no_horizontal_overflow, serve,
    screenshot_dirs, shoot)

CEILING = 140   # intervals.jsonl passes it at 334 s of session time (17 s at --speed 20)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    exe = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("web_home")
    env = {**os.environ, "HRZONE_HOME": str(home), "MPLBACKEND": "Agg"}
    hrzone(env, "profile", "set", "age", "50", "rest_hr", "60", "ceiling_bpm", str(CEILING))
    with serve(env, "--virtual", "recordings/intervals.jsonl", "--speed", "20") as base, \
            sync_playwright() as pw:
        browser, page, outside = open_page(pw, exe, base, DESKTOP)
        yield {"base": base, "env": env, "page": page, "outside": outside,
               "shots": screenshot_dirs(tmp_path_factory.mktemp("artefacts"))}
        browser.close()
    assert outside == [], f"the pages asked for outside URLs: {outside}"


def start_with_strap(page: Any, url: str, view: str) -> None:
    """Open `url`, pick the strap found, wait until `view` shows a heart rate."""
    page.goto(url)
    page.locator("#straps button.strap").first.click(timeout=15000)
    page.wait_for_selector(f"{view}:not([hidden])")
    page.wait_for_function("() => /^\\d+$/.test(document.getElementById('hr').textContent)",
                           timeout=10000)


def test_live_session_on_screen(site: dict[str, Any]) -> None:
    page, base = site["page"], site["base"]
    # Heart rate and zone change on screen within seconds.
    start_with_strap(page, f"{base}/live", "#view")
    first_hr = page.inner_text("#hr")
    page.wait_for_function(f"() => document.getElementById('hr').textContent !== '{first_hr}'",
                           timeout=5000)
    page.wait_for_function("() => document.getElementById('zone-word').textContent === 'LOW'",
                           timeout=10000)
    page.wait_for_function("() => document.getElementById('zone-word').textContent === 'MODERATE'",
                           timeout=15000)
    assert "moderate" in page.get_attribute("#zone", "class")
    assert page.inner_text("#target") == "moderate"
    # The ceiling banner appears when the HR passes the ceiling.
    page.wait_for_selector("#ceiling:not([hidden])", timeout=40000)
    banner = page.inner_text("#ceiling")
    assert "EASE OFF" in banner and f"{CEILING} bpm" in banner
    hr_now = int(page.inner_text("#hr"))
    assert hr_now > CEILING - 5        # the hysteresis may hold the alert a few bpm lower
    assert page.inner_text("#zone-word") == "HIGH"
    shoot(page, site["shots"], "live-ceiling")
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        assert no_horizontal_overflow(page)
        # readable from two metres: the zone word is at least 48 CSS px tall
        assert page.evaluate("parseFloat(getComputedStyle(document.getElementById('zone-word'))"
                             ".fontSize)") >= 48
    page.wait_for_selector("#ceiling[hidden]", state="attached", timeout=30000)
    page.wait_for_function("() => /\\d/.test(document.getElementById('last-cue').textContent) || "
                           "document.getElementById('last-cue').textContent.length > 3",
                           timeout=10000)
    shoot(page, site["shots"], "live")
    page.click("#stop")
    page.wait_for_selector("#last:not([hidden])", timeout=30000)
    assert "credited" in page.inner_text("#last-text")
    assert re.search(r"Saved as session \d+", page.inner_text("#last-saved"))
    shoot(page, site["shots"], "live-ended")


def test_session_in_history(site: dict[str, Any]) -> None:
    page, base = site["page"], site["base"]
    listed = json.loads(hrzone(site["env"], "log", "list", "--json").stdout)
    assert len(listed) == 1 and listed[0]["origin"] == "virtual"
    page.goto(f"{base}/sessions")
    link = page.locator("#list a").first
    link.wait_for(timeout=10000)
    shoot(page, site["shots"], "sessions")
    link.click()
    page.wait_for_function("() => document.getElementById('facts').children.length > 0", timeout=10000)
    assert page.url.endswith(f"/sessions/{listed[0]['id']}")
    assert f"{listed[0]['minutes']['credited']:.1f} min" in page.inner_text("#facts")
    page.wait_for_function("() => document.getElementById('plot').complete && "
                           "document.getElementById('plot').naturalWidth > 0", timeout=20000)
    assert "ceiling" in page.inner_text("#cues")
    shoot(page, site["shots"], "session")
    with page.expect_download() as dl:
        page.click("#tcx")
    assert dl.value.suggested_filename.endswith(".tcx")
    assert "<TrainingCenterDatabase" in Path(dl.value.path()).read_text()


def test_calibration_by_button_clicks(site: dict[str, Any]) -> None:
    page, base = site["page"], site["base"]
    start_with_strap(page, f"{base}/calibrate", "#test")
    page.click("#b-sing")
    page.wait_for_timeout(2500)                 # 50 s of warm-up at --speed 20
    sing_hr = int(page.inner_text("#hr"))
    page.click("#b-talk")
    page.wait_for_function("() => document.getElementById('marks').textContent"
                           ".includes('can no longer sing')", timeout=5000)
    page.wait_for_function(f"() => +document.getElementById('hr').textContent > {sing_hr + 25}",
                           timeout=40000)
    page.wait_for_timeout(2000)                 # 40 s at the higher rate: the window before
    page.click("#b-notalk")
    page.wait_for_function("() => document.querySelectorAll('#marks li').length === 2", timeout=5000)
    shoot(page, site["shots"], "calibrate")
    page.click("#finish")
    page.wait_for_selector("#result:not([hidden])", timeout=30000)
    text = page.inner_text("#proposal")
    assert text.startswith("Moderate starts at")
    proposed = [int(page.inner_text(f"#p-{k}").split()[0]) for k in ("mod", "high")]
    assert f"{proposed[0]} bpm" in text and f"{proposed[1]} bpm" in text
    page.click("#save")
    page.wait_for_function("() => document.getElementById('saved').textContent.startsWith('Saved')")
    shoot(page, site["shots"], "calibrate-result")
    prof = json.loads(hrzone(site["env"], "profile", "show", "--json").stdout)
    assert prof["method"] == "bpm"
    assert [round(prof["moderate_bpm"]), round(prof["high_bpm"])] == proposed


def test_week_page_matches_cli(site: dict[str, Any]) -> None:
    page, base = site["page"], site["base"]
    week = json.loads(hrzone(site["env"], "week", "--json").stdout)
    page.goto(f"{base}/week")
    page.wait_for_function("() => document.querySelectorAll('#days tbody tr').length === 7",
                           timeout=10000)
    total = page.inner_text("#total")
    assert total.startswith(f"{week['credited']:.1f} of {week['goal']} credited minutes")
    shown_days = page.locator("#days td.day-credited").all_inner_texts()
    assert shown_days == [f"{d['credited']:.1f}" for d in week["days"]]
    assert page.inner_text("#mod-min") == f"{week['moderate']:.1f} min"
    assert page.inner_text("#vig-min") == f"{week['vigorous']:.1f} min"
    assert f"Streak: {week['streak']} week" in page.inner_text("#streak")
    assert "minutes" in page.inner_text("#next-step")
    page.wait_for_function("() => document.getElementById('week-plot').naturalWidth > 0", timeout=20000)
    shoot(page, site["shots"], "week")


def test_profile_preview(site: dict[str, Any]) -> None:
    page, base = site["page"], site["base"]
    page.goto(f"{base}/profile")
    page.wait_for_function("() => document.getElementById('zones').textContent.includes('bpm')",
                           timeout=10000)
    page.fill("#f-ceiling_bpm", "151")
    page.wait_for_function("() => document.getElementById('zones').textContent"
                           ".includes('ease off above 151 bpm')", timeout=5000)
    before = json.loads(hrzone(site["env"], "profile", "show", "--json").stdout)
    assert before["ceiling_bpm"] == CEILING          # a preview saves nothing
    page.fill("#f-ceiling_bpm", "999")
    page.wait_for_selector("#error:not([hidden])", timeout=5000)
    assert "ceiling_bpm" in page.inner_text("#error")
    page.fill("#f-ceiling_bpm", "151")
    page.uncheck("#s-battery")
    page.click("#save")
    page.wait_for_function("() => document.getElementById('saved').textContent.startsWith('Saved')")
    after = json.loads(hrzone(site["env"], "profile", "show", "--json").stdout)
    assert after["ceiling_bpm"] == 151 and after["cues"]["battery"] is False
    shoot(page, site["shots"], "profile")
