"""MCTS simulations per second: ponder's `search` against OpenSpiel's Python `MCTSBot` (random-rollout
evaluator, solver on, same exploration constant), in the same run, from the same positions.

    python benchmarks/mcts_speed.py [--simulations 5000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import math
import random
import time

import numpy as np
import pyspiel
from open_spiel.python.algorithms import mcts as openspiel_mcts

from ponder.budget import SearchBudget, SearchLimits
from ponder.games.solvers.mcts import search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for name in ("tic_tac_toe", "connect_four"):
        game = pyspiel.load_game(name)
        state = game.new_initial_state()
        theirs = ours = 0.0
        for repeat in range(args.repeats):
            bot = openspiel_mcts.MCTSBot(
                game, math.sqrt(2), args.simulations, openspiel_mcts.RandomRolloutEvaluator(1, np.random.RandomState(repeat)), solve=True
            )
            started = time.perf_counter()
            bot.step(state)
            theirs += args.simulations / (time.perf_counter() - started)
            decision = search(state, SearchBudget(SearchLimits(steps=args.simulations)), random.Random(repeat))
            ours += decision.simulations / decision.seconds
        theirs, ours = theirs / args.repeats, ours / args.repeats
        print(f"{name}: OpenSpiel MCTSBot {theirs:,.0f} sims/s, ponder {ours:,.0f} sims/s, ratio {ours / theirs:.1f}x")


if __name__ == "__main__":
    main()
