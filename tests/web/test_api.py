"""The JSON API with Starlette's test client: real model, real MNIST digits, hostile bodies.

Answers are checked against oracles that do not go through the web layer:
the digit's label, and the report's own feature-map code run on the same frame.
"""

from __future__ import annotations

import io
import random
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from lenetlab.imaging.loading import MAX_BYTES
from lenetlab.inference import Recogniser
from lenetlab.report.features import feature_maps, layer_tile_png, tile_layer
from lenetlab.training.checkpoint import LAST, load_checkpoint, save_checkpoint
from lenetlab.web import TestDigits, create_app
from lenetlab.web.app import IMAGE_TYPES
from tests.web.drawn import decode_png, encode, on_paper, pad_png, row_png

PNG = {"Content-Type": "image/png"}

# Test digits the model is shown one at a time: every 250th, 40 in all.
SAMPLE = range(0, 10_000, 250)


@pytest.fixture(scope="module")
def client(app) -> TestClient:
    # bugs answer 500 here, as they would to a browser, rather than raising
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def predict(client: TestClient, body: bytes, headers=PNG, query: str = "") -> dict:
    response = client.post(f"/api/predict{query}", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_reads_most_real_digits_drawn_on_the_pad(client, test_digits):
    right = 0
    for index in SAMPLE:
        _, image, label = test_digits.pick(index)
        answer = predict(client, pad_png(image), query="?features=0")
        assert answer["empty"] is False
        assert abs(sum(answer["probabilities"]) - 1) < 1e-3
        right += answer["digit"] == label
    assert right >= 0.9 * len(SAMPLE), f"{right} of {len(SAMPLE)} right"


def test_answer_shows_what_the_network_saw_and_the_reports_feature_maps(
    client, test_digits, recogniser
):
    _, image, _ = test_digits.pick(0)
    answer = predict(client, pad_png(image))
    reading = recogniser.read(pad_png(image))

    assert answer["number"] == str(answer["digit"])
    assert answer["message"] is None
    assert answer["input"] == answer["digits"][0]["input"]
    seen = decode_png(answer["input"])
    assert seen.size == (28, 28) and seen.mode == "L"
    assert np.array_equal(
        np.asarray(seen), np.round(reading.digits[0].image * 255).astype(np.uint8)
    )

    # the oracle: the report's code run directly on the same frame
    maps = feature_maps(recogniser.model, reading.digits[0].image)
    for layer, channels, side in (("conv1", 6, 28), ("conv2", 16, 10)):
        shown = answer["feature_maps"][layer]
        assert shown["channels"] == channels and shown["size"] == [side, side]
        tile = layer_tile_png(maps[layer], target_width=tile_layer(maps[layer]).shape[1])
        expected = Image.open(io.BytesIO(tile))
        assert np.array_equal(np.asarray(decode_png(shown["image"])), np.asarray(expected))
        assert shown["max"] == pytest.approx(float(maps[layer].max()), rel=1e-3)


def test_feature_maps_can_be_skipped(client, test_digits):
    _, image, _ = test_digits.pick(1)
    answer = predict(client, pad_png(image), query="?features=0")
    assert answer["feature_maps"] is None
    assert answer["digits"][0]["feature_maps"] is None
    assert answer["input"].startswith("data:image/png;base64,")


@pytest.mark.parametrize(
    "picture",
    [
        Image.new("RGB", (280, 280), "white"),  # the cleared pad
        Image.new("RGBA", (280, 280), (255, 0, 0, 0)),  # transparent, whatever its colour
        Image.new("L", (280, 280), 0),  # black
    ],
    ids=["white", "transparent", "black"],
)
def test_empty_canvas_says_nothing_drawn(client, picture):
    answer = predict(client, encode(picture))
    assert answer["empty"] is True
    assert answer["message"] == "nothing drawn"
    assert answer["digit"] is None and answer["number"] is None
    assert answer["digits"] == [] and answer["input"] is None and answer["feature_maps"] is None


def test_several_digits_are_read_as_a_number(client, test_digits):
    # test digits 0-3 are a 7, a 2, a 1 and a 0
    images = [test_digits.pick(index)[1] for index in range(4)]
    labels = "".join(str(test_digits.pick(index)[2]) for index in range(4))
    answer = predict(client, row_png(images))
    assert answer["number"] == labels == "7210"
    assert answer["digit"] is None and answer["probabilities"] is None
    lefts = [digit["box"][0] for digit in answer["digits"]]
    assert lefts == sorted(lefts)
    for digit in answer["digits"]:
        assert digit["feature_maps"]["conv2"]["channels"] == 16
        assert decode_png(digit["input"]).size == (28, 28)


FORMATS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
    "application/octet-stream": "PNG",
}


