"""Thinking budgets for models behind an OpenAI-compatible endpoint, one of two ways:

- **a backend budget field** (`field:NAME`; `vllm` sends `thinking_token_budget`, `llama.cpp` sends
  `thinking_budget_tokens`): the backend caps the thought itself, in one request. It cannot enforce a
  minimum, so asking for one is an error;
- **client-side forcing** (`continue`): the chain is decoded in rounds. Each round asks the backend to
  continue the final assistant message (the thought so far: vLLM's `continue_final_message`, which
  `ponder serve` also speaks) with `max_tokens` = what is left of the cap, stopping at the end-of-thought
  marker and at the markers that complete a tool call (`include_stop_str_in_output`). The client runs the
  tool and appends its output, replaces an early end with the cue (the minimum), or closes the thought at
  the cap with the closing text; a last round writes the answer.

Every round is charged: the backend's reported tokens for what it generated (bytes when it reports
none), and forced text (tool output, cues, closing text) as its UTF-8 bytes, an upper bound on its
tokens in any BPE vocabulary, so the thought never passes the cap. Each round re-sends the prompt and
the thought so far: those prompt tokens are charged too. A backend that cannot continue a message fails
with an error that names what is missing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from typing import Sequence

from ponder.generators.base import Forwarding, GeneratorError
from ponder.generators.stop_strings import cut_answers
from ponder.thinking.budget import ANSWER_ROOM, DEFAULT_THINKING_TOKENS, ThinkingError, cost
from ponder.thinking.formats import ThinkFormat
from ponder.types import Completion, Generation, Message, SamplingParams, ThoughtListener

CONTROL_FIELDS = {"vllm": "thinking_token_budget", "llama.cpp": "thinking_budget_tokens"}
CONTROLS = "'continue' (client-side, the backend continues a final assistant message), 'vllm', 'llama.cpp' or 'field:NAME' (the backend's own budget field)"
MAX_ROUNDS = 1024  # requests one chain may take (a bound for call budgets); the thought is closed when they run out


def budget_field(control: str) -> str | None:
    """The request field a control names, None for client-side forcing; a ThinkingError for nonsense.

    >>> budget_field("vllm"), budget_field("field:reasoning_budget"), budget_field("continue")
    ('thinking_token_budget', 'reasoning_budget', None)
    """
    if control == "continue":
        return None
    if control in CONTROL_FIELDS:
        return CONTROL_FIELDS[control]
    if control.startswith("field:") and control.removeprefix("field:"):
        return control.removeprefix("field:")
    raise ThinkingError(f"unknown thinking control {control!r}; use {CONTROLS}")


@dataclass(frozen=True)
class Round:
    """One backend request's continuation."""

    text: str
    tokens: int  # generated tokens, as charged
    prompt_tokens: int
    finish_reason: str


