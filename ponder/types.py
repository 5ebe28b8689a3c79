"""Frozen value types shared by every part of ponder.

Data flows problem -> strategy -> generator -> completions -> verifier -> verdicts -> result;
these are the values that flow. Nothing here does work.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Literal, Mapping

Role = Literal["system", "user", "assistant", "tool"]
# Hears a thinking generator's output as it is decoded: (choice index, channel, text); channels are
# 'thought', 'tool', 'close' and 'answer'. Called from the decoding thread.
ThoughtListener = Callable[[int, str, str], None]
# Hears how far a long job has come: (phase, done, total or None, figures to show beside it). Library code
# only calls it; the CLI draws it (a bar on a terminal, milestone lines in a log).
ProgressListener = Callable[[str, int, "int | None", Mapping[str, Any]], None]


@dataclass(frozen=True)
class Message:
    """One chat message, as sent to a generator."""

    role: Role
    content: str


@dataclass(frozen=True)
class Problem:
    """One problem of a task. `prompt` is plain language any model can read; `data` is what the
    task's verifier needs (numbers and target, reference answer, ...)."""

    id: str
    task: str
    prompt: str
    data: Mapping[str, Any] = field(default_factory=dict)
    messages: tuple[Message, ...] = ()  # the whole conversation when the problem came from a chat; () means the prompt alone


@dataclass(frozen=True)
class ThinkingBudget:
    """How long one chain of thought may be: a cap and a minimum in thinking tokens (model, tool and cue
    tokens inside the thought), as in s1's budget forcing (Muennighoff et al. 2025, "s1: Simple
    test-time scaling"). At the cap the thought is closed with `close` and the model must answer; an end
    of thought before `minimum` is suppressed and `cue` appended instead."""

    cap: int | None = None  # None: only the completion's max_tokens limits the thought
    minimum: int = 0
    tools: bool = True  # let the model call its tools inside the thought
    close: str | None = None  # text that closes the thought at the cap; None: the model's own marker
    cue: str | None = None  # text appended when an early end is suppressed; None: the model's own cue


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 1.0  # 0 means greedy decoding
    top_p: float | None = None  # nucleus sampling mass; None: the backend's own default (1.0 where ponder decodes)
    max_tokens: int = 128  # cap on completion tokens per candidate (thought, answer and forced tokens)
    seed: int | None = None  # makes local sampling reproducible; passed to endpoints that honour it
    thinking: ThinkingBudget | None = None  # for models that think; None: the model's defaults
    stop: tuple[str, ...] = ()  # a candidate ends at the first of these (left out of its text, as the OpenAI API does)
    top_logprobs: int = 0  # ask for this many most likely first tokens with their log-probabilities (0: none); backends may ignore it

    @property
    def nucleus(self) -> float:
        """The nucleus mass where ponder decodes itself (no backend default to defer to: 1.0)."""
        return 1.0 if self.top_p is None else self.top_p


REFUSED = "refused"  # a completion's finish: the model declined (the problem is outside what it can do) and said why


@dataclass(frozen=True)
class Completion:
    """One candidate completion as a generator returned it, with its own token counts."""

    text: str
    completion_tokens: int
    finish_reason: str  # "stop", "length", "deadline", REFUSED or the endpoint's own value
    reasoning: str | None = None  # the backend's reasoning / reasoning_content, when it returns one
    thinking_tokens: int = 0  # the thought: model, tool and cue tokens (within completion_tokens)
    tool_tokens: int = 0  # tool output inside the thought
    cue_tokens: int = 0  # cues budget forcing appended inside the thought
    close_tokens: int = 0  # the text budget forcing wrote to close the thought at its cap
    first_logprobs: tuple[tuple[str, float], ...] | None = None  # the most likely first tokens and their log-probabilities, when asked and returned

    @property
    def forced_tokens(self) -> int:
        return self.cue_tokens + self.close_tokens

    @property
    def answer_tokens(self) -> int:
        """What the model wrote after its thought (everything, for a model that does not think)."""
        return self.completion_tokens - self.thinking_tokens - self.close_tokens


@dataclass(frozen=True)
class Generation:
    """What one generator call returned: n completions and what the call cost."""

    completions: tuple[Completion, ...]
    prompt_tokens: int  # prompt tokens billed for the whole call (once per request sent)
    calls: int = 1  # requests that returned completions (n singles when a backend refuses `n`; a refused request costs nothing)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.completions)


@dataclass(frozen=True)
class Verdict:
    """A verifier's judgement of one candidate."""

    score: float  # in [0, 1]; higher is better
    correct: bool | None  # None when the verifier cannot tell
    feedback: str = ""  # why, in words a model can act on (used by `revise`)
    tokens: int = 0  # tokens the verifier itself spent (0 for exact checkers)


@dataclass(frozen=True)
class Candidate:
    index: int  # order in which the strategy produced it, from 0
    completion: Completion
    answer: str | None  # the task's extracted final answer; None when unparsable
    verdict: Verdict | None = None  # None when the strategy did not (or could not afford to) verify it


@dataclass(frozen=True)
class Usage:
    """Compute spent. Every field only ever grows; `+` adds two spends."""

    prompt_tokens: int = 0
    completion_tokens: int = 0  # everything generated: thought, answer and forced tokens
    thinking_tokens: int = 0  # of which inside thoughts (model, tool and cue tokens)
    tool_tokens: int = 0  # of which tool output inside thoughts
    answer_tokens: int = 0  # of which written by the model after its thought (all of it without one)
    forced_tokens: int = 0  # of which inserted by budget forcing (cues and closing text)
    verifier_tokens: int = 0
    calls: int = 0  # generator requests
    verifier_calls: int = 0
    candidates: int = 0
    steps: int = 0  # steps of partial solutions generated (step search: beam, dvts, step_mcts)
    seconds: float = 0.0
    dollars: float = 0.0
    flops: float | None = None  # 2 x parameters x tokens, when the parameter count is known

    @property
    def generated_tokens(self) -> int:
        """The tokens a token limit counts: generator completions plus verifier tokens."""
        return self.completion_tokens + self.verifier_tokens

    def __add__(self, other: Usage) -> Usage:
        values: dict[str, Any] = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            values[f.name] = None if a is None and b is None else (a or 0) + (b or 0)
        return Usage(**values)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# solved early; ran its course; the budget ran out (anytime answer); or the generator failed before any candidate came back
# or the generator declined the problem as outside what it can do (it said so: REFUSED completions)
StopReason = Literal["solved", "done", "budget", "error", "refused"]


@dataclass(frozen=True)
class Result:
    """What a strategy returns: the chosen answer and everything it cost."""

    problem_id: str
    strategy: str
    answer: str | None  # extracted final answer of the chosen candidate
    text: str | None  # full text of the chosen candidate
    chosen: int | None  # index of the chosen candidate
    candidates: tuple[Candidate, ...]
    usage: Usage
    stop_reason: StopReason  # solved early, ran its course, the budget ran out (anytime answer), or "error"
    error: str | None = None  # with stop_reason "error": the generator's failure that left no candidate


EventKind = Literal["candidate", "scored", "best", "decision", "error", "done", "step", "judged"]


@dataclass(frozen=True)
class Event:
    """Progress while thinking; the CLI shows it, traces store it, the server streams it."""

    kind: EventKind
    problem_id: str
    strategy: str
    message: str
    usage: Usage
    candidate: Candidate | None = None
    node: Mapping[str, Any] | None = None  # a "step" event's node of a step search: id, parent, depth, step, score, finished
