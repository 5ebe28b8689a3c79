"""The games layer's one error type (importable without loading OpenSpiel)."""


class GameError(ValueError):
    """A game cannot be loaded, replayed or solved as asked; the message says why."""
