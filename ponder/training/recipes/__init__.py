"""The recipes of the weights ponder ships (`ponder.embedded`): each trains one model from scratch,
reproducibly (fixed seed, one process, CPU), and never runs at install time or in CI. One entry point
runs them all: `ponder recipe NAME --out DIR` with a flag per field of the recipe's config."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    module: str  # holds `<config>` (a frozen dataclass, one field per flag) and `train(config, out, on_progress)`
    config: str
    summary: str


RECIPES = {
    "tiny-model": Recipe("ponder.training.recipes.tiny_model", "TrainConfig", "ponder-tiny: countdown and multiplication in a compact language"),
    "think-model": Recipe("ponder.training.recipes.think_model", "ThinkTrainConfig", "ponder-think: searches countdown in its chain of thought"),
    "prm-model": Recipe("ponder.training.recipes.prm_model", "PRMTrainConfig", "the learned process verifier, from rollouts of both models"),
}
