"""GRPO's pieces as pure functions: group-relative advantages, per-token log-probabilities of a padded
batch, and the clipped-ratio loss with a KL penalty to a reference policy.

Group Relative Policy Optimization (Shao et al. 2024, "DeepSeekMath", section 4.1): sample a group of
G outputs per prompt, use each output's reward standardised within its group as the advantage of all
its tokens, maximise the PPO-clipped ratio objective (Schulman et al. 2017) minus beta times the k3
estimate of KL(policy || reference) per token, exp(ref - logp) - (ref - logp) - 1 (Schulman 2020,
"Approximating KL divergence"). Loss aggregation as TRL names it: "grpo" averages each sequence's
tokens then the sequences (the paper's 1/G sum 1/|o_i|); "bnpo" averages every token of the batch
(DAPO, Yu et al. 2025); "dr_grpo" divides by sequences x the maximum completion length (Dr. GRPO, Liu
et al. 2025, which also drops the std scaling: `scale=False`). `tests/test_grpo.py` checks the loss
equals TRL's `GRPOTrainer._compute_loss` on the same batch.
"""

from __future__ import annotations

from typing import Literal, Sequence

import torch

LossType = Literal["grpo", "bnpo", "dr_grpo"]


def group_advantages(rewards: torch.Tensor, group: int, scale: bool = True, epsilon: float = 1e-4) -> torch.Tensor:
    """Each reward minus its group's mean, divided by the group's (unbiased) std plus `epsilon` when
    `scale`. Rewards come grouped: [g0 x group, g1 x group, ...].

    >>> [round(a, 3) for a in group_advantages(torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 1.0]), 3, scale=False).tolist()]
    [0.667, -0.333, -0.333, 0.0, 0.0, 0.0]
    """
    grouped = rewards.view(-1, group)
    centred = grouped - grouped.mean(dim=1, keepdim=True)
    if scale:
        std = grouped.std(dim=1, keepdim=True) if group > 1 else torch.zeros_like(grouped[:, :1])
        centred = centred / (std + epsilon)
    return centred.reshape(-1)


def pad_batch(sequences: Sequence[Sequence[int]], masks: Sequence[Sequence[bool]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids [B, T], loss mask [B, T-1] over the predicted positions 1..T-1), right-padded."""
    length = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), length), pad, dtype=torch.long)
    mask = torch.zeros(len(sequences), length, dtype=torch.bool)
    for row, (sequence, chosen) in enumerate(zip(sequences, masks)):
        ids[row, : len(sequence)] = torch.tensor(sequence, dtype=torch.long)
        mask[row, : len(chosen)] = torch.tensor(chosen, dtype=torch.bool)
    return ids, mask[:, 1:]


def token_logps(model, ids: torch.Tensor, banned: Sequence[dict[int, list[int]]] = (), temperature: float = 1.0) -> torch.Tensor:
    """log p(token t | tokens < t) for t = 1..T-1, [B, T-1]; a token banned at a position (a tool's
    refusal while sampling) is masked out of that position's softmax, so these are the log-probabilities
    of the distribution that was sampled. Right padding needs no attention mask under causal attention."""
    logits = model(input_ids=ids).logits[:, :-1].float() / temperature
    for row, positions in enumerate(banned):
        for position, tokens in positions.items():
            logits[row, position - 1, tokens] = float("-inf")
    return torch.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:, None]).squeeze(-1)


def grpo_loss(
    logps: torch.Tensor,
    old_logps: torch.Tensor,
    ref_logps: torch.Tensor | None,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    beta: float,
    epsilon_low: float = 0.2,
    epsilon_high: float = 0.2,
    loss_type: LossType = "grpo",
    max_completion_length: int | None = None,
    kl_ratio_correction: bool = True,
) -> tuple[torch.Tensor, dict[str, float]]:
    """(loss, {kl, clip_fraction}) for per-token log-probabilities [B, T] under the policy being trained,
    the policy that sampled (`old_logps`) and the reference, sequence advantages [B] and the mask of the
    tokens trained on. `kl_ratio_correction` weights the KL estimate by the ratio, so it estimates the KL of
    the policy being trained when the tokens were sampled by `old_logps` (TRL's `use_bias_correction_kl`;
    with one update per batch, as `ponder train` does, the ratio is 1 and it changes nothing)."""
    mask = mask.to(logps.dtype)
    ratio = torch.exp(logps - old_logps)
    clipped = torch.clamp(ratio, 1 - epsilon_low, 1 + epsilon_high)
    advantage = advantages[:, None]
    per_token = -torch.min(ratio * advantage, clipped * advantage)
    kl = torch.zeros_like(logps)
    if beta and ref_logps is not None:
        kl = torch.exp(ref_logps - logps) - (ref_logps - logps) - 1
        if kl_ratio_correction:
            kl = kl * ratio
        per_token = per_token + beta * kl
    if loss_type == "grpo":
        loss = ((per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean()
    elif loss_type == "bnpo":
        loss = (per_token * mask).sum() / mask.sum().clamp(min=1.0)
    elif loss_type == "dr_grpo":
        loss = (per_token * mask).sum() / (per_token.size(0) * (max_completion_length or per_token.size(1)))
    else:
        raise ValueError(f"unknown loss type {loss_type!r}; use grpo, bnpo or dr_grpo")
    tokens = mask.sum().clamp(min=1.0)
    is_clipped = ((ratio < 1 - epsilon_low) & (advantage < 0)) | ((ratio > 1 + epsilon_high) & (advantage > 0))
    kl, tokens = kl.detach(), tokens.detach()
    stats = {"kl": float((kl * mask).sum() / tokens), "clip_fraction": float((is_clipped.to(mask.dtype) * mask).sum() / tokens)}
    return loss, stats
