"""Train the learned process verifier (`embedded.prm`) from Monte Carlo rollouts of the embedded models.

    ponder recipe prm-model --out ponder/embedded/prm_model

Labels come from the models' own attempts, never from the exact checker of a partial solution
(Wang et al. 2024, "Math-Shepherd": a step is as good as the share of completions through it that
verify):
- countdown: ponder-think's chains of thought (a depth-first search with its calculator) on problems
  of the *train* split of the `countdown` generator. Every state the search visits is a partial
  solution (the operations on its path); it is labelled 1 when the chain hit the target while the
  state was on its path (its subtree held a solution the model found), else 0;
- multiplication: ponder-tiny's sampled answers to *train*-split problems; every prefix of partial
  products is labelled by whether that answer's product was right.
Identical inputs are merged and their labels averaged (the Monte Carlo estimate). Evaluation problems
come from other generators (`countdown-reachable`) or the held-out split, never from these.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterable

from ponder.tasks.arithmetic import make_problem as multiplication_problem, random_factors
from ponder.tasks.countdown import make_problem as countdown_problem, random_instance
from ponder.thinking.steps import Piece
from ponder.types import Problem, ProgressListener
from ponder.embedded.prm import encode
from ponder.verifiers.prm import PartialSolution

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PRMTrainConfig:
    seed: int = 2027
    countdown_problems: int = 640  # train-split problems; ponder-think runs `chains` chains on each
    chains: int = 4
    thinking_tokens: int = 384  # cap on each chain (the search visits more states with more)
    multiplication_problems: int = 1600
    samples: int = 8  # ponder-tiny answers per multiplication problem
    steps: int = 1500  # optimisation steps
    batch_size: int = 256
    learning_rate: float = 2e-3
    warmup_steps: int = 60
    weight_decay: float = 0.01
    hidden_size: int = 96
    layers: int = 3
    heads: int = 4
    mlp_size: int = 256
    threads: int = 2


# -- labels from rollouts ----------------------------------------------------------------------------
def chain_pieces(thought: str) -> list[Piece]:
    """ponder-think's thought (lines end with ';') as step pieces: the model's text, then the calculator's.

    >>> chain_pieces("ab+=8|7 11 8;<|3 5 7 11;")
    [Piece(text='ab+', tool='=8|7 11 8;', ended=False), Piece(text='<', tool='|3 5 7 11;', ended=False)]
    """
    pieces = []
    for line in thought.split(";")[:-1]:
        split = 1 if line.startswith("<") else 3
        pieces.append(Piece(line[:split], line[split:] + ";"))
    return pieces


def search_labels(problem: Problem, pieces: list[Piece]) -> list[tuple[PartialSolution, float]]:
    """Each partial solution a chain's search visited, labelled 1 when the chain hit the target with it
    on the path (a hit is also a finished solution, labelled 1), else 0."""
    from ponder.embedded.steps import think_plain

    visited: dict[tuple[str, ...], None] = {}
    for k in range(len(pieces) + 1):
        visited.setdefault(tuple(think_plain(problem, pieces[:k])), None)
    hit = next((k for k, piece in enumerate(pieces) if "!" in piece.tool), None)
    winning: tuple[str, ...] = tuple(think_plain(problem, pieces[: hit + 1])) if hit is not None else ()
    labelled = []
    for steps in visited:
        on_path = hit is not None and winning[: len(steps)] == steps
        finished = hit is not None and steps == winning
        labelled.append((PartialSolution(steps, finished), 1.0 if on_path else 0.0))
    if hit is None and visited:
        labelled.append((PartialSolution(list(visited)[-1], finished=True), 0.0))  # the chain ended without a solution
    return labelled


def product_labels(problem: Problem, text: str) -> list[tuple[PartialSolution, float]]:
    """Every prefix of one rendered answer ('738 + 6150 + 49200 = 56088'), labelled by its product.

    >>> from ponder.tasks.arithmetic import make_problem
    >>> [(p.steps, p.finished, y) for p, y in product_labels(make_problem("m", 123, 456), "738 + 6150 + 49200 = 56088")][-1]
    (('738', '6150', '49200', '= 56088'), True, 1.0)
    """
    head, equals, product = text.partition("=")
    steps = [part.strip() for part in head.split("+") if part.strip()]
    if equals:
        steps.append(f"= {product.strip()}")
    right = 1.0 if equals and product.strip() == str(problem.data["a"] * problem.data["b"]) else 0.0
    return [(PartialSolution(tuple(steps[:k]), finished=bool(equals) and k == len(steps)), right) for k in range(1, len(steps) + 1)]


def countdown_rollouts(generator, problems: list[Problem], chains: int, thinking_tokens: int, rng: random.Random
                       ) -> Iterable[tuple[Problem, PartialSolution, float]]:
    """(problem, partial solution, Monte Carlo label) from ponder-think's chains on each problem."""
    from ponder.tools.countdown_calculator import LINE, think_prompt
    from ponder.types import SamplingParams, ThinkingBudget

    params = SamplingParams(temperature=1.0, max_tokens=thinking_tokens + 16, thinking=ThinkingBudget(cap=thinking_tokens))
    batch = 16  # problems per decoding batch (x chains rows)
    for start in range(0, len(problems), batch):
        group = problems[start : start + batch]
        prompts = [think_prompt(p.data["numbers"], p.data["target"]) for p in group]
        completions = generator.think_many(prompts, chains, replace(params, seed=rng.randrange(2**31)))
        for problem, attempts in zip(group, completions):
            for completion in attempts:
                thought = (completion.reasoning or "").replace("\n", LINE) + LINE
                for partial, label in search_labels(problem, chain_pieces(thought)):
                    yield problem, partial, label
        log.info("countdown rollouts: %d of %d problems", min(start + batch, len(problems)), len(problems))


