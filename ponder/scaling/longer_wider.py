"""Think longer vs think wider: one figure and table from sweeps run at several thinking budgets.

`ponder scale --thinking-budgets L1,L2,...` sweeps once per budget L (a pool of N chains per problem,
each drawn with its thought capped at L: every point is what running with that cap produces, never
read off a longer chain). Each (strategy, k chains, L) is then a point at its mean generated tokens:
- *longer*: one chain (k = 1) at growing L;
- *wider*: k chains at the smallest L (the shortest thought the sweep tried);
- *both*: every (k, L);
and the frontier: the points no other point beats with fewer tokens. `tokens_to_match` says how many
tokens the frontier needs to reach the best accuracy of the wider-only curve, as a share of what the
wider curve spent (Snell et al. 2024 compare sequential and parallel scaling the same way).

The compute-optimal allocator (`allocate`) chooses one (strategy, k, L) per difficulty bin (Snell et
al. 2024's per-bin choice, solved exactly by `scaling.allocate`): every budget's options joined in one
table over the same problems, difficulty being each problem's pass@1 at the longest budget (oracle
difficulty). Its curve is held out: choices made on one half of the problems, scored on the other.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ponder.scaling.allocate import Table, held_out_frontier, policies, targets_between
from ponder.scaling.curves import COVERAGE, CurvePoint
from ponder.scaling.plot import readable_log_axis


@dataclass(frozen=True)
class BudgetPoint:
    strategy: str
    chains: int  # k
    thinking_tokens: int  # L, the cap of each chain
    mean_tokens: float
    accuracy: float
    ci_low: float
    ci_high: float


def combine(points_by_budget: Mapping[int, Sequence[CurvePoint]]) -> list[BudgetPoint]:
    """Every strategy point of every budget's sweep (coverage left out: it is a bound, not a strategy)."""
    return [
        BudgetPoint(p.strategy, p.candidates, budget, p.mean_tokens, p.accuracy, p.ci_low, p.ci_high)
        for budget, points in sorted(points_by_budget.items())
        for p in points
        if p.strategy != COVERAGE
    ]


def frontier(points: Sequence[BudgetPoint]) -> list[BudgetPoint]:
    """Points that no cheaper-or-equal point matches in accuracy, by tokens.

    >>> a, b, c = (BudgetPoint("s", 1, L, t, acc, 0, 1) for L, t, acc in ((64, 50, .3), (128, 90, .2), (256, 150, .5)))
    >>> [p.thinking_tokens for p in frontier([a, b, c])]
    [64, 256]
    """
    best = -1.0
    kept = []
    for point in sorted(points, key=lambda p: (p.mean_tokens, -p.accuracy)):
        if point.accuracy > best:
            kept.append(point)
            best = point.accuracy
    return kept


def longer(points: Sequence[BudgetPoint], strategy: str) -> list[BudgetPoint]:
    return sorted((p for p in points if p.chains == 1 and p.strategy == strategy), key=lambda p: p.thinking_tokens)


def wider(points: Sequence[BudgetPoint], strategy: str) -> list[BudgetPoint]:
    shortest = min(p.thinking_tokens for p in points)
    return sorted((p for p in points if p.thinking_tokens == shortest and p.strategy == strategy), key=lambda p: p.chains)


def tokens_to_match(front: Sequence[BudgetPoint], target: Sequence[BudgetPoint]) -> dict | None:
    """Tokens the frontier needs to reach the target curve's best accuracy, against the target's own."""
    if not target:
        return None
    best = max(target, key=lambda p: (p.accuracy, -p.mean_tokens))
    reaching = [p for p in front if p.accuracy >= best.accuracy]
    if not reaching:
        return None
    cheapest = min(reaching, key=lambda p: p.mean_tokens)
    return {"accuracy": best.accuracy, "wider_tokens": best.mean_tokens, "frontier_tokens": cheapest.mean_tokens,
            "share": cheapest.mean_tokens / best.mean_tokens, "frontier_point": asdict(cheapest)}


def joint_table(tables: Mapping[str, Table], difficulty_from: str) -> Table:
    """One table of every source's options, (f"{strategy}@{source}", k), over the problems every source
    has; difficulty: each problem's pass@1 in the source `difficulty_from` (the longest budget)."""
    sources = list(tables)
    common = [pid for pid in tables[sources[0]].problems if all(pid in tables[s].problems for s in sources)]
    values, costs, options = [], [], []
    for source in sources:
        table = tables[source]
        rows = [table.problems.index(pid) for pid in common]
        values.append(table.value[rows])
        costs.append(table.cost[rows])
        options += [(f"{strategy}@{source}", k) for strategy, k in table.options]
    reference = tables[difficulty_from]
    difficulty = reference.difficulty[[reference.problems.index(pid) for pid in common]]
    return Table(tuple(common), tuple(options), np.hstack(values), np.hstack(costs), difficulty)


