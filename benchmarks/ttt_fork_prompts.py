"""More ways for a chat model alone to find tic-tac-toe's winning forks, measured outside the player (issue 30's
fork goal): the built-in fork and save positions (`ponder games positions`' set), judged by the exact solver.

- `program`: the board as a Python literal, and a request for a minimax program in a fixed shape (the 8 lines, a
  winner function, a recursive minimax, a loop over the empty cells) that prints the best move; N programs, each run
  in the sandbox (model-written code runs nowhere else), vote on the move printed.
- `repair`: the `program` request, one program at a time; when it fails (an error, no move, an illegal move) the
  sandbox's error goes back to the model, which replies with the whole program fixed, up to `--rounds` times.
- `lines`: the board and its eight lines written out cell by cell, with the order to decide in (win, block, fork);
  the model reasons, then writes `MOVE: row,col`; N replies vote.
- `lookahead`: the model judges each move by the board it leads to: for every empty cell the board after that move
  (written out with its eight lines, as in `lines`) goes to the model, which reasons about it and rates it for the
  mover from 0 (lost) to 10 (won); the move whose board the model rates highest (N ratings averaged) is played.
  Ponder only lists the empty cells and writes out the boards; every judgement is the model's.
- `examples`: for each empty cell, the lines through it as they would read after the move (written out by ponder),
  and three worked examples (fork positions outside the test set, their analysis written by ponder) of reading them:
  a line `x x x` wins, two of yours and a '.' is a threat, two of theirs and yours blocks; win, else block, else the
  cell with the most threats. The model writes that analysis for the position asked and ends with `MOVE: row,col`;
  N replies vote (few-shot chain of thought, Wei et al. 2022).
- `rule`: the board, the eight lines (cell numbers) and the marks as Python literals, the rule stated in words (win
  if you can; else block the opponent's line; else the cell that leaves the most lines with two of yours and an
  empty cell, since two threats cannot both be blocked), and a request for a program that applies it and prints the
  move; N programs, each run in the sandbox, vote (program-aided reasoning, Gao et al. 2022: the model writes the
  steps as code, the interpreter carries them out). Checked against the exact solver, the rule picks a best move in
  all 30 built-in fork positions and 29 of the 30 save positions: what is measured is whether the model writes it.

The model alone decides in each: no solver or search sees its move. Prints found / positions per kind and the
tokens the model generated per position (counted by ponder's counter from the replies).

    python benchmarks/ttt_fork_prompts.py --backend http://127.0.0.1:8081/v1 --variant program --tokens 1000 --n 3
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import re

import openai
import pyspiel

from ponder.games.arena.positions import builtin_positions, judge, threats
from ponder.generators.usage_count import UsageCounter
from ponder.games.solvers.exact import ExactSolver, state_after
from ponder.sandbox import run_python
from ponder.verifiers.program_check import LIMITS, program_answer, read_program

LINES = ((0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6))
LINE_NAMES = ("row 0", "row 1", "row 2", "column 0", "column 1", "column 2", "diagonal", "anti-diagonal")


class Model:
    """The chat model, with the tokens it generated counted by ponder's own counter (never the backend's report)."""

    def __init__(self, backend: str, model: str, temperature: float = 0.7):
        self.temperature = temperature
        self.client = openai.AsyncOpenAI(base_url=backend, api_key="none", timeout=1800, max_retries=0)
        self.model = model
        self.counter = UsageCounter(backend)
        self.generated = 0

    async def ask(self, messages: list[dict], tokens: int, n: int = 1) -> list[str]:
        response = await self.client.chat.completions.create(model=self.model, messages=messages, max_tokens=tokens, temperature=self.temperature, n=n)
        replies = [choice.message.content or "" for choice in response.choices]
        self.generated += sum([await self.counter.tokens(reply) for reply in replies])
        return replies


def program_prompt(cells: str, you: str, them: str) -> str:
    board = "[" + ", ".join("[" + ", ".join(repr(c) for c in cells[r * 3 : r * 3 + 3]) + "]" for r in range(3)) + "]"
    return (f"Tic-tac-toe. The board, '.' for an empty cell:\nboard = {board}\nIt is '{you}' to move; the opponent is '{them}'. "
            f"Write a short Python program with this board that searches the whole game tree by minimax (win = +1, draw = 0, "
            f"loss = -1) and prints the best move for '{you}' as: row,col (0-based). Keep it short: a list of the 8 winning lines, "
            f"a winner(board) function that checks them, a recursive minimax(board, player) that returns the value for '{you}', "
            "then a loop over the empty cells that prints the best. No comments. Reply with the program only, in one ```python block.")


def rule_prompt(cells: str, you: str, them: str) -> str:
    return (f"Tic-tac-toe. Cells are numbered 0-8, row by row; '.' is empty. It is '{you}' to move; the opponent is '{them}'. "
            f"Start your program with these lines:\nboard = list({cells!r})\nLINES = {[list(line) for line in LINES]}\n"
            f"ME, THEM = {you!r}, {them!r}\n"
            "Then choose the move by this rule: 1) if playing a cell completes a line of three ME, play it; 2) else, if THEM "
            "could complete a line of three by playing a cell, play that cell to block; 3) else, for each empty cell, put ME there "
            "and count the lines that then hold two ME and one '.'; play the cell with the most (two such lines at once cannot "
            "both be blocked). Loop over LINES; do not write lines out by hand. Print the cell's number. No comments. "
            "Reply with the program only, in one ```python block.")


def written_out(cells: str) -> tuple[str, str]:
    """The board, a row per line, and its eight lines cell by cell: `row 0: (0,0)=x, (0,1)=., (0,2)=o`."""
    board = "\n".join(" ".join(cells[r * 3 : r * 3 + 3]) for r in range(3))
    lines = "\n".join(f"{name}: " + ", ".join(f"({i // 3},{i % 3})={cells[i]}" for i in line) for name, line in zip(LINE_NAMES, LINES))
    return board, lines


def lines_prompt(cells: str, you: str, them: str) -> str:
    board, lines = written_out(cells)
    return (f"Tic-tac-toe, you are '{you}', the opponent is '{them}', '.' is empty. Cells are (row,col), 0-based.\n{board}\n"
            f"The eight lines:\n{lines}\nDecide in this order. 1) A line with two '{you}' and one '.': play that '.', you win. "
            f"2) A line with two '{them}' and one '.': play that '.' to block. 3) Otherwise find an empty cell that lies on two "
            f"lines which each already hold one '{you}' and no '{them}': playing it makes two threats at once (a fork) and wins. "
            "Check each line you use against the list above. End with a last line: MOVE: row,col")


def lookahead_prompt(cells: str, you: str, them: str) -> str:
    board, lines = written_out(cells)
    return (f"Tic-tac-toe, '.' is empty. '{you}' has just moved; it is '{them}' to move.\n{board}\nThe eight lines:\n{lines}\n"
            f"Judge this position for '{you}' in four short lines, using the lines above. 1) Does '{you}' hold a whole line (a win)? "
            f"2) Does any line hold two '{them}' and one '.' ('{them}' wins next move)? 3) How many lines hold two '{you}' and one '.' "
            f"(threats: two or more cannot all be blocked)? 4) SCORE: n, your rating of the position for '{you}' from 0 (lost) to 10 (won).")


def after_lines(cells: str, you: str) -> str:
    """Each empty cell, and the lines through it as they would read after `you` played there."""
    rows = []
    for i in (i for i, c in enumerate(cells) if c == "."):
        after = cells[:i] + you + cells[i + 1 :]
        through = [f"{name} = {' '.join(after[j] for j in line)}" for name, line in zip(LINE_NAMES, LINES) if i in line]
        rows.append(f"({i // 3},{i % 3}): " + "; ".join(through))
    return "\n".join(rows)


def examples_question(cells: str, you: str) -> str:
    board = "\n".join(" ".join(cells[r * 3 : r * 3 + 3]) for r in range(3))
    return f"Board, '{you}' to move:\n{board}\nThe lines through each empty cell after '{you}' plays there:\n{after_lines(cells, you)}"


def worked(cells: str, you: str) -> str:
    """The analysis the `examples` variant asks for, written out for a demonstration position (not a test one)."""
    them = "o" if you == "x" else "x"
    verdicts, wins, blocks, counts = [], [], [], {}
    for i in (i for i, c in enumerate(cells) if c == "."):
        after, notes = cells[:i] + you + cells[i + 1 :], []
        for name, line in ((n, l) for n, l in zip(LINE_NAMES, LINES) if i in l):
            marks = [after[j] for j in line]
            kind = ("win" if marks.count(you) == 3 else "threat" if marks.count(you) == 2 and "." in marks
                    else "block" if marks.count(them) == 2 else "-")
            notes.append(f"{name} {' '.join(marks)} {kind}")
            wins += [i] if kind == "win" else []
            blocks += [i] if kind == "block" else []
        counts[i] = sum(n.endswith("threat") for n in notes)
        verdicts.append(f"({i // 3},{i % 3}): " + ", ".join(notes) + f" -> {counts[i]} threats")
    choice = wins[0] if wins else blocks[0] if blocks else max(counts, key=counts.get)
    why = ("it wins" if wins else f"the only block; it makes {counts[choice]} threats" if blocks
           else f"no win, nothing to block; most threats ({counts[choice]})")
    return "\n".join(verdicts) + f"\nWins: {'none' if not wins else wins}. Blocks: {'none' if not blocks else ', '.join(f'({b // 3},{b % 3})' for b in blocks)}.\n" \
        f"Play ({choice // 3},{choice % 3}): {why}.\nMOVE: {choice // 3},{choice % 3}"


def examples_messages(cells: str, you: str, demos: list[tuple[str, str]]) -> list[dict]:
    rules = ("Tic-tac-toe, '.' is empty, cells are (row,col), 0-based. For each empty cell, read each line through it: "
             "three of yours = win; two of yours and a '.' = threat; two of the opponent's and yours = block. "
             "Play a win; else the block; else the cell with the most threats (two threats at once win). End with MOVE: row,col")
    messages = [{"role": "system", "content": rules}]
    for demo, mover in demos:
        messages += [{"role": "user", "content": examples_question(demo, mover)}, {"role": "assistant", "content": worked(demo, mover)}]
    return messages + [{"role": "user", "content": examples_question(cells, you)}]


def demonstrations(game: pyspiel.Game, held_out: set[tuple[int, ...]]) -> list[tuple[str, str]]:
    """Three fork positions outside the test set: 'x' to move, 'o' to move, and one whose winning move is a block."""
    picked: dict[str, tuple[str, str]] = {}
    for position in builtin_positions(1000):
        if position.kind != "fork" or tuple(position.history) in held_out:
            continue
        state = state_after(game, position.history)
        cells, you = "".join(str(state).split()), "x" if state.current_player() == 0 else "o"
        key = "block" if threats(cells, "o" if you == "x" else "x") else you
        picked.setdefault(key, (cells, you))
    return [picked["x"], picked["o"], picked["block"]]


def score(text: str | None) -> float | None:
    """The rating in a reply's last `SCORE: n`, else None (bounded input, a linear pattern)."""
    found = re.findall(r"SCORE\W{0,4}(\d{1,2})", (text or "")[-2000:], flags=re.IGNORECASE)
    return min(10.0, float(found[-1])) if found else None


