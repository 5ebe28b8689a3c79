"""Reading replays back: every recorded game re-applied on OpenSpiel's rules (so a record that does not
match the rules is caught) and printed move by move."""

from __future__ import annotations

from pathlib import Path

import pyspiel

from ponder.games.errors import GameError
from ponder.jsonl import json_objects
from ponder.games.rules.openspiel import load
from ponder.games.arena.play import GameRecord, replay_states


def read_replays(path: Path) -> list[GameRecord]:
    """Records from a replays.jsonl file, or from the one in an arena's output folder."""
    file = path / "replays.jsonl" if path.is_dir() else path
    records = []
    for number, record in json_objects(file, GameError, "replays "):
        try:
            records.append(GameRecord.from_dict(record))
        except (KeyError, TypeError, ValueError) as error:
            raise GameError(f"{file}:{number}: not a game record ({error})") from None
    return records


def describe(record: GameRecord, index: int) -> list[str]:
    """A game as lines of text: who sat where, each move (with any invalid attempts), the end."""
    game = load(record.game)
    states = replay_states(game, record)
    perfect = game.get_type().information == pyspiel.GameType.Information.PERFECT_INFORMATION
    lines = [f"game {index}: {record.game} — seat 0 {record.seats[0]}, seat 1 {record.seats[1]} (deal seed {record.deal_seed})"]
    moves = iter(record.moves)
    for k, step in enumerate(record.steps):
        before, after = states[k], states[k + 1]
        if isinstance(step, list):
            entries = [next(moves) for _ in step]
            lines.append("  " + ", ".join(f"seat {e['seat']} {e['move']}{_notes(e)}" for e in entries))
            continue
        if before.is_chance_node():
            lines.append(f"  chance: {before.action_to_string(pyspiel.PlayerId.CHANCE, step)}")
            continue
        entry = next(moves)
        lines.append(f"  seat {entry['seat']} ({record.seats[entry['seat']]}): {entry['move']}{_notes(entry)}")
        if perfect:
            lines.extend("    " + row for row in str(after).strip().splitlines())
    for entry in moves:  # a forfeit is a recorded decision with no step
        lines.append(f"  seat {entry['seat']} ({record.seats[entry['seat']]}): forfeits{_notes(entry)}")
    lines.append(f"  returns: {', '.join(f'seat {s} {v:+g}' for s, v in enumerate(record.returns))}")
    return lines


def _notes(entry: dict) -> str:
    notes = []
    if entry.get("invalid"):
        notes.append(f"{entry['invalid']} invalid attempt(s)")
    if entry.get("errors"):
        notes.append(f"{entry['errors']} generator error(s): {entry.get('error', '')}")
    if entry.get("fallback"):
        notes.append(f"fallback: {entry['fallback']}")
    if "simulations" in entry:
        notes.append(f"{entry['simulations']} simulations")
    if entry.get("completion_tokens"):
        notes.append(f"{entry['completion_tokens']} tokens")
    return f"  [{'; '.join(notes)}]" if notes else ""
