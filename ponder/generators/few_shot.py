"""A base model behind a few-shot prompt: the problem goes into a plain-text prompt the model continues,
with no chat template (a base model wrapped in a chat template echoes the question; measured with
Gemma 3 270M behind llama.cpp's ChatML fallback).

The few-shot file is plain text: worked examples, then `{prompt}` where the problem's text goes (a
file without `{prompt}` gets the problem appended). Stop sequences (`--stop`) end each answer where the
next example would begin. The wrapped generator completes plain text (`complete`): `hf:` models
locally, `openai:` models through the completions endpoint.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Sequence

from ponder.generators.base import Forwarding, Generator, GeneratorError, UnsupportedRequest
from ponder.types import Generation, Message, SamplingParams

SLOT = "{prompt}"


def load_few_shot(path: str | Path) -> str:
    """The few-shot template in a file; a GeneratorError says what is wrong with it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GeneratorError(f"cannot read the few-shot file {path}: {error}") from None
    if not text.strip():
        raise GeneratorError(f"the few-shot file {path} is empty")
    return text if SLOT in text else text + SLOT


def fill(template: str, messages: Sequence[Message]) -> str:
    """The prompt text: the last user message in the template's slot (system messages go first).

    >>> fill("Q: 1 + 1?\\nA: 2\\n\\nQ: {prompt}\\nA:", [Message("user", "2 + 3?")])
    'Q: 1 + 1?\\nA: 2\\n\\nQ: 2 + 3?\\nA:'
    """
    question = next((m.content for m in reversed(messages) if m.role == "user"), "")
    system = "".join(m.content + "\n\n" for m in messages if m.role == "system")
    return system + template.replace(SLOT, question)


def with_few_shot(generator, template: str | None):
    """`generator` behind the few-shot prompt `template` (its text), or as it is when there is none."""
    return generator if template is None else FewShotGenerator(generator, template)


class FewShotGenerator(Forwarding):
    def __init__(self, inner: Generator, template: str):
        if not inner.capabilities.completes:
            raise UnsupportedRequest(f"{inner.name} cannot continue plain text; --few-shot is for base models served as hf:PATH or openai:MODEL@URL")
        super().__init__(inner)
        self.template = template
        self.capabilities = replace(inner.capabilities, think_format=None, streams_thought=False, continues=False, step_formats={})

    def prompt_tokens_bound(self, messages: Sequence[Message]) -> int:
        return self.inner.prompt_tokens_bound([Message("user", fill(self.template, messages))])

    async def generate(self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None) -> Generation:
        if params.thinking is not None:
            raise UnsupportedRequest("a few-shot prompt cannot take a thinking budget (base models do not think in tags)")
        return await self.inner.complete(fill(self.template, messages), n, params, timeout)
