"""Charging a backend's answer: never less than what each choice contains, whatever usage it reports."""

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from ponder.generators.usage_count import UsageCounter
from ponder.types import Completion, SamplingParams

texts = st.text(max_size=40)
choices = st.lists(st.tuples(texts, st.sampled_from(["stop", "length"])), min_size=1, max_size=8)


def charge(counter, completions, reported, params=SamplingParams(max_tokens=16)):
    return asyncio.run(counter.charge(completions, reported, params))


@settings(max_examples=200, deadline=None)
@given(choices=choices, reported=st.one_of(st.none(), st.integers(0, 500)))
def test_no_choice_is_charged_less_than_its_bytes_whatever_the_backend_reports(choices, reported):
    completions = [Completion(text, 0, finish) for text, finish in choices]
    charged = charge(UsageCounter("http://127.0.0.1:9/v1", "bytes"), completions, reported)
    assert all(cost >= len(c.text.encode()) for cost, c in zip(charged, completions))
    if reported is not None and reported >= sum(len(c.text.encode()) for c in completions):
        assert sum(charged) == reported  # a report that covers the choices is charged exactly


def test_llama_cpp_style_one_choice_usage_for_n_choices_is_caught():
    """Four 16-token choices reported as 16 tokens in all: each is charged at least max_tokens."""
    completions = [Completion("x" * 10, 0, "length") for _ in range(4)]
    assert charge(UsageCounter("http://127.0.0.1:9/v1", "bytes"), completions, 16) == [16, 16, 16, 16]


def test_a_stopped_choice_is_charged_its_stop_string_and_end_token_when_the_report_falls_short():
    params = SamplingParams(max_tokens=64, stop=("\n\n",))
    assert charge(UsageCounter("http://127.0.0.1:9/v1", "bytes"), [Completion(" 65", 0, "stop")], 1, params) == [3 + 2 + 1]


def test_reported_mode_trusts_the_backend():
    completions = [Completion("ab", 0, "stop"), Completion("abcdef", 0, "stop")]
    assert charge(UsageCounter("http://127.0.0.1:9/v1", "reported"), completions, 9) == [3, 6]
