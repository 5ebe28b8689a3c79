"""Games: the same three roles as the engine, on OpenSpiel's rules. Layers, each using only those above it:

  rules/     loading games by name (openspiel.py) and flattened game trees (tree.py)
  solvers/   algorithms, pure where they can be: CFR+ (cfr.py), tree passes and exact best response
             (passes.py), exact backward induction (exact.py), UCT MCTS with solving (mcts.py), piKL's policy (pikl.py)
  players/   what thinks before it moves: the protocol (base.py), specs (spec.py), the registry of kinds
             (registry.py), uniform random, search players, LLM players, piKL
  arena/     playing players against each other: one recorded game (play.py), round robins (tournament.py),
             their store, ratings, report and replays, and exact exploitability of a player (exploit.py)
"""