def multiplication_rollouts(generator, problems: Iterable[Problem], samples: int, rng: random.Random
                            ) -> Iterable[tuple[Problem, PartialSolution, float]]:
    """(problem, partial solution, Monte Carlo label) from ponder-tiny's sampled answers to each problem
    (`problems` may be drawn lazily from `rng`: each is drawn before its answers are sampled)."""
    from ponder.embedded.codec import multiply_prompt
    from ponder.types import SamplingParams

    for i, problem in enumerate(problems):
        prompt = multiply_prompt(problem.data["a"], problem.data["b"])
        generation = generator.sample_compact(prompt, samples, SamplingParams(temperature=1.0, max_tokens=40, seed=rng.randrange(2**31)))
        for completion in generation.completions:
            for partial, label in product_labels(problem, completion.text):
                yield problem, partial, label
        if (i + 1) % 400 == 0:
            log.info("multiplication rollouts: %d problems", i + 1)


def training_rollouts(config: PRMTrainConfig, rng: random.Random) -> Iterable[tuple[str, float]]:
    """The value model's (input text, label) pairs: rollouts on train-split problems of both tasks."""
    from ponder.embedded.tiny import EmbeddedGenerator
    from ponder.embedded.think import EmbeddedThinkGenerator

    countdown = [countdown_problem(f"train-{i}", *random_instance(rng, "train")[:2]) for i in range(config.countdown_problems)]
    for problem, partial, label in countdown_rollouts(EmbeddedThinkGenerator(threads=config.threads), countdown, config.chains,
                                                      config.thinking_tokens, rng):
        yield encode(problem, partial), label
    products = (multiplication_problem(f"train-{i}", *random_factors(rng, "train", (3, 3))) for i in range(config.multiplication_problems))
    for problem, partial, label in multiplication_rollouts(EmbeddedGenerator(threads=config.threads), products, config.samples, rng):
        yield encode(problem, partial), label


def merge(examples: Iterable[tuple[str, float]]) -> list[tuple[str, float, int]]:
    """(text, mean label, count) per distinct input: the Monte Carlo estimate of its value."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for text, label in examples:
        sums[text][0] += label
        sums[text][1] += 1
    return [(text, total / count, int(count)) for text, (total, count) in sums.items()]


# -- the value model -----------------------------------------------------------------------------------
def build_model(config: PRMTrainConfig, tokenizer):
    from transformers import LlamaConfig, LlamaForSequenceClassification

    return LlamaForSequenceClassification(LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=config.hidden_size, intermediate_size=config.mlp_size,
        num_hidden_layers=config.layers, num_attention_heads=config.heads, num_key_value_heads=config.heads,
        max_position_embeddings=256, num_labels=1, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    ))


def train(config: PRMTrainConfig, out: Path, on_progress: ProgressListener | None = None) -> dict:
    import torch

    from ponder.embedded.tokenizer import build_tokenizer
    from ponder.training.recipes.tiny_model import finish, optimizer_and_schedule, take_step

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)
    started = time.monotonic()
    data = merge(training_rollouts(config, rng))
    rollout_seconds = time.monotonic() - started
    log.info("%d distinct partial solutions (%.0f s of rollouts)", len(data), rollout_seconds)
    tokenizer = build_tokenizer()
    model = build_model(config, tokenizer)
    optimizer, scheduler = optimizer_and_schedule(model, config)
    weights = torch.tensor([float(count) for _, _, count in data]).sqrt()  # frequent prefixes count more, not linearly
    model.train()
    losses: list[float] = []
    report = on_progress or (lambda phase, done, total, figures: None)
    for step in range(config.steps):
        rows = torch.multinomial(weights, config.batch_size, replacement=True, generator=torch.Generator().manual_seed(config.seed + step)).tolist()
        batch = tokenizer([data[r][0] for r in rows], return_tensors="pt", padding=True)
        labels = torch.tensor([data[r][1] for r in rows])
        logits = model(**batch).logits[:, 0]
        losses.append(take_step(model, optimizer, scheduler, torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)))
        report("training the learned PRM", step + 1, config.steps, {"loss": f"{sum(losses[-100:]) / len(losses[-100:]):.4f}"})
    return finish(model, tokenizer, out, {
        "config": asdict(config),
        "parameters": sum(p.numel() for p in model.parameters()),
        "distinct_examples": len(data),
        "positive_share": round(sum(label for _, label, _ in data) / len(data), 4),
        "rollout_seconds": round(rollout_seconds, 1),
        "train_seconds": round(time.monotonic() - started - rollout_seconds, 1),
        "final_loss": round(sum(losses[-100:]) / len(losses[-100:]), 4),
    })
