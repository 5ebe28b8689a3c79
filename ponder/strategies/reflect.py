"""Reflect: one sample in which a chat model that does not think by itself is asked to — reason, check that
reasoning, then answer — and only the answer is kept (the reasoning goes to the completion's `reasoning`, as a
thinking backend returns it).

Source: optillm's `cot_reflection` approach (codelion/optillm, 2024): a system prompt asking for thinking, a
reflection on it and an output, each in its own tags, the output returned. It was the one peer approach ahead of
ponder on HumanEval with Qwen2.5-Coder-1.5B (docs/peers.md); this is it under ponder's budget and accounting.
The prompt here is ponder's own. Every token of the reply — thinking and reflection included — is charged as the
candidate's, by the budget's counter, as for any sample.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ponder.strategies.base import Run
from ponder.types import Completion, Message, Result

SYSTEM = ("Before answering, work the problem out step by step inside <thinking></thinking>. "
          "Then, inside <reflection></reflection>, check that work for mistakes and say how to correct any you find. "
          "Last, inside <output></output>, give the final answer alone, in exactly the form the request asks for.")
_OUTPUT = re.compile(r"<output>(.*?)(?:</output>|\Z)", re.DOTALL)  # non-greedy up to a fixed tag: linear time


def split(text: str) -> tuple[str | None, str]:
    """(the reasoning, the answer) of a reply: the answer is inside the last <output> tag (an unclosed one runs to
    the end), the reasoning all before it; a reply without the tag is all answer.

    >>> split("<thinking>2+2</thinking><reflection>ok</reflection><output>4</output>")
    ('<thinking>2+2</thinking><reflection>ok</reflection>', '4')
    >>> split("just 4")
    (None, 'just 4')
    """
    matches = list(_OUTPUT.finditer(text))
    if not matches:
        return None, text
    last = matches[-1]
    return text[: last.start()].strip() or None, last.group(1).strip()


def with_system(messages: list[Message], system: str) -> list[Message]:
    """The conversation with `system` before it (joined to a system message it already opens with)."""
    if messages and messages[0].role == "system":
        return [Message("system", f"{system}\n\n{messages[0].content}"), *messages[1:]]
    return [Message("system", system), *messages]


def _answer_only(completion: Completion) -> Completion:
    reasoning, answer = split(completion.text)
    if reasoning is None:
        return completion
    joined = reasoning if not completion.reasoning else f"{completion.reasoning}\n{reasoning}"
    return replace(completion, text=answer, reasoning=joined)


async def reflect(run: Run) -> Result:
    new = await run.sample(1, with_system(run.messages(), SYSTEM), reshape=_answer_only)
    if new:
        run.emit("decision", "reasoned, reflected, then answered", new[0])
    return run.result(0 if new else None, "done" if new and not run.refused else run.stop_reason(False))
