"""A model's own check where nothing else checks an answer: it writes a short program that computes the answer,
the sandbox runs it, and what it prints is the answer the candidates are checked against (program-aided
self-verification: PAL, Gao et al. 2023, "PAL: Program-aided Language Models"; Program of Thoughts, Chen et al.
2023). The program is model-written: it runs only in the sandbox (`ponder.sandbox`), never any other way; its reply
and its output are read over a bounded number of characters by linear-time patterns.
"""

from __future__ import annotations

from ponder.sandbox import Limits, run_python

PROGRAM_TOKENS = 256  # the most the model may write for its program
MAX_PROGRAM_CHARS = 4_000  # of the reply read for the program
MAX_OUTPUT_CHARS = 200  # of the program's output read for the answer
LIMITS = Limits(wall_seconds=5.0, cpu_seconds=5, memory_bytes=512 << 20, output_bytes=4 << 10)
ASK = ("Write a short Python program that computes the answer to the problem below and prints only the final answer. "
       "Reply with the program in one ```python block.\n\nProblem:\n{problem}")


def program_prompt(problem: str) -> str:
    return ASK.format(problem=problem)


def read_program(reply: str) -> str | None:
    """The program in a reply: its last fenced block (an unclosed one runs to the end), else None.

    >>> read_program("Here:\\n```python\\nprint(6 * 7)\\n```\\nDone.")
    'print(6 * 7)\\n'
    >>> read_program("The answer is 42.") is None
    True
    """
    parts = reply[:MAX_PROGRAM_CHARS].split("```")
    if len(parts) < 2:
        return None
    block = parts[len(parts) - 1 - (len(parts) % 2 == 1)]  # the last part inside fences (odd index)
    first, _, rest = block.partition("\n")
    return rest if first.strip().lower() in ("", "python", "py", "python3") else block


async def program_answer(reply: str, limits: Limits = LIMITS) -> str | None:
    """The last line the reply's program prints, run in the sandbox within `limits`; None when there is no program,
    it fails, or it prints nothing."""
    program = read_program(reply)
    if program is None:
        return None
    execution = await run_python(program, limits)
    if not execution.ok:
        return None
    lines = [line.strip() for line in execution.stdout[-MAX_OUTPUT_CHARS:].splitlines() if line.strip()]
    return lines[-1] if lines else None
