"""The embedded default model: a tiny causal LM shipped inside the package, speaking plain chat.

Plain-language countdown and multiplication problems are mapped to the model's compact format
(`embedded.codec`); its output is rendered back in ordinary notation. Any other message gets a short
answer saying what it can do (no tokens spent).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Sequence

from ponder.embedded.codec import compact_prompt, refusal, render
from ponder.embedded.steps import BY_MODEL
from ponder.generators.base import Capabilities
from ponder.generators.hf_local import HFLocalGenerator, run_cancellable
from ponder.types import REFUSED, Completion, Generation, Message, SamplingParams
from ponder.generators.spec import EMBEDDED_NAME

MODEL_DIR = Path(__file__).parent / "tiny_model"
NAME = EMBEDDED_NAME


class EmbeddedGenerator:
    name = NAME
    capabilities = Capabilities(continues=True, step_formats=BY_MODEL[NAME])

    def __init__(self, path: str | Path = MODEL_DIR, threads: int | None = None):
        self.local = HFLocalGenerator(path, name=NAME, threads=threads)
        self.parameter_count = self.local.parameter_count

    def prompt_tokens_bound(self, messages: Sequence[Message]) -> int:
        prompt = compact_prompt(messages)
        return 0 if prompt is None else len(self.local.encode(prompt))

    def calls_for(self, n: int) -> int:
        return 1

    def sample_compact(
        self, prompt: str, n: int, params: SamplingParams, timeout: float | None = None, cancelled: threading.Event | None = None
    ) -> Generation:
        """n completions of a compact prompt (blocking), rendered in ordinary notation."""
        raw, prompt_tokens = self.local.sample_text(prompt, n, params, timeout, cancelled)
        completions = tuple(
            Completion(text=render(prompt, c.text), completion_tokens=c.completion_tokens, finish_reason=c.finish_reason)
            for c in raw
        )
        return Generation(completions=completions, prompt_tokens=prompt_tokens)

    async def continue_final(self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None,
                             stop: Sequence[str] = (), include_stop: bool = False) -> Generation:
        """n raw continuations of the final assistant message, in the model's compact format."""
        from ponder.embedded.think import continuation_prefix

        prompt, partial = continuation_prefix(messages, self.name, compact_prompt, lambda text: "")
        return await run_cancellable(self.local.continue_text, prompt + partial, n, params, timeout, stop, include_stop)

    async def generate(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None
    ) -> Generation:
        prompt = compact_prompt(messages)
        said = refusal(prompt)
        if said is not None:
            canned = Completion(text=said, completion_tokens=0, finish_reason=REFUSED)
            return Generation(completions=(canned,) * n, prompt_tokens=0)
        return await run_cancellable(self.sample_compact, prompt, n, params, timeout)
