"""The drawing page in a real headless Chromium, against the real server on loopback.

Digits are drawn as a person draws them, with mouse strokes of many small
moves (and one with touch events), and the page must show what the model
reads, bars that add up to 100%, and no console errors.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the
``playwright`` Python package; playwright's own browser downloads are not used.
"""

from __future__ import annotations

import math

import pytest

from lenetlab.web import running
from tests.web.drawn import pad_png, readable_digit

# How long the page may take to show an answer, in milliseconds.
ANSWER_TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def url(app):
    with running(app) as address:
        yield address


class Page:
    """One open page, with its console errors and requests recorded."""

    def __init__(self, browser, url: str, **options) -> None:
        self.page = browser.new_page(**options)
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.page.on(
            "console", lambda m: self.problems.append(m.text) if m.type == "error" else None
        )
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.goto(url, wait_until="load")
        # the page's policy forbids eval, so waits use selectors, not JavaScript predicates
        self.page.wait_for_selector("#model-info:has-text('accuracy')")
        box = self.page.locator("#pad").bounding_box()
        self.left, self.top, self.scale = box["x"], box["y"], box["width"] / 280

    def at(self, x: float, y: float) -> tuple[float, float]:
        """Page coordinates of pad pixel (x, y); the pad is 280x280 whatever its shown size."""
        return self.left + x * self.scale, self.top + y * self.scale

    def stroke(self, points: list[tuple[float, float]]) -> None:
        mouse = self.page.mouse
        mouse.move(*self.at(*points[0]))
        mouse.down()
        for point in points[1:]:
            mouse.move(*self.at(*point), steps=3)
        mouse.up()

    def settled(self) -> None:
        """Wait until every answer asked for has arrived."""
        self.page.wait_for_selector("#result[aria-busy=false]", timeout=ANSWER_TIMEOUT_MS)

    def answer(self) -> str:
        self.settled()
        return self.page.locator("#answer").inner_text()

    def bar_percents(self) -> list[float]:
        texts = self.page.locator("#bars .percent").all_inner_texts()
        return [float(text.rstrip("%")) for text in texts]

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def page(browser, url):
    opened = Page(browser, url)
    yield opened
    opened.close()
    assert opened.problems == []
    assert all(r.startswith((url, "data:", "blob:")) for r in opened.requests), opened.requests


def line(start, end, steps: int = 12) -> list[tuple[float, float]]:
    return [
        (start[0] + (end[0] - start[0]) * i / steps, start[1] + (end[1] - start[1]) * i / steps)
        for i in range(steps + 1)
    ]


ONE = [line((140, 40), (140, 240))]
SEVEN = [line((70, 50), (210, 50)) + line((210, 50), (120, 240))[1:]]
ZERO = [
    [
        (140 + 60 * math.sin(2 * math.pi * i / 48), 140 - 95 * math.cos(2 * math.pi * i / 48))
        for i in range(49)
    ]
]


@pytest.mark.parametrize(
    "strokes, digit", [(ONE, "1"), (ZERO, "0"), (SEVEN, "7")], ids=["one", "zero", "seven"]
)
def test_a_drawn_digit_is_read_with_its_bars_input_and_maps(page, strokes, digit):
    for points in strokes:
        page.stroke(points)
    assert page.answer() == digit

    percents = page.bar_percents()
    assert len(percents) == 10 and sum(percents) == pytest.approx(100, abs=0.6)
    assert max(percents) == percents[int(digit)]
    for image in ("#network-input", "#maps-conv1", "#maps-conv2"):
        assert page.page.locator(image).is_visible()
        assert page.page.eval_on_selector(image, "i => i.complete && i.naturalWidth > 0")
    assert "6 maps of 28×28" in page.page.locator("#maps-conv1-caption").inner_text()
    assert "16 maps of 10×10" in page.page.locator("#maps-conv2-caption").inner_text()


