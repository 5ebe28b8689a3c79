"""`ponder games solve|cfr|exploit` and `ponder arena` (+ `arena replay`)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict
from functools import partial
from pathlib import Path

from ponder.cli.common import CliError, add_command, default
from ponder.games.arena.config import ArenaConfig, scale_players
from ponder.games.players.spec import PLAYER_HELP
from ponder.workers.choose import add_worker_flags


def register(commands: argparse._SubParsersAction) -> None:
    games = add_command(commands, "games")
    game_commands = games.add_subparsers(title="games commands", required=True)
    solve_game = game_commands.add_parser("solve", help="each player's value under perfect play (small perfect-information games)")
    solve_game.add_argument("game", help="an OpenSpiel game name, e.g. tic_tac_toe")
    solve_game.add_argument("--history", default="", help="OpenSpiel action ids played so far, space-separated")
    solve_game.add_argument("--json", action="store_true")
    solve_game.set_defaults(run=run_games_solve)
    cfr = game_commands.add_parser("cfr", help="CFR+ equilibrium of a two-player zero-sum game: value and exploitability")
    cfr.add_argument("game", help="an OpenSpiel game name, e.g. kuhn_poker, leduc_poker")
    cfr.add_argument("--iterations", type=int, default=1000)
    cfr.add_argument("--json", action="store_true")
    cfr.add_argument("--policy-out", type=Path, help="write the average policy as {infostate: {action: probability}}")
    cfr.set_defaults(run=run_games_cfr)
    exploit = game_commands.add_parser("exploit", help="exact exploitability of any player in a two-player zero-sum poker game (Kuhn, Leduc)")
    exploit.add_argument("game", help="an OpenSpiel game name, e.g. kuhn_poker, leduc_poker")
    exploit.add_argument("--player", required=True, help="a player spec, e.g. random, cfr:1000, llm:embedded?mode=listed")
    exploit.add_argument("--seed", type=int, default=0, help="seeds the player's sampling")
    exploit.add_argument("--json", action="store_true")
    exploit.set_defaults(run=run_games_exploit, loads_models=True)

    positions = game_commands.add_parser(
        "positions", help="does a player find the one right move? tic-tac-toe forks and single saving moves, checked by the exact solver")
    positions.add_argument("game", help="an OpenSpiel game name (the built-in set is tic_tac_toe's; --input for others)")
    positions.add_argument("--player", required=True, help="a player spec, e.g. solver, mcts:64, llm:openai:MODEL@URL?mode=listed")
    positions.add_argument("--input", type=Path, help='JSONL positions {"id", "history": [action ids from the start]} instead of the built-in set')
    positions.add_argument("--per-kind", type=int, default=30, help="built-in positions of each kind (fork, save; default %(default)s)")
    positions.add_argument("--seed", type=int, default=0, help="seeds the player's sampling (and which built-in positions are drawn)")
    positions.add_argument("--concurrency", type=int, default=1, help="positions played at once (an LLM backend's slots; default %(default)s)")
    positions.add_argument("--json", action="store_true", help="one JSON line per position on stdout, as each is played; the summary goes to stderr")
    positions.set_defaults(run=run_games_positions, loads_models=True)

    selfplay = game_commands.add_parser(
        "selfplay", help="regret-matching self-play in a general-sum matrix game: which conventions it settles on, and cross-play")
    selfplay.add_argument("game", help="a one-shot two-player matrix game: matrix_sh (stag hunt), matrix_coordination, matrix_bos, matrix_pd")
    selfplay.add_argument("--seeds", type=int, default=20, help="independent self-play runs (default %(default)s)")
    selfplay.add_argument("--iterations", type=int, default=2000)
    selfplay.add_argument("--json", action="store_true")
    selfplay.set_defaults(run=run_games_selfplay)

    arena = add_command(
        commands, "arena",
        description=f"Play every pair of players (seats swapped), rate them, write a report. Player specs: {PLAYER_HELP}. "
        "`ponder arena replay DIR` prints stored games.",
    )
    arena.add_argument("--game", help="an OpenSpiel game name: tic_tac_toe, connect_four, kuhn_poker, leduc_poker, "
                       "'repeated_game(stage_game=matrix_pd(),num_repetitions=10)', ...")
    arena.add_argument("--players", help="player specs, comma-separated")
    arena.add_argument("--scale", help="one player at several budgets, e.g. mcts:1,4,16,64,256,1024 (strength vs budget)")
    arena.add_argument("--games", type=int, default=default(ArenaConfig, "games"), help="games per pair, seats alternating (default %(default)s); with --hands, matches per pair; raise it on a stored --out to play more")
    arena.add_argument("--hands", type=int, help="play matches of this many hands (players learn within a match; seats alternate hand by hand)")
    arena.add_argument("--seed", type=int, default=default(ArenaConfig, "seed"))
    arena.add_argument("--out", type=Path, help="output folder (default ponder-arena/GAME); re-run to resume")
    add_worker_flags(arena, "games")
    arena.set_defaults(run=run_arena, loads_models=True)
    arena_commands = arena.add_subparsers(title="arena commands", dest="arena_command")
    replay_games = arena_commands.add_parser("replay", help="re-apply stored games on the rules and print them")
    replay_games.add_argument("path", type=Path, help="an arena output folder or a replays.jsonl file")
    replay_games.add_argument("--index", type=int, help="only this game (0-based; default: all)")
    replay_games.set_defaults(run=run_arena_replay)


def run_games_solve(args: argparse.Namespace) -> int:
    from ponder.games.rules.openspiel import load
    from ponder.games.solvers.exact import exact_values, state_after

    try:
        history = [int(a) for a in args.history.split()]
    except ValueError:
        raise CliError(f"--history takes OpenSpiel action ids (integers), got {args.history!r}") from None
    values = exact_values(state_after(load(args.game), history))
    if args.json:
        print(json.dumps({"game": args.game, "history": history, "values": values}))
    else:
        print(f"{args.game} after [{' '.join(map(str, history))}]: " + ", ".join(f"player {p} {v:+g}" for p, v in enumerate(values)))
    return 0


def run_games_cfr(args: argparse.Namespace) -> int:
    from ponder.cli.progress import Progress
    from ponder.games.rules.tree import build, policy_dict
    from ponder.games.solvers.cfr import run_cfr_plus
    from ponder.games.solvers.passes import exploitability, game_value

    if args.iterations < 1:
        raise CliError("--iterations must be at least 1")
    tree = build(args.game)
    with Progress("CFR+", "iteration", args.iterations) as bar:
        solution = run_cfr_plus(tree, args.iterations, on_progress=lambda done: bar.update(done))
    value = game_value(tree, solution.average)
    report = {
        "game": args.game,
        "iterations": solution.iterations,
        "seconds": solution.seconds,
        "iterations_per_second": solution.iterations / solution.seconds,
        "values": [value, -value],
        "exploitability": exploitability(tree, solution.average),
    }
    if args.policy_out:
        args.policy_out.write_text(json.dumps(policy_dict(tree, solution.average), indent=1))
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{args.game}: {tree.num_infosets} information sets, {solution.iterations} iterations in "
              f"{solution.seconds:.2f} s ({report['iterations_per_second']:.0f}/s)")
        print(f"value: player 0 {value:+.6f}, player 1 {-value:+.6f}; exploitability {report['exploitability']:.2e}")
    return 0


def run_games_exploit(args: argparse.Namespace) -> int:
    import asyncio

    from ponder.cli.progress import Progress
    from ponder.games.arena.exploit import exploitability_of
    from ponder.games.players.registry import load_player
    from ponder.games.rules.openspiel import load

    player = load_player(args.player, args.game, load(args.game))
    with Progress("exploitability", "information set") as bar:
        result = asyncio.run(exploitability_of(args.game, player, args.seed, on_progress=lambda done: bar.update(done)))
    if args.json:
        print(json.dumps(asdict(result)))
    else:
        print(f"{args.game}, {result.player}: exploitability {result.exploitability:.6g} (a best responder's mean win per game over both seats)")
        print(f"value in seat 0 against itself {result.value:+.6f}; {result.infosets} information sets queried once each, "
              f"{result.fallbacks} decided by its invalid-move fallback")
    return 0


def run_games_selfplay(args: argparse.Namespace) -> int:
    from collections import Counter

    import numpy as np

    from ponder.games.solvers.selfplay import cross_play, payoff_tables, regret_matching

    if args.seeds < 2 or args.iterations < 1:
        raise CliError("--seeds must be at least 2 and --iterations at least 1")
    a, b, names = payoff_tables(args.game)
    runs = [regret_matching(a, b, args.iterations, seed) for seed in range(args.seeds)]
    settled = Counter(names[int(r.policies[0].argmax())] + " / " + names[int(r.policies[1].argmax())] for r in runs)
    table = cross_play(a, b, runs)
    k = len(runs)
    report = {
        "game": args.game, "seeds": k, "iterations": args.iterations,
        "settled": dict(settled), "runs": [{"seed": r.seed, "policies": [p.round(4).tolist() for p in r.policies],
                                             "returns": list(r.returns)} for r in runs],
        "self_play_total": float(np.trace(table) / k), "cross_play_total": float((table.sum() - np.trace(table)) / (k * k - k)),
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{args.game}: {k} regret-matching self-play runs of {args.iterations} iterations, each from its own random start")
    for joint, count in settled.most_common():
        returns = next(r.returns for r in runs if names[int(r.policies[0].argmax())] + " / " + names[int(r.policies[1].argmax())] == joint)
        print(f"  {count:>3} settle on {joint} (returns {returns[0]:g}, {returns[1]:g})")
    print(f"sum of both players' returns: {report['self_play_total']:.2f} in self-play, {report['cross_play_total']:.2f} when a run's "
          "row player meets another run's column player")
    return 0


def run_games_positions(args: argparse.Namespace) -> int:
    import asyncio
    import random

    from ponder.cli.progress import Progress
    from ponder.games.arena.positions import builtin_positions, judge, read_positions
    from ponder.games.players.registry import load_player
    from ponder.games.rules.openspiel import load
    from ponder.games.solvers.exact import ExactSolver, state_after

    if args.input is None and args.game != "tic_tac_toe":
        raise CliError(f"the built-in positions are tic-tac-toe's; give --input FILE for {args.game}")
    if args.per_kind < 1 or args.concurrency < 1:
        raise CliError("--per-kind and --concurrency must be at least 1")
    if args.input is not None:
        if not args.input.is_file():
            raise CliError(f"--input {args.input}: no such file")
        positions = read_positions(args.input.read_text().splitlines(), str(args.input))
    else:
        positions = builtin_positions(args.per_kind, args.seed)
    game = load(args.game)
    solver = ExactSolver(game)
    player = load_player(args.player, args.game, game)
    rows = []

    async def run() -> None:
        slots = asyncio.Semaphore(args.concurrency)
        with Progress("positions", "position", len(positions)) as bar:
            async def one(index: int, position) -> None:
                judged = judge(game, position.history, solver)
                state = state_after(game, position.history)
                async with slots:
                    move = await player.act(state, judged.mover, random.Random(args.seed * 1_000_003 + index))
                row = {"id": position.id, "kind": position.kind, "history": list(position.history), "board": str(state),
                       "to_move": judged.mover, "action": move.action,
                       "best": move.action in judged.best, "value": judged.moves.get(move.action), "optimal": judged.value,
                       "best_moves": sorted(judged.best), **move.info}
                rows.append(row)
                if args.json:
                    print(json.dumps(row), flush=True)
                bar.update(len(rows))

            await asyncio.gather(*(one(i, p) for i, p in enumerate(positions)))
        order = {p.id: i for i, p in enumerate(positions)}
        rows.sort(key=lambda row: order[row["id"]])

    asyncio.run(run())
    summary = positions_summary(rows)
    if args.json:
        print(summary, file=sys.stderr)
    else:
        for row in rows:
            print(f"{row['id']:<12} {row['kind']:<6} history {' '.join(map(str, row['history'])):<20} played {row['action']} "
                  f"{'best' if row['best'] else 'not best'} (best: {', '.join(map(str, row['best_moves']))})")
        print(summary)
    return 0


def positions_summary(rows: list[dict]) -> str:
    """Accuracy per kind with a Wilson 95% interval, and what the player spent per position."""
    import math

    lines = []
    for kind in sorted({r["kind"] for r in rows}):
        mine = [r for r in rows if r["kind"] == kind]
        n, k = len(mine), sum(r["best"] for r in mine)
        centre, half = (k + 1.92) / (n + 3.84), 1.96 * math.sqrt(k * (n - k) / n + 0.96) / (n + 3.84)
        spent = [r.get("completion_tokens", 0) + r.get("prompt_tokens", 0) for r in mine]
        lines.append(f"{kind}: best move in {k} of {n} ({100 * k / n:.1f}%, 95% CI {100 * max(0, centre - half):.1f}-"
                     f"{100 * min(1, centre + half):.1f}%); tokens/position {sum(spent) / n:.0f}; invalid attempts "
                     f"{sum(r.get('invalid', 0) for r in mine)}; fallbacks {sum(1 for r in mine if r.get('fallback'))}")
    return "\n".join(lines)


def run_arena(args: argparse.Namespace) -> int:
    import asyncio

    from ponder.cli.progress import Progress
    from ponder.games.arena.report import table_lines, write_report
    from ponder.games.arena.store import STORE_NAME
    from ponder.games.arena.tournament import ArenaState, arena_state, load_players, run_arena as play
    from ponder.games.rules.openspiel import load
    from ponder.workers.choose import open_workers

    if not args.game:
        raise CliError("--game is required, e.g. --game connect_four")
    if bool(args.players) == bool(args.scale):
        raise CliError("give either --players P1,P2,... or --scale KIND:B1,B2,...")
    players = scale_players(args.scale)[0] if args.scale else [p.strip() for p in args.players.split(",") if p.strip()]
    config = ArenaConfig(args.game, tuple(players), args.games, args.seed, args.scale, args.hands)
    out = args.out or Path("ponder-arena") / re.sub(r"[^A-Za-z0-9_.-]+", "_", args.game)
    loaded = load_players(config)  # here too, so a bad spec fails before any worker starts
    here = partial(ArenaState, load(config.game), loaded)
    with open_workers(partial(arena_state, config), args.workers, args.ray, here) as workers, \
            Progress("arena", "game" if args.hands is None else "match") as bar:
        def on_progress(progress) -> None:
            bar.update(progress.done, total=progress.total, postfix={"failed": progress.failed} if progress.failed else None)

        try:
            progress = asyncio.run(play(config, out, loaded, on_progress, workers))
        except KeyboardInterrupt:
            print(f"ponder: stopped; every finished game is stored in {out / STORE_NAME}. Re-run the same command to resume.", file=sys.stderr)
            return 130
    analysis = write_report(config, out)
    for line in table_lines(analysis):
        print(line)
    if progress.failed:
        print(f"{progress.failed} game(s) failed; re-run the same command to play them", file=sys.stderr)
    print(f"report: {out / 'report.html'}; replays: {out / 'replays.jsonl'}")
    return 0 if progress.done == progress.total else 1


def run_arena_replay(args: argparse.Namespace) -> int:
    from ponder.games.arena.replay import describe, read_replays

    records = read_replays(args.path)
    if args.index is not None and not 0 <= args.index < len(records):
        raise CliError(f"--index must be between 0 and {len(records) - 1}")
    chosen = range(len(records)) if args.index is None else [args.index]
    for index in chosen:
        for line in describe(records[index], index):
            print(line)
    return 0
