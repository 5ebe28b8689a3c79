"""A local Hugging Face transformers causal LM loaded from a path (CPU by default)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path
from typing import Sequence

from ponder.generators.base import GeneratorError
from ponder.generators.sampling import sample
from ponder.types import Completion, Generation, Message, SamplingParams


class HFLocalGenerator:
    """Batched sampling from a local checkpoint. One call runs at a time (torch uses every core)."""

    def __init__(self, path: str | Path, *, name: str | None = None, device: str = "cpu", threads: int | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = Path(path)
        if not path.is_dir():
            raise GeneratorError(f"no model directory at {path}")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path)
            self.model = AutoModelForCausalLM.from_pretrained(path).to(device).eval()
        except (OSError, ValueError) as error:
            raise GeneratorError(f"cannot load a transformers model from {path}: {error}") from None
        if threads:
            torch.set_num_threads(threads)
        self.name = name or f"hf:{path}"
        self.device = device
        self.parameter_count: int | None = sum(p.numel() for p in self.model.parameters())
        self._lock = threading.Lock()

    def render(self, messages: Sequence[Message]) -> str:
        """The prompt text: the chat template when the tokenizer has one, else the messages' text."""
        if getattr(self.tokenizer, "chat_template", None):
            chat = [{"role": m.role, "content": m.content} for m in messages]
            return self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        return "\n".join(m.content for m in messages)

    def encode(self, prompt: str) -> list[int]:
        return list(self.tokenizer(prompt).input_ids)

    def prompt_tokens_bound(self, messages: Sequence[Message]) -> int:
        return len(self.encode(self.render(messages)))

    def calls_for(self, n: int) -> int:
        return 1

    def sample_text(
        self,
        prompt: str,
        n: int,
        params: SamplingParams,
        timeout: float | None = None,
        cancelled: threading.Event | None = None,
    ) -> tuple[list[Completion], int]:
        """n completions of raw prompt text (blocking); returns them and the prompt's token count.
        Setting `cancelled` stops decoding before its next step."""
        import torch

        ids = self.encode(prompt)
        rng = torch.Generator(device=self.device)
        rng.manual_seed(params.seed if params.seed is not None else int.from_bytes(os.urandom(4), "little"))
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if cancelled is not None and cancelled.is_set():  # gave up while waiting for the model
                return [], len(ids)
            rows, reasons = sample(
                self.model,
                ids,
                n,
                max_new_tokens=params.max_tokens,
                eos_token_id=self.tokenizer.eos_token_id,
                temperature=params.temperature,
                top_p=params.top_p,
                rng=rng,
                deadline=deadline,
                cancelled=cancelled,
            )
        completions = [
            Completion(text=self.tokenizer.decode(row, skip_special_tokens=True), completion_tokens=len(row), finish_reason=reason)
            for row, reason in zip(rows, reasons)
        ]
        return completions, len(ids)

    async def generate(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None
    ) -> Generation:
        completions, prompt_tokens = await run_cancellable(self.sample_text, self.render(messages), n, params, timeout)
        return Generation(completions=tuple(completions), prompt_tokens=prompt_tokens)


async def run_cancellable(sample_text, *args):
    """Run a blocking `sample_text(*args, cancelled)` in a thread; cancelling the awaiting task stops the
    decoding loop at its next step (a thread cannot be interrupted, so it is asked to stop)."""
    cancelled = threading.Event()
    try:
        return await asyncio.to_thread(sample_text, *args, cancelled)
    except asyncio.CancelledError:
        cancelled.set()
        raise
