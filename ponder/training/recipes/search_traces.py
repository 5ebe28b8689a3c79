"""Training data for ponder-think: problems from a random-walk generator and the search traces of a
heuristic depth-first teacher, written in the countdown search language (`tools.countdown_calculator`).

The teacher orders the operations at each state by a heuristic (`closeness`: how near the result, or
the result times another number, comes to the target; with two numbers left, how near their best
combination comes), with a per-trace amount of noise so that traces differ (Stream of Search mixed several search strategies for
the same reason: Gandhi et al. 2024). With two numbers left it checks only the operation closest to the
target (exactly: if that misses, every other does too). Problems come from a random walk of operations
(`random_walk_instance`), never from the uniform-reachable generator the model is evaluated on.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from ponder.tasks.base import split_of
from ponder.tasks.countdown import NUMBER_RANGE, TARGET_RANGE, problem_key
from ponder.tools.countdown_calculator import BACK, CLOSE, OPERATORS, POSITIONS, CountdownCalculator, after, apply, think_prompt

NOISE_LEVELS = (0.0, 0.0, 0.2, 0.5)  # log-normal spread of the teacher's ordering, one drawn per trace


@dataclass(frozen=True)
class Piece:
    text: str
    by_tool: bool  # written by the calculator (the model is not trained to write it when it has the tool)


def operations(state: tuple[int, ...]) -> list[tuple[int, int, str, int]]:
    """Every useful operation at a state: (i, j, operator, result), each resulting multiset once;
    no result below 1, no multiplying or dividing by 1 (subsets are allowed, so that never helps)."""
    found, seen = [], set()
    for i in range(len(state)):
        for j in range(len(state)):
            if i == j:
                continue
            for op in OPERATORS:
                if op in "+*" and i > j:
                    continue
                if op in "*/" and (state[i] == 1 or state[j] == 1):
                    continue
                result = apply(state[i], state[j], op)
                if result is None:
                    continue
                key = tuple(sorted(after(state, i, j, result)))
                if key not in seen:
                    seen.add(key)
                    found.append((i, j, op, result))
    return found


def closeness(child: tuple[int, ...], target: int) -> int:
    """How far a state just made (its last number new) is from the target, by the teacher's heuristic:
    with two numbers, the distance of their best combination; else the distance of the new number to
    the target or to the target divided by another number that divides it. On 200 uniform-reachable
    problems (seed 1) the noise-free teacher solves 48 / 58 / 67 / 78.5 / 87% within 64 / 256 / 512 /
    1,024 / 2,048 characters; ordering by the distance of the new number alone solved about 10 points
    fewer within 1,024 (measured in an earlier format of the trace)."""
    if len(child) == 2:
        return min(abs(c[3] - target) for c in operations(child)) if operations(child) else target
    new, others = child[-1], child[:-1]
    factors = [abs(new - target // n) for n in others if n > 1 and target % n == 0]
    return min([abs(new - target)] + factors)


def teacher_trace(numbers: list[int], target: int, rng: random.Random, noise: float, max_chars: int = 4096) -> tuple[list[Piece], str | None]:
    """(the thought as pieces, the answer's operations or None when not found within `max_chars`).
    The calculator's pieces are written by the real calculator, so training text is what decoding sees."""
    pieces: list[Piece] = []
    length = 0
    calculator = CountdownCalculator().session(think_prompt(numbers, target))

    def call(text: str) -> None:
        nonlocal length
        output = calculator.respond(text) or ""
        pieces.extend((Piece(text, False), Piece(output, True)))
        length += len(text) + len(output)

    def name(i: int, j: int, op: str) -> str:
        return f"{POSITIONS[i]}{POSITIONS[j]}{op}"

    def search(state: tuple[int, ...], path: list[str]) -> list[str] | None:
        children = operations(state)
        if len(state) == 2:  # a check of the closest result
            if not children:
                return None
            i, j, op, result = min(children, key=lambda c: abs(c[3] - target))
            call(name(i, j, op))
            return path + [name(i, j, op)] if result == target else None
        ranked = sorted(
            children,
            key=lambda c: (closeness(after(state, c[0], c[1], c[3]), target) + 1) * math.exp(noise * rng.gauss(0, 1)),
        )
        for i, j, op, result in ranked:
            if length >= max_chars:
                return None
            call(name(i, j, op))
            if result == target:
                return path + [name(i, j, op)]
            found = search(after(state, i, j, result), path + [name(i, j, op)])
            if found is not None:
                return found
            call(BACK)
        return None

    if target in numbers:
        return pieces, POSITIONS[numbers.index(target)]
    answer = search(tuple(numbers), [])
    return pieces, None if answer is None else "".join(answer)


def random_walk_instance(rng: random.Random, split: str | None = "train") -> tuple[list[int], int]:
    """A solvable problem: 3 or 4 numbers in 1-25, the target the value of a random walk of 1 to
    n-1 useful operations (each chosen uniformly), kept when it lies in 1-100."""
    while True:
        numbers = [rng.randint(*NUMBER_RANGE) for _ in range(rng.choice((3, 4, 4)))]
        state = tuple(numbers)
        for _ in range(rng.randint(1, len(numbers) - 1)):
            choices = operations(state)
            if not choices:
                break
            i, j, _, result = rng.choice(choices)
            state = after(state, i, j, result)
        target = state[-1]
        if state != tuple(numbers) and TARGET_RANGE[0] <= target <= TARGET_RANGE[1]:
            if split is None or split_of(problem_key(numbers, target)) == split:
                return numbers, target


def thought_text(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces)


def training_text(numbers: list[int], target: int, rng: random.Random) -> tuple[str, list[Piece], str | None]:
    """(prompt, thought pieces, answer) of one training example, with a noise level drawn per trace."""
    pieces, answer = teacher_trace(numbers, target, rng, rng.choice(NOISE_LEVELS))
    return think_prompt(numbers, target), pieces, answer


__all__ = ["CLOSE", "Piece", "operations", "random_walk_instance", "teacher_trace", "training_text", "thought_text"]
