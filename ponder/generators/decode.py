"""Batched decoding of chains of thought under budget forcing (`thinking.chain`), with a KV cache.

Every row advances one position per step, so rows never need padding or masks: a position holds either
a forced token (prompt, tool output, cue, closing text) or the model's own sampled token, as each row's
`Chain` decides; a row's tool may ban some tokens at the next position (their logits are masked). Rows
that finish are dropped from the batch (and the cache) as they go.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Callable, Protocol, Sequence

import torch

from transformers.cache_utils import DynamicCache, DynamicLayer

from ponder.generators.sampling import pick_next


class Row(Protocol):
    """What the decoder drives: `thinking.chain.Chain` (budget forcing, tools) or
    `thinking.continuation.Continuation` (a raw continuation)."""

    def feed(self, sampled: int | None) -> int: ...

    def banned(self) -> list[int]: ...

    @property
    def done(self) -> bool: ...


class GrowingLayer(DynamicLayer):
    """A KV-cache layer whose buffers double when full, so appending one position costs no copy of the
    whole cache (transformers' DynamicLayer concatenates at every step: quadratic in a long thought)."""

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
            self.length, self.key_buffer, self.value_buffer = 0, None, None
        new = key_states.shape[-2]
        if self.key_buffer is None or self.length + new > self.key_buffer.shape[-2]:
            capacity = max(64, 2 * (self.length + new))
            keys = key_states.new_empty(*key_states.shape[:-2], capacity, key_states.shape[-1])
            values = value_states.new_empty(*value_states.shape[:-2], capacity, value_states.shape[-1])
            if self.length:
                keys[..., : self.length, :] = self.key_buffer[..., : self.length, :]
                values[..., : self.length, :] = self.value_buffer[..., : self.length, :]
            self.key_buffer, self.value_buffer = keys, values
        self.key_buffer[..., self.length : self.length + new, :] = key_states
        self.value_buffer[..., self.length : self.length + new, :] = value_states
        self.length += new
        self.keys = self.key_buffer[..., : self.length, :]
        self.values = self.value_buffer[..., : self.length, :]
        return self.keys, self.values

    def batch_repeat_interleave(self, repeats: int) -> None:
        if self.is_initialized and self.key_buffer is not None:
            self.key_buffer = self.key_buffer.repeat_interleave(repeats, dim=0)
            self.value_buffer = self.value_buffer.repeat_interleave(repeats, dim=0)
            self.keys = self.key_buffer[..., : self.length, :]
            self.values = self.value_buffer[..., : self.length, :]

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        if self.is_initialized and self.key_buffer is not None:
            self.key_buffer, self.value_buffer = self.key_buffer[indices], self.value_buffer[indices]
            self.keys = self.key_buffer[..., : self.length, :]
            self.values = self.value_buffer[..., : self.length, :]


def growing_cache(model) -> DynamicCache:
    cache = DynamicCache(config=model.config)
    cache.layers = [GrowingLayer() for _ in cache.layers]
    return cache


@torch.inference_mode()
def decode_chains(
    model,
    chains: Sequence[Row],
    *,
    temperature: float,
    top_p: float,
    rng: torch.Generator,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    cancelled: threading.Event | None = None,
    max_positions: int | None = None,
    cache: DynamicCache | None = None,
    position: int = 0,
) -> bool:
    """Run every chain to its end (or until `deadline` / `cancelled`); returns False when stopped early.
    `max_positions` bounds the sequence length (the model's position limit). `cache` holds `position`
    positions already computed for every row (a shared prefix, `prefill`)."""
    active = list(range(len(chains)))
    inputs = [chains[i].feed(None) for i in active]
    cache = growing_cache(model) if cache is None else cache
    step_seconds = 0.0
    while active:
        if (deadline is not None and clock() + step_seconds >= deadline) or (cancelled is not None and cancelled.is_set()):
            return False
        if max_positions is not None and position >= max_positions:
            return False
        started = clock()
        output = model(input_ids=torch.tensor(inputs)[:, None], past_key_values=cache, use_cache=True)
        cache = output.past_key_values
        logits = output.logits[:, -1, :]
        for row, i in enumerate(active):  # tools may refuse some continuations (constrained decoding)
            banned = chains[i].banned()
            if banned:
                logits[row, banned] = float("-inf")
        sampled = pick_next(logits, temperature, top_p, rng).tolist()
        position += 1
        inputs = [chains[i].feed(token) for i, token in zip(active, sampled)]
        still = [k for k, i in enumerate(active) if not chains[i].done]
        if len(still) < len(active):
            if still:
                cache.batch_select_indices(torch.tensor(still))
            active = [active[k] for k in still]
            inputs = [inputs[k] for k in still]
        step_seconds = clock() - started
    return True


@torch.inference_mode()
def prefill(model, prefix: Sequence[int], rows: int) -> DynamicCache:
    """The KV cache of `prefix`, computed in one forward pass and repeated for `rows` rows (so n rows
    that share a prompt pay for it once, as a serving engine's prefix cache gives)."""
    cache = growing_cache(model)
    model(input_ids=torch.tensor([list(prefix)]), past_key_values=cache, use_cache=True)
    if rows > 1:
        cache.batch_repeat_interleave(rows)
    return cache


def continue_rows(
    model, prompt: Sequence[int], n: int, params, *, eos: int, pad: int, decode: Callable[[int], str],
    stop: Sequence[str] = (), include_stop: bool = False, deadline: float | None = None,
    cancelled: threading.Event | None = None, max_positions: int | None = None,
):
    """n raw continuations of `prompt` (`thinking.continuation`), decoded in one batch: Completions."""
    from ponder.thinking.continuation import Continuation
    from ponder.types import Completion

    shared = max(0, len(prompt) - 1)  # the prompt but its last token is prefilled once for all rows
    rows = [Continuation(prompt[shared:], eos=eos, pad=pad, decode=decode, max_tokens=params.max_tokens, stop=stop, include_stop=include_stop)
            for _ in range(n)]
    rng = torch.Generator()
    rng.manual_seed(params.seed if params.seed is not None else int.from_bytes(os.urandom(4), "little"))
    cache = prefill(model, prompt[:shared], n) if shared else None
    finished = decode_chains(model, rows, temperature=params.temperature, top_p=params.nucleus, rng=rng, deadline=deadline,
                             cancelled=cancelled, max_positions=max_positions, cache=cache, position=shared)
    return [
        Completion(text=row.text, completion_tokens=len(row.tokens), finish_reason=row.finish_reason if finished or row.done else "deadline")
        for row in rows
    ]