async def looked_ahead(model: Model, cells: str, you: str, them: str, tokens: int, n: int) -> list[int | None]:
    """The empty cell whose resulting board the model rates highest (its N ratings averaged; unrated boards skipped)."""
    empty = [i for i, c in enumerate(cells) if c == "."]

    async def rate(i: int) -> float | None:
        after = cells[:i] + you + cells[i + 1 :]
        replies = await model.ask([{"role": "user", "content": lookahead_prompt(after, you, them)}], tokens, n)
        scores = [s for s in map(score, replies) if s is not None]
        return sum(scores) / len(scores) if scores else None

    ratings = await asyncio.gather(*(rate(i) for i in empty))
    rated = [(r, i) for r, i in zip(ratings, empty) if r is not None]
    return [max(rated)[1]] if rated else [None]


def cell(text: str | None) -> int | None:
    """The cell a `row,col` in the text names (its last one), else None; bounded input, a linear pattern."""
    found = re.findall(r"([0-2])\s*,\s*([0-2])", (text or "")[-2000:])
    return int(found[-1][0]) * 3 + int(found[-1][1]) if found else None


def numbered(text: str | None) -> int | None:
    """The cell a printed number 0-8 names (the last one), else None."""
    found = re.findall(r"\b([0-8])\b", (text or "")[-200:])
    return int(found[-1]) if found else None


