"""What an arena found: per-pair win/draw/loss, Bradley–Terry ratings with CIs, how much each player
thought and how often it moved illegally; written as replays.jsonl, ratings.json, a plot and a
self-contained report.html."""

from __future__ import annotations

import html
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ponder.games.arena.config import ArenaConfig, scale_players
from ponder.games.arena.store import STORE_NAME, ArenaStore
from ponder.games.arena.matches import PairPayoff, PairedGain, exploitability_by_hands, pair_payoffs, paired_gains
from ponder.games.arena.play import GameRecord, MatchRecord
from ponder.html_page import embedded_image, page
from ponder.games.players.spec import parse_spec
from ponder.ratings import Rating, Result, rate

THINKING = ("simulations", "completion_tokens", "prompt_tokens", "calls", "seconds", "checks")


@dataclass(frozen=True)
class PlayerStats:
    games: int
    moves: int
    thinking: dict[str, float]  # mean per move of each thinking measure the player reports
    invalid: int  # invalid move attempts (answers missing or illegal)
    fallbacks: int  # moves decided by the invalid-move policy (random fallback)
    forfeits: int


@dataclass(frozen=True)
class ArenaAnalysis:
    names: list[str]
    games: int
    pairs: dict[tuple[int, int], list[float]]  # (i, j) -> [wins, draws, losses, mean return] of i against j
    ratings: list[Rating]
    stats: list[PlayerStats]
    budgets: list[float] | None  # x values when the arena is a --scale run
    failures: int
    cooperation: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)  # (i, j) -> i's cooperation rate, payoff per round (iterated games)
    agreement: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)  # (i, j) -> agreement rate, i's mean value (negotiations)
    payoffs: list[PairPayoff] = field(default_factory=list)  # matches of many hands (--hands) only
    gains: list[PairedGain] = field(default_factory=list)
    exploitability: dict[str, dict[int, float]] = field(default_factory=dict)


def _score(returns: tuple[float, ...], seat: int) -> float:
    mine, theirs = returns[seat], returns[1 - seat]
    return 1.0 if mine > theirs else 0.5 if mine == theirs else 0.0


def analyse(config: ArenaConfig, games: list[tuple[int, int, int, GameRecord]], failures: int, resamples: int = 1000,
            matches: list[tuple[int, int, int, MatchRecord]] = ()) -> ArenaAnalysis:  # type: ignore[assignment]
    """Tables and ratings from the stored games (first, second, round, record), or matches (a match is won by the
    player ahead after all its hands)."""
    names = [parse_spec(p).name for p in config.players]
    count = len(names)
    results = []
    tally: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    moves: list[list[dict[str, Any]]] = [[] for _ in range(count)]
    played = [0] * count
    forfeits = [0] * count
    for first, second, round_, record in games:
        seats = (first, second) if round_ % 2 == 0 else (second, first)
        for seat, player in enumerate(seats):
            other = seats[1 - seat]
            score = _score(record.returns, seat)
            row = tally[(player, other)]
            row[0 if score == 1 else 1 if score == 0.5 else 2] += 1
            row[3] += record.returns[seat]
            played[player] += 1
            forfeits[player] += record.forfeit == seat
        results.append(Result(seats[0], seats[1], _score(record.returns, 0)))
        for move in record.moves:
            moves[seats[move["seat"]]].append(move)
    cooperation = _cooperation(games)
    for first, second, _, match in matches:
        totals = (sum(r[0] for r in match.returns), sum(r[1] for r in match.returns))
        for index, (player, other) in enumerate(((first, second), (second, first))):
            score = _score(totals, index)
            row = tally[(player, other)]
            row[0 if score == 1 else 1 if score == 0.5 else 2] += 1
            row[3] += totals[index] / max(1, len(match.returns))  # mean return per hand
            played[player] += 1
            forfeits[player] += match.forfeits[index]
        results.append(Result(first, second, _score(totals, 0)))
    for row in tally.values():
        row[3] /= max(1, sum(row[:3]))
    stats = []
    for p in range(count):
        thinking = {}
        for key in THINKING:
            values = [m[key] for m in moves[p] if key in m]
            if values:
                thinking[key] = sum(values) / len(moves[p])
        stats.append(PlayerStats(
            played[p], len(moves[p]), thinking, sum(m.get("invalid", 0) for m in moves[p]),
            sum(m.get("fallback") == "random" for m in moves[p]), forfeits[p],
        ))
    budgets = scale_players(config.scale)[1] if config.scale else None
    ratings = rate(count, results, resamples=resamples, seed=config.seed) if results else []
    return ArenaAnalysis(names, len(games) + len(matches), dict(tally), ratings, stats, budgets, failures, cooperation,
                         _agreement(games), pair_payoffs(matches), paired_gains(matches), exploitability_by_hands(matches))


