"""``lenetlab report`` from the command line, and the shared colours."""

from __future__ import annotations

import shutil

from lenetlab.cli.main import main
from lenetlab.report.palette import CLASS_COLOURS, RULE_COLOURS, rule_colour


def test_report_of_a_bare_checkpoint_says_the_curves_are_unavailable(
    run_dir, datasets_dir, tmp_path, capsys, caplog
):
    lone = tmp_path / "lone" / "model.safetensors"
    lone.parent.mkdir()
    shutil.copy(run_dir / "best.safetensors", lone)
    options = ["--data-dir", str(datasets_dir), "--no-download", "--threads", "1"]

    code = main(["report", str(lone), "--points", "50", "--no-progress", *options])

    out_dir = tmp_path / "lone" / "model-report"
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.strip() == str(out_dir / "report.html")
    assert "curves are unavailable" in caplog.text  # logged as a warning
    assert "Training curves are unavailable" in (out_dir / "report.html").read_text()
    assert not (out_dir / "curves.png").exists()
    assert (out_dir / "feature-maps-7.png").is_file()


def test_report_command_reports_errors_in_one_line(tmp_path, capsys):
    missing = tmp_path / "missing"

    assert main(["report", str(missing), "--no-progress"]) == 1
    assert capsys.readouterr().err.strip() == f"lenetlab: error: {missing}: no such file or folder"


def test_every_class_and_known_rule_has_its_own_colour():
    assert len(set(CLASS_COLOURS)) == 10
    assert len(set(RULE_COLOURS.values())) == len(RULE_COLOURS)
    assert rule_colour("some-new-rule") == rule_colour("some-new-rule")
