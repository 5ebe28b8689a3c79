"""Chat Completions request and response shapes (the subset ponder serves, plus its `ponder` extension),
as pydantic models. They are the OpenAPI spec the server publishes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ponder.budget import EFFORT_LEVELS
from ponder.strategies import STRATEGIES

MAX_TESTS = 64  # visible tests one request may carry
MAX_TEST_CHARS = 2_000
Effort = Literal[EFFORT_LEVELS]  # type: ignore[valid-type]
StrategyName = Literal[tuple(STRATEGIES)]  # type: ignore[valid-type]
VERIFIER_CHOICES = ("auto", "none")
FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "function_call"]


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # tool_calls, name, ... pass through to backends

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        """The message's text (text parts joined; other parts have no text)."""
        if isinstance(self.content, list):
            return "".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    include_usage: bool = Field(default=False, strict=True)


class BudgetOptions(BaseModel):
    """Explicit limits for one request (each capped by the server's own limits)."""

    model_config = ConfigDict(extra="forbid")

    max_candidates: int | None = Field(default=None, ge=1, strict=True)  # completions generated
    max_tokens: int | None = Field(default=None, ge=1, strict=True)  # generated tokens, candidates plus verifier
    max_calls: int | None = Field(default=None, ge=1, strict=True)  # backend requests
    max_seconds: float | None = Field(default=None, gt=0, strict=True)  # wall clock


class PonderOptions(BaseModel):
    """`extra_body={"ponder": {...}}`: how to think, chosen explicitly."""

    model_config = ConfigDict(extra="forbid")

    strategy: StrategyName | None = None  # None: best_of_n with a verifier, majority without
    budget: BudgetOptions | None = None  # over the effort preset, field by field
    verifier: Literal[VERIFIER_CHOICES] = "auto"  # type: ignore[valid-type]  # auto: the stated task's checker
    # Visible tests for code: assert lines calling the function (e.g. "assert add(2, 3) == 5"); candidates are run
    # against them in the sandbox, and the function's name is read from them unless `entry_point` names it.
    tests: list[Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEST_CHARS)]] | None = Field(
        default=None, min_length=1, max_length=MAX_TESTS)
    entry_point: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")] | None = None


class ChatRequest(BaseModel):
    # Other OpenAI fields pass through to backends untouched. Fields ponder reads are strict, as OpenAI's
    # are: "1" is not a number and "yes" not a boolean (lax coercion would read them as 1 and true).
    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    n: int = Field(default=1, ge=1, le=128, strict=True)
    max_tokens: int | None = Field(default=None, ge=1, strict=True)
    max_completion_tokens: int | None = Field(default=None, ge=1, strict=True)  # when thinking: all tokens, reasoning included
    temperature: float | None = Field(default=None, ge=0, le=2, strict=True)
    top_p: float | None = Field(default=None, gt=0, le=1, strict=True)
    seed: int | None = Field(default=None, strict=True)
    stream: bool = Field(default=False, strict=True)
    stream_options: StreamOptions | None = None
    reasoning_effort: Effort | None = None  # asks the model to think; absent: answer directly
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    ponder: PonderOptions | None = None
    # vLLM's extensions for continuing a message: the last (assistant) message is continued as raw text
    continue_final_message: bool = Field(default=False, strict=True)
    add_generation_prompt: bool = Field(default=True, strict=True)
    stop: str | list[str] | None = None
    include_stop_str_in_output: bool = Field(default=False, strict=True)

    @property
    def stops(self) -> tuple[str, ...]:
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop or ())

    @property
    def thinking(self) -> bool:
        return self.reasoning_effort is not None or self.ponder is not None

    @property
    def include_usage(self) -> bool:
        return self.stream_options is not None and self.stream_options.include_usage


class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str | None
    reasoning: str | None = None  # a readable account of the thinking, when there was any
    tool_calls: list[dict[str, Any]] | None = None


class Choice(BaseModel):
    index: int
    message: ResponseMessage
    finish_reason: FinishReason


class CompletionTokensDetails(BaseModel):
    reasoning_tokens: int  # tokens of candidates not returned, plus verifier tokens


class Usage(BaseModel):
    prompt_tokens: int  # every prompt token the backend processed (once per backend request)
    completion_tokens: int  # every generated token: the answers returned plus reasoning_tokens
    total_tokens: int
    completion_tokens_details: CompletionTokensDetails | None = None


class PonderChoice(BaseModel):
    index: int
    candidates: int
    chosen: int | None  # which candidate was returned
    answer: str | None  # its extracted answer
    stop_reason: Literal["solved", "done", "budget", "error", "refused"]
    spend: dict[str, float | int | None]


class PonderInfo(BaseModel):
    """How the answer was thought through: ponder's extension of the response."""

    strategy: str
    effort: str | None
    task: str  # countdown, arithmetic, or chat (no task recognised)
    verifier: str  # the checker consulted, or "none"
    budget: dict[str, float | int]  # the limits each choice ran under (after the server's caps)
    spend: dict[str, float | int | None]  # summed over choices
    choices: list[PonderChoice]


class ChatResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    ponder: PonderInfo | None = None


class ChunkDelta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None
    reasoning: str | None = None


class ChunkChoice(BaseModel):
    index: int
    delta: ChunkDelta
    finish_reason: FinishReason | None = None


class ChatChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    ponder: PonderInfo | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "ponder"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody
