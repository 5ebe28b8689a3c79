"""Write a sweep's results from its store: samples.jsonl, curves.csv, the figures, allocation.json
and a self-contained report.html (figures embedded, no network). Generates nothing; `ponder report`
re-renders with it."""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path
from typing import Any, Sequence

from ponder.errors import PonderError
from ponder.html_page import embedded_image, page
from ponder.scaling.analysis import Analysis, analyse
from ponder.scaling.curves import COVERAGE, CurvePoint
from ponder.scaling.plot import LABELS, frontier_figure, scaling_figure
from ponder.scaling.store import Store, StoredSample
from ponder.strategies.adaptive import PROBE
from ponder.strategies.registry import SPECS
from ponder.thinking.budget import ANSWER_ROOM

CURVE_COLUMNS = ("strategy", "candidates", "mean_tokens", "accuracy", "ci_low", "ci_high", "estimate")


class ReportError(PonderError, ValueError):
    """Nothing to report (no sweep in the folder, or no complete pool yet)."""


def estimate_of(point: CurvePoint, sequential: frozenset[str]) -> str:
    if point.strategy in sequential:
        return "run per budget"
    spec = SPECS.get(point.strategy)
    if spec is not None and spec.pool is not None and not spec.pool.exact and point.candidates > 1:
        return "seeded subset resampling"
    return "exact over all subsets"


def write_samples(path: Path, samples: Sequence[StoredSample]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for stored in samples:
            s = stored.sample
            out.write(json.dumps({
                "problem_id": s.problem_id, "sample_index": s.sample_index, "answer": s.answer, "correct": s.correct,
                "score": s.score, "prompt_tokens": s.prompt_tokens, "completion_tokens": s.completion_tokens,
                "verifier_tokens": s.verifier_tokens, "finish_reason": stored.finish_reason, "text": stored.text,
            }, ensure_ascii=False) + "\n")


def write_curves(path: Path, analysis: Analysis) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CURVE_COLUMNS)
        for p in analysis.points:
            writer.writerow([p.strategy, p.candidates, f"{p.mean_tokens:.3f}", f"{p.accuracy:.6f}", f"{p.ci_low:.6f}",
                             f"{p.ci_high:.6f}", estimate_of(p, analysis.sequential)])


def allocation_record(analysis: Analysis) -> dict[str, Any] | None:
    if analysis.allocation is None:
        return None
    policy = analysis.allocation
    return {
        "strategy": "adaptive",
        "difficulty": "probe estimate: mean verifier score of the first 2 samples (answer agreement without a verifier)",
        "probe": PROBE,
        "expected_tokens_per_problem": policy.cost,
        "expected_accuracy_in_sample": policy.accuracy,
        "bins": [
            {"above": above, "up_to": up_to, "strategy": strategy, "candidates": candidates}
            for above, up_to, (strategy, candidates) in policy.bins()
        ],
    }


def stored_analysis(out: Path) -> tuple[Analysis, dict, list, list]:
    """The analysis of the sweep stored in `out`, its settings, stored samples and failures (writes nothing)."""
    path = out / "sweep.sqlite"
    if not path.exists():
        raise ReportError(f"no sweep in {out} (missing sweep.sqlite); run `ponder scale --out {out}` first")
    with Store(path) as store:
        settings = store.get("settings")
        order = store.get("problem_order")
        if settings is None or order is None:
            raise ReportError(f"the sweep in {out} has not stored its settings yet")
        stored = store.samples(order)
        runs = store.runs()
        failures = store.failures()
    try:
        analysis = analyse([s.sample for s in stored], runs, order, settings["strategies"], settings["samples"], settings["seed"], settings["bins"])
    except ValueError as error:
        raise ReportError(f"cannot report on {out}: {error}") from None
    return analysis, settings, stored, failures


