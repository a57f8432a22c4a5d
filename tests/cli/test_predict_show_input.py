"""``predict --show-input`` into the folder that holds the inputs: the inputs stay as they were."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_show_input_never_overwrites_an_input(lenetlab, trained_run, tmp_path):
    # a.png's first digit would be saved as a-0.png: the name of the next input
    shutil.copy(EXAMPLES / "marker-4.png", tmp_path / "a.png")
    shutil.copy(EXAMPLES / "ink-on-white-8.png", tmp_path / "a-0.png")
    before = (tmp_path / "a-0.png").read_bytes()
    alone = lenetlab("predict", trained_run, tmp_path / "a-0.png", "--json")
    assert alone.returncode == 0, alone.stderr

    inputs = [tmp_path / "a.png", tmp_path / "a-0.png"]
    done = lenetlab("predict", trained_run, *inputs, "--json", "--show-input", tmp_path)

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a-0.png").read_bytes() == before
    second = json.loads(done.stdout.splitlines()[1])
    assert second["number"] == json.loads(alone.stdout)["number"]  # the user's file was read

    # the picture went to a free name, and the log says which
    assert (tmp_path / "a-0-2.png").is_file()
    assert f"{tmp_path / 'a.png'}: network input saved as {tmp_path / 'a-0-2.png'}" in done.stderr
    assert f"network input saved as {tmp_path / 'a-0-0.png'}" in done.stderr