class RemoteThinking(Forwarding):
    """A generator for an OpenAI-compatible backend (`generators.openai_http.OpenAIGenerator`) that
    honours `SamplingParams.thinking`; without a thinking budget it is the backend itself (whose raw
    continuations, for step search, it forwards)."""

    def __init__(self, backend, control: str, format: ThinkFormat, max_rounds: int = MAX_ROUNDS):
        super().__init__(backend)
        self.backend = backend
        self.field = budget_field(control)
        self.control = control
        self.format = format
        self.max_rounds = max_rounds
        self.capabilities = replace(backend.capabilities, think_format=format, streams_thought=True)

    def calls_for(self, n: int) -> int:
        return self.backend.calls_for(n) if self.field is not None else n * self.max_rounds

    async def generate(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None,
        on_text: ThoughtListener | None = None,
    ) -> Generation:
        budget = params.thinking
        if budget is None:
            return await self.backend.generate(messages, n, params, timeout)
        if self.field is not None:
            if budget.minimum:
                raise GeneratorError(f"{self.name}: a backend budget field ({self.field}) caps the thought but cannot "
                                    "enforce a minimum; use ?thinking=continue for client-side forcing")
            cap = DEFAULT_THINKING_TOKENS if budget.cap is None else budget.cap
            generation = await self.backend.generate(messages, n, params, timeout, extra={self.field: cap})
            return replace(generation, completions=tuple(  # the thought's share, bounded by its bytes
                replace(c, thinking_tokens=min(c.completion_tokens, cost(c.reasoning or ""))) for c in generation.completions))
        deadline = None if timeout is None else time.monotonic() + timeout
        chains = await asyncio.gather(*(self._chain(messages, params, i, deadline, on_text) for i in range(n)))
        return Generation(
            completions=cut_answers((c for c, _, _ in chains), params.stop),
            prompt_tokens=sum(p for _, p, _ in chains),
            calls=sum(calls for _, _, calls in chains),
        )

    async def _round(self, messages: Sequence[Message], assistant: str, params: SamplingParams, max_tokens: int,
                     stop: tuple[str, ...], deadline: float | None) -> Round:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise asyncio.TimeoutError
        asked = list(messages) if not assistant and self.format.reply_first else [*messages, Message("assistant", assistant)]
        return await self.backend.continue_message(
            asked, params, max_tokens=max_tokens, stop=stop, timeout=left
        )

    async def _chain(self, messages: Sequence[Message], params: SamplingParams, index: int, deadline: float | None,
                     on_text: ThoughtListener | None) -> tuple[Completion, int, int]:
        """One chain under client-side budget forcing: (completion, prompt tokens, requests)."""
        budget = params.thinking
        assert budget is not None
        fmt = self.format.with_texts(budget.close, budget.cue)
        emit = (lambda channel, text: on_text(index, channel, text) if text else None) if on_text else (lambda c, t: None)
        cap = min(DEFAULT_THINKING_TOKENS if budget.cap is None else budget.cap, max(0, params.max_tokens - cost(fmt.close) - 1))
        minimum = min(budget.minimum, cap)
        problem = fmt.prompt(messages) if fmt.prompt else None
        tool = fmt.tool(problem) if budget.tools and fmt.tool is not None and problem is not None else None
        stops = (*(fmt.stops if tool is not None else ()), fmt.end)
        thought, written = "", ""
        spent = tool_tokens = cue_tokens = close_tokens = prompt_tokens = rounds = 0
        ended = False  # the model ended its thought itself (after the minimum)
        params = replace(params, thinking=None)

        def force(text: str, kind: str) -> str:
            nonlocal spent, tool_tokens, cue_tokens
            kept = text.encode()[: cap - spent].decode(errors="ignore")
            spent += cost(kept)
            if kind == "tool":
                tool_tokens += cost(kept)
            else:
                cue_tokens += cost(kept)
            emit(kind if kind == "tool" else "thought", kept)
            return kept

        while spent < cap and rounds < self.max_rounds - 1:
            reply = await self._round(messages, fmt.opening + thought, params, cap - spent, stops, deadline)
            rounds += 1
            prompt_tokens += reply.prompt_tokens
            spent += reply.tokens
            text, at = reply.text, reply.text.find(fmt.end)
            if tool is not None and at < 0 and reply.finish_reason == "stop" and fmt.dropped_stop is not None \
                    and not text.endswith(tuple(fmt.stops)):
                text += fmt.dropped_stop(written + text) or ""  # the backend stopped at a tool stop and left it out
            stopped = at >= 0 or (reply.finish_reason == "stop" and not text.endswith(tuple(fmt.stops)))
            piece = text[:at] if at >= 0 else text
            output = None
            if tool is not None:  # the model's text up to the first complete call, as a local decoder would see it;
                # in a thread: a tool may take a while (Python runs in the sandbox), the event loop goes on
                piece, written, output = await asyncio.to_thread(_first_call, tool, written, piece)
            thought += piece
            emit("thought", piece)
            if output is not None:
                thought += force(output, "tool")
                continue
            if stopped:
                if spent < minimum and fmt.cue:
                    cue = force(fmt.cue, "cue")
                    thought += cue
                    if tool is not None and cue:
                        reply_to_cue = tool.respond(cue)
                        written = ""
                        if reply_to_cue is not None:
                            thought += force(reply_to_cue, "tool")
                    continue
                ended = True
                break
            if reply.finish_reason == "length":
                break
        closing = fmt.end if ended else fmt.close
        if not ended:
            closing = closing.encode()[: max(0, params.max_tokens - spent)].decode(errors="ignore")  # what fits of it
            close_tokens = cost(closing)
            emit("close", closing)
        answer_room = min(ANSWER_ROOM, params.max_tokens - spent - close_tokens)
        if answer_room < 1:  # the completion limit leaves no room for an answer: the chain ends unanswered
            reply = Round(text="", tokens=0, prompt_tokens=0, finish_reason="length")
        else:
            reply = await self._round(messages, fmt.opening + thought + closing, params, answer_room, (), deadline)
            rounds += 1
            prompt_tokens += reply.prompt_tokens
        emit("answer", reply.text)
        answer = reply.text.strip()
        text = fmt.render(problem, answer) if fmt.render is not None and problem is not None else answer
        completion = Completion(
            text=text,
            completion_tokens=spent + close_tokens + reply.tokens,
            finish_reason=reply.finish_reason,
            reasoning=fmt.show(thought) if fmt.show is not None else thought,
            thinking_tokens=spent,
            tool_tokens=tool_tokens,
            cue_tokens=cue_tokens,
            close_tokens=close_tokens,
        )
        return completion, prompt_tokens, rounds


def _first_call(tool, written: str, piece: str) -> tuple[str, str, str | None]:
    """Feed `piece` to the tool a character at a time: (the piece up to the first complete call, the text written
    since the last call, the tool's output or None)."""
    for k, char in enumerate(piece):
        written += char
        output = tool.respond(written)
        if output is not None:
            return piece[: k + 1], "", output
    return piece, written, None


def no_control_error(name: str) -> GeneratorError:
    return GeneratorError(
        f"{name} has no thinking control, so a thinking budget cannot be kept: add ?thinking=CONTROL to the model "
        f"spec, CONTROL being {CONTROLS}"
    )
