"""The drawing page and its JSON API, behind ``lenetlab serve``.

A person draws a digit (or uploads a photo, or asks for a random test digit)
and sees, as they draw, what the network reads, its ten probabilities, the
28x28 image it saw and the maps of its first two convolutions. Scripts use
the same API:

    from lenetlab.inference import Recogniser
    from lenetlab.web import TestDigits, create_app, running

    recogniser = Recogniser.from_checkpoint("runs/mnist")
    app = create_app(recogniser, TestDigits.load("mnist"))
    with running(app) as url:  # or: lenetlab serve runs/mnist
        ...  # POST url + "api/predict" with an image as the body

Modules: :mod:`.app` (routes, limits, errors), :mod:`.answers` (readings
as JSON), :mod:`.samples` (the test digits), :mod:`.server` (uvicorn);
the page itself is ``static/index.html``, ``app.js`` and ``style.css``.
"""

from lenetlab.web.app import create_app
from lenetlab.web.samples import TestDigits
from lenetlab.web.server import bind, running, serve, url_of

__all__ = ["TestDigits", "bind", "create_app", "running", "serve", "url_of"]
