"""`ponder train --sft TRACES`: a supervised warm-up on chains before RL, for a model that rarely
solves anything on its own (RL learns nothing from a group whose chains all fail).

TRACES is JSONL, one chain per line, either
- a `ponder train` run's rollouts.jsonl (or any records with `prompt`, `thought`, `correct`): the chains
  marked correct, rebuilt in ponder-think's compact language (`thought` one step per line, as rollouts
  store it); the loss is on the model's characters of each line (the operation, or `<`), not the
  calculator's (from its `=` or `|` on), and on the end of the thought and the answer (the last hit's path);
- or records with `prompt` and `completion` (any text model): the loss is on the completion's tokens.
Rejection-sampling fine-tuning on a model's own correct chains is STaR (Zelikman et al. 2022).
"""

from __future__ import annotations

import random
from pathlib import Path

from ponder.errors import PonderError
from ponder.jsonl import json_objects
from ponder.tools.countdown_calculator import CLOSE, LINE
from ponder.types import Message, ProgressListener


class SFTError(PonderError, ValueError):
    """The warm-up's traces cannot be used."""


def compact_example(prompt: str, thought: str, vocab: dict[str, int], bos: int, eos: int) -> tuple[list[int], list[float]] | None:
    """(ids, weights) of one ponder-think chain, or None when it reached no hit (nothing to answer)."""
    from ponder.monitor.rules import ChainView

    hits = ChainView(thought, "").hit_paths
    if not hits:
        return None
    ids, weights = [bos] + [vocab[c] for c in prompt], [0.0] * (len(prompt) + 1)
    for line in (line for line in thought.splitlines() if line):
        cut = min((i for i in (line.find("="), line.find("|")) if i >= 0), default=len(line))
        for k, char in enumerate(line + LINE):
            ids.append(vocab[char])
            weights.append(1.0 if k < cut else 0.0)
    for char in CLOSE + hits[-1]:
        ids.append(vocab[char])
        weights.append(1.0)
    return ids + [eos], weights + [1.0]


def load_examples(policy, path: Path) -> list[tuple[list[int], list[float]]]:
    examples = []
    tokenizer = policy.tokenizer
    for number, record in json_objects(path, SFTError, "--sft "):
        if "prompt" not in record:
            raise SFTError(f"{path}:{number}: a record needs 'prompt' and 'thought' or 'completion'")
        if "completion" in record:
            prompt = tokenizer(policy.generator.render((Message("user", record["prompt"]),)) if policy.family == "hf" else record["prompt"],
                               add_special_tokens=False)["input_ids"]
            completion = tokenizer(record["completion"], add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
            examples.append((prompt + completion, [0.0] * len(prompt) + [1.0] * len(completion)))
        elif "thought" in record and record.get("correct") and policy.family == "ponder-think":
            from ponder.types import Problem

            compact = policy.prompt(Problem(id="sft", task="countdown", prompt=record["prompt"]))
            example = compact_example(compact, record["thought"], tokenizer.get_vocab(), tokenizer.bos_token_id, tokenizer.eos_token_id)
            if example is not None:
                examples.append(example)
    if not examples:
        raise SFTError(f"--sft {path}: no usable chains (correct ponder-think chains, or prompt/completion records)")
    return examples


def supervised_warmup(policy, task, path: Path, *, steps: int, seed: int, batch: int = 8, learning_rate: float = 3e-4,
                      on_progress: ProgressListener | None = None) -> list[float]:
    """`steps` steps of weighted cross-entropy on batches drawn (seeded) from the traces; the losses."""
    import torch

    from ponder.training.grpo import pad_batch

    examples = load_examples(policy, path)
    rng = random.Random(f"sft:{seed}")
    model = policy.model
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.0)
    pad = policy.tokenizer.pad_token_id if policy.tokenizer.pad_token_id is not None else policy.tokenizer.eos_token_id
    losses = []
    report = on_progress or (lambda phase, done, total, figures: None)
    model.train()
    for step in range(steps):
        chosen = [rng.choice(examples) for _ in range(batch)]
        ids, _ = pad_batch([c[0] for c in chosen], [[True] * len(c[0]) for c in chosen], pad)
        weights = torch.zeros(ids.shape)
        for row, (_, w) in enumerate(chosen):
            weights[row, : len(w)] = torch.tensor(w)
        logits = model(input_ids=ids).logits[:, :-1].float()
        per_token = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), ids[:, 1:].reshape(-1), reduction="none")
        target = weights[:, 1:].reshape(-1)
        loss = (per_token * target).sum() / target.sum().clamp(min=1.0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        report("sft warm-up", step + 1, steps, {"loss": f"{sum(losses[-10:]) / len(losses[-10:]):.4f}"})
    model.eval()
    return losses
