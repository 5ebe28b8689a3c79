"""Start-up time of light `ponder` commands, against a bare Python interpreter measured in the same run.

    python benchmarks/cli_startup.py [--runs 15]

Prints the median wall time of `python -c pass`, `ponder --help` and `ponder tasks` (each a fresh
process of the installed `ponder` script), their ratio to the bare interpreter, and whether each command imported torch or transformers.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

HEAVY = ("torch", "transformers", "matplotlib", "pyspiel", "fastapi")
PROBE = "import sys, runpy; sys.argv = {argv!r}; code = 0\ntry:\n    from ponder.cli import main; code = main({args!r})\nexcept SystemExit as e:\n    code = e.code\nprint('HEAVY', *[m for m in {heavy!r} if m in sys.modules], file=sys.stderr)"


def timed(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def heavy_imports(args: list[str]) -> list[str]:
    code = PROBE.format(argv=["ponder", *args], args=args, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    line = next((l for l in done.stderr.splitlines() if l.startswith("HEAVY")), "HEAVY ?")
    return line.split()[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    bare = timed([sys.executable, "-c", "pass"], runs)
    print(f"{'command':<16} {'median s':>9} {'x bare python':>14}  heavy modules imported")
    print(f"{'python -c pass':<16} {bare:>9.3f} {1.0:>14.1f}")
    for args in (["--help"], ["tasks"]):
        seconds = timed([shutil.which("ponder") or "ponder", *args], runs)
        print(f"{'ponder ' + ' '.join(args):<16} {seconds:>9.3f} {seconds / bare:>14.1f}  {', '.join(heavy_imports(args)) or 'none'}")


if __name__ == "__main__":
    main()
