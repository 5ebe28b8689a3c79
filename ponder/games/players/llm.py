"""An LLM plays a game through any ponder generator: the state rendered as text, a move read back.

Legal-move modes (chosen per player, recorded with every move):
  none    the prompt shows the state and how moves are written, not which are legal;
  listed  the prompt also lists the legal moves;
  tool    the model may check a move before committing: a reply `CHECK: <move>` is answered with
          whether it is legal, and the model replies again (each check is a generator call charged to
          the move's budget), until it commits with `MOVE: <move>`.

Thinking: with `think=TOKENS` the model is asked to reason step by step before committing, within that many
tokens per reply (a chain of thought with a thinking budget); without it, to reply with the move alone.
Each attempt at a move runs a ponder strategy (single, best_of_n with a legality verifier, majority,
revise, ...) on the rendered prompt. With `program=TOKENS` the model thinks in code instead: it writes a program that
chooses the move (it may search the game tree itself), the sandbox runs it, and what it prints is the move — the
model alone decides; ponder's solver is not consulted (model-written code runs only in the sandbox). Search-assisted (`check=solver` or `check=mcts:N`, perfect-information games):
the verifier that best_of_n consults also scores each legal proposal by its value under exact search or MCTS, so
the model proposes and the search picks among its proposals (the search never proposes a move of its own). Invalid-move policy: an attempt whose answer is missing or illegal
counts as one invalid move; the player retries (told its move was not legal) up to `retries` times
while the move's budget lasts, then falls back to a uniformly random legal move (`invalid=random`) or
forfeits the game (`invalid=forfeit`). Every move records attempts, invalid moves and any fallback.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Literal

import pyspiel

from ponder.budget import Budget, Limits
from ponder.engine import Plan, make_run, think
from ponder.generators.base import BackendUnavailable, Generator
from ponder.games.players.base import Move
from ponder.strategies import get_strategy
from ponder.strategies.base import Run
from ponder.types import Message, Problem, SamplingParams, Verdict
from ponder.verifiers.program_check import LIMITS as PROGRAM_LIMITS, program_answer

Mode = Literal["none", "listed", "tool"]
MODES = ("none", "listed", "tool")
INVALID_POLICIES = ("random", "forfeit")

RULES = {
    "tic_tac_toe": "Tic-tac-toe on a 3x3 board (rows and columns numbered 0-2); x moves first; three in a row wins. "
    "A move is written like x(1,2): your mark, then (row,column).",
    "connect_four": "Connect Four on a 6x7 board (printed top row first); each move drops a piece into a column; "
    "four in a row, column or diagonal wins. A move is written like x3: your mark, then the column 0-6.",
    "kuhn_poker": "Kuhn poker: a deck of three cards (0 = jack, 1 = queen, 2 = king); each player antes 1 and gets one "
    "card. Players may Pass or Bet 1; a bet must be called (Bet) or folded (Pass). The higher card wins the pot at showdown. "
    "Your information is your card, then the actions so far (p = pass, b = bet). A move is Pass or Bet.",
    "leduc_poker": "Leduc poker: a six-card deck (two suits of jack, queen, king); one private card each, one public card "
    "after the first betting round; a pair with the public card wins, else the higher card. A move is Fold, Call or Raise.",
    "repeated_game": "An iterated matrix game (e.g. the prisoner's dilemma): every round both players choose at the same "
    "time; the payoffs of all rounds add up. A move is one of the stage game's actions, e.g. Cooperate or Defect.",
}


@dataclass(frozen=True)
class LLMPlayerConfig:
    """How an LLM player thinks about each move."""

    mode: Mode = "listed"
    strategy: str = "single"  # any ponder strategy; verifier strategies get the legality verifier
    candidates: int = 1  # candidates per attempt (the strategy's N)
    retries: int = 2  # attempts after the first when a move is invalid
    invalid: Literal["random", "forfeit"] = "random"  # what happens when every attempt is invalid
    checks: int = 3  # tool mode: legality checks allowed per attempt
    tokens: int = 1024  # the move's whole budget of generated tokens (all attempts, checks and candidates)
    seconds: float | None = None  # the move's wall-clock budget
    params: SamplingParams = SamplingParams(temperature=1.0, max_tokens=32)
    think: bool = False  # ask for reasoning before the move (params.max_tokens is then the thinking budget)
    check: str | None = None  # search-assisted: "solver" or "mcts:N" scores each legal proposal
    program: bool = False  # think in code: the model writes a program that prints its move (run in the sandbox)

    def limits(self) -> Limits:
        per_attempt = self.candidates * (self.checks + 1 if self.mode == "tool" else 1)
        return Limits(max_candidates=per_attempt * (self.retries + 1), max_tokens=self.tokens, max_seconds=self.seconds)

    def plan(self) -> Plan:
        return Plan(strategy=self.strategy, limits=self.limits(), params=self.params)


def move_names(state: pyspiel.State, player: int) -> dict[str, int]:
    """Every action's written form for `player` (legal here or not), so illegal moves are recognised as moves."""
    names = {}
    for action in range(state.get_game().num_distinct_actions()):
        try:
            names[state.action_to_string(player, action)] = action
        except pyspiel.SpielError:
            continue
    return names


