"""Reports of a real short run and of a comparison folder: every figure, the page, the notes."""

from __future__ import annotations

import html.parser
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lenetlab.errors import CheckpointError, LenetlabError
from lenetlab.report import build_report, is_compare_dir
from lenetlab.report.build import MANIFEST_NAME, RUN_STEPS
from lenetlab.report.figures import DPI, FIGURE_SIZES

CLASSES = range(10)
RUN_FIGURES = {
    "curves",
    "kernels-conv1",
    "kernels-conv2",
    *(f"feature-maps-{digit}" for digit in CLASSES),
    "confusion",
    "mistakes",
    "embedding-pca",
    "embedding-tsne",
    "saliency",
}
COMPARE_FIGURES = {
    "compare-accuracy",
    "compare-kernels-conv1",
    "compare-confusion",
    "compare-angles",
}


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


def expected_size(name: str) -> tuple[int, int] | None:
    """The fixed size of a figure kind, when it has one."""
    kind = "feature-maps" if name.startswith("feature-maps") else name
    kind = "embedding" if kind.startswith("embedding") else kind
    if kind not in FIGURE_SIZES:
        return None
    width, height = FIGURE_SIZES[kind]
    return round(width * DPI), round(height * DPI)


def assert_non_trivial(path: Path) -> None:
    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)
    colours = np.unique(pixels.reshape(-1, 3)[::7], axis=0)
    assert pixels.std() > 15, f"{path.name} is nearly blank (std {pixels.std():.1f})"
    assert len(colours) >= 20, f"{path.name} has only {len(colours)} colours"


def test_run_report_writes_every_figure(run_report):
    names = {figure.name for figure in run_report.figures}

    assert names == RUN_FIGURES
    assert run_report.kind == "run" and run_report.notes == []
    for figure in run_report.figures:
        assert figure.path == run_report.out_dir / f"{figure.name}.png"
        assert png_size(figure.path) == (figure.width, figure.height)
        if expected_size(figure.name) is not None:
            assert (figure.width, figure.height) == expected_size(figure.name)
        assert_non_trivial(figure.path)


def test_run_report_leaves_no_temporary_files(run_report):
    written = {path.name for path in run_report.out_dir.iterdir()}

    assert written == {f"{name}.png" for name in RUN_FIGURES} | {"report.html", MANIFEST_NAME}


def test_progress_is_reported_after_every_step(run_report, progress_calls):
    assert [call[0] for call in progress_calls] == list(RUN_STEPS)
    assert [call[1] for call in progress_calls] == list(range(1, len(RUN_STEPS) + 1))
    assert {call[2] for call in progress_calls} == {len(RUN_STEPS)}


def test_compare_folder_is_recognised(compare_dir, run_dir):
    assert is_compare_dir(compare_dir)
    assert not is_compare_dir(run_dir)


def test_compare_report_writes_the_side_by_side_figures(compare_report):
    names = {figure.name for figure in compare_report.figures}

    assert compare_report.kind == "compare"
    assert names == COMPARE_FIGURES
    for figure in compare_report.figures:
        assert png_size(figure.path) == (figure.width, figure.height)
        assert_non_trivial(figure.path)
    accuracy = next(f for f in compare_report.figures if f.name == "compare-accuracy")
    assert (accuracy.width, accuracy.height) == expected_size("compare-accuracy")


def test_compare_page_shows_the_results_table_and_both_specs(compare_report):
    page = compare_report.html.read_text()

    assert "<th>test_accuracy_mean</th>" in page
    assert "backprop@lenet5-1998" in page
    assert "backprop-seed1" in page


def test_compare_report_without_table_rows_or_angles_still_works(
    compare_dir, report_options, tmp_path
):
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copytree(compare_dir / "backprop-seed0", partial / "backprop-seed0")
    (partial / "results.csv").write_text("")

    report = build_report(partial, tmp_path / "out", report_options)

    assert {f.name for f in report.figures} == COMPARE_FIGURES - {"compare-angles"}
    assert "results.csv is empty." in report.html.read_text()


class PageParser(html.parser.HTMLParser):
    """Collects image sources and any attribute that could reach the network."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
        for key in ("href", "src"):
            if tag != "img" and values.get(key):
                self.links.append(values[key])


@pytest.mark.parametrize("which", ["run_report", "compare_report"])
def test_page_is_self_contained(which, request):
    report = request.getfixturevalue(which)
    parser = PageParser()
    parser.feed(report.html.read_text())

    assert len(parser.images) == len(report.figures)
    assert all(src.startswith("data:image/png;base64,") for src in parser.images)
    assert parser.links == []
    assert not {"script", "link", "iframe"} & parser.tags


def test_missing_source_and_folder_without_checkpoint_fail_clearly(tmp_path):
    with pytest.raises(LenetlabError, match="no such file or folder"):
        build_report(tmp_path / "nowhere")
    with pytest.raises(CheckpointError, match="no best.safetensors or last.safetensors"):
        build_report(tmp_path)
