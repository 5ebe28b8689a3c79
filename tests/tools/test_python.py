"""The Python tool inside a chain: a closed ```python block is run in the real sandbox as the model writes it, its
output is appended to the thought and charged as tool tokens; a backend that drops stop strings (llama.cpp) is
handled. The backend here is scripted (its rounds are fixed texts, as llama.cpp returns them); the sandbox is real."""

import asyncio
from dataclasses import dataclass, field

from ponder.generators.base import Capabilities
from ponder.generators.remote_thinking import RemoteThinking, Round
from ponder.thinking.budget import thinking_budget, with_thinking
from ponder.thinking.formats import python_tool
from ponder.tools.python import PythonTool, complete_block, dropped_stop
from ponder.types import Message, SamplingParams

QUESTION = [Message("user", "What is 1234 * 5678 - 99?")]


@dataclass
class ScriptedRounds:
    """Returns fixed round texts in turn, like llama.cpp: stop strings left out of the text."""

    texts: list[str]
    name: str = "scripted-rounds"
    parameter_count: int | None = None
    capabilities: Capabilities = Capabilities(continues=True)
    seen: list[tuple[list[Message], tuple[str, ...]]] = field(default_factory=list)

    def calls_for(self, n: int) -> int:
        return n

    def prompt_tokens_bound(self, messages) -> int:
        return 10

    async def continue_message(self, messages, params, *, max_tokens, stop=(), timeout=None) -> Round:
        self.seen.append((list(messages), tuple(stop)))
        text = self.texts[len(self.seen) - 1]
        return Round(text=text, tokens=min(max_tokens, len(text.split())), prompt_tokens=10, finish_reason="stop")


def think(rounds: list[str], cap: int = 200, tools: bool = True):
    backend = ScriptedRounds(rounds)
    generator = RemoteThinking(backend, "continue", python_tool())
    params = with_thinking(SamplingParams(temperature=0, max_tokens=cap + 64), thinking_budget(cap, tools=tools))
    return asyncio.run(generator.generate(QUESTION, 1, params)).completions[0], backend


def test_a_closed_block_runs_in_the_sandbox_and_its_output_joins_the_thought():
    completion, backend = think(["Let me compute.\n```python\nprint(1234 * 5678 - 99)\n", "So it is 7006553.", " 7006553"])
    assert "```output\n7006553\n```" in completion.reasoning
    assert completion.text == "7006553" and completion.tool_tokens > 0
    assert backend.seen[0][0] == QUESTION  # no opening: the first round is a plain reply
    assert backend.seen[1][0][-1].content.endswith("```output\n7006553\n```\n")  # the model continues after the output
    assert backend.seen[2][0][-1].content.endswith("\nFinal answer:")  # the thought closed, then the answer


def test_without_the_tool_no_block_runs():
    completion, backend = think(["```python\nprint(2 ** 10)\n```\nIt prints 1024.", " 1024"], tools=False)
    assert "```output" not in completion.reasoning and completion.tool_tokens == 0
    assert backend.seen[0][1] == ("\nFinal answer:",)  # no tool stop asked for


def test_a_failing_block_shows_its_error_and_nothing_escapes():
    completion, _ = think(["```python\nimport os\nprint(open('/etc/shadow').read())\n", "I cannot read it.", " 0"])
    assert "FileNotFoundError" in completion.reasoning or "PermissionError" in completion.reasoning


def test_the_thought_never_passes_its_cap_with_tool_output():
    flood = "```python\nprint('x' * 5000)\n"
    completion, _ = think([flood, flood, flood, flood, " 1"], cap=40)
    assert completion.thinking_tokens <= 40


def test_a_call_is_complete_only_at_its_closing_fence_and_blocks_are_fresh():
    assert complete_block("```python\nx = 1\n") is None and complete_block("```python\nx = 1\n```") == "x = 1\n"
    assert dropped_stop("text\n```python\nx = 1\n") == "```\n" and dropped_stop("```python\nx\n```\ndone") is None
    session = PythonTool().session("")
    assert "NameError" in session.respond("```python\nprint(y)\n```") and session.runs == 1
