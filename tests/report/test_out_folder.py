"""Where a report may write: a new or empty folder, or an earlier report's; never over user files.

A user's own confusion.png or report.html looks like a report's by name, so a
report recognises its earlier self by the manifest it writes, and refuses any
other folder that holds anything, before it writes a byte.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest

from lenetlab.cli.main import main
from lenetlab.errors import ConfigError
from lenetlab.report import build_report
from lenetlab.report.build import HTML_NAME, MANIFEST_NAME

USER_PNG = b"\x89PNG\r\n\x1a\n a user's own confusion matrix"
USER_PAGE = b"<html><body>my own notes</body></html>\n"


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def report_command(source: Path, datasets_dir: Path, *more: str) -> list[str]:
    options = ["--data-dir", str(datasets_dir), "--no-download", "--threads", "1"]
    return ["report", str(source), "--points", "50", "--no-progress", *options, *more]


def test_report_leaves_a_folder_of_the_users_own_files_untouched(
    run_dir, datasets_dir, tmp_path, capsys
):
    myfigs = tmp_path / "myfigs"
    myfigs.mkdir()
    (myfigs / "confusion.png").write_bytes(USER_PNG)
    (myfigs / HTML_NAME).write_bytes(USER_PAGE)
    before = folder_bytes(myfigs)

    code = main(report_command(run_dir, datasets_dir, "--out", str(myfigs)))

    errors = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert len(errors) == 1
    assert str(myfigs) in errors[0] and HTML_NAME in errors[0]
    assert folder_bytes(myfigs) == before  # same files, same bytes, no manifest added


def test_default_report_folder_is_rewritten_by_a_second_run(
    run_dir, datasets_dir, tmp_path, capsys
):
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    command = report_command(run, datasets_dir)

    assert main(command) == 0
    report = run / "report"
    (report / HTML_NAME).write_text("left over from the first run")
    assert main(command) == 0

    manifest = json.loads((report / MANIFEST_NAME).read_text())
    written = {path.name for path in report.iterdir()} - {MANIFEST_NAME}
    assert manifest["written_by"] == "lenetlab report"
    assert set(manifest["files"]) == written
    assert HTML_NAME in written and "confusion.png" in written
    assert (report / HTML_NAME).read_text().startswith("<!DOCTYPE html>")
    assert capsys.readouterr().out.splitlines() == [str(report / HTML_NAME)] * 2


def test_a_file_the_earlier_report_did_not_write_is_not_replaced(
    run_report, run_dir, report_options, tmp_path
):
    earlier = tmp_path / "earlier"
    shutil.copytree(run_report.out_dir, earlier)
    manifest = json.loads((earlier / MANIFEST_NAME).read_text())
    manifest["files"].remove("saliency.png")  # as if the user added it beside the report
    (earlier / MANIFEST_NAME).write_text(json.dumps(manifest))
    (earlier / "saliency.png").write_bytes(USER_PNG)
    before = folder_bytes(earlier)

    options = dataclasses.replace(report_options, embedding_points=50)
    with pytest.raises(
        ConfigError, match=re.escape(f"{earlier} holds saliency.png, which no earlier report")
    ):
        build_report(run_dir, earlier, options)

    assert folder_bytes(earlier) == before  # the earlier report's files too: nothing written


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({"notes.txt": b"mine"}, "notes.txt"),
        ({MANIFEST_NAME: b"not json", "kernels-conv1.png": USER_PNG}, "kernels-conv1.png"),
        ({MANIFEST_NAME: b'{"written_by": "someone else", "files": []}'}, MANIFEST_NAME),
    ],
)
def test_a_folder_that_is_not_an_earlier_report_is_refused(run_dir, tmp_path, files, named):
    out = tmp_path / "out"
    out.mkdir()
    for name, data in files.items():
        (out / name).write_bytes(data)

    with pytest.raises(
        ConfigError, match=re.escape(f"{out} holds {named} and is not an earlier report")
    ):
        build_report(run_dir, out)

    assert folder_bytes(out) == files


def test_an_output_path_that_is_a_file_is_refused(run_dir, tmp_path):
    taken = tmp_path / "taken"
    taken.write_bytes(USER_PAGE)

    with pytest.raises(ConfigError, match="is a file, not a folder"):
        build_report(run_dir, taken)

    assert taken.read_bytes() == USER_PAGE
