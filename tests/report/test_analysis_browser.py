"""The analysis report in a real browser (headless Chromium through Playwright, as the replay's
browser tests; skipped with the reason where either is missing)."""

from __future__ import annotations

from tests.replay.test_browser import _page, browser  # noqa: F401 - the fixture, shared

from shieldwall.report import write_report

from .test_analysis_report import analysis_folder  # noqa: F401 - the fixture, shared

FIGURE_BOXES = """() => [...document.querySelectorAll('figure.chart svg')].map(svg => {
    const box = svg.getBoundingClientRect(), drawn = svg.getBBox();
    return {name: svg.closest('figure').dataset.figure, width: box.width, height: box.height,
            drawnWidth: drawn.width, drawnHeight: drawn.height};
})"""

NATURAL_WIDTHS = """async (sources) => Promise.all(sources.map(source => new Promise(resolve => {
    const image = new Image();
    image.onload = () => resolve(image.naturalWidth);
    image.onerror = () => resolve(0);
    image.src = source;
})))"""


def test_analysis_report_figures_render_and_load(browser, analysis_folder, tmp_path):  # noqa: F811
    files = write_report(analysis_folder)
    problems: list[str] = []
    page = _page(browser, problems)
    page.goto(files.html.as_uri())
    # The report's figures are inline SVG: each is laid out with a size, and draws something.
    boxes = page.evaluate(FIGURE_BOXES)
    assert [b["name"] for b in boxes] == ["saturation", "risk-against-stock"]
    for b in boxes:
        assert b["width"] > 300 and b["height"] > 150 and b["drawnWidth"] > 0 and b["drawnHeight"] > 0, b
    # The same figures written beside it load as images (naturalWidth > 0), SVG and PNG.
    assert len(files.figures) == 4
    widths = page.evaluate(NATURAL_WIDTHS, [p.resolve().as_uri() for p in files.figures])
    assert all(w > 0 for w in widths), dict(zip(map(str, files.figures), widths))
    for section in ("sweep", "size", "uncertainty"):
        assert page.locator(f"section#{section} table.data").count() >= 1
    page.screenshot(path=str(tmp_path / "analysis-report.png"), full_page=True)
    page.close()
    assert problems == []