def allocate(tables: Mapping[int, Table], accuracy: float, bins: int, seed: int, others: Mapping[str, Table] | None = None) -> dict:
    """The per-difficulty-bin choice of (strategy, k, L) — and of another model's options when `others`
    are given: held-out points over compute, and the policy (chosen on every problem) that reaches
    `accuracy` most cheaply, else the most accurate one."""
    sources = {f"L={budget}": tables[budget] for budget in sorted(tables)} | dict(others or {})
    table = joint_table(sources, f"L={max(tables)}")
    mean_cost = table.cost.mean(axis=0)
    held = held_out_frontier(table, targets_between(float(mean_cost.min()), float(mean_cost.max())), bins, np.random.default_rng(seed))
    front = policies(table, np.arange(len(table.problems)), bins)
    policy = next((p for p in front if p.accuracy >= accuracy - 1e-12), front[-1])

    def choice(option) -> dict:
        strategy, source = option[0].rsplit("@", 1)
        budget = int(source.removeprefix("L=")) if source.startswith("L=") else None
        return {"model": None if budget is not None else source, "strategy": strategy, "chains": option[1], "thinking_tokens": budget}

    return {
        "estimate": "difficulty = pass@1 at the longest budget (oracle); held_out points choose on one half of the problems and score the other",
        "problems": len(table.problems),
        "sources": list(sources),
        "held_out": [{"target": p.target, "tokens": p.cost, "accuracy": p.accuracy} for p in held],
        "policy": {
            "tokens": policy.cost, "accuracy": policy.accuracy, "reaches": accuracy,
            "bins": [{"pass1_above": low, "pass1_up_to": high, **choice(option)} for low, high, option in policy.bins()],
        },
    }


@dataclass(frozen=True)
class Other:
    """Another model's sweep on the same problems (say ponder-tiny, answering without a thought): its
    `parallel` curve is drawn as another think-wider curve, and its options join the allocator."""

    name: str
    points: Sequence[CurvePoint]
    table: Table | None = None


def write(out: Path, points_by_budget: Mapping[int, Sequence[CurvePoint]], single: str = "think", parallel: str = "best_of_n",
          tables: Mapping[int, Table | None] | None = None, bins: int = 4, seed: int = 0, others: Sequence[Other] = ()) -> dict:
    """longer_vs_wider.json / .md / .png / .svg in `out`; returns the JSON record. With every budget's
    option table, the compute-optimal (k, L) allocator too."""
    points = combine(points_by_budget)
    front = frontier(points)
    wide = wider(points, parallel)
    other_wide = {o.name: sorted((BudgetPoint(p.strategy, p.candidates, 0, p.mean_tokens, p.accuracy, p.ci_low, p.ci_high)
                                  for p in o.points if p.strategy == parallel), key=lambda p: p.chains) for o in others}
    usable = {b: t for b, t in (tables or {}).items() if t is not None}
    other_tables = {o.name: o.table for o in others if o.table is not None}
    widest = max([p.accuracy for p in wide] + [p.accuracy for curve in other_wide.values() for p in curve], default=0.0)
    allocator = (allocate(usable, widest, bins, seed, other_tables)
                 if wide and usable and len(usable) == len(points_by_budget) else None)
    record = {
        "estimate": "each budget's points come from its own pool of chains drawn with that thinking cap (exact for that cap)",
        "longer": [asdict(p) for p in longer(points, single)],
        "wider": [asdict(p) for p in wider(points, parallel)],
        "frontier": [asdict(p) for p in front],
        "tokens_to_match_wider": tokens_to_match(front, wide),
        "others": {name: {"wider": [asdict(p) for p in curve], "tokens_to_match_wider": tokens_to_match(front, curve)}
                   for name, curve in other_wide.items()},
        "allocator": allocator,
        "points": [asdict(p) for p in points],
    }
    (out / "longer_vs_wider.json").write_text(json.dumps(record, indent=1) + "\n")
    lines = ["| strategy | chains k | thinking tokens L | tokens/problem | accuracy | 95% CI | on frontier |", "|---|---|---|---|---|---|---|"]
    on_front = {(p.strategy, p.chains, p.thinking_tokens) for p in front}
    for p in sorted(points, key=lambda p: p.mean_tokens):
        mark = "yes" if (p.strategy, p.chains, p.thinking_tokens) in on_front else ""
        lines.append(f"| {p.strategy} | {p.chains} | {p.thinking_tokens} | {p.mean_tokens:,.0f} | {p.accuracy:.1%} | "
                     f"{p.ci_low:.1%}–{p.ci_high:.1%} | {mark} |")
    match = record["tokens_to_match_wider"]
    if match:
        lines.append(f"\nThe frontier reaches the wider-only curve's best accuracy ({match['accuracy']:.1%}) with "
                     f"{match['frontier_tokens']:,.0f} tokens per problem, {match['share']:.0%} of the wider curve's {match['wider_tokens']:,.0f}.")
    for name, other in record["others"].items():
        match, curve = other["tokens_to_match_wider"], other["wider"]
        best = max(curve, key=lambda p: p["accuracy"]) if curve else None
        if best is not None:
            lines.append(f"\n{name}, think wider ({parallel}, up to {best['chains']} answers): best {best['accuracy']:.1%} at "
                         f"{best['mean_tokens']:,.0f} tokens per problem; " + (
                             f"the frontier reaches it with {match['frontier_tokens']:,.0f} ({match['share']:.0%} of its tokens)."
                             if match else "the frontier never reaches it."))
    if allocator is not None:
        policy = allocator["policy"]
        lines.append(f"\nCompute-optimal allocation per difficulty bin (pass@1 at the longest budget; chosen on all "
                     f"{allocator['problems']} problems): {policy['accuracy']:.1%} at {policy['tokens']:,.0f} tokens per problem.\n")
        lines += ["| pass@1 above | up to | model | strategy | chains k | thinking tokens L |", "|---|---|---|---|---|---|"]
        for b in policy["bins"]:
            low = "–" if b["pass1_above"] is None else f"{b['pass1_above']:.2f}"
            high = "–" if b["pass1_up_to"] is None else f"{b['pass1_up_to']:.2f}"
            lines.append(f"| {low} | {high} | {b['model'] or 'this one'} | {b['strategy']} | {b['chains']} | {b['thinking_tokens'] or '–'} |")
        cheapest_first = sorted(allocator["held_out"], key=lambda p: p["tokens"])
        reach = next((p for p in cheapest_first if p["accuracy"] >= policy["reaches"] - 1e-12), None)
        lines.append("\nHeld out (chosen on half the problems, scored on the other half; sources: " + ", ".join(allocator["sources"]) + "): "
                     + (f"reaches the best think-wider accuracy ({policy['reaches']:.1%}) at {reach['tokens']:,.0f} tokens per problem."
                        if reach else f"best {max(p['accuracy'] for p in allocator['held_out']):.1%}, short of the best think-wider accuracy ({policy['reaches']:.1%})."))
    (out / "longer_vs_wider.md").write_text("\n".join(lines) + "\n")
    figure(out / "longer_vs_wider", points, front, single, parallel, allocator, other_wide)
    return record