def render(out: Path) -> Analysis:
    """Re-render every output in `out` from its store."""
    analysis, settings, stored, failures = stored_analysis(out)
    write_samples(out / "samples.jsonl", stored)
    write_curves(out / "curves.csv", analysis)
    thinking = f", L = {settings['thinking_tokens']:,} thinking tokens" if settings.get("thinking_tokens") is not None else ""
    title = f"{settings['model']} on {settings['task']}{thinking}: {len(analysis.problems)} problems, N = {settings['samples']}"
    scaling_figure(analysis, title, out / "scaling")
    frontier_figure(analysis, f"compute-optimal allocation ({settings['task']}{thinking})", out / "frontier")
    record = allocation_record(analysis)
    if record is not None:
        (out / "allocation.json").write_text(json.dumps(record, indent=2) + "\n")
    (out / "report.html").write_text(report_html(analysis, settings, out, len(failures)), encoding="utf-8")
    return analysis


def _policy_table(analysis: Analysis) -> str:
    """Which option each oracle difficulty bin gets, in the policy chosen on every problem."""
    policy = analysis.oracle_policy
    if policy is None:
        return ""
    rows = "".join(
        f"<tr><td>{_bound(above, '−∞')} &lt; pass@1 ≤ {_bound(up_to, '∞')}</td><td>{html.escape(LABELS.get(s, s))}</td><td>{k}</td></tr>"
        for above, up_to, (s, k) in policy.bins()
    )
    return (f"<p>Chosen on all problems (in-sample), the cheapest oracle-bin policy matching the baseline's best accuracy spends "
            f"{policy.cost:,.1f} tokens/problem for {_pct(policy.accuracy)}:</p>"
            f"<table><tr><th>difficulty bin</th><th>strategy</th><th>candidates</th></tr>{rows}</table>")


def _difficulty_table(analysis: Analysis, bins: int) -> str:
    """Accuracy (and tokens) of every option per oracle difficulty bin; the best strategy at each budget
    and bin in bold (Snell et al. 2024's view: which strategy wins at which difficulty and budget)."""
    if analysis.table is None:
        return ""
    from ponder.scaling.allocate import by_difficulty

    edges, rows = by_difficulty(analysis.table, bins)
    bounds = [None, *edges, None]
    head = "".join(f"<th>{_bound(bounds[i], '−∞')} &lt; pass@1 ≤ {_bound(bounds[i + 1], '1')}</th>" for i in range(len(edges) + 1))
    best: dict[tuple[int, int], float] = {}
    for row in rows:
        for b, accuracy in enumerate(row.accuracy):
            best[(row.option[1], b)] = max(best.get((row.option[1], b), -1.0), accuracy)
    body = ""
    for row in sorted(rows, key=lambda r: (r.option[1], r.option[0])):
        strategy, k = row.option
        cells = "".join(
            ("<td><b>{}</b> ({:,.0f})</td>" if accuracy >= best[(k, b)] - 1e-12 else "<td>{} ({:,.0f})</td>").format(_pct(accuracy), cost)
            for b, (accuracy, cost) in enumerate(zip(row.accuracy, row.cost))
        )
        body += f"<tr><td>{html.escape(LABELS.get(strategy, strategy))}</td><td>{k}</td>{cells}</tr>"
    return ("<h2>Accuracy by difficulty</h2><p>Problems binned by oracle difficulty (pass@1 from the pool); per bin each option's "
            "accuracy and, in brackets, its tokens per problem. Bold: the best strategy at that budget in that bin.</p>"
            f"<table><tr><th>strategy</th><th>budget</th>{head}</tr>{body}</table>")


