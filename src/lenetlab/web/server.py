"""Run the app under uvicorn, on a socket bound here so that errors and port 0 are ours.

    sock = bind("127.0.0.1", 8000)  # LenetlabError if the port is taken
    serve(app, sock)  # blocks until Ctrl+C

    with running(app) as url:  # a free loopback port, in a background thread
        urllib.request.urlopen(url + "api/info")

``running`` is what the browser tests and the latency benchmark use, so they
measure the same server ``lenetlab serve`` starts.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from lenetlab.errors import LenetlabError

# How long `running` waits for uvicorn to start or to stop, in seconds.
START_TIMEOUT = 10.0


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0 picks a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto named explicitly: asyncio turns Nagle's algorithm off only on sockets whose
    # proto is IPPROTO_TCP, and with it on a kept-alive request waits 40 ms for an ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        reason = error.strerror or str(error)
        raise LenetlabError(f"cannot listen on {host}:{port} ({reason})") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    """The http:// address a browser uses to reach ``sock``."""
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def make_server(app: ASGIApp) -> uvicorn.Server:
    """uvicorn set up quietly: no access log (the page posts every 150 ms while drawing)."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    return uvicorn.Server(config)


def serve(app: ASGIApp, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` until interrupted."""
    make_server(app).run(sockets=[sock])


@contextlib.contextmanager
def running(app: ASGIApp, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` on a free port of ``host`` in a background thread; yields its URL."""
    sock = bind(host, 0)
    server = make_server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT)
        sock.close()