def _normal(text: str) -> str:
    return re.sub(r"[\s`'\"*.]", "", text).lower()


def parse_move(text: str, names: dict[str, int]) -> str | None:
    """The move a reply commits to: the text after its last `MOVE:`, else its last line, matched to a
    move name (case, spaces and quotes ignored; a bare action id also counts, and so does a move written without
    the mover's mark, like (1,1) for x(1,1), when only one move reads so).

    >>> parse_move("I think... MOVE: x(1, 1)", {"x(1,1)": 4, "x(0,0)": 0}), parse_move("MOVE: (0, 0)", {"x(1,1)": 4, "x(0,0)": 0})
    ('x(1,1)', 'x(0,0)')
    """
    committed = re.findall(r"MOVE:\s*([^\n]*)", text, flags=re.IGNORECASE)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    guess = committed[-1] if committed else (lines[-1] if lines else "")
    lookup = {_normal(name): name for name in names}
    if _normal(guess) in lookup:
        return lookup[_normal(guess)]
    unmarked: dict[str, list[str]] = {}
    for name in names:
        unmarked.setdefault(re.sub(r"^[a-z]+(?=\()", "", _normal(name)), []).append(name)
    if len(unmarked.get(_normal(guess), ())) == 1:
        return unmarked[_normal(guess)][0]
    if guess.strip().isdecimal() and len(guess.strip()) <= 9:  # an action id (never a 4,300-digit one int() refuses)
        by_id = {action: name for name, action in names.items()}
        return by_id.get(int(guess.strip()))
    return None


def render_state(state: pyspiel.State, player: int) -> str:
    """What the player may see, as text: the board, its information state, or the rounds so far."""
    game = state.get_game()
    kind = game.get_type()
    if kind.dynamics == pyspiel.GameType.Dynamics.SIMULTANEOUS:
        players = game.num_players()
        history = state.history()
        rounds = [history[i : i + players] for i in range(0, len(history) - len(history) % players, players)]
        lines = [f"round {r + 1}: " + ", ".join(f"player {p} {state.action_to_string(p, a)}" for p, a in enumerate(joint)) for r, joint in enumerate(rounds)]
        return "Rounds so far:\n" + ("\n".join(lines) if lines else "none yet") + f"\nTotals: {state}"
    if kind.information == pyspiel.GameType.Information.PERFECT_INFORMATION:
        return str(state)
    return state.information_state_string(player)


PROGRAM = ("Write a Python program that finds the best move in this position (search the game tree if you can) and "
           "prints only that move, written exactly as in the list of legal moves. Reply with the program in one ```python block.")
THINK = ("Think step by step before you commit: what threatens to win or lose next, which moves make two threats at "
         "once, what the opponent can answer. Then end your reply with a last line: MOVE: and your move, written as above.")


