"""Few-shot plain-text prompts for base models, and the checks made before a checkpoint loads."""

import asyncio

import pytest

from ponder.generators.base import GeneratorError
from ponder.generators.checkpoint import check_memory, locate
from ponder.embedded.tiny import EmbeddedGenerator
from ponder.embedded.codec import countdown_prompt
from ponder.generators.few_shot import FewShotGenerator, fill, load_few_shot
from ponder.types import Message, SamplingParams


def test_a_template_without_a_slot_gets_the_problem_appended(tmp_path):
    path = tmp_path / "shots.txt"
    path.write_text("Q: 1 + 1?\nA: 2\n\nQ: ")
    assert fill(load_few_shot(path), [Message("system", "Be brief."), Message("user", "2 + 2?")]) == "Be brief.\n\nQ: 1 + 1?\nA: 2\n\nQ: 2 + 2?"


@pytest.mark.parametrize("content", [None, "  \n"])
def test_a_missing_or_empty_few_shot_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "shots.txt"
    if content is not None:
        path.write_text(content)
    with pytest.raises(GeneratorError, match="few-shot file"):
        load_few_shot(path)


def test_a_model_that_cannot_complete_plain_text_refuses_a_few_shot_prompt():
    with pytest.raises(GeneratorError, match="cannot continue plain text"):
        FewShotGenerator(EmbeddedGenerator(), "{prompt}")


def test_stop_strings_end_local_candidates_and_are_left_out():
    """The embedded model answers countdown with expressions like '5+5+7': stopping at '+' ends each
    candidate at its first sum."""
    local = EmbeddedGenerator().local
    prompt = countdown_prompt([3, 5, 7, 11], 24)
    free, _ = local.sample_text(prompt, 4, SamplingParams(max_tokens=48, seed=0))
    stopped, _ = local.sample_text(prompt, 4, SamplingParams(max_tokens=48, seed=0, stop=("+",)))
    assert any("+" in c.text for c in free)
    assert all("+" not in c.text for c in stopped)
    assert sum(c.completion_tokens for c in stopped) < sum(c.completion_tokens for c in free)


def test_a_checkpoint_too_large_for_memory_is_refused_with_its_size(tmp_path):
    model = EmbeddedGenerator().local
    directory = tmp_path / "model"
    model.model.save_pretrained(directory)
    with pytest.raises(GeneratorError, match=r"GiB to load in float32, but only 0\.0 GiB"):
        check_memory(directory, "torch.float32", available=1000)
    check_memory(directory, "torch.float32", available=10**12)  # fits: no error


def test_a_path_that_is_neither_a_directory_nor_a_gguf_file_is_refused(tmp_path):
    with pytest.raises(GeneratorError, match="no model at"):
        locate(tmp_path / "missing.bin")


def test_a_thinking_models_answer_ends_at_a_stop_string():
    from ponder.embedded.think import EmbeddedThinkGenerator
    from ponder.thinking.budget import thinking_budget, with_thinking

    params = with_thinking(SamplingParams(seed=3, stop=("+",)), thinking_budget(64))
    generation = asyncio.run(EmbeddedThinkGenerator().generate([Message("user", "Use the numbers 3, 5, 7 and 11 to make 24.")], 4, params))
    assert all("+" not in c.text for c in generation.completions)
