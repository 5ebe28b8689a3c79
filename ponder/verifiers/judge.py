"""A model as judge where nothing can check: the prompts it is asked and how its short replies are read.

Pure text in, text out; the strategies that ask (pointwise, pairwise, knockout, round_robin, usc, self_verify)
charge every call (`ponder.strategies.judging`). Each reply is read by one linear-time regular expression
over at most `MAX_REPLY_CHARS` characters, so a hostile or rambling reply costs nothing to read.

Sources: LLM-as-a-judge, pointwise and pairwise with both orders against position bias (Zheng et al. 2023,
"Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena"); Universal Self-Consistency (Chen et al. 2023,
"Universal Self-Consistency for Large Language Model Generation"); generative self-verification (Weng et al.
2023, "Large Language Models are Better Reasoners with Self-Verification").
"""

from __future__ import annotations

import math
import re
from typing import Literal, Sequence

MAX_SHOWN_CHARS = 3_000  # of each candidate's reply shown to the judge (its head; longer replies are cut, and say so)
MAX_REPLY_CHARS = 200  # of the judge's reply read
TOP_LOGPROBS = 10  # first-token alternatives asked for where a judge's P(yes) is read
CHOICE_TOKENS = 4  # the reply room of each kind of question (a letter, a word, "Response N")
VERDICT_TOKENS = 4
USC_TOKENS = 16

Side = Literal["A", "B"]
_SIDE = re.compile(r"\b([AB])\b")
_RESPONSE = re.compile(r"[Rr]esponse\s*#?\s*(\d{1,3})\b")
_NUMBER = re.compile(r"\b(\d{1,3})\b")
_YES_NO = re.compile(r"\b(yes|no|correct|incorrect|wrong)\b", re.IGNORECASE)


def shown(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS] + "\n[... cut]"


def compare_prompt(problem: str, first: str, second: str) -> str:
    return (f"Problem:\n{problem}\n\nAnswer A:\n{shown(first)}\n\nAnswer B:\n{shown(second)}\n\n"
            "Which answer is correct? If both or neither are, pick the better one. Reply with one letter: A or B.")


def consistency_prompt(problem: str, answers: Sequence[str]) -> str:
    listed = "\n\n".join(f"Response {i}:\n{shown(answer)}" for i, answer in enumerate(answers, start=1))
    return (f"I have generated the following responses to the problem below.\n\nProblem:\n{problem}\n\n{listed}\n\n"
            "Evaluate these responses and select the most consistent one, based on majority consensus. "
            "Start your reply with: The most consistent response is Response X")


def verify_prompt(problem: str, answer: str) -> str:
    return (f"Problem:\n{problem}\n\nA proposed answer:\n{shown(answer)}\n\n"
            "Check the answer carefully. Is it correct? Reply with one word: yes or no.")


def read_side(reply: str) -> Side | None:
    """The answer a pairwise judge picked.

    >>> read_side("B"), read_side("Answer A is better."), read_side("neither")
    ('B', 'A', None)
    """
    match = _SIDE.search(reply[:MAX_REPLY_CHARS])
    return None if match is None else match.group(1)  # type: ignore[return-value]


def read_choice(reply: str, count: int) -> int | None:
    """The response a consistency judge named, as an index from 0; None when it named none of the `count`.

    >>> read_choice("The most consistent response is Response 3.", 4), read_choice("2", 4), read_choice("Response 9", 4)
    (2, 1, None)
    """
    head = reply[:MAX_REPLY_CHARS]
    match = _RESPONSE.search(head) or _NUMBER.search(head)
    if match is None:
        return None
    number = int(match.group(1))
    return number - 1 if 1 <= number <= count else None


def read_verdict(reply: str) -> bool | None:
    """A self-verifier's verdict: True (accept), False (reject) or None (no verdict).

    >>> read_verdict("Yes."), read_verdict("no, the loop is off by one"), read_verdict("Incorrect"), read_verdict("maybe")
    (True, False, False, None)
    """
    match = _YES_NO.search(reply[:MAX_REPLY_CHARS])
    return None if match is None else match.group(1).lower() in ("yes", "correct")


def p_yes(first: Sequence[tuple[str, float]] | None) -> float | None:
    """P(yes) / (P(yes) + P(no)) from the first reply token's most likely alternatives (case and spaces ignored);
    None when neither is among them. A judge's graded confidence instead of its greedy word (the generative
    verifier's score: Zhang et al. 2024, "Generative Verifiers: Reward Modeling as Next-Token Prediction").

    >>> round(p_yes([("Yes", math.log(0.6)), (" no", math.log(0.2)), ("Maybe", math.log(0.2))]), 3), p_yes([("ok", 0.0)])
    (0.75, None)
    """
    yes = no = 0.0
    for token, logprob in first or ():
        word = token.strip().lower()
        if word == "yes":
            yes += math.exp(logprob)
        elif word == "no":
            no += math.exp(logprob)
    return None if yes + no == 0 else yes / (yes + no)
