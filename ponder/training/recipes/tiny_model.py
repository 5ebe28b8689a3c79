"""Train ponder's embedded model from scratch: a tiny Llama-style causal LM on the built-in tasks.

    ponder recipe tiny-model --out ponder/embedded/tiny_model

Reproducible: fixed seed, single process, CPU. Trains only on the "train" split of each task (held-out
problems are reserved by a content hash, see ponder.tasks.base.split_of). Never runs at install time or
in CI: the result ships inside the package.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ponder.embedded.codec import countdown_prompt, multiply_prompt, multiply_scratchpad
from ponder.embedded.tokenizer import build_tokenizer
from ponder.tasks.arithmetic import random_factors
from ponder.tasks.countdown import random_instance
from ponder.types import ProgressListener

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 1234
    steps: int = 5000  # length of the learning-rate schedule
    batch_size: int = 128
    learning_rate: float = 3e-3
    warmup_steps: int = 100
    weight_decay: float = 0.01
    countdown_fraction: float = 0.45  # share of examples that are countdown (the rest multiplication)
    hidden_size: int = 128
    layers: int = 4
    heads: int = 4
    mlp_size: int = 384
    max_length: int = 64  # longest example in tokens, prompt included
    threads: int = 2
    stop_after: int | None = 1500  # end at this step, keeping the full run's learning-rate schedule (the shipped model)
    save_every: int | None = None  # also save checkpoint-STEP/ every this many steps


def training_example(rng: random.Random, countdown_fraction: float) -> tuple[str, str]:
    """(compact prompt, target completion) for one training example from the train split."""
    if rng.random() < countdown_fraction:
        numbers, target, expression = random_instance(rng, "train")
        return countdown_prompt(numbers, target), expression
    # Factors of 2-4 x 2-3 digits, so that the evaluated size is a choice made after training.
    digits = (rng.choice((2, 3, 4)), rng.choice((2, 3, 3, 3)))
    a, b = random_factors(rng, "train", digits)
    return multiply_prompt(a, b), multiply_scratchpad(a, b)


def make_batch(rng, tokenizer, config: TrainConfig):
    import torch

    vocab = tokenizer.get_vocab()
    rows, masks = [], []
    for _ in range(config.batch_size):
        prompt, completion = training_example(rng, config.countdown_fraction)
        prompt_ids = [tokenizer.bos_token_id] + [vocab[c] for c in prompt]
        completion_ids = [vocab[c] for c in completion] + [tokenizer.eos_token_id]
        rows.append(prompt_ids + completion_ids)
        masks.append([0] * len(prompt_ids) + [1] * len(completion_ids))
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), tokenizer.pad_token_id)
    labels = torch.full((len(rows), width), -100)
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (row, mask) in enumerate(zip(rows, masks)):
        ids[i, : len(row)] = torch.tensor(row)
        attention[i, : len(row)] = 1
        labels[i, : len(row)] = torch.tensor([t if m else -100 for t, m in zip(row, mask)])
    return ids, attention, labels


def build_model(config: TrainConfig, tokenizer):
    from transformers import LlamaConfig, LlamaForCausalLM

    model_config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        intermediate_size=config.mlp_size,
        num_hidden_layers=config.layers,
        num_attention_heads=config.heads,
        num_key_value_heads=config.heads,
        max_position_embeddings=config.max_length,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(model_config)


def optimizer_and_schedule(model, config):
    """AdamW (no decay on norms and biases) with a linear warm-up and a cosine decay to 10% over
    `config.steps`; `config` has learning_rate, weight_decay, warmup_steps and steps."""
    import torch

    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.learning_rate,
        betas=(0.9, 0.95),
    )

    def learning_rate(step: int) -> float:
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        done = min(1.0, (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps))
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * done))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, learning_rate)


def take_step(model, optimizer, scheduler, loss) -> float:
    """One optimisation step on `loss` (gradients clipped to norm 1); returns the loss value."""
    import torch

    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    return loss.item()


def save(model, tokenizer, path: Path) -> None:
    """A standard Hugging Face checkpoint (safetensors weights and the tokenizer) in `path`."""
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)


def start(config):
    """What a recipe that trains from scratch starts with, seeded: (the data's RNG, the tokenizer, a new
    model in training mode, its optimizer and learning-rate schedule)."""
    import torch

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    tokenizer = build_tokenizer()
    model = build_model(config, tokenizer)
    optimizer, scheduler = optimizer_and_schedule(model, config)
    model.train()
    return random.Random(config.seed), tokenizer, model, optimizer, scheduler


def train(config: TrainConfig, out: Path, on_progress: ProgressListener | None = None) -> dict:
    rng, tokenizer, model, optimizer, scheduler = start(config)
    parameters = sum(p.numel() for p in model.parameters())
    started = time.monotonic()
    losses: list[float] = []
    report = on_progress or (lambda phase, done, total, figures: None)
    for step in range(min(config.steps, config.stop_after or config.steps)):
        if config.save_every and step and step % config.save_every == 0:
            save(model, tokenizer, out / f"checkpoint-{step}")
        ids, attention, labels = make_batch(rng, tokenizer, config)
        losses.append(take_step(model, optimizer, scheduler, model(input_ids=ids, attention_mask=attention, labels=labels).loss))
        report("training ponder-tiny", step + 1, config.steps, {"loss": f"{sum(losses[-50:]) / len(losses[-50:]):.4f}"})
    return finish(model, tokenizer, out, {
        "config": asdict(config),
        "parameters": parameters,
        "steps_run": len(losses),
        "train_seconds": round(time.monotonic() - started, 1),
        "final_loss": round(sum(losses[-100:]) / len(losses[-100:]), 4),
    })


def finish(model, tokenizer, out: Path, summary: dict) -> dict:
    """Save the trained model, and its summary beside it (training.json, which its card quotes)."""
    import torch

    model.eval()
    save(model, tokenizer, out)
    summary = {**summary, "torch": torch.__version__}
    (out / "training.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
