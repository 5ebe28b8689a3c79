"""The base of every error whose message is meant for the user (bad input, a refused setting, an
unreachable backend). The CLI prints such an error as one line and exits 2; anything else is a bug."""


class PonderError(Exception):
    """An error with a message for the user."""