async def repaired(model: Model, prompt: str, cells: str, tokens: int, rounds: int) -> list[int | None]:
    """One program, fixed by the model from the sandbox's error up to `rounds` times: the move it finally prints."""
    messages = [{"role": "user", "content": prompt}]
    for _ in range(rounds + 1):
        (reply,) = await model.ask(messages, tokens)
        program = read_program(reply)
        execution = await run_python(program, LIMITS) if program is not None else None
        move = cell(execution.stdout[-200:]) if execution is not None and execution.ok else None
        if move is not None and cells[move] == ".":
            return [move]
        problem = ("there is no ```python block in your reply" if execution is None
                   else f"it failed:\n{(execution.stderr or execution.stdout)[-600:]}" if not execution.ok
                   else f"it printed {execution.stdout[-100:]!r}, not an empty cell as row,col")
        messages += [{"role": "assistant", "content": reply},
                     {"role": "user", "content": f"I ran your program and {problem}\nFix it. Reply with the whole program, in one ```python block."}]
    return [None]


async def one(model: Model, variant: str, cells: str, you: str, tokens: int, n: int, rounds: int = 2, demos=()) -> list[int | None]:
    them = "o" if you == "x" else "x"
    if variant == "repair":
        return await repaired(model, program_prompt(cells, you, them), cells, tokens, rounds)
    if variant == "lookahead":
        return await looked_ahead(model, cells, you, them, tokens, n)
    if variant == "examples":
        return moved(await model.ask(examples_messages(cells, you, demos), tokens, n))
    prompts = {"program": program_prompt, "rule": rule_prompt, "lines": lines_prompt}
    replies = await model.ask([{"role": "user", "content": prompts[variant](cells, you, them)}], tokens, n)
    if variant == "program":
        return [cell(await program_answer(reply)) for reply in replies]
    if variant == "rule":
        return [numbered(await program_answer(reply)) for reply in replies]
    return moved(replies)


