"""Train several learning rules on the same splits and seeds, and tabulate how far each gets.

A comparison is a list of run specs, ``RULE`` or ``RULE@ARCH`` (the Hebbian
rule and its control on the wider network: ``hebbian@lenet5-wide``), each
trained once per seed with its own recipe (the rule's ``default_lr``,
``default_epochs`` and ``default_weight_decay``) unless the settings override
them. Each run is an ordinary run folder, ``OUT/<rule>[-<arch>]-seed<S>/``, so ``evaluate`` and
``report`` work on it; an interrupted comparison continues where it stopped.
A run folder that holds a run with other settings (say, fewer epochs) is
refused, so results are never reported under settings they were not trained with.
A spec listed twice, or a rule its architecture does not suit, is refused
before anything loads or trains.

The outputs, all in ``OUT``:

- ``results.md`` and ``results.csv``: per spec, the test accuracy of the model
  chosen on the validation split (mean, standard deviation, minimum and
  maximum over seeds), the epochs, and the mean training time per epoch;
- ``runs.csv``: the same per run;
- ``history.jsonl``: every run's per-epoch metrics, ``angles.jsonl``: every
  sampled angle (see :mod:`lenetlab.lab.angles`), each row naming its run, so
  the figures can be redrawn;
- ``accuracy.png``, ``angles.png``, ``feedback_angles.png``: the figures.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from lenetlab.data import load_splits, normalize_images
from lenetlab.errors import ConfigError
from lenetlab.lab.angles import AngleProbe
from lenetlab.models import LeNet5, get_architecture
from lenetlab.rules import get_rule
from lenetlab.training import checkpoint as ckpt_io
from lenetlab.training.config import TrainConfig
from lenetlab.training.evaluation import evaluate
from lenetlab.training.history import read_history, write_history
from lenetlab.training.loop import RUNTIME_SETTINGS, Reporter, train

ANGLES = "angles.jsonl"


@dataclass(frozen=True)
class RunSpec:
    """One rule on one architecture."""

    rule: str
    arch: str = "lenet5"

    @classmethod
    def parse(cls, text: str) -> RunSpec:
        """``RULE`` or ``RULE@ARCH``; unknown names fail with the known ones."""
        rule, _, arch = text.strip().partition("@")
        spec = cls(rule, arch or "lenet5")
        get_rule(spec.rule)
        try:
            get_architecture(spec.arch)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return spec

    @property
    def label(self) -> str:
        return self.rule if self.arch == "lenet5" else f"{self.rule}@{self.arch}"

    def run_name(self, seed: int) -> str:
        arch = "" if self.arch == "lenet5" else f"-{self.arch}"
        return f"{self.rule}{arch}-seed{seed}"


@dataclass
class CompareConfig:
    rules: list[str]  # run specs, RULE or RULE@ARCH
    seeds: int = 3  # seeds 0 .. seeds-1, the same for every rule
    epochs: int | None = None  # None: each rule's default_epochs
    lr: float | None = None  # None: each rule's default_lr
    weight_decay: float | None = None  # None: each rule's default_weight_decay
    precision: str | None = None  # None: each rule's default_precision (auto, float32, bfloat16)
    limit: int | None = None  # train on the first N training examples only (quick runs)
    angle_every: int = 50  # steps between two angle measurements
    dataset: str = "mnist"  # data set name
    data_dir: str | None = None  # where to look for the data first
    download: bool = True  # fetch the data if it is not found locally
    threads: int | None = None  # CPU threads for PyTorch

    def __post_init__(self) -> None:
        if not self.rules:
            raise ConfigError("no rules to compare")
        if self.seeds < 1:
            raise ConfigError(f"seeds must be at least 1, got {self.seeds}")
        if self.angle_every < 1:
            raise ConfigError(f"angle_every must be at least 1, got {self.angle_every}")
        self.specs = [RunSpec.parse(text) for text in self.rules]
        _refuse_repeats(self.specs)
        for spec in self.specs:
            _check_rule_fits(spec)

    def train_config(self, spec: RunSpec, seed: int) -> TrainConfig:
        """The settings of one run: the rule's recipe unless overridden here."""
        recipe = get_rule(spec.rule).recipe(
            epochs=self.epochs,
            lr=self.lr,
            weight_decay=self.weight_decay,
            precision=self.precision,
        )
        return TrainConfig(
            **recipe,
            dataset=self.dataset,
            arch=spec.arch,
            rule=spec.rule,
            seed=seed,
            limit=self.limit,
            data_dir=self.data_dir,
            download=self.download,
            threads=self.threads,
        )


