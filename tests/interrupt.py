"""A kill, for tests of what survives one: an exception a reporter raises between epochs."""

from __future__ import annotations

from lenetlab.training.loop import Reporter


class Killed(Exception):
    """Stands in for a kill (Ctrl-C, SIGKILL) of a training run."""


class KillAfterFirstEpoch(Reporter):
    """Stops a run just after its first checkpoint is written."""

    def epoch_done(self, metrics, model) -> None:
        raise Killed