def figure(stem: Path, points: Sequence[BudgetPoint], front: Sequence[BudgetPoint], single: str, parallel: str, allocator: dict | None = None,
           others: Mapping[str, Sequence[BudgetPoint]] | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9.5, 5.2), dpi=120)
    budgets = sorted({p.thinking_tokens for p in points})
    for index, budget in enumerate(budgets):  # every k x L, faint, one line per L
        group = sorted((p for p in points if p.thinking_tokens == budget and p.strategy == parallel), key=lambda p: p.chains)
        ax.plot([p.mean_tokens for p in group], [p.accuracy for p in group], color="tab:gray", alpha=0.35, marker=".", linewidth=1,
                label=f"k chains at each L ({parallel}; L = {', '.join(str(b) for b in budgets)})" if index == 0 else None)
    for label, group, color in (("think longer (1 chain, growing L)", longer(points, single), "tab:red"),
                                (f"think wider ({parallel}, k chains at L = {budgets[0]})", wider(points, parallel), "tab:blue")):
        if group:
            ax.plot([p.mean_tokens for p in group], [p.accuracy for p in group], color=color, marker="o", linewidth=2, label=label)
            ax.fill_between([p.mean_tokens for p in group], [p.ci_low for p in group], [p.ci_high for p in group], color=color, alpha=0.15, linewidth=0)
    ax.plot([p.mean_tokens for p in front], [p.accuracy for p in front], color="black", linestyle="--", linewidth=1.5,
            label="frontier over all k x L (both)")
    for (name, curve), color in zip((others or {}).items(), ("tab:purple", "tab:orange", "tab:brown")):
        ax.plot([p.mean_tokens for p in curve], [p.accuracy for p in curve], color=color, marker="^", linewidth=1.5,
                label=f"think wider: {name} ({parallel}, k answers)")
        ax.fill_between([p.mean_tokens for p in curve], [p.ci_low for p in curve], [p.ci_high for p in curve], color=color, alpha=0.12, linewidth=0)
    if allocator is not None:
        held = sorted(allocator["held_out"], key=lambda p: p["tokens"])  # by what it spent: the line runs left to right
        ax.plot([p["tokens"] for p in held], [p["accuracy"] for p in held], color="tab:green", marker="s", markersize=3, linewidth=1.5,
                label="compute-optimal (k, L) per difficulty bin, held out")
    ax.set_xscale("log")
    readable_log_axis(ax)
    ax.set_xlabel("generated tokens per problem (thought and answer, log scale)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.set_title("Think longer vs think wider at equal tokens")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    for suffix in (".png", ".svg"):
        fig.savefig(stem.with_suffix(suffix))
    plt.close(fig)