def moved(replies: list[str]) -> list[int | None]:
    """The cell each reply's last `MOVE:` names, else None."""
    return [cell(reply.split("MOVE:")[-1]) if "MOVE:" in reply else None for reply in replies]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", required=True)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--variant", choices=("program", "repair", "lines", "lookahead", "examples", "rule"), required=True)
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--n", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="repair: fixes after the first program")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--per-kind", type=int, default=10)
    parser.add_argument("--kinds", default="fork,save")
    args = parser.parse_args()
    game = pyspiel.load_game("tic_tac_toe")
    solver = ExactSolver(game)
    model = Model(args.backend, args.model, args.temperature)
    slots = asyncio.Semaphore(4)
    positions = [p for p in builtin_positions(args.per_kind) if p.kind in args.kinds.split(",")]
    demos = demonstrations(game, {tuple(p.history) for p in builtin_positions(30) + positions}) if args.variant == "examples" else []

    async def run(position):
        state = state_after(game, position.history)
        judged = judge(game, position.history, solver)
        cells = "".join(str(state).split())
        async with slots:
            moves = await one(model, args.variant, cells, "x" if state.current_player() == 0 else "o", args.tokens, args.n, args.rounds, demos)
        votes = collections.Counter(m for m in moves if m is not None and m in state.legal_actions())
        move = votes.most_common(1)[0][0] if votes else None
        best = move in judged.best
        print(json.dumps({"id": position.id, "kind": position.kind, "moves": moves, "move": move, "best": best}), flush=True)
        return position.kind, best

    found = await asyncio.gather(*(run(p) for p in positions))
    for kind in args.kinds.split(","):
        hits = [best for k, best in found if k == kind]
        spent = (f"up to {args.rounds + 1} programs x {args.tokens} tokens" if args.variant == "repair"
                 else f"{args.n} x {args.tokens} tokens per empty cell, the best rated played" if args.variant == "lookahead"
                 else f"{args.n} x {args.tokens} tokens, vote")
        print(f"{kind}: {sum(hits)} / {len(hits)} best moves ({args.variant}, {spent})")
    print(f"generated: {model.generated / len(positions):.0f} tokens per position (counted by ponder)")


if __name__ == "__main__":
    asyncio.run(main())