def _agreement(games: list[tuple[int, int, int, GameRecord]]) -> dict[tuple[int, int], tuple[float, float]]:
    """In negotiations (games with an Agree move): how often each pair reached a deal, and each player's mean value."""
    if not any(m.get("move") == "Agree" for *_, record in games for m in record.moves):
        return {}
    tally: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])  # deals, games, value
    for first, second, round_, record in games:
        seats = (first, second) if round_ % 2 == 0 else (second, first)
        deal = any(m.get("move") == "Agree" for m in record.moves)
        for seat, player in enumerate(seats):
            row = tally[(player, seats[1 - seat])]
            row[0] += deal
            row[1] += 1
            row[2] += record.returns[seat]
    return {pair: (deals / count, value / count) for pair, (deals, count, value) in tally.items()}


def _cooperation(games: list[tuple[int, int, int, GameRecord]]) -> dict[tuple[int, int], tuple[float, float]]:
    """In iterated games whose moves include Cooperate: each player's share of Cooperate moves against each
    opponent, and its payoff per round."""
    moves: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])  # cooperations, moves, games
    payoff: dict[tuple[int, int], float] = defaultdict(float)
    if not any(m.get("move") == "Cooperate" for *_, record in games for m in record.moves):
        return {}
    for first, second, round_, record in games:
        seats = (first, second) if round_ % 2 == 0 else (second, first)
        for seat, player in enumerate(seats):
            mine = [m for m in record.moves if m["seat"] == seat]
            row = moves[(player, seats[1 - seat])]
            row[0] += sum(m.get("move") == "Cooperate" for m in mine)
            row[1] += len(mine)
            payoff[(player, seats[1 - seat])] += record.returns[seat] / max(1, len(mine))
            row[2] += 1
    return {pair: (c / max(1, n), payoff[pair] / g) for pair, (c, n, g) in moves.items()}


def write_report(config: ArenaConfig, out: Path) -> ArenaAnalysis:
    """Write replays.jsonl, ratings.json, the plot and report.html under `out`."""
    with ArenaStore(out / STORE_NAME) as store:
        games = store.games(config.games)
        matches = store.matches(config.games)
        failures = len(store.missing(config.games))
    with (out / "replays.jsonl").open("w") as replays:
        for _, _, _, record in games:
            replays.write(json.dumps(record.to_dict()) + "\n")
    analysis = analyse(config, games, failures, matches=matches)
    ratings = {
        "game": config.game, "games": analysis.games, "anchor": analysis.names[0],
        "players": [
            {"name": analysis.names[r.player], "elo": r.elo, "ci95": [r.ci_low, r.ci_high],
             **({"budget": analysis.budgets[r.player]} if analysis.budgets else {})}
            for r in analysis.ratings
        ],
    }
    if analysis.cooperation:
        ratings["cooperation"] = [{"player": analysis.names[i], "opponent": analysis.names[j], "cooperation_rate": share,
                                   "payoff_per_round": per_round} for (i, j), (share, per_round) in sorted(analysis.cooperation.items())]
    if analysis.agreement:
        ratings["agreement"] = [{"player": analysis.names[i], "opponent": analysis.names[j], "agreement_rate": share, "value": value}
                                for (i, j), (share, value) in sorted(analysis.agreement.items())]
    if config.hands is not None:
        ratings["pairs"] = [
            {"player": analysis.names[p.player], "opponent": analysis.names[p.opponent], "hands": p.hands,
             "payoff_per_hand": p.payoff_per_hand, "ci95": _interval(p.ci95),
             "by_hands_observed": [{"from": a, "to": b, "payoff_per_hand": v} for a, b, v in p.by_hands]}
            for p in analysis.payoffs
        ]
        ratings["paired_gains"] = [
            {"player": analysis.names[g.player], "baseline": analysis.names[g.baseline], "opponent": analysis.names[g.opponent],
             "after_hands": g.after, "hands": g.hands, "gain_per_hand": g.gain_per_hand, "ci95": _interval(g.ci95)}
            for g in analysis.gains
        ]
        ratings["exploitability_by_hands"] = {name: {str(h): v for h, v in by.items()} for name, by in analysis.exploitability.items()}
    (out / "ratings.json").write_text(json.dumps(ratings, indent=2) + "\n")
    if analysis.ratings:
        plot(analysis, config, out / "ratings.png")
    if analysis.payoffs:
        plot_payoffs(analysis, out / "payoff_by_hands.png")
    (out / "report.html").write_text(report_html(analysis, config, out), encoding="utf-8")
    return analysis


