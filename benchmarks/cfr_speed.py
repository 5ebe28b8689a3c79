"""CFR+ speed on Leduc poker: ponder's vectorised CFR+ against OpenSpiel's Python `CFRPlusSolver`, in
the same run, on the same machine. Reports iterations/s of each and the ratio, and the iterations and
seconds ponder needs to reach exploitability <= 1e-3 (checked with ponder's exact best response, which
matches OpenSpiel's to 1e-12 in the tests).

    python benchmarks/cfr_speed.py [--game leduc_poker] [--seconds 10]
"""

from __future__ import annotations

import argparse
import time

import pyspiel
from open_spiel.python.algorithms import cfr as openspiel_cfr

from ponder.games.solvers.cfr import CFRPlus
from ponder.games.solvers.passes import exploitability, game_value
from ponder.games.rules.tree import build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--game", default="leduc_poker")
    parser.add_argument("--seconds", type=float, default=10.0, help="time given to each solver")
    args = parser.parse_args()

    game = pyspiel.load_game(args.game)
    theirs = openspiel_cfr.CFRPlusSolver(game)
    started, their_iterations = time.perf_counter(), 0
    while time.perf_counter() - started < args.seconds:
        theirs.evaluate_and_update_policy()
        their_iterations += 1
    their_rate = their_iterations / (time.perf_counter() - started)

    built = time.perf_counter()
    tree = build(args.game)
    build_seconds = time.perf_counter() - built
    solver = CFRPlus(tree)
    started = time.perf_counter()
    reached = None
    while time.perf_counter() - started < args.seconds:
        solver.iterate(10)
        if reached is None and solver.iterations % 100 == 0 and exploitability(tree, solver.average()) <= 1e-3:
            reached = (solver.iterations, time.perf_counter() - started)
    our_rate = solver.iterations / (time.perf_counter() - started)

    print(f"{args.game}: {tree.num_infosets} information sets, {tree.num_nodes} histories (flattened in {build_seconds:.2f} s)")
    print(f"OpenSpiel CFRPlusSolver: {their_iterations} iterations, {their_rate:.1f} it/s")
    print(f"ponder CFR+:             {solver.iterations} iterations, {our_rate:.1f} it/s (exploitability checks included)")
    print(f"ratio: {our_rate / their_rate:.1f}x")
    average = solver.average()
    print(f"ponder after {solver.iterations} iterations: value {game_value(tree, average):+.9f}, exploitability {exploitability(tree, average):.2e}")
    if reached:
        print(f"exploitability <= 1e-3 first seen at {reached[0]} iterations, {reached[1]:.2f} s")


if __name__ == "__main__":
    main()
