"""Files of per-epoch rows, one JSON object a line: ``metrics.jsonl``, ``angles.jsonl`` and
a comparison's ``history.jsonl``.

The training loop writes a row per epoch and reads the rows back on resume;
``compare`` and the report draw their tables and curves from them. The files
are plain text that a user may open and edit, so each row is checked before it
is used: a broken line gets an error naming the file and line, not a traceback
from deep inside a resume. Every write replaces the whole file atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lenetlab.errors import CheckpointError
from lenetlab.training.checkpoint import atomic_write_text

METRICS = "metrics.jsonl"


def read_history(path: Path) -> list[dict[str, Any]]:
    """The rows of ``path`` in file order; each an object with a whole-number ``epoch`` >= 1."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CheckpointError(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise CheckpointError(f"{where}: expected one JSON object per epoch")
        epoch = row.get("epoch")
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 1:
            raise CheckpointError(f"{where}: 'epoch' must be a whole number from 1, got {epoch!r}")
        rows.append(row)
    return rows


def write_history(path: Path, rows: list[dict[str, Any]]) -> None:
    """Replace ``path`` with ``rows``, one JSON object a line, atomically."""
    atomic_write_text(path, "".join(json.dumps(row) + "\n" for row in rows))
