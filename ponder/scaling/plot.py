"""The report's figures (matplotlib, no display needed): accuracy vs compute per strategy with CI bands
and coverage as the upper reference; the held-out compute-optimal frontier against the baseline."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from pathlib import Path
from typing import Sequence

import numpy as np

from ponder.scaling.analysis import Analysis
from ponder.scaling.curves import COVERAGE, CurvePoint
from ponder.strategies.registry import SPECS

LABELS = {COVERAGE: "coverage (pass@k)", **{name: spec.label for name, spec in SPECS.items()}}
# One colour per strategy, in registry order (single, best_of_n, majority, weighted_majority, revise, adaptive, ...).
PALETTE = ("tab:gray", "tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")
COLORS = {COVERAGE: "black", **{name: PALETTE[i % len(PALETTE)] for i, name in enumerate(SPECS)}}


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _by_curve(points: Sequence[CurvePoint]) -> dict[str, list[CurvePoint]]:
    grouped: dict[str, list[CurvePoint]] = defaultdict(list)
    for point in points:
        grouped[point.strategy].append(point)
    return {k: sorted(v, key=lambda p: p.mean_tokens) for k, v in grouped.items()}


def scaling_figure(analysis: Analysis, title: str, stem: Path) -> list[Path]:
    """Accuracy vs generated tokens per problem (log x), one line per strategy with its 95% CI band,
    coverage dashed on top, fitted laws dotted. Writes stem.png and stem.svg."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(9.5, 5.2), dpi=120)
    fits = {fit.curve: fit for fit in analysis.fits if fit.r2 is not None}
    curves = _by_curve(analysis.points)
    labels = {curve: LABELS.get(curve, curve) for curve in curves}
    for curve in same_as_coverage(curves):  # one line, one legend entry: a line hidden under another says nothing
        labels[curve] = f"{labels[curve]} = {LABELS[COVERAGE]}: the verifier is exact"
        curves.pop(COVERAGE)
    for curve, group in curves.items():
        x = np.array([p.mean_tokens for p in group])
        y = np.array([p.accuracy for p in group])
        color = COLORS.get(curve)
        if curve == COVERAGE:  # the upper reference
            style = dict(linestyle="--", marker="s", markersize=4, linewidth=2.6, zorder=1, alpha=0.7)
        else:
            style = dict(marker="o", markersize=8 if len(group) == 1 else 4, linewidth=1.6, zorder=3)
        ax.plot(x, y, color=color, label=labels[curve], **style)
        ax.fill_between(x, [p.ci_low for p in group], [p.ci_high for p in group], color=color, alpha=0.15, linewidth=0)
        fit = fits.get(curve)
        if fit is not None and len(group) >= 2:
            grid = np.geomspace(x.min(), x.max(), 60)
            if curve == COVERAGE:
                per_sample = x[0] / group[0].candidates
                fitted = np.exp(fit.parameters["a"] * np.power(grid / per_sample, -fit.parameters["b"]))
            else:
                fitted = fit.parameters["intercept"] + fit.parameters["slope"] * np.log10(grid)
            ax.plot(grid, fitted, color=color, linestyle=":", linewidth=1.1, alpha=0.9)
    handles, labels = ax.get_legend_handles_labels()
    handles.append(plt.Line2D([], [], color="gray", linestyle=":", linewidth=1.1))
    labels.append("fitted law")
    _style(ax, "generated tokens per problem (generator + verifier, log scale)", title, handles, labels)
    fig.text(0.01, 0.01, "bands: 95% bootstrap CI over problems", fontsize=7.5, color="dimgray")
    return _save(plt, fig, stem)


def same_as_coverage(curves: dict[str, list[CurvePoint]]) -> list[str]:
    """The strategies whose every point is coverage's (best-of-N with an exact verifier): drawn once."""
    reference = curves.get(COVERAGE)
    if not reference:
        return []
    key = lambda group: [(p.candidates, round(p.accuracy, 12), round(p.mean_tokens, 9)) for p in group]  # noqa: E731
    return [curve for curve, group in curves.items() if curve != COVERAGE and key(group) == key(reference)][:1]


def frontier_figure(analysis: Analysis, title: str, stem: Path) -> list[Path]:
    """The held-out compute-optimal frontier against the baseline (and adaptive, when run)."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(9.5, 4.6), dpi=120)
    curves = _by_curve(analysis.points)
    merged = same_as_coverage(curves)
    for curve in (analysis.baseline, "majority", "adaptive", COVERAGE):
        if curve in curves and (curve != "majority" or analysis.baseline != "majority") and not (curve == COVERAGE and merged):
            group = curves[curve]
            label = LABELS.get(curve, curve) + (f" = {LABELS[COVERAGE]}: the verifier is exact" if curve in merged else "")
            ax.plot([p.mean_tokens for p in group], [p.accuracy for p in group], marker="o", markersize=3.5,
                    color=COLORS.get(curve), linestyle="--" if curve == COVERAGE else "-", label=label)
    frontier = sorted(analysis.frontier, key=lambda p: p.cost)
    if frontier:
        ax.plot([p.cost for p in frontier], [p.accuracy for p in frontier], color="tab:cyan", marker="D", markersize=3.5,
                linewidth=2, label="compute-optimal (held-out, oracle difficulty bins)")
    if analysis.efficiency is not None:
        e = analysis.efficiency
        ax.annotate("", xy=(e.optimal_compute, e.accuracy), xytext=(e.baseline_compute, e.accuracy),
                    arrowprops=dict(arrowstyle="->", color="tab:cyan", linewidth=1.5))
        ax.text(np.sqrt(e.optimal_compute * e.baseline_compute), e.accuracy - 0.04, f"{e.ratio:.2f}x less compute",
                ha="center", va="top", fontsize=9, color="tab:cyan", zorder=5,
                bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none", alpha=0.9))  # never under a curve
    _style(ax, "generated tokens per problem (log scale)", title, *ax.get_legend_handles_labels())
    return _save(plt, fig, stem)


def _style(ax, xlabel: str, title: str, handles: list, labels: list) -> None:
    """Log compute against accuracy in [0, 1], grid, legend outside on the right."""
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy")
    ax.set_title(textwrap.fill(title, 60), fontsize=11)  # the legend takes the right: a long title wraps, never runs off
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False)
    readable_log_axis(ax)


def readable_log_axis(ax) -> None:
    """Plain numbers on the log axis (1, 2, 5 per decade) instead of bare powers of ten, and the data's own
    ends labelled when no such tick falls near them (a range inside one decade would show one number)."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator

    low, high = ax.dataLim.x0, ax.dataLim.x1
    ticks = [t for t in LogLocator(base=10, subs=(1.0, 2.0, 5.0)).tick_values(low, high) if low <= t <= high]
    for end in (low, high):
        if low > 0 and not any(abs(np.log10(t / end)) < 0.12 for t in ticks):
            ticks.append(float(f"{end:.2g}"))
    ax.xaxis.set_major_locator(FixedLocator(sorted(ticks)))
    ax.xaxis.set_minor_locator(LogLocator(base=10, subs=np.arange(1, 10) * 1.0))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}" if x >= 1 else f"{x:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda x, _: ""))


def _save(plt, fig, stem: Path) -> list[Path]:
    fig.tight_layout()
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.savefig(paths[0])
    fig.savefig(paths[1], metadata={"Date": None})  # no timestamp: re-rendering gives the same file
    plt.close(fig)
    return paths
