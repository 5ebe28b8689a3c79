"""The learned process verifier: a small value model that reads a problem and the plain steps of a partial
solution and estimates the chance that the embedded models complete it correctly.

Trained in-repo (`ponder.training.recipes.prm_model`) on Monte Carlo labels: each prefix of the embedded models' own
attempts is labelled by whether the attempt through it verified (Wang et al. 2024, "Math-Shepherd"),
so its score is a value estimate, not a rule. Shipped in `prm_model/` beside this file, with a card.
It charges the tokens it reads (one per character, at most `MAX_CHARACTERS`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Sequence

from ponder.types import Problem, Verdict
from ponder.verifiers.prm import PartialSolution, PRMError, header

MODEL_DIR = Path(__file__).parent / "prm_model"
MAX_CHARACTERS = 160  # the model reads at most this many characters (the latest ones)
STEP = ";"  # joins steps in the model's input
FINISHED = "#"  # marks a finished solution


def encode(problem: Problem, partial: PartialSolution) -> str:
    """The value model's input text, ASCII only (its tokenizer has one token per printable character).

    >>> from ponder.tasks.countdown import make_problem
    >>> encode(make_problem("p", [3, 5, 7, 11], 24), PartialSolution(("7 - 3 = 4", "11 - 5 = 6")))
    '3 5 7 11 > 24:7 - 3 = 4;11 - 5 = 6;'
    """
    text = header(problem) + ":" + "".join(step + STEP for step in partial.steps) + (FINISHED if partial.finished else "")
    text = text.encode("ascii", errors="replace").decode().replace("\n", " ")
    return text[-MAX_CHARACTERS:]


class LearnedPRM:
    """Scores partial solutions with the shipped value model (a batch per call)."""

    name = "learned"

    def __init__(self, path: str | Path = MODEL_DIR):
        path = Path(path)
        if not (path / "model.safetensors").is_file():
            raise PRMError(f"the learned process verifier's weights are missing at {path}")
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForSequenceClassification.from_pretrained(path).eval()
        self._lock = threading.Lock()

    def cost_bound(self, problem: Problem, partial: PartialSolution) -> int:
        return MAX_CHARACTERS + 1

    def tokens(self, text: str) -> int:
        return len(text) + 1  # one per character and the start token

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        """The model's value estimate for each input text."""
        import torch

        batch = self.tokenizer(list(texts), return_tensors="pt", padding=True)
        with self._lock, torch.inference_mode():
            logits = self.model(**batch).logits[:, 0]
        return torch.sigmoid(logits).tolist()

    async def score(self, problem: Problem, partials: Sequence[PartialSolution]) -> list[Verdict]:
        import asyncio

        texts = [encode(problem, partial) for partial in partials]
        if not texts:
            return []
        values = await asyncio.to_thread(self.probabilities, texts)
        return [Verdict(score=value, correct=None, feedback=f"learned value {value:.2f}", tokens=self.tokens(text))
                for value, text in zip(values, texts)]