def _refuse_repeats(specs: list[RunSpec]) -> None:
    """Refuse a spec listed twice: its runs would share seeds and count twice in its statistics."""
    seen = set()
    for spec in specs:
        if spec in seen:
            raise ConfigError(f"rules: {spec.label!r} is listed twice; list each rule once")
        seen.add(spec)


def _check_rule_fits(spec: RunSpec) -> None:
    """Let the rule refuse the architecture now, not after the runs listed before it have trained.

    Setting the rule up on an untrained network is cheap and needs no data; the
    global random state is restored, though each run reseeds it anyway.
    """
    with torch.random.fork_rng(devices=[]):
        get_rule(spec.rule).setup(LeNet5(spec.arch), torch.Generator().manual_seed(0))


@dataclass
class RunResult:
    spec: RunSpec
    seed: int
    run_dir: Path
    config: TrainConfig
    test_accuracy: float  # of the checkpoint chosen on validation
    best_epoch: int
    seconds_per_epoch: float  # mean training time of an epoch, evaluation excluded
    history: list[dict[str, Any]] = field(default_factory=list)
    angles: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ComparisonResult:
    runs: list[RunResult]
    summary: list[dict[str, Any]]  # one row per spec, as in results.csv


def run_comparison(
    config: CompareConfig,
    out: str | Path,
    reporter_for: Callable[[str], Reporter] | None = None,
) -> ComparisonResult:
    """Train every spec under every seed into ``out``, then write the tables and figures.

    ``reporter_for(run_name)``, if given, makes the reporter of each run (progress output).
    """
    out = Path(out)
    planned = [(spec, seed) for spec in config.specs for seed in range(config.seeds)]

    # every run folder is checked before any training, so a refusal leaves the results as they were
    # (the specs themselves were checked, each against its architecture, when the config was built)
    for spec, seed in planned:
        _check_reusable(out / spec.run_name(seed), config.train_config(spec, seed))

    out.mkdir(parents=True, exist_ok=True)
    splits = load_splits(config.dataset, config.data_dir, config.download, limit=1)
    test_x = normalize_images(splits.test.images, config.dataset)

    runs = []
    for spec, seed in planned:
        run_dir = out / spec.run_name(seed)
        train_config = config.train_config(spec, seed)
        inner = reporter_for(run_dir.name) if reporter_for else None
        probe = SavingAngleProbe(config.angle_every, run_dir, inner)
        result = train(train_config, run_dir, resume=True, reporter=probe)
        angles = _read_angles(run_dir)

        model, meta = ckpt_io.load_model(run_dir / ckpt_io.BEST)
        test = evaluate(model, test_x, splits.test.labels)
        seconds = [row["seconds"] for row in result.history]
        runs.append(
            RunResult(
                spec=spec,
                seed=seed,
                run_dir=run_dir,
                config=train_config,
                test_accuracy=test.accuracy,
                best_epoch=meta["best"]["epoch"],
                seconds_per_epoch=statistics.fmean(seconds),
                history=result.history,
                angles=angles,
            )
        )

    summary = summarise(runs)
    write_tables(out, runs, summary)

    from lenetlab.lab.figures import draw_all  # matplotlib is imported only when drawing

    draw_all(out)
    return ComparisonResult(runs, summary)


def _check_reusable(run_dir: Path, asked: TrainConfig) -> None:
    """Refuse a run folder that holds a run trained with other settings than ``asked``.

    An interrupted comparison continues in its run folders, but a run with,
    say, fewer epochs would be resumed as finished and reported under this
    comparison's settings. Where the data is and the thread count do not
    change what is trained, so they may differ.
    """
    last = run_dir / ckpt_io.LAST
    if not last.exists():
        return

    saved = ckpt_io.saved_config(ckpt_io.read_metadata(last), last).to_dict()
    differences = [
        f"{name} {saved[name]} (asked: {value})"
        for name, value in asked.to_dict().items()
        if name not in RUNTIME_SETTINGS and saved[name] != value
    ]
    if differences:
        raise ConfigError(
            f"{run_dir} holds a run trained with other settings: {', '.join(differences)}; "
            "choose another --out"
        )