def plot(analysis: ArenaAnalysis, config: ArenaConfig, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    elo = [r.elo for r in analysis.ratings]
    low = [r.elo - r.ci_low for r in analysis.ratings]
    high = [r.ci_high - r.elo for r in analysis.ratings]
    if analysis.budgets:
        x = analysis.budgets
        ax.fill_between(x, [r.ci_low for r in analysis.ratings], [r.ci_high for r in analysis.ratings], alpha=0.2, color="tab:blue", label="95% CI")
        ax.errorbar(x, elo, yerr=[low, high], marker="o", color="tab:blue", capsize=3, label="Bradley–Terry Elo")
        ax.set_xscale("log", base=2)
        ax.set_xlabel(f"search budget per move ({parse_spec(config.players[0]).kind})")
        ax.set_ylabel("Elo relative to " + analysis.names[0])
        ax.set_title(f"{config.game}: strength vs thinking budget")
        ax.legend(frameon=False)
    else:
        order = sorted(range(len(elo)), key=lambda p: elo[p])
        ax.errorbar([elo[p] for p in order], range(len(order)), xerr=[[low[p] for p in order], [high[p] for p in order]], fmt="o", capsize=3)
        ax.set_yticks(range(len(order)), [analysis.names[p] for p in order])
        ax.set_xlabel("Elo (Bradley–Terry, 95% bootstrap CI)")
        ax.set_title(f"{config.game}: ratings")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_payoffs(analysis: ArenaAnalysis, path: Path) -> None:
    """Payoff per hand against hands observed, one line per (player, opponent) with the player listed first."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=120)
    for pair in analysis.payoffs:
        if pair.player < pair.opponent and pair.by_hands:
            ax.plot([b for _, b, _ in pair.by_hands], [v for _, _, v in pair.by_hands], marker="o",
                    label=f"{analysis.names[pair.player]} vs {analysis.names[pair.opponent]}")
    ax.axhline(0, color="gray", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("hands observed (end of each window)")
    ax.set_ylabel("payoff per hand in the window")
    ax.legend(fontsize=7, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _interval(bounds: tuple[float, float]) -> list[float | None]:
    """An interval for JSON: an unbounded end (one match gives no interval) is null."""
    return [b if math.isfinite(b) else None for b in bounds]


def match_lines(analysis: ArenaAnalysis) -> list[str]:
    """Payoffs per hand, paired gains and learners' exploitability (matches of many hands only)."""
    names = analysis.names
    lines = ["", f"{'player vs opponent':<60} {'hands':>7} {'payoff/hand':>12} {'95% CI over matches':>20}   by hands observed"]
    for p in analysis.payoffs:
        if p.player < p.opponent:
            windows = "  ".join(f"{a}-{b}: {v:+.3f}" for a, b, v in p.by_hands)
            lines.append(f"{names[p.player] + ' vs ' + names[p.opponent]:<60} {p.hands:>7} {p.payoff_per_hand:>+12.3f} "
                         f"{f'[{p.ci95[0]:+.3f}, {p.ci95[1]:+.3f}]':>20}   {windows}")
    if analysis.gains:
        lines += ["", "paired: the first player's payoff minus the second's against the same opponent, same deals and seats"]
        for g in analysis.gains:
            lines.append(f"{names[g.player]} - {names[g.baseline]} vs {names[g.opponent]}, hands after {g.after}: "
                         f"{g.gain_per_hand:+.3f} per hand [{g.ci95[0]:+.3f}, {g.ci95[1]:+.3f}] over {g.hands} hands")
    for name, by in analysis.exploitability.items():
        lines.append(f"{name}: exploitability after " + ", ".join(f"{h} hands {v:.3f}" for h, v in by.items()))
    return lines


def table_lines(analysis: ArenaAnalysis) -> list[str]:
    """The ratings and per-pair results as plain text (what the CLI prints)."""
    lines = [f"{'player':<40} {'Elo':>8} {'95% CI':>20} {'games':>6} {'invalid':>8} {'fallbacks':>9} {'forfeits':>8}"]
    for r in sorted(analysis.ratings, key=lambda r: -r.elo):
        s = analysis.stats[r.player]
        lines.append(f"{analysis.names[r.player]:<40} {r.elo:>8.0f} {f'[{r.ci_low:.0f}, {r.ci_high:.0f}]':>20} {s.games:>6} {s.invalid:>8} {s.fallbacks:>9} {s.forfeits:>8}")
    lines.append("")
    lines.append(f"{'pair (row vs column)':<60} {'W':>5} {'D':>5} {'L':>5} {'mean return':>12}")
    for (i, j), (w, d, l, mean) in sorted(analysis.pairs.items()):
        if i < j:
            lines.append(f"{analysis.names[i] + ' vs ' + analysis.names[j]:<60} {w:>5.0f} {d:>5.0f} {l:>5.0f} {mean:>+12.3f}")
    if analysis.cooperation:
        lines += ["", f"{'player vs opponent':<60} {'cooperates':>10} {'payoff/round':>13}"]
        for (i, j), (share, per_round) in sorted(analysis.cooperation.items()):
            lines.append(f"{analysis.names[i] + ' vs ' + analysis.names[j]:<60} {share:>10.1%} {per_round:>13.2f}")
    if analysis.agreement:
        lines += ["", f"{'player vs opponent':<60} {'deals':>7} {'its value':>10}"]
        for (i, j), (share, value) in sorted(analysis.agreement.items()):
            lines.append(f"{analysis.names[i] + ' vs ' + analysis.names[j]:<60} {share:>7.1%} {value:>10.2f}")
    if analysis.payoffs:
        lines += match_lines(analysis)
    return lines


def report_html(analysis: ArenaAnalysis, config: ArenaConfig, out: Path) -> str:
    names = [html.escape(n) for n in analysis.names]
    image = embedded_image(out / "ratings.png", "ratings with 95% confidence intervals") if (out / "ratings.png").exists() else ""
    keys = [k for k in THINKING if any(k in s.thinking for s in analysis.stats)]
    ratings = "".join(
        f"<tr><td>{names[r.player]}</td>{f'<td>{analysis.budgets[r.player]:g}</td>' if analysis.budgets else ''}"
        f"<td>{r.elo:.0f}</td><td>{r.ci_low:.0f} – {r.ci_high:.0f}</td><td>{analysis.stats[r.player].games}</td></tr>"
        for r in sorted(analysis.ratings, key=lambda r: -r.elo)
    )
    grid = "".join(
        f"<tr><td>{names[i]}</td>" + "".join(
            "<td>—</td>" if i == j else (lambda row: f"<td>{row[0]:.0f} / {row[1]:.0f} / {row[2]:.0f}<br><small>{row[3]:+.2f}</small></td>")(analysis.pairs.get((i, j), [0, 0, 0, 0]))
            for j in range(len(names))
        ) + "</tr>"
        for i in range(len(names))
    )
    thinking = "".join(
        f"<tr><td>{names[p]}</td><td>{s.moves}</td>" + "".join(f"<td>{s.thinking.get(k, 0):,.4g}</td>" for k in keys)
        + f"<td>{s.invalid}</td><td>{s.fallbacks}</td><td>{s.forfeits}</td></tr>"
        for p, s in enumerate(analysis.stats)
    )
    modes = sorted({f"{names[p]}: {html.escape(parse_spec(config.players[p]).options.get('mode', 'listed'))}"
                    for p in range(len(names)) if parse_spec(config.players[p]).kind == "llm"})
    failed = f"<p>{analysis.failures} game(s) failed and were left for a re-run (the store's failures table has every failed attempt).</p>" if analysis.failures else ""
    expected = len(names) * (len(names) - 1) // 2 * config.games
    return page(f"ponder arena: {config.game}", f"""
<h1>Arena: {html.escape(config.game)}</h1>
<p>{analysis.games} of {expected} games played ({config.games} per pair, seats alternating, seed {config.seed}).</p>
{failed}
<h2>Ratings</h2>
{image}
<p>Bradley–Terry ratings on the Elo scale relative to {names[0]} (fixed at 0), fitted by Hunter's MM algorithm with one virtual
draw per pair; a win scores 1, a draw ½ (in general-sum games the higher return wins). 95% intervals: percentile bootstrap over each
pair's games (1000 resamples).</p>
<table><tr><th>player</th>{'<th>budget</th>' if analysis.budgets else ''}<th>Elo</th><th>95% CI</th><th>games</th></tr>{ratings}</table>
<h2>Results by pair</h2>
<p>Row player's wins / draws / losses against the column player, and its mean return.</p>
<table><tr><th></th>{''.join(f'<th>{n}</th>' for n in names)}</tr>{grid}</table>
<h2>Thinking and legality</h2>
<p>Means per move of what each player reports spending. Invalid: move attempts whose answer was missing or illegal; fallbacks: moves
then chosen at random by the stated policy; forfeits: games given up. Legal-move modes: {html.escape(', '.join(modes)) or 'no LLM players'}.</p>
<table><tr><th>player</th><th>moves</th>{''.join(f'<th>{k}/move</th>' for k in keys)}<th>invalid</th><th>fallbacks</th><th>forfeits</th></tr>{thinking}</table>
{cooperation_html(analysis)}
{matches_html(analysis, out)}
<p>Every game is in <code>replays.jsonl</code>; replay one with <code>ponder arena replay {html.escape(str(out))} --index K</code>.</p>
""", width="64rem")


def cooperation_html(analysis: ArenaAnalysis) -> str:
    if analysis.agreement:
        rows = "".join(f"<tr><td>{html.escape(analysis.names[i])}</td><td>{html.escape(analysis.names[j])}</td><td>{share:.1%}</td>"
                       f"<td>{value:.2f}</td></tr>" for (i, j), (share, value) in sorted(analysis.agreement.items()))
        return f"""<h2>Agreements</h2>
<p>How often each pair reached a deal, and each player's mean value (what its share was worth to it; no deal is worth 0).</p>
<table><tr><th>player</th><th>opponent</th><th>deals</th><th>its value</th></tr>{rows}</table>"""
    if not analysis.cooperation:
        return ""
    rows = "".join(f"<tr><td>{html.escape(analysis.names[i])}</td><td>{html.escape(analysis.names[j])}</td><td>{share:.1%}</td>"
                   f"<td>{per_round:.2f}</td></tr>" for (i, j), (share, per_round) in sorted(analysis.cooperation.items()))
    return f"""<h2>Cooperation</h2>
<p>In the iterated game: each player's share of Cooperate moves against each opponent, and its payoff per round.</p>
<table><tr><th>player</th><th>opponent</th><th>cooperates</th><th>payoff / round</th></tr>{rows}</table>"""


def matches_html(analysis: ArenaAnalysis, out: Path) -> str:
    """The section for matches of many hands: payoff per hand against hands observed, paired gains, exploitability."""
    if not analysis.payoffs:
        return ""
    image = embedded_image(out / "payoff_by_hands.png", "payoff per hand against hands observed") if (out / "payoff_by_hands.png").exists() else ""
    text = html.escape("\n".join(match_lines(analysis)).strip())
    return f"""<h2>Payoff per hand against hands observed</h2>
<p>Each match is many hands against one opponent; learning players keep what they saw within the match only. Deals depend on
the round and hand alone, so players listed before a common opponent meet it on the same deals and seats (paired rows).
Intervals: normal approximation over hands.</p>
{image}
<pre>{text}</pre>"""