def render_prompt(state: pyspiel.State, player: int, mode: Mode, legal_names: list[str], think: bool = False,
                  program: bool = False) -> str:
    game = state.get_game()
    kind = game.get_type()
    rules = RULES.get(kind.short_name, f"The game is {kind.long_name}.")
    parts = [f"You are playing {kind.long_name} as player {player}.", rules, "The position:", render_state(state, player)]
    if mode == "listed":
        parts.append("Legal moves: " + ", ".join(legal_names))
    if mode == "tool":
        parts.append("Before committing you may check a move by replying CHECK: <move>; you will be told whether it is legal.")
    parts.append(PROGRAM if program else THINK if think else "Commit to your move by replying MOVE: <move>")
    return "\n".join(parts)


@dataclass(frozen=True)
class LegalMove:
    """The verifier of a move: correct when it is legal (an exact check, no tokens)."""

    legal: frozenset[str]
    name: str = "legal-move"
    max_tokens: int = 0

    async def verify(self, problem: Problem, answer: str | None, text: str) -> Verdict:
        if answer is None:
            return Verdict(0.0, False, "no move could be read; reply MOVE: <move>")
        if answer in self.legal:
            return Verdict(1.0, True, f"{answer} is legal")
        return Verdict(0.0, False, f"{answer} is not a legal move here")


@dataclass(frozen=True)
class SearchedMove(LegalMove):
    """Search-assisted checking: a legal move is scored by its value for the mover under search (exact or MCTS),
    scaled to [0, 1]; correct when no legal move is worth more."""

    values: tuple[tuple[str, float], ...] = ()  # (move name, the mover's value) for each legal move
    name: str = "search-check"

    async def verify(self, problem: Problem, answer: str | None, text: str) -> Verdict:
        verdict = await super().verify(problem, answer, text)
        if not verdict.correct:
            return verdict
        values = dict(self.values)
        best = max(values.values())
        return Verdict((values[answer] + 1) / 2, values[answer] >= best, f"{answer} is worth {values[answer]:+.2f} (best {best:+.2f})")


def searched_values(state: pyspiel.State, player: int, check: str, rng: random.Random) -> dict[int, float]:
    """Each legal move's value for `player`: exact (check=solver) or MCTS's mean return after N simulations."""
    if check == "solver":
        from ponder.games.solvers.exact import ExactSolver

        solver = ExactSolver(state.get_game())
        return {a: solver.value(state.child(a))[player] for a in state.legal_actions(player)}
    from ponder.budget import SearchBudget, SearchLimits
    from ponder.games.solvers.mcts import search

    simulations = int(check.split(":", 1)[1])
    decision = search(state, SearchBudget(SearchLimits(steps=simulations)), rng, stop_when_proven=False)
    return {a: decision.values.get(a, -1.0) for a in state.legal_actions(player)}