class SavingAngleProbe(AngleProbe):
    """An :class:`AngleProbe` that adds each finished epoch's angles to the run folder.

    The loop calls ``epoch_done`` just after it writes the epoch's checkpoint, so
    an interrupted comparison keeps the angles of every epoch it will not train
    again, and an epoch cut short leaves none behind to be sampled twice.
    """

    def __init__(self, every: int, run_dir: Path, inner: Reporter | None = None) -> None:
        super().__init__(every, inner)
        self.run_dir = run_dir

    def epoch_done(self, metrics, model):
        epoch = metrics["epoch"]
        new = [row for row in self.records if row["epoch"] == epoch]

        # rows of this epoch or later come from a run stopped before it checkpointed them
        old = [row for row in _read_angles(self.run_dir) if row["epoch"] < epoch]
        _write_angles(self.run_dir, old + new)
        super().epoch_done(metrics, model)


def _read_angles(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / ANGLES
    if not path.exists():
        return []
    return read_history(path)


def _write_angles(run_dir: Path, rows: list[dict[str, Any]]) -> None:
    write_history(run_dir / ANGLES, rows)


def summarise(runs: list[RunResult]) -> list[dict[str, Any]]:
    """One row per spec: accuracy over seeds, epochs, time per epoch."""
    rows = []
    specs = list(dict.fromkeys(run.spec for run in runs))
    for spec in specs:
        mine = [run for run in runs if run.spec == spec]
        accuracies = [run.test_accuracy for run in mine]
        rows.append(
            {
                "rule": spec.rule,
                "arch": spec.arch,
                "seeds": len(mine),
                "epochs": mine[0].config.epochs,
                "lr": mine[0].config.lr,
                "weight_decay": mine[0].config.weight_decay,
                "precision": mine[0].config.precision,
                "test_accuracy_mean": statistics.fmean(accuracies),
                "test_accuracy_std": statistics.stdev(accuracies) if len(mine) > 1 else 0.0,
                "test_accuracy_min": min(accuracies),
                "test_accuracy_max": max(accuracies),
                "seconds_per_epoch": statistics.fmean(run.seconds_per_epoch for run in mine),
            }
        )
    return rows


def write_tables(out: Path, runs: list[RunResult], summary: list[dict[str, Any]]) -> None:
    run_rows = [
        {
            "rule": run.spec.rule,
            "arch": run.spec.arch,
            "seed": run.seed,
            "run_dir": run.run_dir.name,
            "epochs": run.config.epochs,
            "lr": run.config.lr,
            "weight_decay": run.config.weight_decay,
            "precision": run.config.precision,
            "best_epoch": run.best_epoch,
            "test_accuracy": run.test_accuracy,
            "seconds_per_epoch": run.seconds_per_epoch,
        }
        for run in runs
    ]
    ckpt_io.atomic_write_text(out / "results.csv", _csv(summary))
    ckpt_io.atomic_write_text(out / "runs.csv", _csv(run_rows))
    ckpt_io.atomic_write_text(out / "results.md", results_markdown(summary, runs))
    ckpt_io.atomic_write_text(
        out / "results.json", json.dumps({"summary": summary, "runs": run_rows}, indent=2) + "\n"
    )

    history = [
        {"rule": run.spec.rule, "arch": run.spec.arch, "seed": run.seed, **row}
        for run in runs
        for row in run.history
    ]
    angles = [
        {"rule": run.spec.rule, "arch": run.spec.arch, "seed": run.seed, **row}
        for run in runs
        for row in run.angles
    ]
    for name, rows in (("history.jsonl", history), (ANGLES, angles)):
        write_history(out / name, rows)


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def results_markdown(summary: list[dict[str, Any]], runs: list[RunResult]) -> str:
    """The results table, with a line on how it was measured."""
    config = runs[0].config
    data = (
        f"the first {config.limit} training examples" if config.limit else "the full training split"
    )
    header = (
        "| rule | arch | test accuracy (mean ± std) | min | max | seeds | epochs | lr "
        "| weight decay | precision | s/epoch |"
    )
    lines = [
        header,
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in summary:
        lines.append(
            f"| {row['rule']} | {row['arch']} "
            f"| {row['test_accuracy_mean']:.2%} ± {row['test_accuracy_std']:.2%} "
            f"| {row['test_accuracy_min']:.2%} | {row['test_accuracy_max']:.2%} "
            f"| {row['seeds']} | {row['epochs']} | {row['lr']:g} | {row['weight_decay']:g} "
            f"| {row['precision']} | {row['seconds_per_epoch']:.1f} |"
        )
    lines += [
        "",
        f"{config.dataset}, trained on {data}; the model of each run is the epoch with the best "
        f"validation accuracy ({config.val_size} held-out training examples), tested on the "
        "test split. s/epoch: training time of an epoch, evaluation excluded, with the angle "
        "measurements included.",
    ]
    return "\n".join(lines) + "\n"
