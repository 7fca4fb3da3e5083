"""The report and the replay viewer in a real browser (headless Chromium through Playwright).

Skipped, with the reason, where Playwright or Chromium is not installed. WebGL runs on SwiftShader.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from shieldwall.replay import ReplayServer, build_replay
from shieldwall.report import write_report

CHROMIUM = os.environ.get("SHIELDWALL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader"]
IGNORED_CONSOLE = ("GPU stall due to ReadPixels", "GL Driver Message")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"chromium not found at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        except Exception as error:  # noqa: BLE001 - any launch failure means no browser here
            pytest.skip(f"chromium does not start: {error}")
        yield browser
        browser.close()


def _page(browser, problems: list):
    page = browser.new_page(viewport={"width": 960, "height": 600})
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning")
            and not any(s in m.text for s in IGNORED_CONSOLE) else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return page


def test_report_loads_without_errors_and_shows_charts_and_map(browser, results_folder, tmp_path):
    files = write_report(results_folder)
    problems: list[str] = []
    page = _page(browser, problems)
    page.goto(files.html.as_uri())
    assert page.locator("figure.chart svg").count() == 7
    box = page.locator('figure[data-figure="map"] svg').bounding_box()
    assert box["width"] > 400 and box["height"] > 250
    assert "Launched" in page.locator("#brief").inner_text()
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    page.close()
    assert problems == []


def test_replay_renders_the_globe_plays_and_shows_every_entity(browser, results_folder, tmp_path):
    from PIL import Image

    problems: list[str] = []
    with ReplayServer(build_replay(results_folder), port=0) as server:
        page = _page(browser, problems)
        page.goto(server.url)
        page.wait_for_function("window.shieldwallReplay && (window.shieldwallReplay.ready"
                               " || window.shieldwallReplay.errors.length > 0)", timeout=30_000)
        state = page.evaluate("({errors: shieldwallReplay.errors, entities: shieldwallReplay.entityCount,"
                              " packets: shieldwallReplay.czmlPackets})")
        assert state["errors"] == []
        czml_entities = len(__import__("json").loads(server.data["replay.czml"])) - 1
        assert state["entities"] == state["packets"] == czml_entities
        start = page.evaluate("shieldwallReplay.seconds()")
        page.evaluate("document.getElementById('play').click()")
        # The clock ticks with rendered frames, which a loaded machine renders slowly in software.
        page.wait_for_function(f"shieldwallReplay.seconds() > {start}", timeout=30_000)
        assert page.locator("#play").inner_text() == "Pause"
        # Layer toggles: hiding a threat class hides its threats.
        page.evaluate("document.querySelector('input[data-group=classes][data-key=drone]').click()")
        shown = page.evaluate("shieldwallReplay.viewer.dataSources.get(0).entities.values"
                              ".filter(e => e.id.startsWith('threat/') && e.show).length")
        assert shown == 0
        shot = tmp_path / "replay.png"
        page.screenshot(path=str(shot))
        page.close()
    # The globe rendered: the imagery gives the canvas many distinct colours, not a blank fill.
    colours = Image.open(shot).convert("RGB").crop((300, 50, 900, 500)).getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 500
    assert problems == []
