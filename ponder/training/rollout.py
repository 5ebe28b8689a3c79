"""Rollouts for RL: a group of sampled chains per problem, each kept as the exact token sequence the
policy saw, with which positions the model chose (the only ones trained on) and which tokens a tool
refused there (masked again when the log-probabilities are recomputed, so the trained policy is the
one that sampled).

Two policies:
- `ThinkPolicy`: the ponder-think family (compact prompt, the countdown calculator inside the thought,
  budget forcing by `thinking.chain`), decoded in one batch by `generators.decode`.
- `TextPolicy`: any local causal LM (a Hugging Face checkpoint): the task's prompt through the chat
  template when there is one, a raw continuation (`thinking.continuation`), the reply graded as text.

The reward is outcome-only: 1 when the task's grader accepts the extracted answer, else 0, plus an
optional `format_reward` when an answer could be extracted at all (stated in the run's config).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch

from ponder.tasks.base import Task
from ponder.thinking.chain import Chain
from ponder.types import Message, Problem, SamplingParams, ThinkingBudget


@dataclass
class Rollout:
    problem: Problem
    tokens: list[int]  # the whole sequence, prompt first
    sampled: list[bool]  # per position: the model chose this token (trained on); False: prompt, tool, cue, closing text
    banned: dict[int, list[int]] = field(default_factory=dict)  # position -> tokens the tool refused when it was sampled
    answer: str = ""  # the reply as the task reads it
    thought: str = ""  # the chain of thought (ponder-think's compact language, one step per line)
    thinking_tokens: int = 0
    tool_tokens: int = 0
    correct: bool = False
    reward: float = 0.0

    @property
    def model_tokens(self) -> int:
        return sum(self.sampled)


def outcome_reward(task: Task, problem: Problem, reply: str, format_reward: float) -> tuple[bool, float]:
    """(correct, reward): 1 for an answer the task's grader accepts, `format_reward` for any answer it can read."""
    answer = task.extract(reply)
    correct = bool(task.grade(problem, answer))
    return correct, float(correct) + (format_reward if answer is not None else 0.0)


