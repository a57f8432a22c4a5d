"""Fixtures for the data tests: the real files, tiny IDX files and a local HTTP server.

The real MNIST copy is found through ``$LENETLAB_TEST_DATA`` (a folder holding
``mnist/``) or beside the repository in ``../shared/datasets``; tests that need
it are skipped when neither exists. Every test runs with ``$LENETLAB_DATA``
unset and the user cache pointed at a temporary folder, so nothing here reads
or writes a real cache.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def shared_datasets_dir() -> Path:
    """The folder holding the shared ``mnist/`` copy, from the environment or beside the repo."""
    configured = os.environ.get("LENETLAB_TEST_DATA")
    if configured:
        return Path(configured)
    return (REPO_ROOT / ".." / "shared" / "datasets").resolve()


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the four real MNIST files; skips the test when absent."""
    directory = shared_datasets_dir() / "mnist"
    if not (directory / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real MNIST files not found in {directory}; set LENETLAB_TEST_DATA")
    return directory


@pytest.fixture(autouse=True)
def isolated_lookup(monkeypatch, tmp_path):
    """Keep the user's $LENETLAB_DATA and cache out of every test."""
    monkeypatch.delenv("LENETLAB_DATA", raising=False)
    cache = tmp_path / "user-cache"
    monkeypatch.setattr("lenetlab.data.locate.default_cache_dir", lambda: cache)
    return cache


@dataclass
class Route:
    """What the test server answers for one path."""

    body: bytes = b""
    status: int = 200
    delay: float = 0.0  # seconds to wait before answering, to provoke time-outs


@dataclass
class MirrorServer:
    """A local HTTP server whose answers the test sets per path."""

    base_url: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def answer(self, path: str, body: bytes, *, status: int = 200, delay: float = 0.0) -> None:
        """Answer requests for ``path`` with ``body``, after ``delay`` seconds."""
        self.routes[path] = Route(body, status, delay)

    def serve_folder(self, prefix: str, folder: Path) -> str:
        """Serve every file of ``folder`` under ``/prefix/``; return that mirror's base URL."""
        for path in folder.iterdir():
            if path.is_file():
                self.routes[f"/{prefix}/{path.name}"] = Route(path.read_bytes())
        return f"{self.base_url}/{prefix}/"


@pytest.fixture
def mirror_server(monkeypatch):
    """A threaded HTTP server on 127.0.0.1 at a random port; unknown paths answer 404."""
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)

    server_state = MirrorServer(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            server_state.requests.append(self.path)
            route = server_state.routes.get(self.path, Route(b"not found", status=404))
            time.sleep(route.delay)
            try:
                self.send_response(route.status)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first, as the time-out test intends

        def log_message(self, *args):
            pass  # keep the test output quiet

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server_state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def refused_url() -> str:
    """A loopback URL on a port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
