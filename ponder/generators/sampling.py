"""Batched autoregressive sampling with a KV cache, for any causal LM in transformers.

Pure tensor code, seeded through an explicit torch.Generator (no global RNG): temperature scaling
and nucleus (top-p) filtering (Holtzman et al. 2020, "The Curious Case of Neural Text Degeneration").
"""

from __future__ import annotations

import threading
import time

import torch


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
    eos_token_id: int,
    temperature: float,
    top_p: float,
    rng: torch.Generator,
    deadline: float | None = None,
    clock=time.monotonic,
    cancelled: threading.Event | None = None,
) -> tuple[list[list[int]], list[str]]:
    """n continuations of one prompt; returns (token ids per row, EOS included; finish reason per row).

    Stops a row at EOS or `max_new_tokens`; stops every row before a step that would end past
    `deadline` (clock time), and before the next step once `cancelled` is set (the caller went away).
    The prompt's forward pass and first token always run."""
    input_ids = torch.tensor([prompt_ids], dtype=torch.long).expand(n, -1).contiguous()
    output = model(input_ids=input_ids, use_cache=True)
    cache, logits = output.past_key_values, output.logits[:, -1, :]
    steps: list[torch.Tensor] = []
    finished = torch.zeros(n, dtype=torch.bool)
    out_of_time = False
    step_seconds = 0.0  # duration of the last decoding step: a step that would end past the deadline is skipped
    for step in range(max_new_tokens):
        tokens = pick_next(logits, temperature, top_p, rng)
        steps.append(tokens)
        finished |= tokens == eos_token_id
        if finished.all() or step + 1 == max_new_tokens:
            break
        if (deadline is not None and clock() + step_seconds >= deadline) or (cancelled is not None and cancelled.is_set()):
            out_of_time = True
            break
        started = clock()
        output = model(input_ids=tokens[:, None], past_key_values=cache, use_cache=True)
        step_seconds = clock() - started
        cache, logits = output.past_key_values, output.logits[:, -1, :]
    rows, reasons = [], []
    for row in torch.stack(steps, dim=1).tolist():
        if eos_token_id in row:
            rows.append(row[: row.index(eos_token_id) + 1])  # EOS was generated, so it is counted
            reasons.append("stop")
        else:
            rows.append(row)
            reasons.append("deadline" if out_of_time else "length")
    return rows, reasons
