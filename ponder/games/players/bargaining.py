"""Fixed negotiators for OpenSpiel's `bargaining` (Lewis et al. 2017's deal-or-no-deal: a pool of items, private
values, alternating offers of what the proposer keeps, `Agree` to take the offer on the table):
- `style:fair` asks for the least that is worth at least half of its own total, and agrees to any offer that
  leaves it at least half;
- `style:greedy` asks for every item it values, and agrees only to offers that leave it 80% of its total.
Both read only their own information state (the pool, their own values, the offers so far).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import pyspiel

from ponder.games.players.base import Move

STYLES = ("fair", "greedy")
GREEDY_ACCEPTS = 0.8
_ITEMS = re.compile(r"(\w+): (\d+)")


def _counts(line: str) -> dict[str, int]:
    return {item: int(n) for item, n in _ITEMS.findall(line)}


def read_view(text: str) -> tuple[dict[str, int], dict[str, int], dict[str, int] | None]:
    """(the pool, my values, the share the last offer keeps for its proposer, or None) from an information state.

    >>> read_view("Pool: Book: 3, Hat: 1\\nMy values: Book: 1, Hat: 5\\nAgreement reached? 0\\nP0 offers: Offer: Book: 3, Hat: 0\\n")
    ({'Book': 3, 'Hat': 1}, {'Book': 1, 'Hat': 5}, {'Book': 3, 'Hat': 0})
    """
    lines = text.splitlines()
    pool = _counts(next(line for line in lines if line.startswith("Pool:")))
    values = _counts(next(line for line in lines if line.startswith("My values:")))
    offers = [line.split("Offer:", 1)[1] for line in lines if "offers: Offer:" in line]
    return pool, values, (_counts(offers[-1]) if offers else None)


def worth(share: dict[str, int], values: dict[str, int]) -> int:
    return sum(values[item] * count for item, count in share.items())


def choose(style: str, state: pyspiel.State, player: int) -> int:
    pool, values, last = read_view(state.information_state_string(player))
    total = worth(pool, values)
    legal = {state.action_to_string(player, a): a for a in state.legal_actions(player)}
    if last is not None and "Agree" in legal:
        mine = {item: pool[item] - last[item] for item in pool}  # the offer keeps `last` for the proposer
        if worth(mine, values) >= (0.5 if style == "fair" else GREEDY_ACCEPTS) * total:
            return legal["Agree"]
    offers = [(_counts(name.split("Offer:", 1)[1]), action) for name, action in legal.items() if name.startswith("Offer:")]
    if style == "greedy":
        return max(offers, key=lambda o: (worth(o[0], values), -sum(o[0].values())))[1]
    enough = [o for o in offers if worth(o[0], values) * 2 >= total] or offers
    return min(enough, key=lambda o: (worth(o[0], values), sum(o[0].values())))[1]


@dataclass(frozen=True)
class Negotiator:
    style: str
    name: str

    async def act(self, state: pyspiel.State, player: int, rng: random.Random) -> Move:
        return Move(choose(self.style, state, player))

    async def distribution(self, state: pyspiel.State, player: int, rng: random.Random) -> dict[int, float]:
        return {choose(self.style, state, player): 1.0}
