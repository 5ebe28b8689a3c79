"""The player registry: one entry per kind of player, built from its spec (see `spec.py`)."""

from __future__ import annotations

import math
from typing import Callable

import pyspiel

from ponder.budget import BudgetError, SearchLimits
from ponder.games.players.base import Player, require_perfect_information
from ponder.games.players.spec import PLAYER_HELP, PlayerError, PlayerSpec, parse_spec



def _search_limits(spec: PlayerSpec, default_steps: int | None) -> SearchLimits:
    steps = spec.argument
    if steps and not (steps.isascii() and steps.isdigit() and len(steps) <= 12):
        raise PlayerError(f"{spec.text}: {spec.kind} takes a whole number of steps (simulations, iterations), e.g. {spec.kind}:256")
    try:
        return SearchLimits(
            steps=int(steps) if steps else (None if "seconds" in spec.options else default_steps),
            seconds=spec.number("seconds", None),
        )
    except BudgetError as error:
        raise PlayerError(f"{spec.text}: {error}") from None


def _random(spec: PlayerSpec, game_name: str, game: pyspiel.Game) -> Player:
    from ponder.games.players.uniform import RandomPlayer

    spec.check_options(set())
    return RandomPlayer(spec.name)


def _mcts(spec: PlayerSpec, game_name: str, game: pyspiel.Game) -> Player:
    from ponder.games.players.search import MCTSPlayer

    spec.check_options({"seconds", "c"})
    require_perfect_information(spec, game)
    return MCTSPlayer(_search_limits(spec, 256), spec.name, spec.number("c", math.sqrt(2), minimum=-1e-12))


def _solver(spec: PlayerSpec, game_name: str, game: pyspiel.Game) -> Player:
    from ponder.games.players.search import SolverPlayer

    spec.check_options(set())
    require_perfect_information(spec, game)
    return SolverPlayer(game, spec.name)


def _cfr(spec: PlayerSpec, game_name: str, game: pyspiel.Game) -> Player:
    from ponder.games.players.search import cfr_player

    spec.check_options({"seconds"})
    return cfr_player(game_name, _search_limits(spec, 1000), spec.name)


def _llm(spec: PlayerSpec, game_name: str, game: pyspiel.Game) -> Player:
    from ponder.games.players.llm import INVALID_POLICIES, MODES, LLMPlayer, LLMPlayerConfig
    from ponder.loading import load_generator
    from ponder.types import SamplingParams

    spec.check_options({"mode", "strategy", "candidates", "retries", "invalid", "checks", "tokens", "seconds", "max_new", "temperature",
                        "timeout", "think", "check", "program"})
    if not spec.argument:
        raise PlayerError(f"{spec.text}: name a model, e.g. llm:embedded or llm:openai:MODEL@http://127.0.0.1:8000/v1")
    mode = spec.options.get("mode", "listed")
    invalid = spec.options.get("invalid", "random")
    if mode not in MODES:
        raise PlayerError(f"{spec.text}: mode must be one of {', '.join(MODES)}")
    if invalid not in INVALID_POLICIES:
        raise PlayerError(f"{spec.text}: invalid must be one of {', '.join(INVALID_POLICIES)}")
    strategy = spec.options.get("strategy", "single")
    if mode == "tool" and strategy != "single":
        raise PlayerError(f"{spec.text}: tool mode is a conversation per attempt; it runs with strategy=single")
    think = spec.number("think", None, integer=True)  # thinking tokens per reply
    program = spec.number("program", None, integer=True)  # tokens for a program that chooses the move
    if program is not None and (strategy != "single" or mode == "tool" or think is not None or "check" in spec.options):
        raise PlayerError(f"{spec.text}: program mode is one program per attempt, run in the sandbox: no strategy, tool, think or check with it")
    check = spec.options.get("check")
    if check is not None:
        if not (check == "solver" or (check.startswith("mcts:") and check[5:].isdigit() and 0 < int(check[5:]) <= 10**7)):
            raise PlayerError(f"{spec.text}: check is solver or mcts:SIMULATIONS")
        require_perfect_information(spec, game)
        if strategy == "single":
            strategy = "best_of_n"  # the search picks among the model's proposals
    candidates = int(spec.number("candidates", 1 if strategy == "single" else 4, integer=True))
    max_new = int(spec.number("max_new", think if think is not None else program if program is not None else 32, integer=True))
    config = LLMPlayerConfig(
        mode=mode,  # type: ignore[arg-type]
        strategy=strategy,
        candidates=candidates,
        retries=int(spec.number("retries", 2, integer=True, minimum=-1)),
        invalid=invalid,  # type: ignore[arg-type]
        checks=int(spec.number("checks", 3, integer=True, minimum=-1)),
        tokens=int(spec.number("tokens", max(1024, 2 * candidates * max_new), integer=True)),
        seconds=spec.number("seconds", None),
        params=SamplingParams(temperature=spec.number("temperature", 1.0, minimum=-1e-12), max_tokens=max_new),
        think=think is not None,
        check=check,
        program=program is not None,
    )
    generator = load_generator(spec.argument, timeout=spec.number("timeout", 120.0))
    return LLMPlayer(generator, config, spec.name)


