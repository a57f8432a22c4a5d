"""The report pages in a real headless Chromium: no console errors, every figure shown.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the
``playwright`` Python package; playwright's own browser downloads are not used.
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("which", ["run_report", "compare_report"])
def test_page_opens_without_errors_and_shows_every_figure(browser, which, request):
    report = request.getfixturevalue(which)
    page = browser.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda r: requests.append(r.url))

    page.goto(report.html.resolve().as_uri(), wait_until="load")
    images = page.evaluate(
        "() => Array.from(document.images, i => [i.complete, i.naturalWidth, i.naturalHeight])"
    )
    page.close()

    assert problems == []
    assert len(images) == len(report.figures)
    sizes = {(figure.width, figure.height) for figure in report.figures}
    for complete, width, height in images:
        assert complete and width > 0
        assert (width, height) in sizes
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
