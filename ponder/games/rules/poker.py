"""What a seat sees when a poker hand ends: its own information state and return, and — at a showdown, where
nobody folded — every card, as players show them at a real table. OpenSpiel's Kuhn and Leduc poker show no card at
showdown (only the payoff tells who won); the arena adds the showdown so a learner may read it.
"""

from __future__ import annotations

import pyspiel

View = tuple[str, float, str]  # the seat's final information state, its return, the hand's history if shown ("")

_FOLDS = {"leduc_poker": ((0,),), "kuhn_poker": ((1, 0),)}  # last player actions that fold: Leduc's fold; Kuhn's pass to a bet


def showdown(state: pyspiel.State) -> bool:
    """Whether a finished hand of Kuhn or Leduc poker reached a showdown (no one folded); False for other games.

    >>> import pyspiel
    >>> state = pyspiel.load_game("kuhn_poker").new_initial_state()
    >>> for action in (0, 2, 1, 0): state.apply_action(action)    # J and K dealt; bet, pass: a fold
    >>> showdown(state)
    False
    """
    folds = _FOLDS.get(state.get_game().get_type().short_name)
    if folds is None:
        return False
    actions = tuple(step.action for step in state.full_history() if step.player >= 0)
    return not any(actions[-len(fold):] == fold for fold in folds)


def view_of(state: pyspiel.State, seat: int) -> View:
    """What `seat` sees of a finished hand: its information state, its return, and the cards if they were shown."""
    return state.information_state_string(seat), float(state.returns()[seat]), state.history_str() if showdown(state) else ""