def _pikl(spec: PlayerSpec, game_name: str, game: pyspiel.Game) -> Player:
    from ponder.games.players.pikl import PiKLPlayer

    spec.check_options({"seconds", "lambda", "anchor", "epsilon"})
    require_perfect_information(spec, game)
    anchor = load_player(spec.options.get("anchor", "random"), game_name, game)
    return PiKLPlayer(
        _search_limits(spec, 256), anchor, spec.number("lambda", 0.1, minimum=-1e-12), spec.name,
        epsilon=spec.number("epsilon", 0.01, minimum=-1e-12),
    )


def _style(spec: PlayerSpec, game_name: str, game: pyspiel.Game) -> Player:
    from ponder.games.players import bargaining, repeated
    from ponder.games.players.styles import style_player

    spec.check_options(set())
    if spec.argument in bargaining.STYLES:
        if game.get_type().short_name != "bargaining":
            raise PlayerError(f"{spec.text}: {', '.join(bargaining.STYLES)} negotiate in OpenSpiel's bargaining game")
        return bargaining.Negotiator(spec.argument, spec.name)
    if spec.argument in repeated.STYLES:
        if game.get_type().short_name != "repeated_game" or game.num_players() != 2:
            raise PlayerError(f"{spec.text}: {', '.join(repeated.STYLES)} play two-player repeated games, "
                              "e.g. 'repeated_game(stage_game=matrix_pd(),num_repetitions=10)'")
        return repeated.RepeatedStyle(spec.argument, spec.name)
    return style_player(game_name, spec.argument, spec.name)


def _exploit(spec: PlayerSpec, game_name: str, game: pyspiel.Game) -> Player:
    from ponder.games.players.exploit import ExploitConfig, exploit_player
    from ponder.games.players.styles import GAMES

    spec.check_options({"safety", "scale", "prior", "iterations", "showdown", "response"})
    if game_name not in GAMES:
        raise PlayerError(f"{spec.text}: the exploiter models poker opponents ({', '.join(GAMES)}); not {game_name}")
    safety = spec.number("safety", ExploitConfig.safety, minimum=-1e-12)
    if safety > 1:
        raise PlayerError(f"{spec.text}: safety runs from 0 (a best response to the model) to 1; got {safety:g}")
    response = spec.options.get("response", ExploitConfig.response)
    if response not in ("data-biased", "restricted"):
        raise PlayerError(f"{spec.text}: response is data-biased (the default) or restricted; got {response!r}")
    config = ExploitConfig(safety=safety, scale=spec.number("scale", ExploitConfig.scale),
                           prior=spec.number("prior", ExploitConfig.prior),
                           iterations=int(spec.number("iterations", ExploitConfig.iterations, integer=True)),
                           showdowns=spec.flag("showdown", ExploitConfig.showdowns), response=response)
    return exploit_player(game_name, config, spec.name)


def _ismcts(spec: PlayerSpec, game_name: str, game: pyspiel.Game) -> Player:
    from ponder.games.players.ismcts import ISMCTSPlayer

    spec.check_options({"c"})
    steps = _search_limits(spec, 256).steps
    if steps is None:
        raise PlayerError(f"{spec.text}: ismcts takes a number of simulations, e.g. ismcts:256")
    return ISMCTSPlayer(game, steps, spec.name, spec.number("c", math.sqrt(2), minimum=-1e-12))


KINDS: dict[str, Callable[[PlayerSpec, str, pyspiel.Game], Player]] = {
    "random": _random,
    "mcts": _mcts,
    "solver": _solver,
    "cfr": _cfr,
    "llm": _llm,
    "pikl": _pikl,
    "style": _style,
    "exploit": _exploit,
    "ismcts": _ismcts,
}


def load_player(text: str, game_name: str, game: pyspiel.Game) -> Player:
    """The player a spec names, ready to play `game`."""
    spec = parse_spec(text)
    if spec.kind not in KINDS:
        raise PlayerError(f"unknown player {spec.kind!r} in {text!r}; players: {PLAYER_HELP}")
    return KINDS[spec.kind](spec, game_name, game)
