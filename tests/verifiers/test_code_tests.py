"""Checking code by running it: a correct program passes, and none of the ways a failing program could fake a
pass does (leaving before the tests, an object equal to everything, patching the checks) — each is a failed
candidate with its reason. Real runs in the sandbox."""

from __future__ import annotations

import asyncio

import pytest

from ponder.sandbox import Limits
from ponder.verifiers.code_tests import PASS, run_tests

TESTS = """
def check(candidate):
    assert candidate(2, 3) == 5
    assert candidate(-1, 1) == 0
    assert abs(candidate(0.5, 0.25) - 0.75) < 1e-9
    assert isinstance(candidate(1, 1), int)
"""
RIGHT = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return a - b\n"
LIMITS = Limits(wall_seconds=5.0)


def check(source: str):
    return asyncio.run(run_tests(source, TESTS, "add", LIMITS))


def test_a_correct_program_passes_and_a_wrong_one_fails_with_the_assertion():
    assert check(RIGHT).passed
    wrong = check(WRONG)
    assert not wrong.passed and wrong.reason.startswith("AssertionError")


FAKES = [
    ("sys.exit(0) before the tests", "import sys\nsys.exit(0)\n" + WRONG),
    ("exit() before the tests", "exit()\n" + WRONG),
    ("os._exit(0) before the tests", "import os\nos._exit(0)\n" + WRONG),
    ("os._exit(0) inside the first call", "import os\ndef add(a, b):\n    os._exit(0)\n"),
    ("SystemExit inside a call", "def add(a, b):\n    raise SystemExit(0)\n"),
    ("an object equal to everything", "class Yes:\n    def __eq__(self, other): return True\n    def __sub__(self, o): return 0\n"
                                      "def add(a, b):\n    return Yes()\n"),
    ("an int that equals everything", "class Yes(int):\n    def __eq__(self, other): return True\n    __hash__ = int.__hash__\n"
                                      "def add(a, b):\n    return Yes(0)\n"),
    ("its own check", "def check(candidate):\n    pass\n" + WRONG),
    ("patched built-ins", "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n" + WRONG),
    ("patched built-ins from inside a call", "import builtins\ndef add(a, b):\n    builtins.abs = lambda x: 0\n    return a - b\n"),
    ("a tracer that skips the asserts", "import sys\ndef skip(frame, event, arg):\n    if event == 'line' and frame.f_code.co_name == 'check':\n"
                                        "        frame.f_lineno = frame.f_code.co_firstlineno + 5\n    return skip\n"
                                        "def add(a, b):\n    sys.settrace(skip); sys._getframe(1).f_trace = skip\n    return a - b\n"),
    ("a forged pass line", f"print({PASS!r} + 'guess>>')\nimport os\nos._exit(0)\n"),
    ("an atexit pass line", f"import atexit\natexit.register(lambda: print({PASS!r} + 'x>>'))\n" + WRONG),
    ("a run that never ends", "def add(a, b):\n    while True: pass\n"),
    ("no such function", "def subtract(a, b):\n    return a - b\n"),
    ("a syntax error", "def add(a, b) return a + b\n"),
]


@pytest.mark.parametrize("name, source", FAKES, ids=[name for name, _ in FAKES])
def test_no_failing_program_fakes_a_pass(name, source):
    result = check(source)
    assert not result.passed, (name, result)
    assert result.reason and result.execution.seconds < LIMITS.wall_seconds + 1.0