def test_empty_pad_undo_and_clear_say_nothing_drawn(page):
    assert page.page.locator("#answer").inner_text() == "nothing drawn"
    page.stroke(ONE[0])
    assert page.answer() == "1"

    page.page.click("#undo")
    assert page.answer() == "nothing drawn"
    assert not page.page.locator("#network-input").is_visible()

    page.stroke(SEVEN[0])
    page.stroke(line((60, 270), (62, 272), 2))  # a stray speck, then undone
    page.page.click("#undo")
    assert page.answer() == "7"
    page.page.click("#clear")
    assert page.answer() == "nothing drawn"
    assert page.page.locator("#bars .percent").all_inner_texts() == ["–"] * 10


def test_two_digits_side_by_side_are_read_as_a_number(page):
    page.page.fill("#brush", "12")
    page.stroke(line((60, 70), (60, 210)))
    page.stroke(
        [
            (190 + 45 * math.sin(2 * math.pi * i / 40), 140 - 70 * math.cos(2 * math.pi * i / 40))
            for i in range(41)
        ]
    )
    assert page.answer() == "10"
    cards = page.page.locator("#digit-list button")
    assert cards.count() == 2
    cards.nth(1).click()
    assert "of digit 2 of 2" in page.page.locator("#bars-title").inner_text()
    assert page.bar_percents()[0] == max(page.bar_percents())


def test_an_uploaded_image_is_read(page, test_digits, recogniser, tmp_path):
    image, label = readable_digit(test_digits, recogniser, start=4)
    path = tmp_path / "digit.png"
    path.write_bytes(pad_png(image))
    page.page.set_input_files("#upload", str(path))
    assert page.answer() == str(label)
    assert "Uploaded: digit.png" in page.page.locator("#source-caption").inner_text()

    # drawing again puts the pad back
    page.stroke(ONE[0])
    assert page.answer() == "1"
    assert not page.page.locator("#source").is_visible()


def test_an_image_dropped_on_the_pad_is_read(page, test_digits, recogniser):
    image, label = readable_digit(test_digits, recogniser, start=7)
    data = list(pad_png(image))
    page.page.evaluate(
        """(bytes) => {
            const file = new File([new Uint8Array(bytes)], "dropped.png", {type: "image/png"});
            const transfer = new DataTransfer();
            transfer.items.add(file);
            const zone = document.getElementById("drop-zone");
            zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        data,
    )
    assert page.answer() == str(label)


def test_a_random_mnist_digit_shows_with_its_label_and_prediction(page):
    page.page.click("#random")
    page.settled()
    caption = page.page.locator("#source-caption").inner_text()
    assert caption.startswith("MNIST test digit #") and ", labelled " in caption
    assert page.page.eval_on_selector("#source-image", "i => i.complete && i.naturalWidth == 28")
    assert page.answer() in [str(d) for d in range(10)]
    assert sum(page.bar_percents()) == pytest.approx(100, abs=0.6)


def test_a_server_error_is_shown_not_thrown(page):
    page.page.route(
        "**/api/predict",
        lambda route: route.fulfill(
            status=415, content_type="application/json", body='{"error": "not an image"}'
        ),
    )
    page.stroke(ONE[0])
    page.settled()
    assert page.page.locator("#status").inner_text() == "error 415: not an image"
    page.problems.clear()  # the browser reports the failed fetch itself


def test_phone_sized_page_fits_and_draws_with_a_finger(browser, url):
    phone = Page(browser, url, viewport={"width": 360, "height": 740}, has_touch=True)
    try:
        overflow = phone.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        assert phone.page.locator("#pad").bounding_box()["width"] >= 250

        # a real touch gesture, through the browser's input pipeline
        session = phone.page.context.new_cdp_session(phone.page)
        points = [phone.at(x, y) for x, y in ONE[0]]
        kinds = ["touchStart"] + ["touchMove"] * (len(points) - 2) + ["touchEnd"]
        for kind, (x, y) in zip(kinds, points):
            touch = [] if kind == "touchEnd" else [{"x": x, "y": y}]
            session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch})
        assert phone.answer() == "1"
        assert phone.page.evaluate("window.scrollY") == 0  # the finger drew, not scrolled
    finally:
        phone.close()
    assert phone.problems == []
