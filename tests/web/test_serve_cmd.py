"""``lenetlab serve`` as a user starts it: a real process, a real socket on loopback."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from lenetlab.web import bind
from tests.web.drawn import pad_png

STARTUP_SECONDS = 60


def _serve(run: Path, datasets_dir: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, LENETLAB_DATA=str(datasets_dir))
    return subprocess.Popen(
        [sys.executable, "-m", "lenetlab.cli.main", "serve", str(run), *args],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_serve_logs_its_url_answers_and_stops_on_ctrl_c(web_run, datasets_dir, test_digits):
    server = _serve(web_run, datasets_dir, "--port", "0")
    try:
        line = server.stderr.readline()
        found = re.search(r"serving .* at (http://127\.0\.0\.1:\d+/) \(Ctrl\+C to stop\)", line)
        assert found, line
        url = found.group(1)

        with urllib.request.urlopen(url + "api/info", timeout=STARTUP_SECONDS) as response:
            assert json.load(response)["random_digits"] is True
        _, image, label = test_digits.pick(2)
        request = urllib.request.Request(
            url + "api/predict?features=0",
            data=pad_png(image),
            headers={"Content-Type": "image/png"},
        )
        with urllib.request.urlopen(request, timeout=STARTUP_SECONDS) as response:
            assert json.load(response)["digit"] == label
    finally:
        server.send_signal(signal.SIGINT)
        status = server.wait(STARTUP_SECONDS)
        rest = server.stderr.read()
        server.stderr.close()
    assert status == 130  # the shell's code for Ctrl+C, as every lenetlab command exits
    assert "lenetlab: interrupted" in rest and "Traceback" not in rest


def test_serve_on_a_taken_port_says_so(web_run, datasets_dir):
    taken = bind("127.0.0.1", 0)
    port = taken.getsockname()[1]
    try:
        server = _serve(web_run, datasets_dir, "--port", str(port))
        _, errors = server.communicate(timeout=STARTUP_SECONDS)
    finally:
        taken.close()
    assert server.returncode == 1
    assert f"lenetlab: error: cannot listen on 127.0.0.1:{port}" in errors
    assert "Traceback" not in errors


def test_serve_without_a_model_says_so(tmp_path, datasets_dir):
    server = _serve(tmp_path / "no-run", datasets_dir)
    _, errors = server.communicate(timeout=STARTUP_SECONDS)
    assert server.returncode == 1
    assert "no such file or folder" in errors


def test_serve_help_lists_its_options():
    done = subprocess.run(
        [sys.executable, "-m", "lenetlab.cli.main", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
        check=False,
    )
    assert done.returncode == 0
    for flag in ("--host", "--port", "--data-dir", "--threads", "--workers"):
        assert flag in done.stdout
