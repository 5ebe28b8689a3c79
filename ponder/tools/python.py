"""A Python interpreter the model calls inside its chain of thought (program-aided reasoning: Gao et al. 2023,
"PAL: Program-aided Language Models"; Chen et al. 2022, "Program of Thoughts").

The model writes a fenced block, ```` ```python ```` … ```` ``` ````; when the closing fence is written, decoding
pauses, the block runs in the sandbox (`ponder.sandbox`, never anywhere else) and its output is appended as
```` ```output ```` … ```` ``` ```` (what it printed, or the last lines of its error), charged as tool tokens inside
the thought. Each block runs in a fresh sandbox: nothing carries from one block to the next, so a block that
needs an earlier value computes it again.

Its thinking format (`thinking.formats.python_tool()`) ends the thought at `FINAL` ("Final answer:" at the start of a line), after which the
model writes its answer. A backend that leaves a stop string out of its text (llama.cpp) is handled by `dropped_stop`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ponder.sandbox import Limits, run_python_sync

OPEN = "```python\n"
CLOSE = "```"
STOP = "```\n"  # what a remote client stops at: the closing fence and its newline ("```python\n" does not contain it)
FINAL = "\nFinal answer:"  # at the start of a line: code that prints "Final answer: ..." does not end the thought
MAX_OUTPUT_CHARS = 600  # of a block's output shown to the model
LIMITS = Limits(wall_seconds=5.0, cpu_seconds=5, output_bytes=16 << 10)


def complete_block(written: str) -> str | None:
    """The code of the first python block in `written` whose closing fence has been written, else None.

    >>> complete_block("Let me compute.\\n```python\\nprint(6 * 7)\\n```")
    'print(6 * 7)\\n'
    >>> complete_block("```python\\nprint(1)\\n") is None
    True
    """
    start = written.find(OPEN)
    if start < 0:
        return None
    body = written[start + len(OPEN):]
    end = body.find(CLOSE)
    return None if end < 0 else body[:end]


def dropped_stop(text: str) -> str | None:
    """The stop string a backend left out of `text` that stopped there: the closing fence, when a python block
    is open at its end (llama.cpp drops stop strings; vLLM and `ponder serve` keep them when asked).

    >>> dropped_stop("```python\\nprint(2 ** 10)\\n"), dropped_stop("no code here")
    ('```\\n', None)
    """
    start = text.rfind(OPEN)
    return STOP if start >= 0 and CLOSE not in text[start + len(OPEN):] else None


def shown(stdout: str, stderr: str, exit_code: int | None, timed_out: bool) -> str:
    """What the model reads back: the output, or the error's last lines."""
    if timed_out:
        text = "(stopped: the block ran past its time limit)"
    elif exit_code == 0:
        text = stdout.strip() or "(the block printed nothing: print the value you need)"
    else:
        text = "\n".join(stderr.strip().splitlines()[-3:]) or f"(exit code {exit_code})"
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS] + " …"
    return f"\n```output\n{text}\n```\n"


@dataclass
class PythonSession:
    limits: Limits = LIMITS
    runs: int = 0

    def respond(self, written: str) -> str | None:
        code = complete_block(written)
        if code is None:
            return None
        self.runs += 1
        execution = run_python_sync(code, self.limits)  # blocks this thread: callers keep it off the event loop
        return shown(execution.stdout, execution.stderr, execution.exit_code, execution.timed_out)

    def banned(self, written: str) -> str:
        return ""


@dataclass(frozen=True)
class PythonTool:
    name: str = "python"
    limits: Limits = field(default=LIMITS)

    def session(self, prompt: str) -> PythonSession:
        return PythonSession(self.limits)