@pytest.mark.parametrize("content_type", sorted(IMAGE_TYPES))
def test_every_accepted_type_is_read(client, test_digits, content_type):
    _, image, label = test_digits.pick(3)
    body = encode(on_paper(image).convert("RGB"), FORMATS[content_type])
    answer = predict(client, body, headers={"Content-Type": content_type + "; q=1"})
    assert answer["digit"] == label


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/json"},
        {"Content-Type": "multipart/form-data; boundary=x"},
        {"Content-Type": "image/svg+xml"},
        {},
    ],
    ids=["text", "json", "form", "svg", "none"],
)
def test_unknown_content_type_is_415(client, test_digits, headers):
    body = pad_png(test_digits.pick(0)[1])
    response = client.post("/api/predict", content=body, headers=headers)
    assert response.status_code == 415
    assert "image/png" in response.json()["error"]


def _valid_png() -> bytes:
    picture = Image.new("L", (280, 280), 255)
    picture.paste(0, (130, 40, 150, 240))
    return encode(picture)


def _huge_png(width: int, height: int) -> bytes:
    """A tiny file whose header claims ``width`` x ``height`` pixels: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 64)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "body, words",
    [
        (b"hello, not an image", "cannot identify"),
        (b"\x89PNG\r\n\x1a\n", "image"),
        (_valid_png()[:300], "image"),
        (b"GIF89a" + b"\x00" * 20, "image"),
        (_huge_png(8_000, 6_000), "MP limit"),
        (_huge_png(20_000, 20_000), "decompression bomb"),
    ],
    ids=["text", "png-signature", "truncated-png", "bad-gif", "48-megapixels", "bomb"],
)
def test_bad_bytes_are_422_with_a_message(client, body, words):
    response = client.post("/api/predict", content=body, headers=PNG)
    assert response.status_code == 422, response.text
    assert words in response.json()["error"]


def test_empty_body_is_400(client):
    response = client.post("/api/predict", content=b"", headers=PNG)
    assert response.status_code == 400
    assert "empty" in response.json()["error"]


def test_damaged_files_never_get_a_5xx(client, test_digits):
    rng = random.Random(0)
    originals = [pad_png(test_digits.pick(5)[1]), encode(on_paper(test_digits.pick(6)[1]), "JPEG")]
    statuses = set()
    for original in originals:
        for _ in range(20):
            damaged = bytearray(original)
            for _ in range(rng.randint(1, 8)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            damaged = damaged[: rng.randint(len(damaged) // 2, len(damaged))]
            response = client.post("/api/predict", content=bytes(damaged), headers=PNG)
            assert response.status_code in (200, 422), response.text
            assert response.status_code == 200 or response.json()["error"]
            statuses.add(response.status_code)
    assert 422 in statuses


def test_body_over_the_limit_is_413_from_its_declared_length(client):
    response = client.post("/api/predict", content=b"\0" * (MAX_BYTES + 1), headers=PNG)
    assert response.status_code == 413
    assert f"{MAX_BYTES:,}-byte limit" in response.json()["error"]


@pytest.mark.parametrize("declared", ["9" * 5000, "-5", "0x10"])  # 5,000 digits: over int()'s
def test_a_content_length_that_is_no_plain_number_is_400(client, declared):
    headers = {**PNG, "Content-Length": declared}
    response = client.post("/api/predict", content=_valid_png(), headers=headers)
    assert response.status_code == 400
    assert "Content-Length" in response.json()["error"]


def test_body_over_the_limit_is_413_while_streaming(recogniser):
    small = create_app(recogniser, max_body_bytes=10_000)
    sent = []

    def chunks():  # no Content-Length: the server must count as it reads
        for _ in range(100):
            sent.append(1)
            yield b"\0" * 1000

    with TestClient(small) as client:
        response = client.post("/api/predict", content=chunks(), headers=PNG)
        assert response.status_code == 413
        assert "10,000-byte limit" in response.json()["error"]
        assert "received so far" in response.json()["error"]

        response = client.post("/api/predict", content=_valid_png(), headers=PNG)
        assert response.status_code == 200


def test_a_bug_is_a_json_500_not_a_dropped_connection(recogniser, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    app = create_app(recogniser)
    monkeypatch.setattr(recogniser, "read", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/api/predict", content=_valid_png(), headers=PNG)
    assert response.status_code == 500
    assert response.json() == {"error": "internal error (RuntimeError); see the server's log"}


def test_limit_cannot_exceed_the_preprocessings(recogniser):
    with pytest.raises(ValueError, match="max_body_bytes"):
        create_app(recogniser, max_body_bytes=MAX_BYTES + 1)


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/api/predict", 405),
        ("POST", "/api/info", 405),
        ("GET", "/api/nothing-here", 404),
        ("POST", "/api/predict?features=maybe", 400),
        ("GET", "/api/random-digit?index=10000", 400),
        ("GET", "/api/random-digit?index=-1", 400),
        ("GET", "/api/random-digit?index=%C2%B2", 400),  # superscript two: a digit to isdigit()
        ("GET", "/api/random-digit?index=%D9%A3", 400),  # Arabic-Indic three: int() reads it
        ("GET", "/api/random-digit?index=%EF%BC%93", 400),  # fullwidth three
        ("GET", "/api/random-digit?index=%FF", 400),  # not UTF-8
        ("GET", "/api/random-digit?index=", 400),
        ("GET", "/api/random-digit?index=+1", 400),
        ("GET", "/api/random-digit?index=1" + "0" * 5000, 400),  # past int()'s 4,300 digits
        ("GET", "/api/random-digit?features=%C2%B9", 400),  # superscript one
        ("POST", "/api/predict?features=%C2%B9", 400),
        ("POST", "/api/predict?features=", 400),
    ],
)
def test_malformed_requests_get_json_4xx(client, method, path, status):
    response = client.request(method, path, content=_valid_png(), headers=PNG)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]


def test_random_digit_comes_with_its_label_and_reading(client, test_digits):
    sample = client.get("/api/random-digit?index=0").json()
    assert sample["index"] == 0 and sample["label"] == 7 and sample["dataset"] == "mnist"
    shown = decode_png(sample["image"])
    assert np.array_equal(np.asarray(shown), test_digits.images[0])
    assert sample["prediction"]["digit"] == 7
    assert sample["prediction"]["feature_maps"]["conv1"]["channels"] == 6

    drawn = {client.get("/api/random-digit?features=0").json()["index"] for _ in range(5)}
    assert len(drawn) > 1 and all(0 <= index < 10_000 for index in drawn)


def test_random_digit_without_data_is_503_and_the_rest_still_works(recogniser):
    reason = "no mnist test digits: mnist not found under /nowhere"
    app = create_app(recogniser, TestDigits.unavailable("mnist", reason))
    with TestClient(app) as client:
        response = client.get("/api/random-digit")
        assert response.status_code == 503
        assert response.json() == {"error": reason}
        info = client.get("/api/info").json()
        assert info["random_digits"] is False and info["random_digits_reason"] == reason
        assert client.post("/api/predict", content=_valid_png(), headers=PNG).json()["digit"] == 1


def test_test_digits_not_found_are_unavailable_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.delenv("LENETLAB_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("lenetlab.data.locate.SYSTEM_DIR", tmp_path / "system")
    digits = TestDigits.load("mnist", tmp_path / "empty")
    assert not digits.available and len(digits) == 0
    assert "not found" in digits.reason


def test_info_describes_the_model(client):
    info = client.get("/api/info").json()
    assert info["arch"] == "lenet5" and info["dataset"] == "mnist" and info["rule"] == "backprop"
    assert 0.9 < info["val_accuracy"] <= 1
    assert info["max_body_bytes"] == MAX_BYTES
    assert info["random_digits"] is True


def test_info_describes_the_weights_served_not_the_best_epoch(web_run, recogniser, tmp_path):
    last = load_checkpoint(web_run / LAST)
    earlier_best = {**last.meta["metrics"], "epoch": 1, "val_accuracy": 0.5}
    last.meta = {**last.meta, "best": earlier_best}
    save_checkpoint(tmp_path / LAST, last)
    served = Recogniser.from_checkpoint(tmp_path / LAST)

    with TestClient(create_app(served)) as client:
        info = client.get("/api/info").json()

    assert info["epoch"] == last.meta["epoch"] == 3
    assert info["val_accuracy"] == last.meta["metrics"]["val_accuracy"]
    assert info["val_accuracy"] > 0.9
    assert "test_accuracy" in info  # the page shows it when a checkpoint has one


def test_page_and_assets_are_served_with_a_strict_policy(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for asset in ("app.js", "style.css", "favicon.svg"):
        assert f'"{asset}"' in page.text
        assert client.get(f"/{asset}").status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
