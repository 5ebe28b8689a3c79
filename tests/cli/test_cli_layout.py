"""What a new user meets at the command line: fast start-up, readable logs, sensible labels."""

import io
import subprocess
import sys

import pytest

from ponder.cli.progress import Progress
from processes import run_cli

PROBE = "import sys\nfrom ponder.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass\nprint(sorted(m for m in ('torch', 'transformers', 'matplotlib', 'pyspiel') if m in sys.modules))"


@pytest.mark.parametrize("args", [["--help"], ["tasks"], ["scale", "--help"], ["arena", "--help"]])
def test_help_and_tasks_import_no_model_stack(args):
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_progress_off_a_terminal_prints_a_few_lines_not_a_bar():
    stream = io.StringIO()
    with Progress("sweep", "sample", 1000, stream=stream, interval=3600) as bar:
        for done in range(1, 1001):
            bar.update(done, postfix={"tokens": done * 10})
    assert "\r" not in stream.getvalue()
    assert stream.getvalue().splitlines() == [stream.getvalue().splitlines()[0]]
    assert stream.getvalue().startswith("sweep: 1000/1000 samples (100%), tokens 10000, ")


def test_progress_off_a_terminal_reports_every_interval():
    stream = io.StringIO()
    bar = Progress("games", "game", 3, stream=stream, interval=0)
    for done in (1, 2, 3):
        bar.update(done)
    bar.close()
    assert [line.split(",")[0] for line in stream.getvalue().splitlines()] == ["games: 1/3 games (33%)", "games: 2/3 games (67%)",
                                                                             "games: 3/3 games (100%)", "games: 3/3 games (100%)"]
    bar.close()
    assert len(stream.getvalue().splitlines()) == 4  # closing twice prints the final line once


def test_a_logged_solve_writes_no_carriage_returns():
    done = run_cli("solve", "--task", "arithmetic", "--count", "4", "--max-candidates", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "\r" not in done.stderr and lines and lines[-1].startswith("4 problems")
    assert all(line.startswith("solving: ") for line in lines[:-1])  # milestone lines only (one per 10 s on a slow machine)


def test_a_problem_typed_as_text_is_answered_under_a_readable_label():
    done = run_cli("solve", "What is 482 × 913?", "--max-candidates", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("answer: ") and "cli:" not in done.stdout


def test_scale_still_takes_max_candidates_with_a_deprecation_warning(tmp_path):
    done = run_cli("scale", "--task", "arithmetic", "--problems", "2", "--max-candidates", "2", "--strategies", "single",
                   "--max-new-tokens", "48", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "deprecated" in done.stderr and "--samples" in done.stderr
    assert '"samples": 2' in (tmp_path / "manifest.json").read_text()
