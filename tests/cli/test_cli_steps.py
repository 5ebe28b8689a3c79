"""`ponder solve` and `ponder scale` with the step-search strategies, as a user runs them."""

import json

import pytest

from processes import run_cli


def test_solve_with_beam_keeps_generator_plus_prm_tokens_within_max_tokens(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a", "numbers": [3, 5, 7, 11], "target": 24}\n{"id": "b", "numbers": [4, 9, 6, 2], "target": 30}\n')
    for prm in ("exact", "learned"):
        trace = tmp_path / f"{prm}.jsonl"
        done = run_cli("solve", "--task", "countdown", "--input", str(path), "--model", "ponder-think", "--strategy", "beam",
                       "--prm", prm, "--beam-width", "2", "--max-tokens", "300", "--seed", "3", "--json", "--trace", str(trace))
        assert done.returncode == 0, done.stderr
        records = [json.loads(line) for line in done.stdout.splitlines()]
        assert [r["id"] for r in sorted(records, key=lambda r: r["id"])] == ["a", "b"]
        for record in records:
            usage = record["usage"]
            assert usage["completion_tokens"] + usage["verifier_tokens"] <= 300
            assert usage["verifier_calls"] > 0 and usage["steps"] > 0
            assert (usage["verifier_tokens"] > 0) == (prm == "learned")
        shown = run_cli("trace", "show", str(trace))
        assert shown.returncode == 0 and shown.stdout.count("search tree:") == 2 and " = " in shown.stdout


@pytest.mark.parametrize("args, message", [
    (("--strategy", "beam"), "needs a process verifier"),
    (("--strategy", "best_of_n", "--prm", "exact"), "takes no option"),
    (("--strategy", "dvts", "--prm", "nonsense"), "unknown process verifier"),
    (("--strategy", "beam", "--prm", "exact", "--beam-width", "0"), "beam_width must be at least 1"),
])
def test_step_search_flags_are_checked_in_one_line(args, message):
    done = run_cli("solve", "--task", "arithmetic", "--count", "1", *args)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_scale_puts_step_search_beside_best_of_n_with_a_difficulty_breakdown(tmp_path):
    out = tmp_path / "run"
    done = run_cli("scale", "--task", "arithmetic", "--model", "ponder-tiny", "--samples", "4", "--problems", "6",
                   "--strategies", "best_of_n,beam,dvts,step_mcts", "--prm", "exact", "--out", str(out))
    assert done.returncode == 0, done.stderr
    curves = (out / "curves.csv").read_text()
    for strategy in ("beam", "dvts", "step_mcts"):
        assert f"{strategy},4," in curves and f"{strategy},1," in curves
    report = (out / "report.html").read_text()
    assert "Accuracy by difficulty" in report and "beam search over steps" in report
    refused = run_cli("scale", "--task", "arithmetic", "--samples", "2", "--problems", "2", "--strategies", "beam", "--out", str(tmp_path / "x"))
    assert refused.returncode != 0 and "need --prm" in refused.stderr
