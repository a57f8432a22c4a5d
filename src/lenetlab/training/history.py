"""A run's ``metrics.jsonl``: one JSON object per finished epoch, read back with checks.

The training loop appends a row per epoch and reads the rows back on resume;
the report draws its curves from them. The file is plain text that a user may
open and edit, so each row is checked before it is used: a broken line gets
an error naming the file and line, not a traceback from deep inside a resume.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lenetlab.errors import CheckpointError

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
