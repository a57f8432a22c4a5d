"""The web application: the drawing page and the JSON API it calls.

    app = create_app(Recogniser.from_checkpoint("runs/mnist"), TestDigits.load("mnist"))

Routes:

- ``GET /`` and its assets, from ``web/static``;
- ``POST /api/predict``: the image file's bytes as the body, answered with
  the digits read (see :mod:`lenetlab.web.answers`); ``?features=0`` skips
  the feature maps;
- ``GET /api/random-digit``: a test digit, its label and what the network reads;
- ``GET /api/info``: the model and where it came from.

Every error is JSON, ``{"error": "..."}``: 400 for a malformed request, 413
for a body over the limit, 415 for a content type that is not an image, 422
for bytes that are not a readable image, 503 for random digits without the
data set. The network runs in worker threads, so a slow upload or a large
photo never stalls the event loop.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lenetlab.errors import ImageError
from lenetlab.imaging.loading import MAX_BYTES
from lenetlab.inference import Recogniser
from lenetlab.web.answers import FEATURE_LAYERS, grey_png, png_data_uri, prediction_answer
from lenetlab.web.samples import TestDigits

STATIC_DIR = Path(__file__).parent / "static"

# Content types POST /api/predict accepts; the bytes decide the format.
IMAGE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/webp",
        "image/gif",
        "image/bmp",
        "image/tiff",
        "application/octet-stream",
    }
)

# Threads that run preprocessing and the network at once: one per core, at most 2
# (each request is a few milliseconds; more threads only queue behind the GIL).
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)

# Everything the page loads comes from this server; pictures also as data: and blob: URLs.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        (
            b"default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
            b"base-uri 'none'; frame-ancestors 'none'"
        ),
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


# Longest number a query value or Content-Length may spell: far beyond any index or
# body size, and far short of the 4,300 digits past which int() refuses a string.
MAX_DIGITS = 18

# Bodies up to this size are read on the event loop itself: a drawing takes a
# few milliseconds, less than waking a worker thread costs on an idle machine
# (measured: median 3.2 ms inline against 6.5 ms through a thread). Larger
# uploads, whose decoding can take a tenth of a second, go to worker threads
# so that they do not hold up other clients.
INLINE_BYTES = 256 * 1024


class ApiError(Exception):
    """A request the API refuses, with the status and the one-line message to send."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def create_app(
    recogniser: Recogniser,
    test_digits: TestDigits | None = None,
    *,
    max_body_bytes: int = MAX_BYTES,
    workers: int | None = None,
) -> Starlette:
    """The Starlette app serving ``recogniser``; ``test_digits`` feed the random-digit button.

    ``max_body_bytes`` caps an upload (at most the preprocessing's own
    :data:`~lenetlab.imaging.loading.MAX_BYTES`); ``workers`` is how many
    large uploads (over :data:`INLINE_BYTES`) may be read at the same time in
    worker threads (:data:`DEFAULT_WORKERS`); smaller ones are read inline.
    """
    workers = DEFAULT_WORKERS if workers is None else workers
    if not 0 < max_body_bytes <= MAX_BYTES:
        raise ValueError(f"max_body_bytes must be from 1 to {MAX_BYTES}, got {max_body_bytes}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    dataset = recogniser.meta.get("dataset", "mnist")
    if test_digits is None:
        test_digits = TestDigits.unavailable(dataset, "the server was started without test digits")
    limiter = anyio.CapacityLimiter(workers)

    async def predict(request: Request) -> JSONResponse:
        _check_content_type(request.headers.get("content-type"))
        features = _flag(request.query_params.get("features"), "features", default=True)
        body = await _read_body(request, max_body_bytes)
        if len(body) <= INLINE_BYTES:
            answer = _read_image(recogniser, body, features)
        else:
            answer = await anyio.to_thread.run_sync(
                _read_image, recogniser, body, features, limiter=limiter
            )
        return JSONResponse(answer)

    async def random_digit(request: Request) -> JSONResponse:
        if not test_digits.available:
            raise ApiError(503, test_digits.reason or "no test digits loaded")
        index = _index(request.query_params.get("index"), len(test_digits))
        features = _flag(request.query_params.get("features"), "features", default=True)
        index, image, label = test_digits.pick(index)
        answer = _read_image(recogniser, image, features)  # a 28x28 digit: a few milliseconds
        return JSONResponse(
            {
                "index": index,
                "label": label,
                "dataset": test_digits.dataset,
                "image": png_data_uri(grey_png(image)),
                "prediction": answer,
            }
        )

    async def info(request: Request) -> JSONResponse:
        return JSONResponse(
            model_info(recogniser, max_body_bytes)
            | {"random_digits": test_digits.available, "random_digits_reason": test_digits.reason}
        )

    api = [
        Route("/predict", predict, methods=["POST"]),
        Route("/random-digit", random_digit, methods=["GET"]),
        Route("/info", info, methods=["GET"]),
    ]
    routes = [
        Mount("/api", routes=api),  # its own router, so a wrong method gets a 405
        Mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: _api_error,
            ClientDisconnect: _client_gone,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    app.add_middleware(SecurityHeaders)
    return app


def model_info(recogniser: Recogniser, max_body_bytes: int) -> dict[str, Any]:
    """What ``GET /api/info`` says about the model, from its checkpoint's metadata."""
    meta = recogniser.meta
    # the epoch that made these weights: in last.safetensors that need not be the best
    metrics = meta.get("metrics") or {}
    return {
        "arch": meta.get("arch"),
        "arch_description": recogniser.model.arch.description,
        "dataset": meta.get("dataset"),
        "rule": meta.get("rule"),
        "epoch": meta.get("epoch", metrics.get("epoch")),
        "val_accuracy": metrics.get("val_accuracy"),
        "test_accuracy": meta.get("test_accuracy", metrics.get("test_accuracy")),
        "max_body_bytes": max_body_bytes,
    }


def _read_image(recogniser: Recogniser, source: Any, features: bool) -> dict[str, Any]:
    """Preprocess and classify in a worker thread; unreadable images become a 422."""
    try:
        reading = recogniser.read(
            source, name_for_errors="image", maps=FEATURE_LAYERS if features else ()
        )
    except ImageError as error:
        raise ApiError(422, str(error)) from None
    return prediction_answer(reading)


def _check_content_type(header: str | None) -> None:
    if header is None:
        raise ApiError(415, "no Content-Type: send the image with e.g. Content-Type: image/png")
    kind = header.split(";", 1)[0].strip().lower()
    if kind not in IMAGE_TYPES:
        raise ApiError(
            415,
            f"content type {kind or header!r} is not accepted; "
            f"send one of {', '.join(sorted(IMAGE_TYPES))}",
        )


async def _client_gone(request: Request, error: ClientDisconnect) -> JSONResponse:
    """The client hung up before its body arrived: nobody to answer, nothing went wrong here."""
    return JSONResponse({"error": "the client disconnected before sending its body"}, 400)


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with a 413 as soon as it is known to exceed ``limit``.

    A declared Content-Length over the limit is refused before a byte is
    read; a body sent in chunks is counted as it arrives.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        declared_size = _whole_number(declared)
        if declared_size is None:
            raise ApiError(
                400, f"Content-Length {declared!r} is not a number of 1-{MAX_DIGITS} digits"
            )
        if declared_size > limit:
            raise ApiError(413, _too_large(limit, f"Content-Length {declared_size:,}"))

    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, _too_large(limit, f"{size:,} bytes received so far"))
        chunks.append(chunk)
    if size == 0:
        raise ApiError(400, "the body is empty: send the image file's bytes as the body")
    return b"".join(chunks)


def _too_large(limit: int, detail: str) -> str:
    return f"the body is larger than the {limit:,}-byte limit ({detail})"


def _flag(value: str | None, name: str, default: bool) -> bool:
    if value is None:
        return default
    choices = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
    try:
        return choices[value.lower()]
    except KeyError:
        raise ApiError(400, f"{name} must be 0 or 1, got {value!r}") from None


def _index(value: str | None, count: int) -> int | None:
    if value is None:
        return None
    index = _whole_number(value)
    if index is None or index >= count:
        raise ApiError(400, f"index must be a whole number from 0 to {count - 1}, got {value!r}")
    return index


def _whole_number(value: str) -> int | None:
    """``value`` as a number if it is 1 to :data:`MAX_DIGITS` (18) ASCII digits, else None.

    ``str.isdigit`` alone also passes '²', which ``int`` refuses, and
    other scripts' digits, which ``int`` reads; and ``int`` refuses strings
    of over 4,300 digits. Each of those would otherwise end in a 500.
    """
    if value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS:
        return int(value)
    return None


async def _api_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return JSONResponse({"error": error.message}, status_code=error.status)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return JSONResponse(
        {"error": error.detail}, status_code=error.status_code, headers=error.headers
    )


async def _internal_error(request: Request, error: Exception) -> JSONResponse:
    """A bug, not the caller's fault: answered in JSON; the server logs the traceback."""
    return JSONResponse(
        {"error": f"internal error ({type(error).__name__}); see the server's log"},
        status_code=500,
    )


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response (plain ASGI, so it costs nothing)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
