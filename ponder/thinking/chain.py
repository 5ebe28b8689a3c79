"""Budget forcing for one chain of thought, token by token: a pure controller any decoder can drive.

The decoder asks `feed(sampled)` what to put at the next position: a forced token (prompt, tool output,
cue, closing text) while any is queued, else the model's own sampled token, which the controller
accounts and reacts to. Two-sided thinking budgets as in s1 (Muennighoff et al. 2025, "s1: Simple
test-time scaling"): at the cap the thought is closed with the closing text and the model must answer;
an end of thought before the minimum is replaced by a cue (s1 appends "Wait") and thinking goes on.
Tool calls inside the thought (`tools.base`) are answered by queueing the tool's output. Tool output
and cues count as thinking tokens, so the thought never exceeds the cap: output that would overflow
it is cut at the cap and the thought closed there.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Literal, Sequence

from ponder.tools.base import ToolSession

Kind = Literal["prompt", "tool", "cue", "close"]
Phase = Literal["thought", "answer", "done"]


@dataclass(frozen=True)
class Vocabulary:
    """What the controller needs to know about a model's tokens."""

    end_of_thought: int  # the token that ends a thought (the model may write it; the closing text ends with it)
    eos: int
    pad: int  # fed to rows that are done
    encode: Callable[[str], list[int]]
    decode: Callable[[int], str]


class Chain:
    """One chain: its queued forced tokens, its phase and its counts."""

    def __init__(
        self,
        prompt: Sequence[int],
        vocabulary: Vocabulary,
        *,
        cap: int,
        minimum: int = 0,
        close: Sequence[int],
        cue: Sequence[int],
        max_answer: int,
        tool: ToolSession | None = None,
        on_text: Callable[[str, str], None] | None = None,
        end_text: str | None = None,
    ):
        if cap < 0 or minimum < 0 or max_answer < 0:
            raise ValueError("thinking cap, minimum and answer length must not be negative")
        self.vocabulary = vocabulary
        self.cap, self.minimum, self.close, self.cue = cap, min(minimum, cap), list(close), list(cue)
        self.max_answer, self.tool, self.on_text = max_answer, tool, on_text
        self.end_text = end_text  # a thought may also end with words the model writes (the Python format's "Final answer:")
        self.tail = ""  # the last model text of the thought, to find `end_text` across tokens
        self.queue: deque[tuple[int, Kind]] = deque((token, "prompt") for token in prompt)
        self.phase: Phase = "thought"
        self.thought: list[int] = []  # every token of the thought, forced ones included
        self.answer: list[int] = []  # the model's tokens after the thought
        self.tool_tokens = self.cue_tokens = self.close_tokens = 0
        self.written = ""  # model text since the last tool output
        self.finish_reason = "length"
        if cap == 0:
            self._close()

    # -- what the decoder calls ------------------------------------------------------------------
    def feed(self, sampled: int | None) -> int:
        """The token at the next position: a queued forced token, else `sampled` (the model's choice from
        the previous position's logits; None only before the first position), which is accounted and may
        queue tool output, a cue in its place, or the closing text."""
        if not self.queue and self.phase != "done" and sampled is not None:
            if self._accept(sampled):
                return sampled
        if self.queue:
            return self.queue.popleft()[0]
        return self.vocabulary.pad

    def banned(self) -> list[int]:
        """Tokens the model may not sample at the next position: what the tool refuses after the text
        written so far in the thought (nothing while a forced token is due, or without a tool)."""
        if self.queue or self.phase != "thought" or self.tool is None:
            return []
        return self.vocabulary.encode(self.tool.banned(self.written))

    @property
    def done(self) -> bool:
        return self.phase == "done" and not self.queue

    @property
    def thinking_tokens(self) -> int:
        return len(self.thought)

    @property
    def completion_tokens(self) -> int:
        return len(self.thought) + self.close_tokens + len(self.answer)

    # -- the rules -------------------------------------------------------------------------------
    def _accept(self, token: int) -> bool:
        """Account the model's token; False when it is not written (an early end replaced by the cue)."""
        if self.phase == "answer":
            self._answer_token(token)
            return True
        if token in (self.vocabulary.end_of_thought, self.vocabulary.eos):
            if len(self.thought) < self.minimum and self.cue:
                self._push_thought(self.cue, "cue")
                return False
            self.phase = "answer"
            self._answer_token(token)
            return True
        self.thought.append(token)
        text = self.vocabulary.decode(token)
        self._emit("thought", text)
        self._read(text)
        if self.end_text and self.phase == "thought" and not self.queue:
            self.tail = (self.tail + text)[-2 * len(self.end_text):]
            if self.tail.endswith(self.end_text):
                self.phase = "answer"  # the model ended its thought in words; what follows is its answer
                return True
        if len(self.thought) >= self.cap and self.phase == "thought":
            self._close()
        return True

    def _read(self, text: str) -> None:
        """Let the tool read text written in the thought; queue its output when a call is complete."""
        if self.tool is None or self.phase != "thought":
            return
        self.written += text
        output = self.tool.respond(self.written)
        if output is not None:
            self.written = ""
            self._push_thought(self.vocabulary.encode(output), "tool")

    def _push_thought(self, tokens: Sequence[int], kind: Kind) -> None:
        kept = list(tokens)[: self.cap - len(self.thought)]
        self.queue.extend((token, kind) for token in kept)
        self.thought.extend(kept)
        text = "".join(self.vocabulary.decode(token) for token in kept)
        self._emit(kind if kind == "tool" else "thought", text)
        if kind == "tool":
            self.tool_tokens += len(kept)
        else:
            self.cue_tokens += len(kept)
        if len(self.thought) >= self.cap:
            self._close()
        elif kind == "cue":
            self._read(text)  # a cue is read like model text (ponder-think's cue backs up a level)

    def _close(self) -> None:
        self.queue.extend((token, "close") for token in self.close)
        self.close_tokens += len(self.close)
        self.phase = "answer" if self.max_answer > 0 else "done"  # no room left for an answer: the chain ends closed
        self._emit("close", "".join(self.vocabulary.decode(token) for token in self.close))

    def _answer_token(self, token: int) -> None:
        self.answer.append(token)
        if token == self.vocabulary.eos:
            self.phase, self.finish_reason = "done", "stop"
            return
        self._emit("answer", self.vocabulary.decode(token))
        if len(self.answer) >= self.max_answer:
            self.phase = "done"

    def _emit(self, channel: str, text: str) -> None:
        if self.on_text is not None and text:
            self.on_text(channel, text)
