"""The number format of a training step: float32, or bfloat16 where the CPU computes it natively.

With ``bfloat16``, convolutions and matrix multiplies of the forward and
backward passes run in bfloat16 (8 bits of mantissa) under PyTorch's autocast,
while the weights, the optimiser's state, the loss and the weight average stay
in float32. On a CPU with AVX-512 BF16 or AMX instructions a LeNet-5 step is
about 1.3x faster that way. Without those instructions PyTorch emulates
bfloat16 and a step gets slower, so ``auto`` picks float32 there.

Evaluation, prediction and every saved tensor are float32 whatever a run
trained with, so a checkpoint means the same on any machine.
"""

from __future__ import annotations

import contextlib
import functools

import torch

PRECISIONS = ("float32", "bfloat16")
AUTO = "auto"  # bfloat16 where the CPU has native instructions for it, float32 elsewhere


@functools.cache
def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX-512 BF16 or AMX tiles)."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    try:
        return any(getattr(torch.cpu, check)() for check in checks)
    except AttributeError:  # a PyTorch without these probes: assume the safe format
        return False


def resolve(precision: str, float32_only: bool = False) -> str:
    """``precision`` with ``auto`` replaced by what this machine runs fastest, or by float32
    for a rule that needs it (``float32_only``)."""
    if precision == AUTO:
        return "bfloat16" if native_bfloat16() and not float32_only else "float32"
    return precision


def autocast(precision: str) -> contextlib.AbstractContextManager:
    """A context in which a training step computes in ``precision`` (a resolved name)."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bfloat16")
