"""Raw continuation rows and the thinking controls of model specs (pure logic, known answers)."""

import pytest

from ponder.generators.base import GeneratorError
from ponder.generators.spec import parse_model_spec
from ponder.thinking.continuation import Continuation
from ponder.generators.remote_thinking import budget_field
from ponder.thinking.budget import ThinkingError

EOS, PAD = 0, 1
LETTERS = {i + 2: c for i, c in enumerate("abc+-#")}
IDS = {c: i for i, c in LETTERS.items()}


def run(row, script):
    """Drive a row as the decoder does: the prompt first, then the scripted 'model' tokens."""
    fed = [row.feed(None)]
    tokens = iter(script)
    while not row.done:
        fed.append(row.feed(next(tokens)))
    return fed


def row(max_tokens=10, stop=(), include_stop=False):
    return Continuation([IDS["a"]], eos=EOS, pad=PAD, decode=lambda t: LETTERS.get(t, ""), max_tokens=max_tokens,
                        stop=stop, include_stop=include_stop)


def test_a_stop_string_ends_the_row_and_is_kept_only_when_asked():
    script = [IDS[c] for c in "ab+c"]
    kept, cut = row(stop=("+",), include_stop=True), row(stop=("+",))
    run(kept, script), run(cut, script)
    assert (kept.text, kept.finish_reason, kept.stop_reason, len(kept.tokens)) == ("ab+", "stop", "+", 3)
    assert cut.text == "ab" and len(cut.tokens) == 3  # the stop string was generated, so it is counted


def test_a_stop_string_spanning_tokens_is_found():
    done = row(stop=("b+",), include_stop=True)
    run(done, [IDS[c] for c in "cab+a"])
    assert done.text == "cab+"


def test_eos_and_max_tokens_end_a_row():
    ended, capped = row(), row(max_tokens=3)
    run(ended, [IDS["a"], EOS])
    run(capped, [IDS["a"]] * 5)
    assert (ended.finish_reason, ended.tokens) == ("stop", [IDS["a"], EOS])
    assert (capped.finish_reason, capped.text) == ("length", "aaa")


def test_thinking_controls_name_a_backend_field_or_client_side_forcing():
    assert budget_field("vllm") == "thinking_token_budget" and budget_field("llama.cpp") == "thinking_budget_tokens"
    assert budget_field("continue") is None and budget_field("field:x_budget") == "x_budget"
    with pytest.raises(ThinkingError, match="unknown thinking control"):
        budget_field("magic")


def test_model_specs_carry_the_thinking_control_and_refuse_unknown_options():
    spec = parse_model_spec("openai:qwen3@http://127.0.0.1:8000/v1?thinking=vllm&format=think-tags")
    assert (spec.model, spec.base_url, spec.thinking, spec.format) == ("qwen3", "http://127.0.0.1:8000/v1", "vllm", "think-tags")
    with pytest.raises(GeneratorError, match="unknown option 'budget'"):
        parse_model_spec("openai:qwen3@http://127.0.0.1:8000/v1?budget=3")


def test_an_unknown_thinking_control_is_refused_when_the_model_loads():
    from ponder.loading import load_generator

    with pytest.raises(GeneratorError, match="unknown thinking control 'magic'"):
        load_generator("openai:qwen3@http://127.0.0.1:9/v1?thinking=magic")
    with pytest.raises(GeneratorError, match="no \\?thinking= control"):
        load_generator("openai:qwen3@http://127.0.0.1:9/v1?format=think-tags")
