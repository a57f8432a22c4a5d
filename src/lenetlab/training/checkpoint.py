"""Checkpoints: safetensors weights with the run's metadata, written atomically.

One checkpoint is one ``.safetensors`` file that holds everything needed to
use the model (its weights) and to continue training exactly where it stopped
(optimiser moments, the random-number state, the learning rule's own state).
The metadata (architecture, data set and its checksums, epoch, metrics, seed,
library versions, the resolved settings) lives inside the same file, so the
weights and their description can never be torn apart by a crash; a JSON copy
is written beside it for people to read.

Files are written to a temporary name in the same folder and renamed over the
old one, so a kill at any moment leaves the previous checkpoint intact.
Loading never unpickles anything: safetensors holds plain tensors only.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import safetensors
import torch
from safetensors.torch import save_file

import lenetlab
from lenetlab.errors import CheckpointError, ConfigError
from lenetlab.models import LeNet5, get_architecture
from lenetlab.training.config import TrainConfig

FORMAT = "lenetlab-checkpoint"
FORMAT_VERSION = 1
BEST = "best.safetensors"
LAST = "last.safetensors"


@dataclass
class Checkpoint:
    """The tensors of a checkpoint, split by owner, and its metadata."""

    model: dict[str, torch.Tensor]  # the weights to use: the moving average when there is one
    optimizer: dict[str, torch.Tensor]
    rule: dict[str, torch.Tensor]
    rng: torch.Tensor | None
    meta: dict[str, Any]
    raw: dict[str, torch.Tensor] = field(default_factory=dict)  # optimised weights, for resuming


def library_versions() -> dict[str, str]:
    return {
        "lenetlab": lenetlab.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def _usual_permissions(path: Path) -> None:
    """Give a temporary file (created private, 0600) the mode of any file the user writes."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
        tmp = Path(f.name)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    _usual_permissions(tmp)
    os.replace(tmp, path)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def save_checkpoint(path: Path, ckpt: Checkpoint) -> None:
    """Save weights, training state and metadata as one file, plus a readable JSON beside it."""
    tensors: dict[str, torch.Tensor] = {}
    for prefix, part in (
        ("model.", ckpt.model),
        ("raw.", ckpt.raw),
        ("optimizer.", ckpt.optimizer),
        ("rule.", ckpt.rule),
    ):
        for name, tensor in part.items():
            tensors[prefix + name] = tensor.detach().contiguous().cpu()
    if ckpt.rng is not None:
        tensors["rng.torch"] = ckpt.rng

    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, **ckpt.meta}
    header = {"lenetlab": json.dumps(meta)}

    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
        tmp = Path(f.name)
    try:
        save_file(tensors, str(tmp), metadata=header)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        _usual_permissions(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    atomic_write_text(path.with_suffix(".json"), json.dumps(meta, indent=2) + "\n")


def resolve_checkpoint_path(path: str | Path) -> Path:
    """A checkpoint file itself, or the best checkpoint inside a run folder."""
    path = Path(path)
    if path.is_dir():
        for name in (BEST, LAST):
            if (path / name).is_file():
                return path / name
        raise CheckpointError(f"{path}: no {BEST} or {LAST} in this folder; is it a training run?")
    if not path.exists():
        raise CheckpointError(f"{path}: no such file or folder")
    return path


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata inside a checkpoint, without reading its tensors (to check settings)."""
    path = resolve_checkpoint_path(path)
    header, _ = _read_safetensors(path, with_tensors=False)
    return _parse_metadata(header, path)


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint`; refuse anything else."""
    path = resolve_checkpoint_path(path)
    header, tensors = _read_safetensors(path, with_tensors=True)
    meta = _parse_metadata(header, path)

    parts: dict[str, dict[str, torch.Tensor]] = {
        "model": {},
        "raw": {},
        "optimizer": {},
        "rule": {},
    }
    rng = None
    for name, tensor in tensors.items():
        owner, _, key = name.partition(".")
        if owner in parts:
            parts[owner][key] = tensor
        elif name == "rng.torch":
            rng = tensor
    return Checkpoint(parts["model"], parts["optimizer"], parts["rule"], rng, meta, parts["raw"])


def _read_safetensors(
    path: Path, with_tensors: bool
) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    """The header metadata of a safetensors file and, if asked, its tensors."""
    try:
        with safetensors.safe_open(str(path), framework="pt") as f:
            header = f.metadata() or {}
            tensors = {name: f.get_tensor(name) for name in f.keys()} if with_tensors else {}
    except (safetensors.SafetensorError, OSError, ValueError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointError(
            f"{path}: not a lenetlab checkpoint (cannot read it as safetensors: {first_line})"
        ) from None
    return header, tensors


def _parse_metadata(header: dict[str, str], path: Path) -> dict[str, Any]:
    """lenetlab's metadata from a safetensors header, refused if absent or too new."""
    try:
        meta = json.loads(header["lenetlab"])
    except (KeyError, json.JSONDecodeError):
        meta = None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: a safetensors file, but without lenetlab's metadata")
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: metadata format is {meta.get('format')!r}, not {FORMAT!r}")

    _check_fields(meta, path, {"format_version": int}, required=False)
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: written by a newer lenetlab (format {meta['format_version']}); upgrade lenetlab"
        )
    return meta


_KIND_NAMES = {int: "a whole number", str: "a string", dict: "an object"}


def _check_fields(
    meta: dict[str, Any], path: Path, kinds: dict[str, type], required: bool = True
) -> None:
    """Refuse a metadata field of the wrong type (an edited header), or a missing one if required."""
    for name, kind in kinds.items():
        if name not in meta and not required:
            continue
        value = meta.get(name)
        if isinstance(value, bool) or not isinstance(value, kind):
            raise CheckpointError(
                f"{path}: metadata field {name!r} should be {_KIND_NAMES[kind]}, got {value!r}"
            )


def saved_config(meta: dict[str, Any], path: Path) -> TrainConfig:
    """The settings a checkpoint was trained with, checked before a run resumes from it.

    Metadata that lacks what a run writes into every checkpoint, or a damaged
    or hand-edited setting, is a one-line error that names the file.
    """
    _check_fields(meta, path, {"epoch": int, "config": dict, "arch": str})
    try:
        return TrainConfig.from_dict(meta["config"])
    except (ConfigError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: saved settings (config): {exc}") from None


def build_model(ckpt: Checkpoint, source: str | Path = "checkpoint") -> LeNet5:
    """The network described by a checkpoint, with its weights loaded and in eval mode."""
    arch_name = ckpt.meta.get("arch")
    try:
        model = LeNet5(get_architecture(str(arch_name)))
    except ConfigError as exc:
        raise CheckpointError(f"{source}: {exc}") from None

    expected = model.state_dict()
    missing = sorted(set(expected) - set(ckpt.model))
    unexpected = sorted(set(ckpt.model) - set(expected))
    if missing or unexpected:
        raise CheckpointError(
            f"{source}: weights do not fit architecture {arch_name!r} "
            f"(missing {missing[:3]}, unexpected {unexpected[:3]})"
        )
    for name, tensor in ckpt.model.items():
        if tensor.shape != expected[name].shape:
            raise CheckpointError(
                f"{source}: weight {name} has shape {tuple(tensor.shape)}, architecture "
                f"{arch_name!r} needs {tuple(expected[name].shape)}"
            )
        # a network with integer or non-finite weights answers nonsense without complaint
        if not tensor.is_floating_point():
            raise CheckpointError(f"{source}: weight {name} is {tensor.dtype}, not floating point")
        if not bool(torch.isfinite(tensor).all()):
            raise CheckpointError(f"{source}: weight {name} holds NaN or infinite values")
    model.load_state_dict(ckpt.model)
    return model.eval()


def load_model(path: str | Path) -> tuple[LeNet5, dict[str, Any]]:
    """The trained network in a checkpoint file or run folder, and its metadata."""
    resolved = resolve_checkpoint_path(path)
    ckpt = load_checkpoint(resolved)
    return build_model(ckpt, resolved), ckpt.meta


def optimizer_tensors(optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """Flatten an optimiser's per-parameter state into named tensors."""
    flat: dict[str, torch.Tensor] = {}
    for index, state in optimizer.state_dict()["state"].items():
        for key, value in state.items():
            flat[f"{index}.{key}"] = torch.as_tensor(value)
    return flat


def restore_optimizer(optimizer: torch.optim.Optimizer, flat: dict[str, torch.Tensor]) -> None:
    """Inverse of :func:`optimizer_tensors`; the hyper-parameters come from the live optimiser.

    Moment tensors are laid out in memory like their parameters (channels-last
    convolution weights, say): a fused optimiser walks both buffers in step and
    would mix up elements if their strides differed.
    """
    params = [p for group in optimizer.param_groups for p in group["params"]]
    state: dict[int, dict[str, torch.Tensor]] = {}
    for name, tensor in flat.items():
        index, _, key = name.partition(".")
        param = params[int(index)]
        if tensor.shape == param.shape:
            tensor = torch.empty_like(param).copy_(tensor)
        state.setdefault(int(index), {})[key] = tensor
    current = optimizer.state_dict()
    optimizer.load_state_dict({"state": state, "param_groups": current["param_groups"]})
