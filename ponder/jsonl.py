"""Reading JSON-lines files one object per line, with errors that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator


def json_objects(path: Path, error: type[Exception], what: str = "") -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; `error` (a message naming the file and the line)
    when the file cannot be read or a line is not a JSON object."""
    try:
        lines = path.read_text().splitlines()
    except OSError as failure:
        raise error(f"cannot read {what}{path}: {failure.strerror or failure}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise error(f"{path}:{number}: not JSON") from None
        if not isinstance(record, dict):
            raise error(f"{path}:{number}: not a JSON object")
        yield number, record
