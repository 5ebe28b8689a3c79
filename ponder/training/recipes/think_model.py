"""Train ponder-think from scratch: a small Llama-style model that searches in its chain of thought,
calling the countdown calculator (`tools.countdown_calculator`) for every result.

    ponder recipe think-model --out ponder/embedded/think_model --steps 1100 --minutes 38

Examples are the heuristic teacher's traces (`training.recipes.search_traces`), packed into windows of
`window` characters. The loss is on the model's own characters (operations, backtracks, the end of the
thought, the answer); the calculator's characters get a small weight (`tool_weight`), so the same model
can also be run without the tool (`--no-tools`) and that comparison is measured, not assumed.
Reproducible: fixed seed, one process, CPU; never runs at install time or in CI.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ponder.tasks.base import split_of
from ponder.tasks.countdown import NUMBER_RANGE, TARGET_RANGE, problem_key
from ponder.tools.countdown_calculator import CLOSE, think_prompt
from ponder.training.recipes.search_traces import NOISE_LEVELS, Piece, random_walk_instance, teacher_trace
from ponder.types import ProgressListener

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThinkTrainConfig:
    seed: int = 2026
    steps: int = 1200  # length of the learning-rate schedule
    batch_size: int = 4  # windows per step
    window: int = 2048  # characters per window (examples packed, never split)
    learning_rate: float = 2e-3
    warmup_steps: int = 40
    weight_decay: float = 0.01
    tool_weight: float = 0.1  # loss weight of the calculator's characters (1 for the model's own)
    uniform_fraction: float = 0.5  # share of problems with a target uniform in 1-100 that the teacher reaches
    hidden_size: int = 192
    layers: int = 5
    heads: int = 6
    mlp_size: int = 512
    max_length: int = 4096  # positions the model config allows (decoding may run past the window)
    threads: int = 2
    minutes: float | None = None  # also stop (and save) after this much training time (then steps_run depends on the machine)
    stop_after: int | None = None  # end at this step, keeping the schedule of `steps` (reproduces a time-capped run exactly)
    save_every: int | None = None


def training_problem(rng: random.Random, uniform_fraction: float) -> tuple[list[int], int, list[Piece], str]:
    """A train-split problem with the teacher's solved trace: a random-walk target, or a target drawn
    uniformly from 1-100 and kept when the teacher reaches it within 4,096 characters."""
    while True:
        if rng.random() < uniform_fraction:
            numbers = [rng.randint(*NUMBER_RANGE) for _ in range(rng.choice((3, 4, 4)))]
            target = rng.randint(*TARGET_RANGE)
            if split_of(problem_key(numbers, target)) != "train":
                continue
        else:
            numbers, target = random_walk_instance(rng, "train")
        pieces, answer = teacher_trace(numbers, target, rng, rng.choice(NOISE_LEVELS))
        if answer is not None:
            return numbers, target, pieces, answer


def encode_example(numbers, target, pieces, answer, vocab, bos: int, eos: int, tool_weight: float):
    """(token ids, loss weights): prompt 0, the model's characters 1, the calculator's `tool_weight`."""
    ids, weights = [bos], [0.0]
    for char in think_prompt(numbers, target):
        ids.append(vocab[char])
        weights.append(0.0)
    for piece in pieces:
        for char in piece.text:
            ids.append(vocab[char])
            weights.append(tool_weight if piece.by_tool else 1.0)
    for char in CLOSE + answer:
        ids.append(vocab[char])
        weights.append(1.0)
    ids.append(eos)
    weights.append(1.0)
    return ids, weights


class Packer:
    """Whole examples packed into fixed windows (an example longer than a window is cut to it)."""

    def __init__(self, rng: random.Random, tokenizer, config: ThinkTrainConfig):
        self.rng, self.config = rng, config
        self.vocab = tokenizer.get_vocab()
        self.bos, self.eos, self.pad = tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id
        self.pending: tuple[list[int], list[float]] | None = None

    def window(self) -> tuple[list[int], list[float]]:
        ids: list[int] = []
        weights: list[float] = []
        size = self.config.window
        while True:
            if self.pending is None:
                example = training_problem(self.rng, self.config.uniform_fraction)
                self.pending = encode_example(*example, self.vocab, self.bos, self.eos, self.config.tool_weight)
            example_ids, example_weights = self.pending
            if ids and len(ids) + len(example_ids) > size:
                break
            ids += example_ids[:size]
            weights += example_weights[:size]
            self.pending = None
            if len(ids) >= size:
                break
        padding = size - len(ids)
        return ids + [self.pad] * padding, weights + [0.0] * padding


def train(config: ThinkTrainConfig, out: Path, on_progress: ProgressListener | None = None) -> dict:
    import torch

    from ponder.training.recipes.tiny_model import finish, save, start, take_step

    rng, tokenizer, model, optimizer, scheduler = start(config)
    parameters = sum(p.numel() for p in model.parameters())
    log.info("ponder-think: %d parameters", parameters)
    packer = Packer(rng, tokenizer, config)
    started = time.monotonic()
    losses: list[float] = []
    tokens = 0
    report = on_progress or (lambda phase, done, total, figures: None)
    for step in range(min(config.steps, config.stop_after or config.steps)):
        if config.minutes is not None and time.monotonic() - started > config.minutes * 60:
            log.info("stopping at step %d: %.1f minutes reached", step, config.minutes)
            break
        if config.save_every and step and step % config.save_every == 0:
            save(model, tokenizer, out / f"checkpoint-{step}")
        windows = [packer.window() for _ in range(config.batch_size)]
        ids = torch.tensor([w[0] for w in windows])
        weights = torch.tensor([w[1] for w in windows])
        logits = model(input_ids=ids).logits[:, :-1]
        per_token = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), ids[:, 1:].reshape(-1), reduction="none")
        target_weights = weights[:, 1:].reshape(-1)
        losses.append(take_step(model, optimizer, scheduler, (per_token * target_weights).sum() / target_weights.sum()))
        tokens += int((ids != tokenizer.pad_token_id).sum())
        report("training ponder-think", step + 1, config.steps,
               {"loss": f"{sum(losses[-20:]) / len(losses[-20:]):.4f}", "tok/s": f"{tokens / (time.monotonic() - started):.0f}"})
    return finish(model, tokenizer, out, {
        "config": asdict(config),
        "parameters": parameters,
        "steps_run": len(losses),
        "train_seconds": round(time.monotonic() - started, 1),
        "tokens_seen": tokens,
        "final_loss": round(sum(losses[-50:]) / max(1, len(losses[-50:])), 4),
    })
