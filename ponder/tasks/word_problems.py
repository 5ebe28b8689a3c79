"""Multi-step arithmetic word problems from ponder's own generator, graded against hidden answers that no
strategy sees: a domain where nothing checks a candidate, so selection is by voting or by a judge.

Each problem takes two to three operations on 2-3 digit numbers (products, sums, differences, an exact
division) in one of ten everyday settings; its answer is a positive integer. The reply is read for its final
answer as in the jsonl task ("Final answer: N", "####", the last number), so a model's usual way of ending is
understood. Generated problems are split into train and held-out by a hash of their text (`split_of`); no
model ponder ships or names was tuned on them. Your own problems: JSONL lines {"id", "prompt", "answer"}.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from ponder.tasks.base import Split, split_of
from ponder.tasks.jsonl import JsonlTask
from ponder.types import Problem

NAME = "word-problems"
ASK = "\n\nSolve it step by step, then end with a line 'Final answer: ' and the number."
MAX_TRIES = 1_000  # draws per problem before giving up on finding one of the asked split

Rule = Callable[[int, int, int, int], int]
TEMPLATES: tuple[tuple[str, Rule], ...] = (
    ("A warehouse holds {a} crates with {b} bolts in each. {c} bolts are shipped out. How many bolts remain?",
     lambda a, b, c, d: a * b - c),
    ("A stadium has {a} rows of {b} seats and {c} rows of {d} seats. How many seats does it have in all?",
     lambda a, b, c, d: a * b + c * d),
    ("{a} students each pay {b} dollars for a trip. The bus costs {c} dollars. How many dollars are left after paying for the bus?",
     lambda a, b, c, d: a * b - c),
    ("A printer prints {b} pages a day for {a} days, then {c} pages more. How many pages does it print in all?",
     lambda a, b, c, d: a * b + c),
    ("A shop sells {a} boxes of {b} nails and {c} boxes of {d} screws. How many more nails than screws does it sell?",
     lambda a, b, c, d: a * b - c * d),
    ("A baker makes {a} trays of {d} rolls and sells all but {c} of them. How many rolls are sold?",
     lambda a, b, c, d: a * d - c),
    ("A library has {b} books. It buys {a} boxes of {d} books and gives away {c} books. How many books does it have now?",
     lambda a, b, c, d: b + a * d - c),
    ("A train carries {a} cars with {d} passengers each. At a stop {c} passengers get off and {b} get on. How many passengers are on the train now?",
     lambda a, b, c, d: a * d - c + b),
    ("A farmer picks {x} apples and packs them into bags of {a}. How many bags does he fill?",
     lambda a, b, c, d: b + d),
    ("Each of {a} workers earns {d} dollars a day. How many dollars do they earn together in {e} days?",
     lambda a, b, c, d: a * d * (b % 5 + 2)),
)


@dataclass(frozen=True)
class WordProblemsTask(JsonlTask):
    """Read, graded and loaded from JSONL as the jsonl task is; generated here, with no verifier."""

    name: str = NAME
    description: str = "multi-step arithmetic word problems (hidden answers; no checker shown: vote or judge)"
    verifier: None = None  # type: ignore[assignment]  # nothing checks a candidate: the answers only grade

    def generate(self, count: int, seed: int, split: Split = "test") -> list[Problem]:
        rng = random.Random(f"{NAME}:{seed}")
        return [word_problem(f"{NAME}-{seed}-{i}", i, rng, split) for i in range(count)]


def word_problem(problem_id: str, index: int, rng: random.Random, split: Split) -> Problem:
    """Problem `index` (its template cycles through all ten), drawn until its text falls in `split`."""
    template, rule = TEMPLATES[index % len(TEMPLATES)]
    for _ in range(MAX_TRIES):
        a, b, c, d = rng.randint(12, 48), rng.randint(100, 899), rng.randint(20, 99), rng.randint(12, 60)
        text = template.format(a=a, b=b, c=c, d=d, x=a * (b + d), e=b % 5 + 2)
        answer = rule(a, b, c, d)
        if answer > 0 and split_of(text) == split:
            return Problem(id=problem_id, task=NAME, prompt=text + ASK, data={"answer": str(answer)})
    raise RuntimeError("no word problem of the asked split was drawn")  # 1 in 10 are held out: never reached
