"""`ponder train`: GRPO with outcome-only rewards from a task's grader, for a local causal LM.

Why not TRL's `GRPOTrainer` (measured against, not used): ponder-think's rollouts interleave the model's
tokens with the countdown calculator's output inside one sequence and mask the tokens the calculator
refuses at each position (`thinking.chain`); TRL generates with `transformers.generate` or vLLM, runs tools
only between chat-template turns, and recomputes log-probabilities without a per-position mask, so its
policy would not be the one that sampled. The loop here is the smallest one that is: `training.grpo`
holds the loss, and `tests/test_grpo.py` checks it equals `GRPOTrainer._compute_loss` on the same batch.

Reproducible and resumable: step s draws its problems and its sampling seed from (seed, s) alone, so a
run resumed from the checkpoint of step k (model, optimizer and the step) decodes and trains exactly as
the uninterrupted run would; rows written after the last checkpoint are dropped and redone.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from ponder.errors import PonderError
from ponder.jsonl import json_objects
from ponder.types import ProgressListener

log = logging.getLogger(__name__)

METRIC_COLUMNS = ("step", "reward", "accuracy", "mean_thinking_tokens", "kl", "seconds", "loss", "clip_fraction", "grad_norm",
                  "solved_groups", "model_tokens", "train_flops", "flagged")
POOL = 20_000  # training problems drawn once per run, from the task's train split


class TrainError(PonderError, ValueError):
    """A training run cannot start or resume (bad options, a run folder with another config)."""


@dataclass(frozen=True)
class RLConfig:
    task: str = "countdown"
    model: str = "ponder-think"
    steps: int = 120  # the measured run (README): about 23 minutes on 2 cores
    group: int = 8  # chains sampled per problem (G)
    prompts: int = 8  # problems per step
    learning_rate: float = 3e-4
    kl: float = 0.04  # beta, the weight of KL(policy || reference)
    epsilon: float = 0.2  # PPO clip range
    loss_type: str = "grpo"
    scale_rewards: bool = True  # divide advantages by the group's std (Dr. GRPO: False)
    thinking: int = 512  # thinking-token cap of each chain while training (text models: completion tokens)
    temperature: float = 1.0
    format_reward: float = 0.0  # added when an answer can be read at all (0: outcome only)
    seed: int = 0
    save_every: int = 5  # write the resumable checkpoint every N steps
    keep_every: int = 0  # also keep checkpoints/step-N every N steps (0: none), for train-compute sweeps
    micro_batch: int = 16  # sequences per forward/backward pass
    max_grad_norm: float = 1.0
    threads: int = 2
    monitor: bool = True  # run the CoT monitor on every rollout (reported; never part of the reward)
    sft: str | None = None  # supervised warm-up from these traces before RL (`training.sft`)
    sft_steps: int = 0

    def check(self) -> None:
        positive = ("steps", "group", "prompts", "thinking", "save_every", "micro_batch", "threads")
        for name in positive:
            if getattr(self, name) < 1:
                raise TrainError(f"--{name.replace('_', '-')} must be at least 1 (got {getattr(self, name)})")
        if self.group < 2:
            raise TrainError("--group must be at least 2: GRPO's advantage compares chains of the same problem")
        if not 0 < self.learning_rate < 1:
            raise TrainError(f"--learning-rate must be in (0, 1) (got {self.learning_rate})")
        if self.kl < 0 or self.epsilon <= 0 or self.temperature <= 0 or self.keep_every < 0:
            raise TrainError("--kl must be ≥ 0; --epsilon and --temperature > 0; --keep-every ≥ 0")
        if self.loss_type not in ("grpo", "bnpo", "dr_grpo"):
            raise TrainError(f"--loss must be grpo, bnpo or dr_grpo (got {self.loss_type!r})")


def resume_key(config: RLConfig) -> dict[str, Any]:
    """What must match to resume a run (everything but how long it runs, how often it saves and threads)."""
    free = {"steps", "save_every", "keep_every", "threads"}
    return {k: v for k, v in asdict(config).items() if k not in free}


class RunFolder:
    """DIR: config.json, metrics.csv / metrics.jsonl, rollouts.jsonl, checkpoint/ (+ trainer_state.pt), checkpoints/step-N/."""

    def __init__(self, root: Path):
        self.root = root
        self.checkpoint = root / "checkpoint"
        self.metrics_csv, self.metrics_jsonl, self.rollouts = root / "metrics.csv", root / "metrics.jsonl", root / "rollouts.jsonl"

    def prepare(self, config: RLConfig) -> int:
        """Create or check the folder; the step to start from (0, or the last checkpoint's)."""
        self.root.mkdir(parents=True, exist_ok=True)
        recorded = self.root / "config.json"
        if recorded.is_file():
            previous = json.loads(recorded.read_text())
            mismatched = sorted(k for k, v in resume_key(config).items() if previous.get(k) != v)
            if mismatched:
                raise TrainError(f"{self.root} holds a run with other settings ({', '.join(mismatched)}); use another --out")
        recorded.write_text(json.dumps(asdict(config), indent=2) + "\n")
        for stale in (self.root / "checkpoint.tmp", self.root / "sft.tmp"):
            if stale.exists():
                shutil.rmtree(stale)  # a save that was killed before it finished
        if not self.checkpoint.exists() and (self.root / "checkpoint.old").exists():
            os.replace(self.root / "checkpoint.old", self.checkpoint)  # killed between the two renames
        state = self.checkpoint / "trainer_state.pt"
        start = 0
        if state.is_file():
            import torch

            start = int(torch.load(state, weights_only=True)["step"])
        for path in (self.metrics_jsonl, self.rollouts):
            truncate_jsonl(path, start)
        rows = read_metrics(self.metrics_jsonl)
        write_csv(self.metrics_csv, rows)
        return start

    def save(self, policy, optimizer, step: int) -> None:
        """The checkpoint after `step` steps, written beside and swapped in by renames."""
        import torch

        tmp, old = self.root / "checkpoint.tmp", self.root / "checkpoint.old"
        policy.save(tmp)
        torch.save({"step": step, "optimizer": optimizer.state_dict()}, tmp / "trainer_state.pt")
        if self.checkpoint.exists():
            os.replace(self.checkpoint, old)
        os.replace(tmp, self.checkpoint)
        if old.exists():
            shutil.rmtree(old)

    def keep(self, policy, step: int) -> Path:
        path = self.root / "checkpoints" / f"step-{step}"
        policy.save(path)
        return path


def truncate_jsonl(path: Path, before_step: int) -> None:
    """Keep the records of steps before `before_step` (and drop a line cut by a kill)."""
    if not path.is_file():
        return
    kept = [record for _, record in json_objects(path, TrainError, skip_malformed=True) if record.get("step", 0) < before_step]
    path.write_text("".join(json.dumps(record) + "\n" for record in kept))


def read_metrics(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [record for _, record in json_objects(path, TrainError)]


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=METRIC_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def append_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("a") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in records)


def step_problems(pool: list, config: RLConfig, step: int) -> list:
    return random.Random(f"{config.seed}:{step}").sample(pool, config.prompts)


def train(config: RLConfig, out: Path, *, on_progress: ProgressListener | None = None) -> dict[str, Any]:
    """Run (or resume) `config` in `out`; returns a summary. `on_progress` hears each step (and the warm-up's)."""
    import torch

    from ponder.monitor.rules import monitor_rollout
    from ponder.tasks import get_task
    from ponder.training.grpo import group_advantages, grpo_loss, pad_batch, token_logps
    from ponder.training.rollout import load_policy

    config.check()
    torch.set_num_threads(config.threads)
    task = get_task(config.task)
    policy = load_policy(config.model, config.task)
    pool = task.generate(POOL, config.seed, split="train")
    policy.prompt(pool[0])  # a task this policy cannot read fails here, before the run folder is touched
    folder = RunFolder(out)
    start = folder.prepare(config)
    starting = config.model
    if config.sft:  # the warm-up runs once; its result is the starting point and the KL reference
        from ponder.training.sft import supervised_warmup

        warmed = out / "sft"
        if not warmed.is_dir():
            supervised_warmup(policy, task, Path(config.sft), steps=config.sft_steps, seed=config.seed, on_progress=on_progress)
            policy.save(out / "sft.tmp")
            os.replace(out / "sft.tmp", warmed)
        starting = f"hf:{warmed}"
    reference = None
    if config.kl:
        reference = load_policy(starting, config.task).model.eval()
        for parameter in reference.parameters():
            parameter.requires_grad_(False)
    if start or config.sft:
        policy = load_policy(f"hf:{folder.checkpoint}" if start else starting, config.task)
    if start:
        log.info("resuming %s at step %d of %d", out, start, config.steps)
    parameters = sum(p.numel() for p in policy.model.parameters())
    torch.manual_seed(config.seed)
    optimizer = torch.optim.AdamW(policy.model.parameters(), lr=config.learning_rate, betas=(0.9, 0.99), weight_decay=0.0)
    if start:
        optimizer.load_state_dict(torch.load(folder.checkpoint / "trainer_state.pt", weights_only=True)["optimizer"])
    pad = policy.tokenizer.pad_token_id if policy.tokenizer.pad_token_id is not None else policy.tokenizer.eos_token_id
    history = read_metrics(folder.metrics_jsonl)
    flops = history[-1]["train_flops"] if history else 0.0
    report = on_progress or (lambda phase, done, total, figures: None)
    report("ponder train", start, config.steps, {})
    for step in range(start, config.steps):
        started = time.monotonic()
        problems = step_problems(pool, config, step)
        rollouts = policy.rollouts(task, problems, config.group, thinking=config.thinking, temperature=config.temperature,
                                   seed=config.seed * 1_000_003 + step, format_reward=config.format_reward)
        rewards = torch.tensor([r.reward for r in rollouts])
        advantages = group_advantages(rewards, config.group, scale=config.scale_rewards)
        ids, mask = pad_batch([r.tokens for r in rollouts], [r.sampled for r in rollouts], pad)
        banned = [r.banned for r in rollouts]
        policy.model.train()
        optimizer.zero_grad(set_to_none=True)
        total_tokens = float(mask.sum())
        losses, kls, clips = [], [], []
        for first in range(0, len(rollouts), config.micro_batch):
            rows = slice(first, first + config.micro_batch)
            length = int(max(len(r.tokens) for r in rollouts[rows]))
            chunk_ids, chunk_mask = ids[rows, :length], mask[rows, : length - 1]
            ref_logps = None
            if reference is not None:
                with torch.no_grad():
                    ref_logps = token_logps(reference, chunk_ids, banned[rows])
            logps = token_logps(policy.model, chunk_ids, banned[rows])
            loss, stats = grpo_loss(logps, logps.detach(), ref_logps, advantages[rows], chunk_mask, beta=config.kl,
                                    epsilon_low=config.epsilon, epsilon_high=config.epsilon, loss_type=config.loss_type,
                                    max_completion_length=config.thinking)
            share = float(chunk_mask.sum()) / max(total_tokens, 1.0) if config.loss_type == "bnpo" else chunk_ids.size(0) / len(rollouts)
            (loss * share).backward()
            losses.append(loss.item() * share)
            kls.append(stats["kl"] * float(chunk_mask.sum()))
            clips.append(stats["clip_fraction"] * float(chunk_mask.sum()))
        grad_norm = float(torch.nn.utils.clip_grad_norm_(policy.model.parameters(), config.max_grad_norm))
        optimizer.step()
        policy.model.eval()
        tokens = sum(len(r.tokens) for r in rollouts)
        model_tokens = sum(r.model_tokens for r in rollouts)
        # 2N per token to sample it, 6N to train on it, 2N for the reference's forward pass (Kaplan et al. 2020)
        flops += parameters * tokens * (2 + 6 + (2 if reference is not None else 0))
        flags = [monitor_rollout(r) if config.monitor else [] for r in rollouts]
        grouped = [rollouts[i : i + config.group] for i in range(0, len(rollouts), config.group)]
        row = {
            "step": step,
            "reward": round(float(rewards.mean()), 4),
            "accuracy": round(sum(r.correct for r in rollouts) / len(rollouts), 4),
            "mean_thinking_tokens": round(sum(r.thinking_tokens for r in rollouts) / len(rollouts), 1),
            "kl": round(sum(kls) / max(total_tokens, 1.0), 6),
            "seconds": round(time.monotonic() - started, 2),
            "loss": round(sum(losses), 6),
            "clip_fraction": round(sum(clips) / max(total_tokens, 1.0), 4),
            "grad_norm": round(grad_norm, 4) if math.isfinite(grad_norm) else None,
            "solved_groups": sum(any(r.correct for r in g) and not all(r.correct for r in g) for g in grouped),
            "model_tokens": model_tokens,
            "train_flops": flops,
            "flagged": round(sum(bool(f) for f in flags) / len(flags), 4) if config.monitor else None,
            "thinking_tokens": [r.thinking_tokens for r in rollouts],
            "flags": monitor_counts(flags) if config.monitor else {},
        }
        append_jsonl(folder.rollouts, [rollout_record(step, r, f) for r, f in zip(rollouts, flags)])
        append_jsonl(folder.metrics_jsonl, [row])
        history.append(row)
        with folder.metrics_csv.open("a", newline="") as handle:
            csv.DictWriter(handle, fieldnames=METRIC_COLUMNS, extrasaction="ignore").writerow(row)
        done = step + 1
        if config.keep_every and done % config.keep_every == 0:
            folder.keep(policy, done)
        if done % config.save_every == 0 or done == config.steps:
            folder.save(policy, optimizer, done)
        recent = history[-10:]
        report("ponder train", done, config.steps, {"reward": f"{sum(r['reward'] for r in recent) / len(recent):.3f}",
                                                    "acc": f"{sum(r['accuracy'] for r in recent) / len(recent):.3f}",
                                                    "think": f"{row['mean_thinking_tokens']:.0f}", "kl": f"{row['kl']:.4f}"})
    summary = {"steps": config.steps, "resumed_at": start, "parameters": parameters, "train_flops": flops,
               "train_seconds": round(sum(r["seconds"] for r in history), 1), "checkpoint": str(folder.checkpoint)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def monitor_counts(flags: list[list[str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for chain in flags:
        for flag in chain:
            counts[flag] = counts.get(flag, 0) + 1
    return counts


def rollout_record(step: int, rollout, flags: list[str]) -> dict[str, Any]:
    return {"step": step, "problem_id": rollout.problem.id, "prompt": rollout.problem.prompt, "data": dict(rollout.problem.data),
            "thought": rollout.thought, "answer": rollout.answer, "correct": rollout.correct, "reward": rollout.reward,
            "thinking_tokens": rollout.thinking_tokens, "tool_tokens": rollout.tool_tokens, "flags": flags}


def config_from(values: dict[str, Any]) -> RLConfig:
    known = {f.name for f in fields(RLConfig)}
    return RLConfig(**{k: v for k, v in values.items() if k in known and v is not None})
