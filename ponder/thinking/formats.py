"""How a model writes its thought: what opens and ends it, the text that closes it at a thinking cap,
the cue that keeps it going, and the tool it may call (with the markers that complete a call).

Budget forcing needs exactly these (s1, Muennighoff et al. 2025, closes the thought with its delimiter
and appends "Wait" to suppress an early end). Three formats are known:
- `THINK_TAGS`: models whose chat template opens the answer with ``<think>`` and ends the thought with
  ``</think>`` (Qwen3, DeepSeek-R1 distills, QwQ);
- ponder-think's compact search language (`embedded.think.search_format`): no opening, ``#`` ends the
  thought, ``<`` (back up) is its cue, and the countdown calculator answers every operation, a call
  being complete when an operator or ``<`` is written.
- `python_tool()`: a chat model that writes ```python blocks in its reply, run in the sandbox as it writes
  (`tools.python`), until "Final answer:".
Which one a model spec means is decided where specs are loaded (`ponder.loading`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

from ponder.errors import PonderError
from ponder.types import Message


class FormatError(PonderError, ValueError):
    """An unknown thinking format."""


@dataclass(frozen=True)
class ThinkFormat:
    name: str
    opening: str  # written at the start of the assistant message before the thought
    end: str  # the model's end-of-thought marker
    close: str  # forced at the cap: ends the thought (ends with `end`)
    cue: str  # appended in place of an early end
    stops: tuple[str, ...] = ()  # text that completes a tool call (a remote client stops there to run the tool)
    tool: Callable[[str], object] | None = None  # prompt -> a `tools.base.ToolSession`, or None: no tool
    prompt: Callable[[Sequence[Message]], str | None] | None = None  # the tool's view of the problem
    render: Callable[[str, str], str] | None = None  # (prompt, answer) -> the answer in ordinary notation
    show: Callable[[str], str] | None = None  # the thought as people read it
    dropped_stop: Callable[[str], str | None] | None = None  # the tool stop a backend left out of this text, if any
    reply_first: bool = False  # the thought is the reply itself: a remote chain's first round is a plain reply

    def with_texts(self, close: str | None, cue: str | None) -> "ThinkFormat":
        """This format with a budget's own closing text and cue (None keeps the format's)."""
        return replace(self, close=self.close if close is None else close, cue=self.cue if cue is None else cue)


THINK_TAGS = ThinkFormat(name="think-tags", opening="<think>\n", end="</think>", close="\n</think>\n\n", cue="\nWait")


def _last_user_message(messages: Sequence[Message]) -> str | None:
    return next((m.content for m in reversed(messages) if m.role == "user"), None)


def python_tool() -> ThinkFormat:
    """A chat model that reasons in its reply and runs Python there (`tools.python`): no opening, the thought
    ends at a line that starts "Final answer:", each closed ```python block is run in the sandbox and its output appended."""
    from ponder.tools.python import FINAL, STOP, PythonTool, dropped_stop

    return ThinkFormat(name="python", opening="", end=FINAL, close=FINAL, cue="", stops=(STOP,),
                       tool=PythonTool().session, prompt=_last_user_message, dropped_stop=dropped_stop, reply_first=True)
