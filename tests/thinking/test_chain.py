"""Budget forcing for one chain (pure logic, driven by scripted model tokens)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ponder.thinking.chain import Chain, Vocabulary

EOS, PAD = 0, 1
VOCAB = Vocabulary(end_of_thought=ord("#"), eos=EOS, pad=PAD, encode=lambda text: [ord(c) for c in text],
                   decode=lambda token: chr(token) if token > 1 else "")


class Echo:
    """A tool that answers every 'x?' call with '=42;'."""

    def respond(self, written):
        return "=42;" if written.endswith("?") else None


def drive(chain: Chain, script: str, limit: int = 10_000) -> str:
    """Feed the model's scripted tokens (EOS when the script runs out); return what was written after the prompt."""
    tokens = iter([ord(c) for c in script])
    written = [chain.feed(None)]
    while not chain.done and len(written) < limit:  # the model's next token is only read when nothing is forced
        written.append(chain.feed(PAD if chain.queue else next(tokens, EOS)))
    return "".join(VOCAB.decode(t) for t in written)


def make(prompt="P:", cap=100, minimum=0, tool=None, max_answer=8):
    return Chain([ord(c) for c in prompt], VOCAB, cap=cap, minimum=minimum, close=[ord("#")], cue=[ord("W")],
                 max_answer=max_answer, tool=tool)


def test_a_chain_that_ends_its_own_thought_writes_it_then_answers():
    chain = make()
    assert drive(chain, "abc#42") == "P:abc#42"
    assert (chain.thinking_tokens, chain.close_tokens, len(chain.answer)) == (3, 0, 4)  # '#', '4', '2', EOS
    assert chain.finish_reason == "stop"


def test_at_the_cap_the_thought_is_closed_and_the_model_answers():
    chain = make(cap=4)
    assert drive(chain, "abcdefg") == "P:abcd#efg"
    assert (chain.thinking_tokens, chain.close_tokens) == (4, 1)


def test_an_early_end_before_the_minimum_is_replaced_by_the_cue():
    chain = make(minimum=5)
    out = drive(chain, "ab#cd#ok")
    assert out == "P:abWcd#ok"  # the first '#' came at 2 thinking tokens: 'W' instead
    assert chain.thinking_tokens == 5 and chain.cue_tokens == 1


def test_tool_output_is_appended_inside_the_thought_and_counted():
    chain = make(tool=Echo())
    assert drive(chain, "x?#a") == "P:x?=42;#a"
    assert (chain.thinking_tokens, chain.tool_tokens) == (6, 4)


def test_tool_output_that_would_pass_the_cap_is_cut_there():
    chain = make(cap=4, tool=Echo())
    assert drive(chain, "x?zzz") == "P:x?=4#zzz"
    assert (chain.thinking_tokens, chain.tool_tokens, chain.close_tokens) == (4, 2, 1)


def test_a_zero_cap_answers_at_once():
    chain = make(cap=0)
    assert drive(chain, "42") == "P:#42"
    assert chain.thinking_tokens == 0


@settings(max_examples=300, deadline=None)
@given(
    script=st.text(alphabet="ab?#", max_size=200),
    cap=st.integers(0, 60),
    minimum=st.integers(0, 80),
    tool=st.booleans(),
    max_answer=st.integers(1, 10),
)
def test_the_thought_never_passes_its_cap_and_the_completion_never_passes_cap_close_and_answer(script, cap, minimum, tool, max_answer):
    chain = make(cap=cap, minimum=minimum, tool=Echo() if tool else None, max_answer=max_answer)
    out = drive(chain, script)
    assert chain.done
    assert chain.thinking_tokens <= cap
    assert chain.completion_tokens <= cap + 1 + max_answer
    assert len(out) - len("P:") == chain.completion_tokens - (1 if chain.answer and chain.answer[-1] == EOS else 0)
    if chain.close_tokens == 0 and chain.thinking_tokens < min(minimum, cap):
        assert False, "the thought ended before its minimum without being forced"


def test_a_thought_that_ends_in_words_runs_python_blocks_as_they_close():
    """The Python tool's format on a local decoder: the closed block runs in the real sandbox, its output is
    forced into the thought, and the words "Final answer:" end the thought (no end-of-thought token)."""
    from ponder.tools.python import FINAL, PythonTool

    chain = Chain([ord(c) for c in "P:"], VOCAB, cap=200, close=[ord(c) for c in FINAL], cue=[], max_answer=8,
                  tool=PythonTool().session(""), end_text=FINAL)
    out = drive(chain, "```python\nprint(6 * 7)\n```\nIt is 42.\nFinal answer: 42")
    assert "```output\n42\n```" in out and out.endswith("Final answer: 42")
    assert chain.tool_tokens == len("\n```output\n42\n```\n") and chain.close_tokens == 0
    assert VOCAB.decode(chain.answer[0]) == " " and chain.finish_reason == "stop"
