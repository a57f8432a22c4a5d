"""Build a report: PNG figures and one ``report.html`` for a run or a comparison.

    from lenetlab.report import build_report
    report = build_report("runs/mnist-lenet5-backprop-seed0")  # or a .safetensors file
    report.html  # runs/.../report/report.html

A folder holding ``results.csv`` and run sub-folders (what ``lenetlab compare``
writes) gets the comparison report: every rule's curves on one axis, kernels
in rows, confusion matrices side by side and the results table. Anything
missing (metrics, a table, angles) is said on the page rather than failing.

The report writes only into a new or empty folder, or one holding an earlier
report: ``report-files.json`` lists the files a report wrote, and only those
are ever replaced. Nothing is written until the page is done, so a report that
fails, or finds a user's file in its way, leaves the folder as it was.

The builder prints nothing; it calls ``progress(step, done, total)`` after
each step, which the command line turns into a progress bar.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from lenetlab.data import get_dataset_info, load_splits, normalize_images
from lenetlab.errors import ConfigError, LenetlabError
from lenetlab.report import analysis, embedding, features, figures, saliency
from lenetlab.report.page import PageFigure, Section, Table, render_page
from lenetlab.training.checkpoint import BEST, LAST, atomic_write_bytes, atomic_write_text
from lenetlab.training.history import read_history

ProgressCallback = Callable[[str, int, int], None]  # (step just done, steps done, steps in all)

RESULTS_CSV = "results.csv"
HTML_NAME = "report.html"
MANIFEST_NAME = "report-files.json"  # the files a report wrote, which the next one may replace
MANIFEST_WRITER = "lenetlab report"
RUN_STEPS = (
    "load model and test set",
    "classify test set",
    "training curves",
    "kernels",
    "feature maps",
    "confusion matrix",
    "mistakes",
    "PCA embedding",
    "t-SNE embedding",
    "saliency",
    "write page",
)
COMPARE_STEPS = ("find runs", "load test set", "classify test set", "figures", "write page")


@dataclass
class ReportOptions:
    """What a report shows and how it gets its data."""

    dataset: str | None = None  # test set to use; None: the one the model was trained on
    data_dir: str | None = None  # folder to look in first for the data
    download: bool = True  # fetch the data set if it is not found locally
    embedding_points: int = embedding.TSNE_POINTS  # test examples in the PCA and t-SNE plots
    mistakes: int = 24  # confident mistakes in the gallery
    seed: int = 0  # picks the embedding subset and seeds t-SNE
    # CPU threads for PyTorch and scikit-learn (None: their default). One by default: a report
    # is mostly single-threaded drawing, and on a busy 2-core machine 2 threads took 34 s, 1 took 21 s
    threads: int | None = 1


@dataclass
class FigureFile:
    """A PNG the report wrote, and the size it was drawn at."""

    name: str  # file name without .png, e.g. "confusion"
    path: Path
    width: int  # pixels
    height: int


@dataclass
class Report:
    kind: str  # "run" or "compare"
    out_dir: Path
    html: Path
    figures: list[FigureFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be shown, and why


class _Outputs:
    """Keeps the figures in memory for the page, then writes them all, atomically, at the end.

    The PNGs are embedded in the page anyway, so holding them costs little, and
    a report that fails half-way leaves no half of itself in the folder.
    """

    def __init__(self, out_dir: Path, earlier: set[str]) -> None:
        self.out_dir = out_dir
        self.earlier = earlier  # files an earlier report wrote there, which may be replaced
        self.files: list[FigureFile] = []
        self.pngs: dict[str, bytes] = {}  # file name -> contents

    def save(self, name: str, figure: Figure, alt: str, caption: str = "") -> PageFigure:
        png = figures.figure_png(figure)
        width, height = figures.figure_pixels(figure)
        path = self.out_dir / f"{name}.png"
        self.pngs[path.name] = png
        self.files.append(FigureFile(name, path, width, height))
        figure.clear()
        return PageFigure(png, alt, caption)

    def write(self, page: str) -> Path:
        """Write the manifest, the figures and the page; return the page's path."""
        contents = {**self.pngs, HTML_NAME: page.encode("utf-8")}
        _check_nothing_in_the_way(self.out_dir, [MANIFEST_NAME, *contents], self.earlier)
        self.out_dir.mkdir(parents=True, exist_ok=True)

        # the manifest first, so a report cut short still names every file it may have left;
        # an earlier report's files that this one does not write stay listed, and may be replaced
        kept = {name for name in self.earlier - {MANIFEST_NAME} if (self.out_dir / name).is_file()}
        _write_manifest(self.out_dir, kept | set(contents))

        for name, data in contents.items():
            atomic_write_bytes(self.out_dir / name, data)
        return self.out_dir / HTML_NAME


