"""Raw continuation of a text, token by token: the row `decode_chains` drives when a server is asked to
continue a final assistant message (vLLM's `continue_final_message`).

Nothing is forced and no tool runs: the model's tokens are appended until it ends, `max_tokens` are
written, or the text written contains one of the stop strings (kept in the text when `include_stop`,
as vLLM's `include_stop_str_in_output` asks; else cut off, as the OpenAI API does). A client that
forces budgets or runs tools itself (`generators.remote_thinking`) needs exactly this from a backend.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Sequence


class Continuation:
    """One row: the prompt, then the model's tokens until eos, max_tokens or a stop string."""

    def __init__(
        self,
        prompt: Sequence[int],
        *,
        eos: int,
        pad: int,
        decode: Callable[[int], str],
        max_tokens: int,
        stop: Sequence[str] = (),
        include_stop: bool = False,
    ):
        self.queue = deque(prompt)
        self.eos, self.pad, self.decode = eos, pad, decode
        self.max_tokens, self.stop, self.include_stop = max_tokens, tuple(s for s in stop if s), include_stop
        self.tokens: list[int] = []
        self.written = ""
        self.finish_reason = "length"
        self.stop_reason: str | None = None  # the stop string that ended it
        self.finished = max_tokens <= 0

    def feed(self, sampled: int | None) -> int:
        if self.queue:
            return self.queue.popleft()
        if self.finished or sampled is None:
            return self.pad
        self.tokens.append(sampled)
        if sampled == self.eos:
            self.finished, self.finish_reason = True, "stop"
            return sampled
        piece = self.decode(sampled)
        self.written += piece
        matched = next((s for s in self.stop if s in self.written[-(len(s) + len(piece)):]), None)
        if matched is not None:
            self.finished, self.finish_reason, self.stop_reason = True, "stop", matched
        elif len(self.tokens) >= self.max_tokens:
            self.finished = True
        return sampled

    def banned(self) -> list[int]:
        return []

    @property
    def done(self) -> bool:
        return self.finished and not self.queue

    @property
    def text(self) -> str:
        """What was written; with a stop string, up to it (and with it when `include_stop`)."""
        if self.stop_reason is None:
            return self.written
        at = self.written.find(self.stop_reason)
        return self.written[: at + len(self.stop_reason)] if self.include_stop else self.written[:at]