def _bound(value: float | None, infinite: str) -> str:
    return infinite if value is None else f"{value:.3f}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def summary_lines(analysis: Analysis) -> list[str]:
    """The headline numbers in words (also printed by the CLI)."""
    best: dict[str, CurvePoint] = {}
    for p in analysis.points:
        if p.strategy not in best or p.candidates > best[p.strategy].candidates:
            best[p.strategy] = p
    lines = []
    for curve in [*[s for s in best if s != COVERAGE], COVERAGE]:
        p = best[curve]
        lines.append(f"{LABELS.get(curve, curve)} at {p.candidates} candidates: {_pct(p.accuracy)} "
                     f"[{_pct(p.ci_low)}, {_pct(p.ci_high)}], {p.mean_tokens:,.0f} tokens/problem")
    e = analysis.efficiency
    if e is not None:
        name = LABELS.get(e.baseline, e.baseline)
        if e.reached_baseline_best:
            lines.append(f"efficiency ratio {e.ratio:.2f}: {name} needs {e.baseline_compute:,.0f} tokens/problem to reach its best "
                         f"accuracy, {_pct(e.accuracy)}; the held-out compute-optimal policy reaches it with {e.optimal_compute:,.0f} tokens/problem")
        else:
            lines.append(f"efficiency ratio {e.ratio:.2f} at {_pct(e.accuracy)}, the held-out compute-optimal policy's best (it falls short "
                         f"of {name}'s best, {_pct(e.baseline_best)}): {name} needs {e.baseline_compute:,.0f} tokens/problem, "
                         f"the policy {e.optimal_compute:,.0f} tokens/problem")
        if analysis.oracle_policy is not None:
            policy = analysis.oracle_policy
            bins = "; ".join(f"pass@1 ≤ {_bound(up_to, '1')}: {strategy} ×{k}" for _, up_to, (strategy, k) in policy.bins())
            lines.append(f"compute-optimal choice per difficulty bin (all problems, in-sample): {bins}")
    else:
        lines.append("efficiency ratio: not available (needs a pool strategy baseline and a held-out frontier reaching it)")
    return lines


def distinct_policies(frontier) -> list:
    """The held-out frontier in order of compute target, one row per distinct held-out outcome (a larger
    target often picks the same policy again: the same row, said once, at the smallest target)."""
    rows, seen = [], set()
    for point in sorted(frontier, key=lambda p: p.target):
        if (point.cost, point.accuracy) not in seen:
            seen.add((point.cost, point.accuracy))
            rows.append(point)
    return rows


def sampling_text(settings: dict[str, Any]) -> str:
    """How each sample was drawn, in words: with a thinking budget, the thought and the answer both counted."""
    head = f"temperature {settings['temperature']}, top-p {settings['top_p']}"
    thinking = settings.get("thinking_tokens")
    if thinking is None:
        return f"{head}, at most {settings['max_new_tokens']:,} new tokens"
    return (f"{head}, a chain of thought of at most {thinking:,} thinking tokens then the answer "
            f"(at most {thinking + ANSWER_ROOM:,} new tokens in all)")


