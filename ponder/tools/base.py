"""The in-thought tool protocol: a session watches what the model writes and answers a complete call.

A tool is cheaper than thinking where it applies (an exact calculator beats a 2 M-parameter model at
arithmetic), so a thinking model may call one inside its thought: the decoder feeds each piece of model
text to the session; when the text completes a call the session returns the tool's output, which the
decoder appends to the thought (counted as thought and as tool tokens) before decoding resumes.
Schick et al. 2023, "Toolformer"; Gao et al. 2023, "PAL".
"""

from __future__ import annotations

from typing import Protocol


class ToolSession(Protocol):
    def respond(self, written: str) -> str | None:
        """`written` is the model's text since the last tool output (or the start of the thought); the
        tool's output when it completes a call, else None (keep decoding)."""
        ...

    def banned(self, written: str) -> str:
        """Characters the model may not write next after `written` (calls the tool would refuse or has
        already answered); the decoder masks them. Return "" to allow everything."""
        ...


class Tool(Protocol):
    name: str

    def session(self, prompt: str) -> ToolSession:
        """A fresh session for one chain whose prompt is `prompt`."""
        ...
