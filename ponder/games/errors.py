"""The games layer's one error type (importable without loading OpenSpiel)."""

from ponder.errors import PonderError


class GameError(PonderError, ValueError):
    """A game cannot be loaded, replayed or solved as asked; the message says why."""
