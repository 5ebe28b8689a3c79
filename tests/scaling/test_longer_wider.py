"""Think longer vs wider: combining sweeps at several thinking budgets (pure logic, known answers)."""

import json

from ponder.scaling.curves import COVERAGE, CurvePoint
from ponder.scaling.longer_wider import combine, frontier, longer, tokens_to_match, wider, write


def point(strategy, k, tokens, accuracy):
    return CurvePoint(strategy, k, tokens, accuracy, accuracy - 0.05, accuracy + 0.05)


POINTS = {
    64: [point("think", 1, 60, 0.40), point("best_of_n", 1, 60, 0.40), point("best_of_n", 4, 240, 0.60),
         point("best_of_n", 16, 960, 0.70), point(COVERAGE, 16, 960, 0.70)],
    256: [point("think", 1, 200, 0.55), point("best_of_n", 1, 200, 0.55), point("best_of_n", 4, 800, 0.80)],
    1024: [point("think", 1, 450, 0.72), point("best_of_n", 4, 1800, 0.90)],
}


def test_longer_is_one_chain_at_growing_budgets_and_wider_is_k_chains_at_the_shortest():
    points = combine(POINTS)
    assert all(p.strategy != COVERAGE for p in points)
    assert [(p.thinking_tokens, p.accuracy) for p in longer(points, "think")] == [(64, 0.40), (256, 0.55), (1024, 0.72)]
    assert [(p.chains, p.accuracy) for p in wider(points, "best_of_n")] == [(1, 0.40), (4, 0.60), (16, 0.70)]


def test_the_frontier_keeps_only_points_no_cheaper_point_beats():
    front = frontier(combine(POINTS))
    assert [(p.mean_tokens, p.accuracy) for p in front] == [(60, 0.40), (200, 0.55), (240, 0.60), (450, 0.72), (800, 0.80), (1800, 0.90)]


def test_tokens_to_match_compares_the_frontier_with_the_wider_curves_best():
    points = combine(POINTS)
    match = tokens_to_match(frontier(points), wider(points, "best_of_n"))
    assert match["accuracy"] == 0.70 and match["wider_tokens"] == 960 and match["frontier_tokens"] == 450
    assert abs(match["share"] - 450 / 960) < 1e-12


def test_write_leaves_a_table_a_record_and_both_figures(tmp_path):
    record = write(tmp_path, POINTS)
    assert json.loads((tmp_path / "longer_vs_wider.json").read_text()) == json.loads(json.dumps(record))
    assert "47%" in (tmp_path / "longer_vs_wider.md").read_text()
    assert (tmp_path / "longer_vs_wider.png").stat().st_size > 0 and (tmp_path / "longer_vs_wider.svg").stat().st_size > 0


def allocation_tables():
    """Eight problems: four easy ones one short chain solves, four hard ones only four long chains solve."""
    import numpy as np

    from ponder.scaling.allocate import Table

    problems = tuple(f"p{i}" for i in range(8))
    easy = np.array([1.0] * 4 + [0.0] * 4)
    short = Table(problems, (("think", 1), ("best_of_n", 4)), np.stack([easy, easy], 1), np.array([[50.0, 200.0]] * 8), easy)
    hard_solved = np.array([1.0] * 8)
    long = Table(problems, (("think", 1), ("best_of_n", 4)), np.stack([easy, hard_solved], 1), np.array([[400.0, 1600.0]] * 8),
                 np.array([1.0] * 4 + [0.25] * 4))
    return {64: short, 1024: long}


def test_the_allocator_gives_easy_problems_one_short_chain_and_hard_ones_k_long_chains():
    from ponder.scaling.longer_wider import allocate

    result = allocate(allocation_tables(), accuracy=1.0, bins=2, seed=0)
    policy = result["policy"]
    assert policy["accuracy"] == 1.0 and policy["tokens"] == (50 + 1600) / 2  # half the problems each way
    chosen = sorted((b["pass1_up_to"] is None, b["strategy"], b["chains"], b["thinking_tokens"]) for b in policy["bins"])
    assert chosen == [(False, "best_of_n", 4, 1024), (True, "think", 1, 64)]  # hard bin (pass@1 0.25), easy bin
    assert max(p["accuracy"] for p in result["held_out"]) == 1.0  # the halves agree, so held out reaches it too


def test_write_adds_the_allocator_when_every_budget_has_its_table(tmp_path):
    points = {64: [point("think", 1, 50, 0.5), point("best_of_n", 4, 200, 0.5)],
              1024: [point("think", 1, 400, 0.5), point("best_of_n", 4, 1600, 1.0)]}
    record = write(tmp_path, points, tables=allocation_tables(), bins=2)
    policy = record["allocator"]["policy"]  # the wider-only best is 50%, which one short chain each already reaches
    assert (policy["reaches"], policy["accuracy"], policy["tokens"]) == (0.5, 0.5, 50.0)
    assert "Compute-optimal allocation per difficulty bin" in (tmp_path / "longer_vs_wider.md").read_text()


def test_another_models_wider_curve_is_drawn_matched_and_offered_to_the_allocator(tmp_path):
    import numpy as np

    from ponder.scaling.allocate import Table
    from ponder.scaling.longer_wider import Other

    points = {64: [point("think", 1, 50, 0.5), point("best_of_n", 4, 200, 0.5)],
              1024: [point("think", 1, 400, 0.5), point("best_of_n", 4, 1600, 1.0)]}
    problems = tuple(f"p{i}" for i in range(8))
    # another model: 16 cheap answers solve the hard half (and the easy one) for 80 tokens
    cheap = Table(problems, (("best_of_n", 16),), np.ones((8, 1)), np.full((8, 1), 80.0), np.ones(8))
    other = Other("tiny", [point("best_of_n", 1, 5, 0.2), point("best_of_n", 16, 80, 1.0)], cheap)
    record = write(tmp_path, points, tables=allocation_tables(), bins=2, others=[other])
    match = record["others"]["tiny"]["tokens_to_match_wider"]
    assert (match["accuracy"], match["wider_tokens"], match["frontier_tokens"]) == (1.0, 80, 1600)
    policy = record["allocator"]["policy"]
    assert policy["reaches"] == 1.0 and policy["accuracy"] == 1.0
    assert policy["tokens"] == (50 + 80) / 2  # easy bin: one short chain; hard bin: the other model's 16 answers
    assert {b["model"] for b in policy["bins"]} == {None, "tiny"}
    assert "tiny, think wider" in (tmp_path / "longer_vs_wider.md").read_text()


def test_compare_needs_thinking_budgets_and_a_finished_sweep(tmp_path):
    from processes import run_cli

    alone = run_cli("scale", "--task", "countdown", "--out", str(tmp_path / "a"), "--compare", str(tmp_path))
    assert alone.returncode == 2 and "--compare needs --thinking-budgets" in alone.stderr
    missing = run_cli("scale", "--task", "countdown", "--thinking-budgets", "64", "--out", str(tmp_path / "b"), "--compare", str(tmp_path))
    assert missing.returncode == 2 and "no sweep in" in missing.stderr and "Traceback" not in missing.stderr
