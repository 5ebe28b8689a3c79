"""Batched autoregressive sampling with a KV cache, for any causal LM in transformers.

Pure tensor code, seeded through an explicit torch.Generator (no global RNG): temperature scaling
and nucleus (top-p) filtering (Holtzman et al. 2020, "The Curious Case of Neural Text Degeneration").
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Collection, Sequence

import torch

from ponder.generators.stop_strings import stopped


def pick_next(logits: torch.Tensor, temperature: float, top_p: float, rng: torch.Generator) -> torch.Tensor:
    """One next token per row: argmax when temperature is 0, else a temperature / top-p sample."""
    if temperature <= 0:
        return logits.argmax(dim=-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    if top_p < 1.0:
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        outside = sorted_probs.cumsum(dim=-1) - sorted_probs > top_p  # keep the smallest set reaching top_p
        sorted_probs = sorted_probs.masked_fill(outside, 0.0)
        probs = torch.zeros_like(probs).scatter(-1, order, sorted_probs)
    return torch.multinomial(probs, 1, generator=rng).squeeze(-1)


@torch.inference_mode()
def sample(
    model,
    prompt_ids: list[int],
    n: int,
    *,
    max_new_tokens: int,
    eos_token_id: int | Collection[int],
    temperature: float,
    top_p: float,
    rng: torch.Generator,
    deadline: float | None = None,
    clock=time.monotonic,
    cancelled: threading.Event | None = None,
    stop: Sequence[str] = (),
    decode: Callable[[list[int]], str] | None = None,
    share_prompt: bool = True,
) -> tuple[list[list[int]], list[str]]:
    """n continuations of one prompt; returns (token ids per row, EOS included; finish reason per row).

    The prompt's forward pass runs once and its KV cache is shared by the n rows (repeated after the
    prefill), so N candidates cost one prefill, as a serving engine's prefix cache gives. A row stops at
    an EOS token, at `max_new_tokens`, or once its text (`decode` of its tokens) contains one of `stop`
    (reason 'stop'; the caller cuts the text there); stopped rows leave the batch. Every row stops before
    a step that would end past `deadline` (clock time), and before the next step once `cancelled` is set
    (the caller went away). The prompt's forward pass and first token always run. `share_prompt=False`
    runs the prefill on n copies of the prompt instead (the benchmark's baseline)."""
    if stop and decode is None:
        raise ValueError("stop strings need a decode function")
    ends = {eos_token_id} if isinstance(eos_token_id, int) else set(eos_token_id)
    copies = 1 if share_prompt else n
    output = model(input_ids=torch.tensor([prompt_ids] * copies, dtype=torch.long), use_cache=True)
    cache, logits = output.past_key_values, output.logits[:, -1, :].expand(n, -1)
    if n > 1 and share_prompt:
        cache.batch_repeat_interleave(n)
    rows: list[list[int]] = [[] for _ in range(n)]
    reasons = ["length"] * n
    active = list(range(n))  # the row each batch position decodes
    step_seconds = 0.0  # duration of the last decoding step: a step that would end past the deadline is skipped
    for step in range(max_new_tokens):
        tokens = pick_next(logits, temperature, top_p, rng).tolist()
        keep = []
        for position, (row, token) in enumerate(zip(active, tokens)):
            rows[row].append(token)
            if token in ends or (stop and stopped(decode(rows[row]), stop)):
                reasons[row] = "stop"
            else:
                keep.append(position)
        if not keep or step + 1 == max_new_tokens:
            break
        if (deadline is not None and clock() + step_seconds >= deadline) or (cancelled is not None and cancelled.is_set()):
            for position in keep:
                reasons[active[position]] = "deadline"
            break
        if len(keep) < len(active):
            cache.batch_select_indices(torch.tensor(keep))
            active = [active[position] for position in keep]
        started = clock()
        output = model(input_ids=torch.tensor([[tokens[position]] for position in keep]), past_key_values=cache, use_cache=True)
        step_seconds = clock() - started
        cache, logits = output.past_key_values, output.logits[:, -1, :]
    return rows, reasons