def earlier_report_files(out: Path) -> set[str]:
    """The files an earlier report wrote in ``out``, which a new report may replace.

    A missing or empty folder has none. Any other folder must hold an earlier
    report's manifest: a user's own confusion.png or report.html cannot be told
    from a report's by name, and nothing a user made is overwritten.
    """
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file, not a folder for the report")
    names = sorted(path.name for path in out.iterdir()) if out.is_dir() else []
    if not names:
        return set()

    listed = _read_manifest(out / MANIFEST_NAME)
    if listed is None:
        in_the_way = HTML_NAME if HTML_NAME in names else names[0]
        raise ConfigError(
            f"{out} holds {in_the_way} and is not an earlier report (no valid {MANIFEST_NAME}); "
            "write the report into a new or empty folder"
        )
    return listed | {MANIFEST_NAME}


def _read_manifest(path: Path) -> set[str] | None:
    """The file names a report's manifest lists; None when there is no valid manifest."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(manifest, dict) or manifest.get("written_by") != MANIFEST_WRITER:
        return None
    files = manifest.get("files")
    if not isinstance(files, list):
        return None

    # plain names only: a manifest never vouches for a file outside its own folder
    return {
        name
        for name in files
        if isinstance(name, str) and name not in ("", ".", "..") and name == Path(name).name
    }


def _write_manifest(out: Path, names: set[str]) -> None:
    manifest = {"written_by": MANIFEST_WRITER, "files": sorted(names)}
    atomic_write_text(out / MANIFEST_NAME, json.dumps(manifest, indent=1) + "\n")


def _check_nothing_in_the_way(out: Path, names: list[str], earlier: set[str]) -> None:
    """Refuse to replace a file no earlier report wrote, such as one made during this build."""
    for name in names:
        if name not in earlier and (out / name).exists():
            raise ConfigError(
                f"{out} holds {name}, which no earlier report wrote; "
                "move it, or write the report into a new or empty folder"
            )


class _Steps:
    """Counts steps done and tells the progress callback."""

    def __init__(self, names: tuple[str, ...], callback: ProgressCallback | None) -> None:
        self.names = names
        self.callback = callback
        self.done = 0

    def finish(self, name: str) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(name, self.done, len(self.names))


@contextlib.contextmanager
def _threads(count: int | None) -> Iterator[None]:
    """Limit PyTorch and the OpenMP/BLAS pools (t-SNE) to ``count`` threads, then restore."""
    if not count:
        yield
        return
    import sklearn.manifold  # noqa: F401  (threadpoolctl limits only libraries already loaded)
    from threadpoolctl import threadpool_limits

    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        with threadpool_limits(limits=count):
            yield
    finally:
        torch.set_num_threads(previous)


def is_compare_dir(path: Path) -> bool:
    """True for a folder written by ``lenetlab compare``: results.csv and run sub-folders."""
    return path.is_dir() and (path / RESULTS_CSV).is_file() and bool(find_runs(path))


def find_runs(folder: Path) -> list[Path]:
    """Sub-folders of ``folder`` that hold a checkpoint, in name order."""
    return sorted(
        child
        for child in folder.iterdir()
        if child.is_dir() and ((child / BEST).is_file() or (child / LAST).is_file())
    )


def default_out_dir(source: Path) -> Path:
    """``SOURCE/report`` for a folder, ``NAME-report`` beside a checkpoint file."""
    if source.is_dir():
        return source / "report"
    return source.with_name(f"{source.stem}-report")


def build_report(
    source: str | Path,
    out_dir: str | Path | None = None,
    options: ReportOptions | None = None,
    progress: ProgressCallback | None = None,
) -> Report:
    """Write the figures and ``report.html`` for a run folder, checkpoint or comparison."""
    source = Path(source)
    options = options or ReportOptions()
    if options.embedding_points < 10:
        raise ConfigError(f"embedding_points must be at least 10, got {options.embedding_points}")
    if not source.exists():
        raise LenetlabError(f"{source}: no such file or folder")
    out = Path(out_dir) if out_dir is not None else default_out_dir(source)
    outputs = _Outputs(out, earlier_report_files(out))  # refused here, before minutes of work

    with _threads(options.threads):
        if is_compare_dir(source):
            return _build_compare_report(source, outputs, options, _Steps(COMPARE_STEPS, progress))
        return _build_run_report(source, outputs, options, _Steps(RUN_STEPS, progress))


# ---- one run -----------------------------------------------------------------


def _build_run_report(
    source: Path, outputs: _Outputs, options: ReportOptions, steps: _Steps
) -> Report:
    notes: list[str] = []

    run = analysis.open_run(source)
    trained_on = str(run.meta.get("dataset", "mnist"))
    dataset = options.dataset or trained_on
    classes = get_dataset_info(dataset).classes
    test = load_splits(dataset, data_dir=options.data_dir, download=options.download).test
    inputs = normalize_images(test.images, trained_on)  # N x 1 x 28 x 28, as in training
    steps.finish(RUN_STEPS[0])

    predictions = analysis.predict_test(run.model, inputs, test.labels)
    chosen = analysis.one_per_class(predictions.labels, len(classes))
    steps.finish(RUN_STEPS[1])

    title = f"{run.meta.get('arch', 'LeNet-5')} trained with {run.rule}"
    sections = [_summary_section(run, dataset, predictions)]

    # training curves, when the run folder kept its metrics
    curves = Section("Training and validation curves")
    if run.history:
        curves.figures.append(
            outputs.save(
                "curves",
                figures.curves_figure(run.history, run.rule, title),
                "loss and accuracy per epoch",
                "Dashed: training split (running mean over the epoch, dropout on); "
                "solid: validation split, measured after each epoch.",
            )
        )
    else:
        note = (
            f"Training curves are unavailable: {run.checkpoint.name} has no metrics.jsonl "
            "beside it (a bare checkpoint, not a run folder)."
        )
        curves.notes.append(note)
        notes.append(note)
    sections.append(curves)
    steps.finish(RUN_STEPS[2])

    kernels = features.conv_kernels(run.model)
    sections.append(
        Section(
            "What the convolutions look for",
            paragraphs=[
                (
                    "Each conv1 kernel is slid over the image; each conv2 filter reads all "
                    f"{kernels['conv2'].shape[1]} conv1 maps through one kernel per map. "
                    "Red weights add the activity under them, blue ones subtract it."
                )
            ],
            figures=[
                outputs.save(
                    "kernels-conv1", figures.conv1_kernels_figure(kernels["conv1"]), "conv1 kernels"
                ),
                outputs.save(
                    "kernels-conv2", figures.conv2_kernels_figure(kernels["conv2"]), "conv2 kernels"
                ),
            ],
        )
    )
    steps.finish(RUN_STEPS[3])

    maps_section = Section(
        "Feature maps of every layer",
        paragraphs=[
            (
                "The first test example of each class, followed through the network. Each layer "
                "has its own colour scale (see its colour bar); black is zero activity."
            )
        ],
    )
    for index in chosen:
        label = int(predictions.labels[index])
        image = test.images[index].numpy()
        maps = features.feature_maps(run.model, image, trained_on)
        maps_section.figures.append(
            outputs.save(
                f"feature-maps-{label}",
                figures.feature_maps_figure(image, maps, label, classes),
                f"feature maps for a {classes[label]}",
                f"Test example #{index}, a {classes[label]}.",
            )
        )
    sections.append(maps_section)
    steps.finish(RUN_STEPS[4])

    sections.append(
        Section(
            "Confusion matrix",
            figures=[
                outputs.save(
                    "confusion",
                    figures.confusion_figure(
                        predictions.confusion,
                        classes,
                        f"Test confusion matrix, accuracy {predictions.accuracy:.2%}",
                    ),
                    "confusion matrix",
                    "Numbers are counts; shading is the share of the row's true class.",
                )
            ],
        )
    )
    steps.finish(RUN_STEPS[5])

    wrong = analysis.confident_mistakes(predictions, options.mistakes)
    sections.append(
        Section(
            "Most confident mistakes",
            figures=[
                outputs.save(
                    "mistakes",
                    figures.mistakes_figure(
                        test.images[wrong].numpy(),
                        predictions.labels[wrong],
                        predictions.predicted[wrong],
                        predictions.probabilities[wrong].max(1),
                        classes,
                    ),
                    "gallery of the most confident mistakes",
                    f"{len(wrong)} of the {int((predictions.predicted != predictions.labels).sum())} "
                    "misclassified test examples, by the probability given to the wrong class.",
                )
            ],
        )
    )
    steps.finish(RUN_STEPS[6])

    # the penultimate layer, on a fixed subset of the test set
    subset = embedding.embedding_subset(len(inputs), options.embedding_points, options.seed)
    fc1 = embedding.penultimate_features(run.model, inputs[subset])
    subset_labels = predictions.labels[subset]
    pca, explained = embedding.pca_2d(fc1)
    embed_section = Section(
        "The penultimate layer (fc1) in two dimensions",
        paragraphs=[
            (
                f"fc1's {fc1.shape[1]} activations for {len(subset)} test examples. PCA is a linear "
                "projection; t-SNE keeps neighbours together, so clusters are meaningful but "
                "the distances between them are not."
            )
        ],
        gallery=True,
    )
    embed_section.figures.append(
        outputs.save(
            "embedding-pca",
            figures.embedding_figure(
                pca,
                subset_labels,
                classes,
                "fc1 by PCA",
                (
                    f"PC 1 ({explained[0]:.0%} of variance)",
                    f"PC 2 ({explained[1]:.0%} of variance)",
                ),
            ),
            "PCA embedding of fc1",
        )
    )
    steps.finish(RUN_STEPS[7])

    tsne = embedding.tsne_2d(fc1, seed=options.seed)
    embed_section.figures.append(
        outputs.save(
            "embedding-tsne",
            figures.embedding_figure(
                tsne, subset_labels, classes, "fc1 by t-SNE", ("t-SNE 1", "t-SNE 2")
            ),
            "t-SNE embedding of fc1",
        )
    )
    sections.append(embed_section)
    steps.finish(RUN_STEPS[8])

    chosen_inputs = inputs[chosen]
    chosen_labels = test.labels[chosen]
    gradients = saliency.input_gradient(run.model, chosen_inputs, chosen_labels)
    occlusions = saliency.occlusion(
        run.model, chosen_inputs, chosen_labels, fill=features.blank_input_value(trained_on)
    )
    sections.append(
        Section(
            "Saliency",
            paragraphs=[
                (
                    "Middle row: how strongly the class score reacts to each pixel (input gradient). "
                    "Bottom row: how much the class's score (logit) falls when a 6x6 square around "
                    "the pixel is blanked (occlusion); red marks evidence for the class, blue against."
                )
            ],
            figures=[
                outputs.save(
                    "saliency",
                    figures.saliency_figure(
                        test.images[chosen].numpy(),
                        [int(label) for label in chosen_labels],
                        gradients,
                        occlusions,
                        classes,
                    ),
                    "saliency maps",
                )
            ],
        )
    )
    steps.finish(RUN_STEPS[9])

    subtitle = f"Report for {run.checkpoint}, tested on the {dataset} test set."
    html_path = outputs.write(render_page(title, subtitle, sections))
    steps.finish(RUN_STEPS[10])
    return Report("run", outputs.out_dir, html_path, outputs.files, notes)


def _summary_section(
    run: analysis.RunFiles, dataset: str, predictions: analysis.TestPredictions
) -> Section:
    best = run.meta.get("best") or {}
    rows = [
        ["architecture", str(run.meta.get("arch", "?"))],
        ["learning rule", run.rule],
        ["trained on", str(run.meta.get("dataset", "?"))],
        ["seed", str(run.meta.get("seed", "?"))],
        [
            "epoch of these weights",
            f"{run.meta.get('epoch', '?')} of {run.meta.get('epochs', '?')}",
        ],
        ["validation accuracy (best epoch)", _percent(best.get("val_accuracy"))],
        [
            f"test accuracy ({dataset}, {len(predictions.labels)} examples)",
            f"{predictions.accuracy:.2%}",
        ],
    ]
    return Section("Summary", tables=[Table(["", "value"], rows)])


def _percent(value: Any) -> str:
    return f"{value:.2%}" if isinstance(value, (int, float)) else "?"


# ---- a comparison of rules ----------------------------------------------------


def _build_compare_report(
    source: Path, outputs: _Outputs, options: ReportOptions, steps: _Steps
) -> Report:
    notes: list[str] = []

    runs = [analysis.open_run(folder) for folder in find_runs(source)]
    by_spec: dict[str, list[analysis.RunFiles]] = {}
    for run in runs:
        by_spec.setdefault(run.spec, []).append(run)
    steps.finish(COMPARE_STEPS[0])

    trained_on = str(runs[0].meta.get("dataset", "mnist"))
    dataset = options.dataset or trained_on
    classes = get_dataset_info(dataset).classes
    test = load_splits(dataset, data_dir=options.data_dir, download=options.download).test
    steps.finish(COMPARE_STEPS[1])

    # each spec's confusion matrix, averaged over its seeds
    confusions: dict[str, list[np.ndarray]] = {}
    for run in runs:
        inputs = normalize_images(test.images, str(run.meta.get("dataset", "mnist")))
        predictions = analysis.predict_test(run.model, inputs, test.labels)
        confusions.setdefault(run.spec, []).append(predictions.confusion)
    steps.finish(COMPARE_STEPS[2])

    sections = [_results_section(source, runs)]

    curves = [(run.spec, run.history) for run in runs if run.history]
    accuracy = Section("Validation accuracy per epoch")
    if curves:
        accuracy.figures.append(
            outputs.save(
                "compare-accuracy",
                figures.compare_accuracy_figure(curves),
                "validation accuracy curves of every rule",
            )
        )
    else:
        accuracy.notes.append("No run folder holds metrics.jsonl, so there are no curves to draw.")
        notes.extend(accuracy.notes)
    sections.append(accuracy)

    first_kernels = [
        (spec, features.conv_kernels(spec_runs[0].model)["conv1"])
        for spec, spec_runs in by_spec.items()
    ]
    kernels_figure = figures.compare_kernels_figure(first_kernels)
    sections.append(
        Section(
            "conv1 kernels by rule",
            paragraphs=["The first seed of each rule."],
            figures=[
                outputs.save("compare-kernels-conv1", kernels_figure, "conv1 kernels of every rule")
            ],
        )
    )

    matrices = [(spec, np.mean(mats, axis=0), len(mats)) for spec, mats in confusions.items()]
    confusion_figure = figures.compare_confusion_figure(matrices, classes)
    sections.append(
        Section(
            "Test confusion matrices by rule",
            figures=[
                outputs.save(
                    "compare-confusion", confusion_figure, "confusion matrices of every rule"
                )
            ],
        )
    )

    angles_section = _angles_section(source, runs, outputs)
    if angles_section is not None:
        sections.append(angles_section)
        notes.extend(angles_section.notes)
    steps.finish(COMPARE_STEPS[3])

    page = render_page(
        f"Learning rules compared: {', '.join(by_spec)}",
        f"Report for {source}: {len(runs)} runs, tested on the {dataset} test set.",
        sections,
    )
    html_path = outputs.write(page)
    steps.finish(COMPARE_STEPS[4])
    return Report("compare", outputs.out_dir, html_path, outputs.files, notes)


def read_results_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a results CSV, as text."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return [], []
    return rows[0], [row for row in rows[1:] if any(cell.strip() for cell in row)]


def _results_section(source: Path, runs: list[analysis.RunFiles]) -> Section:
    section = Section("Results")
    header, rows = read_results_table(source / RESULTS_CSV)
    if header:
        shown = [[_short_number(cell) for cell in row] for row in rows]
        section.tables.append(Table(header, shown, f"{RESULTS_CSV}, as lenetlab compare wrote it:"))
    else:
        section.notes.append(f"{RESULTS_CSV} is empty.")
    section.tables.append(
        Table(
            ["run folder", "rule", "seed", "epochs", "best validation accuracy"],
            [
                [
                    run.checkpoint.parent.name,
                    run.spec,
                    str(run.meta.get("seed", "?")),
                    str(len(run.history) if run.history else "?"),
                    _percent((run.meta.get("best") or {}).get("val_accuracy")),
                ]
                for run in runs
            ],
            "The run folders found:",
        )
    )
    return section


def _short_number(cell: str) -> str:
    """A decimal with four significant digits, for reading; any other text as it is."""
    if "." not in cell:
        return cell
    try:
        return f"{float(cell):.4g}"
    except ValueError:
        return cell


ANGLES_FILE = "angles.jsonl"  # written by lenetlab compare, see lenetlab.lab.angles
ANGLE_X_KEYS = ("step", "epoch")  # training time, finest first


def read_angles(source: Path, runs: list[analysis.RunFiles]) -> list[dict[str, Any]]:
    """Angle rows, each with ``spec`` and ``run`` keys added.

    The comparison folder's own ``angles.jsonl`` names each row's rule and
    seed; without it, the runs' own files are read and named by their folder.
    """
    rows: list[dict[str, Any]] = []
    top = source / ANGLES_FILE
    if top.is_file():
        for row in read_history(top):
            if "rule" in row:
                spec = analysis.spec_label(str(row["rule"]), row.get("arch"))
                rows.append({**row, "spec": spec, "run": f"{spec} seed {row.get('seed', '?')}"})
        return rows
    for run in runs:
        path = run.checkpoint.parent / ANGLES_FILE
        if path.is_file():
            name = run.checkpoint.parent.name
            rows.extend({**row, "spec": run.spec, "run": name} for row in read_history(path))
    return rows


def _angles_section(
    source: Path, runs: list[analysis.RunFiles], outputs: _Outputs
) -> Section | None:
    """The angle curves, when the comparison recorded angles; None when it did not."""
    rows = read_angles(source, runs)
    if not rows:
        return None

    x_key = next((key for key in ANGLE_X_KEYS if all(key in row for row in rows)), None)
    usable = [
        row
        for row in rows
        if x_key is not None and "layer" in row and isinstance(row.get("angle"), (int, float))
    ]
    section = Section(
        "Alignment angles",
        paragraphs=[
            (
                "Update vs gradient: the angle between the weight change a rule made and the true "
                "backprop gradient on the same batch. Feedback vs forward: the angle between the "
                "weights that carry the error down and the forward weights. 90° means unrelated."
            )
        ],
    )
    if not usable:
        section.notes.append(
            f"{ANGLES_FILE} holds no rows with a layer, an angle and a step or epoch; "
            "no angle plot."
        )
        return section

    # series[(kind, layer)][(spec, run)] = (times, angles)
    series: dict[tuple[str, str], dict[tuple[str, str], tuple[list[float], list[float]]]] = {}
    for row in usable:
        panel = (str(row.get("kind", "angle")), str(row["layer"]))
        times, angles = series.setdefault(panel, {}).setdefault((row["spec"], row["run"]), ([], []))
        times.append(float(row[x_key]))
        angles.append(float(row["angle"]))  # NaN (a zero vector) leaves a gap
    section.figures.append(
        outputs.save(
            "compare-angles",
            figures.compare_angles_figure(series, f"training {x_key}"),
            "alignment angles by layer and rule",
        )
    )
    return section
