"""The models ponder ships, trained by `ponder.training.recipes`: their weights (`*_model/`, each with a
card), their codecs, their step languages, and which tasks each serves. Only `ponder.loading` and the
layers above it import this package.

- ponder-tiny (`tiny.py`, `codec.py`): countdown and multiplication in a compact language;
- ponder-think (`think.py`): searches countdown with backtracking in its chain of thought;
- the learned process verifier (`prm.py`): a value model over partial solutions.
"""

from __future__ import annotations

from ponder.generators.spec import EMBEDDED_NAME, THINK_NAME

# What 'embedded' means per task: the embedded model measured best on it (see the model cards).
FOR_TASK = {"countdown": THINK_NAME, "countdown-reachable": THINK_NAME}


NONE_FOR = frozenset({"code", "humaneval", "word-problems"})  # tasks no embedded model was trained on: name a real model


def embedded_for(task: str | None) -> str | None:
    """The embedded model 'embedded' stands for on a task; None where no embedded model can do it (code).

    >>> embedded_for("countdown"), embedded_for("arithmetic"), embedded_for("humaneval")
    ('ponder-think', 'ponder-tiny', None)
    """
    if task in NONE_FOR:
        return None
    return FOR_TASK.get(task or "", EMBEDDED_NAME)
