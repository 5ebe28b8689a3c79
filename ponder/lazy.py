"""Registries name what they hold as 'module:name' text, imported when first asked for (so listing
names, as the CLI's help does, imports none of the heavy modules behind them)."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any, Callable


@cache
def resolve(path: str) -> Callable[..., Any]:
    """The function (or class) a 'module:name' path names, imported once.

    >>> resolve("fractions:Fraction")(1, 2)
    Fraction(1, 2)
    """
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
