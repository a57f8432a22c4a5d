"""Learning-rate schedule: a pure function of the step, so a resumed run needs no scheduler state."""

from __future__ import annotations

import math


def one_cycle_lr(step: int, total_steps: int, peak: float, warmup_fraction: float) -> float:
    """Linear warm-up from peak/25 to ``peak``, then cosine annealing to almost zero.

    The short climb lets Adam's moment estimates settle before large steps; the
    long cosine tail is where most of the final accuracy is won.
    """
    warmup = max(1, int(total_steps * warmup_fraction))
    start, end = peak / 25, peak / 1e4
    if step < warmup:
        return start + (peak - start) * step / warmup
    progress = (step - warmup) / max(1, total_steps - warmup)
    return end + (peak - end) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
