"""Reading JSON-lines files one object per line, streamed, with errors that name the file and line.

Files come from users, so they are read as untrusted: line by line (never whole into memory), each line at
most MAX_LINE_BYTES, each record parsed so that nothing in it can stop the run: a number too long for
Python's int conversion, nesting too deep for its parser, bytes that are not UTF-8 all become that
line's error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

MAX_LINE_BYTES = 1 << 20  # one JSON object per line; a longer line is skipped as malformed
MAX_SKIP_BYTES = 64 << 20  # a line that never ends (a device, a binary file) stops the reading here


class LineError(ValueError):
    """One line cannot be read as a JSON object (the reason is the message)."""


def lines(path: Path, error: type[Exception], what: str = "") -> Iterator[tuple[int, str | LineError]]:
    """(line number, text) for every line, or (line number, LineError) for one that is too long or not
    UTF-8; `error` (naming the file) when the file cannot be opened or a line never ends."""
    try:
        file = open(path, "rb")
    except OSError as failure:
        raise error(f"cannot read {what}{path}: {failure.strerror or failure}") from None
    with file:
        number = 0
        while True:
            try:
                raw = file.readline(MAX_LINE_BYTES + 1)
            except OSError as failure:
                raise error(f"cannot read {what}{path}: {failure.strerror or failure}") from None
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                _skip_rest(file, f"{path}:{number}", error)
                yield number, LineError(f"longer than {MAX_LINE_BYTES:,} bytes")
                continue
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, LineError("not UTF-8 text")


def _skip_rest(file, where: str, error: type[Exception]) -> None:
    skipped = 0
    while skipped < MAX_SKIP_BYTES:
        rest = file.readline(MAX_LINE_BYTES)
        skipped += len(rest)
        if not rest or rest.endswith(b"\n"):
            return
    raise error(f"{where}: a line longer than {MAX_SKIP_BYTES:,} bytes; not a JSON-lines file")


def parse_object(text: str) -> dict:
    """One line's JSON object; LineError saying why not."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as failure:
        raise LineError(f"invalid JSON: {failure.msg}") from None
    except RecursionError:
        raise LineError("invalid JSON: nested too deeply") from None
    except ValueError as failure:  # e.g. an integer of more than 4,300 digits
        raise LineError(f"invalid JSON: {failure}") from None
    if not isinstance(record, dict):
        raise LineError("a line must be a JSON object")
    return record


def json_objects(path: Path, error: type[Exception], what: str = "", skip_malformed: bool = False) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; `error` (a message naming the file and the line)
    when the file cannot be read or a line is not a JSON object, unless `skip_malformed` (a file another
    process may be appending to, or a line cut by a kill): then such lines are passed over."""
    for number, text in lines(Path(path), error, what):
        try:
            if isinstance(text, LineError):
                raise text
            if not text.strip():
                continue
            record = parse_object(text)
        except LineError as failure:
            if skip_malformed:
                continue
            raise error(f"{path}:{number}: {failure}") from None
        yield number, record