def report_html(analysis: Analysis, settings: dict[str, Any], out: Path, failures: int) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(LABELS.get(p.strategy, p.strategy))}</td><td>{p.candidates}</td><td>{p.mean_tokens:,.1f}</td>"
        f"<td>{_pct(p.accuracy)}</td><td>{_pct(p.ci_low)} – {_pct(p.ci_high)}</td><td>{estimate_of(p, analysis.sequential)}</td></tr>"
        for p in analysis.points
    )
    fits = "".join(
        f"<tr><td>{html.escape(LABELS.get(f.curve, f.curve))}</td><td>{html.escape(f.law)}</td>"
        f"<td>{', '.join(f'{k} = {v:.4g}' for k, v in f.parameters.items()) or html.escape(f.note)}</td>"
        f"<td>{'' if f.r2 is None else f'{f.r2:.3f}'}</td><td>{f.points}</td></tr>"
        for f in analysis.fits
    )
    frontier = "".join(
        f"<tr><td>{p.target:,.1f}</td><td>{p.cost:,.1f}</td><td>{_pct(p.accuracy)}</td></tr>" for p in distinct_policies(analysis.frontier)
    )
    allocation = allocation_record(analysis)
    policy = "".join(
        f"<tr><td>{_bound(b['above'], '−∞')} &lt; d ≤ {_bound(b['up_to'], '∞')}</td>"
        f"<td>{html.escape(b['strategy'])}</td><td>{b['candidates']}</td></tr>"
        for b in (allocation or {}).get("bins", [])
    )
    sequential = ", ".join(sorted(analysis.sequential)) or "none"
    excluded = (f"<p class=warn>{len(analysis.excluded)} problem(s) have an incomplete pool and are left out: "
                f"{html.escape(', '.join(analysis.excluded[:20]))}{' …' if len(analysis.excluded) > 20 else ''}. "
                "Re-run the same command to retry them.</p>") if analysis.excluded else ""
    failed = f"<p>{failures} failed attempt(s) were recorded and retried with backoff (see the store's failures table).</p>" if failures else ""
    summary = "".join(f"<li>{html.escape(line)}</li>" for line in summary_lines(analysis))
    title = f"ponder scaling report: {settings['task']}"
    return page(title, f"""
<h1>What inference compute buys: {html.escape(settings['model'])} on {html.escape(settings['task'])}</h1>
<p>{len(analysis.problems)} problems, N = {analysis.samples_per_problem} samples each ({sampling_text(settings)}), seed {settings['seed']}.</p>
{excluded}{failed}
<ul>{summary}</ul>
<h2>Accuracy vs compute</h2>
{embedded_image(out / 'scaling.png', 'accuracy vs generated tokens per strategy')}
<h2>Every point</h2>
<p>Compute is generated tokens per problem (generator, plus verifier tokens for strategies that consult the verifier).
Pool strategies charge all k samples (no early stop). Intervals: 95% percentile bootstrap over problems (2000 resamples).</p>
<table><tr><th>strategy</th><th>candidates</th><th>tokens/problem</th><th>accuracy</th><th>95% CI</th><th>estimate</th></tr>{rows}</table>
<h2>Fitted laws</h2>
<p>Coverage: c(k) = exp(a·k<sup>−b</sup>) (Brown et al. 2024, “Large Language Monkeys”), least squares in log(−log c).
Strategies: accuracy = intercept + slope·log10(tokens); the slope is accuracy gained per tenfold compute. R² is in accuracy units.</p>
<table><tr><th>curve</th><th>law</th><th>parameters</th><th>R²</th><th>points</th></tr>{fits}</table>
{_difficulty_table(analysis, settings['bins'])}
<h2>Compute-optimal allocation</h2>
{embedded_image(out / 'frontier.png', 'compute-optimal frontier vs the baseline')}
<p>Following Snell et al. 2024: each problem's difficulty is its pass@1 estimate from its pool (oracle difficulty), binned into
{settings['bins']} quantile bins; per bin a (strategy, candidates) option is chosen to maximise accuracy at a given average compute
(exact, by merging the bins' Pareto fronts). The choice is cross-validated: chosen on one half of the problems, scored on the other,
then swapped. Baseline: {html.escape(LABELS.get(analysis.baseline or '', str(analysis.baseline)))}.</p>
<p>One row per distinct held-out outcome, by compute target (tokens/problem). Held-out accuracy can dip as the target grows: the
policy is chosen on the other half of the problems.</p>
<table><tr><th>compute target (tokens/problem)</th><th>held-out tokens/problem</th><th>held-out accuracy</th></tr>{frontier}</table>
{_policy_table(analysis)}
<h3>The adaptive strategy's policy</h3>
<p>At run time the oracle is not available: <code>adaptive</code> estimates difficulty d from a 2-sample probe and looks up its bin
(written to <code>allocation.json</code>; use it with <code>ponder solve --strategy adaptive --allocation allocation.json</code>).
This policy is the cheapest on probe-difficulty bins (all problems) that matches the baseline's best accuracy.</p>
<table><tr><th>probe difficulty</th><th>strategy</th><th>candidates</th></tr>{policy}</table>
<h2>Method notes</h2>
<ul>
<li>Sample once, estimate every budget: pass@k is the unbiased estimator of Chen et al. 2021; best-of-k and majority-of-k are exact
expectations over all size-k subsets of each pool; weighted majority averages 500 seeded random subsets per problem and budget.</li>
<li>Strategies run per budget (they cannot be subsampled from a pool): {html.escape(sequential)}.</li>
<li>Adaptive runs at budget k use, for each problem, a policy chosen on the other half of the problems at the baseline's compute for k.</li>
</ul>
""")