class RecordingChain(Chain):
    """A `Chain` that also records, per position, whether the model chose the token and what was banned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tokens: list[int] = []
        self.sampled: list[bool] = []
        self.banned_at: dict[int, list[int]] = {}
        self._last_banned: list[int] = []

    def banned(self) -> list[int]:
        self._last_banned = super().banned()
        return self._last_banned

    def feed(self, sampled: int | None) -> int:
        forced = bool(self.queue) or self.phase == "done" or sampled is None
        token = super().feed(sampled)
        chosen = not forced and token == sampled  # else forced, or an early end the controller replaced by its cue
        if chosen and self._last_banned:
            self.banned_at[len(self.tokens)] = list(self._last_banned)
        self.tokens.append(token)
        self.sampled.append(chosen)
        self._last_banned = []
        return token


class ThinkPolicy:
    """The ponder-think family: a trainable copy of its weights behind `EmbeddedThinkGenerator`."""

    family = "ponder-think"  # generators.checkpoint.THINK_FAMILY

    def __init__(self, path: str | Path | None = None):
        from ponder.embedded.think import MODEL_DIR, EmbeddedThinkGenerator

        self.generator = EmbeddedThinkGenerator(path or MODEL_DIR)
        self.model, self.tokenizer = self.generator.model, self.generator.tokenizer

    def prompt(self, problem: Problem) -> str:
        from ponder.embedded.think import compact_prompt

        prompt = compact_prompt(problem.messages or (Message("user", problem.prompt),))
        if prompt is None:
            raise ValueError(f"problem {problem.id}: ponder-think reads only countdown problems with 2-4 numbers")
        return prompt

    @torch.no_grad()
    def rollouts(self, task: Task, problems: Sequence[Problem], group: int, *, thinking: int, temperature: float,
                 seed: int, format_reward: float = 0.0) -> list[Rollout]:
        from ponder.generators.decode import decode_chains

        generator = self.generator
        params = SamplingParams(max_tokens=thinking + 64, temperature=temperature, thinking=ThinkingBudget(cap=thinking))
        prompts = [self.prompt(problem) for problem in problems]
        chains: list[RecordingChain] = []
        for prompt in prompts:
            chains += generator.chains(prompt, group, params, chain_class=RecordingChain)
        rng = torch.Generator()
        rng.manual_seed(seed)
        self.model.eval()
        decode_chains(self.model, chains, temperature=temperature, top_p=1.0, rng=rng, max_positions=generator.max_positions)
        rollouts = []
        for k, chain in enumerate(chains):
            problem = problems[k // group]
            completion = generator.completion(prompts[k // group], chain, True)
            correct, reward = outcome_reward(task, problem, completion.text, format_reward)
            rollouts.append(Rollout(problem, chain.tokens, chain.sampled, chain.banned_at, completion.text, completion.reasoning or "",
                                    chain.thinking_tokens, chain.tool_tokens, correct, reward))
        return rollouts

    def save(self, directory: Path) -> None:
        save_pretrained(self.model, self.tokenizer, directory, self.family)


class TextPolicy:
    """Any local causal LM: the task's prompt (chat template when the tokenizer has one), a raw continuation."""

    family = "hf"

    def __init__(self, path: str | Path):
        from ponder.generators.hf_local import HFLocalGenerator

        self.generator = HFLocalGenerator(path)
        self.model, self.tokenizer = self.generator.model, self.generator.tokenizer

    def prompt(self, problem: Problem) -> str:
        """The problem's conversation as the model reads it (every problem has one)."""
        return self.generator.render(problem.messages or (Message("user", problem.prompt),))

    @torch.no_grad()
    def rollouts(self, task: Task, problems: Sequence[Problem], group: int, *, thinking: int, temperature: float,
                 seed: int, format_reward: float = 0.0) -> list[Rollout]:
        from ponder.thinking.continuation import Continuation
        from ponder.generators.decode import decode_chains

        tokenizer, eos = self.tokenizer, self.tokenizer.eos_token_id
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
        prompts = [self.generator.encode(self.prompt(problem)) for problem in problems]
        rows = [Continuation(prompt, eos=eos, pad=pad, decode=lambda t: tokenizer.decode([t]), max_tokens=thinking)
                for prompt in prompts for _ in range(group)]
        rng = torch.Generator()
        rng.manual_seed(seed)
        self.model.eval()
        decode_chains(self.model, rows, temperature=temperature, top_p=1.0, rng=rng, max_positions=self.generator.max_positions)
        rollouts = []
        for k, row in enumerate(rows):
            problem, prompt = problems[k // group], prompts[k // group]
            reply = tokenizer.decode([t for t in row.tokens if t != eos], skip_special_tokens=True)
            correct, reward = outcome_reward(task, problem, reply, format_reward)
            tokens = list(prompt) + list(row.tokens)
            rollouts.append(Rollout(problem, tokens, [False] * len(prompt) + [True] * len(row.tokens), {}, reply, "",
                                    len(row.tokens), 0, correct, reward))
        return rollouts

    def save(self, directory: Path) -> None:
        save_pretrained(self.model, self.tokenizer, directory, self.family)


def save_pretrained(model, tokenizer, directory: Path, family: str) -> None:
    from ponder.generators.checkpoint import mark_family
    from ponder.training.recipes.tiny_model import save

    save(model, tokenizer, directory)
    mark_family(directory, family)


def load_policy(spec: str, task: str | None = None):
    """The trainable policy a model spec names: 'ponder-think' ('embedded' on countdown tasks), or 'hf:PATH'."""
    from ponder.generators.checkpoint import THINK_FAMILY, family_of
    from ponder.embedded import embedded_for
    from ponder.generators.spec import EMBEDDED_NAME, THINK_NAME, parse_model_spec

    parsed = parse_model_spec((embedded_for(task) or EMBEDDED_NAME) if spec == "embedded" else spec)
    if parsed.kind == "embedded" and parsed.model == THINK_NAME:
        return ThinkPolicy()
    if parsed.kind == "hf":
        path = Path(parsed.model)
        if not path.is_dir():
            raise ValueError(f"ponder train needs a checkpoint directory with weights to train: {path} is not one")
        return ThinkPolicy(path) if family_of(path) == THINK_FAMILY else TextPolicy(path)
    raise ValueError(f"ponder train trains local models: 'ponder-think' or 'hf:PATH' (got {spec!r}; ponder-tiny answers at once "
                     "and has no chain to train, remote endpoints have no weights here)")