class LLMPlayer:
    def __init__(self, generator: Generator, config: LLMPlayerConfig, name: str):
        if get_strategy(config.strategy).searches_steps:
            from ponder.games.players.spec import PlayerError
            from ponder.strategies.registry import SPECS

            usable = ", ".join(name for name, spec in SPECS.items() if not spec.searches_steps)
            raise PlayerError(f"strategy {config.strategy!r} searches over reasoning steps with a process verifier; "
                              f"an LLM player's moves take one of: {usable}")
        self.generator = generator
        self.config = config
        self.name = name
        self.fallbacks = 0  # moves decided by the invalid-move policy, over this player's life

    async def act(self, state: pyspiel.State, player: int, rng: random.Random) -> Move:
        config = self.config
        names = move_names(state, player)
        legal_actions = state.legal_actions(player)
        by_action = {action: name for name, action in names.items()}
        legal = {by_action.get(a, str(a)): a for a in legal_actions}  # written form -> action id
        verifier = LegalMove(frozenset(legal))
        if config.check is not None:
            values = searched_values(state, player, config.check, random.Random(rng.randrange(2**31)))
            verifier = SearchedMove(frozenset(legal), values=tuple((name, values[a]) for name, a in legal.items()))
        plan = config.plan()
        budget = Budget(plan.limits, parameter_count=self.generator.parameter_count)
        prompt = render_prompt(state, player, config.mode, list(legal), config.think, config.program)
        messages = [Message("user", prompt)]
        attempts = invalid = illegal_candidates = checks = 0
        answer = text = None
        errors: list[str] = []  # generator failures (backend down, timeouts): the attempt got no reply
        seed = rng.randrange(2**31)
        while attempts <= config.retries and not budget.exhausted:
            attempts += 1
            run = make_run(
                Problem(id=f"move-attempt-{attempts}", task="game", prompt=prompt, messages=tuple(messages)),
                self.generator, plan, extract=lambda reply: parse_move(reply, names), verifier=verifier,
                seed=seed + 1000 * attempts, budget=budget, cap=config.candidates,
                on_event=lambda event: errors.append(event.message) if event.kind == "error" else None,
            )
            try:
                printed = None
                if config.mode == "tool":
                    answer, text, used = await self._with_checks(run, messages, verifier)
                    checks += used
                elif config.program:
                    answer, text, printed = await self._with_program(run, messages, names)
                else:
                    result = await think(run, plan)
                    answer, text = result.answer, result.text
            except BackendUnavailable as error:  # a game goes on: the move falls back, and the record says why
                errors.append(str(error))
                break
            illegal_candidates += (text is not None and answer not in verifier.legal) if config.program else \
                sum(1 for c in run.candidates if c.answer not in verifier.legal)
            if text is None:  # the budget gave out before a reply: no move was made, none was invalid
                break
            if answer in verifier.legal:
                break
            invalid += 1
            if config.program:
                feedback = (f"Your program printed {printed[:80]!r}, which is not a legal move" if printed
                            else f"Your program printed nothing (or failed, or ran past {PROGRAM_LIMITS.wall_seconds:g} seconds)")
            else:
                feedback = (await verifier.verify(run.problem, answer, text)).feedback
            messages = [*messages, Message("assistant", text), Message("user", feedback + ". Try again.")]
        usage = budget.usage
        info = {
            "mode": config.mode, "strategy": config.strategy, "think": config.think, "check": config.check, "program": config.program,
            "attempts": attempts, "invalid": invalid,
            "illegal_candidates": illegal_candidates, "checks": checks, "fallback": None,
            "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens, "calls": usage.calls,
            "reply": (text or "")[:200], "errors": len(errors),
        }
        if errors:
            info["error"] = errors[0][:200]
        if answer in legal:
            return Move(legal[answer], info)
        self.fallbacks += 1
        if config.invalid == "forfeit":
            return Move(None, {**info, "fallback": "forfeit"})
        return Move(rng.choice(legal_actions), {**info, "fallback": "random"})

    async def _with_program(self, run: Run, messages: list[Message], names: dict[str, int]) -> tuple[str | None, str | None, str | None]:
        """Program mode: one program, run in the sandbox; returns (the move it printed, the reply, what it printed)."""
        new = await run.sample(1, messages)
        if not new:
            return None, None, None
        text = new[0].completion.text
        printed = await program_answer(text)
        return (parse_move(f"MOVE: {printed}", names) if printed else None), text, printed

    async def _with_checks(self, run: Run, messages: list[Message], verifier: LegalMove) -> tuple[str | None, str | None, int]:
        """Tool mode: let the model check moves before it commits; returns (answer, reply, checks used)."""
        conversation = list(messages)
        used = 0
        text = None
        while True:
            new = await run.sample(1, conversation)
            if not new:
                return None, text, used
            text = new[0].completion.text
            checked = re.findall(r"CHECK:\s*([^\n]*)", text, flags=re.IGNORECASE)
            if checked and not re.search(r"MOVE:", text, flags=re.IGNORECASE) and used < self.config.checks:
                used += 1
                move = parse_move(f"MOVE: {checked[-1]}", {n: 0 for n in verifier.legal})
                verdict = "legal" if move is not None else "not a legal move"
                conversation += [Message("assistant", text), Message("user", f"{checked[-1].strip()} is {verdict}.")]
                continue
            return new[0].answer, text, used

    async def distribution(self, state: pyspiel.State, player: int, rng: random.Random) -> dict[int, float]:
        """One query: the move it commits to; where it gives none, its fallback's uniform distribution."""
        move = await self.act(state, player, rng)
        if move.info.get("fallback") is None and move.action is not None:
            return {move.action: 1.0}
        legal = state.legal_actions(player)
        return {a: 1.0 / len(legal) for a in legal}
