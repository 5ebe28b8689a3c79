"""Any OpenAI-compatible Chat Completions endpoint (vLLM, SGLang, Ollama, llama.cpp, OpenAI) through the
official `openai` SDK.

Asks for n candidates in one request; when a backend refuses `n` (or silently returns fewer choices),
it falls back to concurrent single requests and remembers that. Reads `reasoning` /
`reasoning_content` when the backend returns them. Timeouts and retries (with the SDK's exponential
backoff) are per request. `complete` sends plain text to the completions endpoint (base models).

Usage is never taken on trust (a real llama.cpp server reported one choice's tokens for n = 4): each
choice is charged the larger of the backend's share and what ponder counts in it (`usage_count.py`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import replace
from typing import Any, Mapping, Sequence

import openai

from ponder.generators.base import BackendUnavailable, Capabilities, GeneratorError, GeneratorTimeout, UnsupportedRequest
from ponder.generators.spec import OPENAI_URL
from ponder.generators.usage_count import UsageCounter
from ponder.thinking.steps import StepFormat
from ponder.types import Completion, Generation, Message, SamplingParams

log = logging.getLogger(__name__)
MESSAGE_OVERHEAD_TOKENS = 8  # chat-template tokens per message, a generous upper bound


def request_fields(model: str, n: int, params: SamplingParams, seed_offset: int = 0) -> dict[str, Any]:
    """The sampling fields of one request: only what is set, so a backend's own defaults hold for the rest (top-p:
    llama.cpp's is 0.95, OpenAI's and vLLM's 1.0).

    >>> request_fields("m", 1, SamplingParams(temperature=0.8, max_tokens=64))
    {'model': 'm', 'max_tokens': 64, 'temperature': 0.8}
    """
    request: dict[str, Any] = {"model": model, "max_tokens": params.max_tokens, "temperature": params.temperature}
    if params.top_p is not None:
        request["top_p"] = params.top_p
    if n > 1:
        request["n"] = n
    if params.seed is not None:
        request["seed"] = params.seed + seed_offset
    if params.stop:
        request["stop"] = list(params.stop)
    if params.top_logprobs:
        request.update(logprobs=True, top_logprobs=params.top_logprobs)
    return request


class OpenAIGenerator:
    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 2,
        parameter_count: int | None = None,
        concurrency: int = 16,
        usage: str = "count",
        step_formats: Mapping[str, StepFormat] | None = None,
    ):
        self.name = f"openai:{model}" + (f"@{base_url}" if base_url else "")
        self.model = model
        self.url = base_url or OPENAI_URL
        self.parameter_count = parameter_count
        self.timeout = timeout
        self._client_options = {
            "base_url": base_url,
            "api_key": api_key or os.environ.get("OPENAI_API_KEY") or "not-needed",
            "timeout": timeout,
            "max_retries": max_retries,
        }
        self._concurrency = concurrency
        self._loop: asyncio.AbstractEventLoop | None = None
        self.supports_n: bool | None = None  # learnt from the first request with n > 1
        self.continues_natively: bool | None = None  # continue_final_message, or the partial message in the prompt; learnt from the first try
        # It continues a final message either way; its step languages are those of the model it serves (`ponder.loading`).
        self.capabilities = Capabilities(continues=True, completes=True, counts_usage=usage != "reported", step_formats=step_formats or {})
        self.counter = UsageCounter(base_url or OPENAI_URL, usage, api_key=self._client_options["api_key"], timeout=timeout)

    def _bind_to_running_loop(self) -> None:
        """A client and a concurrency limit per event loop: connection pools cannot cross loops."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self.client = openai.AsyncOpenAI(**self._client_options)
            self._slots = asyncio.Semaphore(self._concurrency)
            self.counter.bind()

    def prompt_tokens_bound(self, messages: Sequence[Message] | str) -> int:
        # A token is at least one byte for every BPE vocabulary in use, so bytes bound tokens.
        if isinstance(messages, str):
            return len(messages.encode()) + 1
        return sum(len(m.content.encode()) + MESSAGE_OVERHEAD_TOKENS for m in messages)

    def calls_for(self, n: int) -> int:
        return 1 if n == 1 or self.supports_n else n

    async def _create(self, messages: Sequence[Message] | str, n: int, params: SamplingParams, timeout: float | None, seed_offset: int = 0,
                      extra: dict[str, Any] | None = None):
        """One request: chat completions for messages, plain completions for a text prompt."""
        request = request_fields(self.model, n, params, seed_offset)
        deadline = min(self.timeout, timeout) if timeout is not None else self.timeout
        async with self._slots:
            if isinstance(messages, str):
                return await self.client.completions.create(prompt=messages, **request, extra_body=extra or None, timeout=deadline)
            return await self.client.chat.completions.create(
                messages=[{"role": m.role, "content": m.content} for m in messages], **request, extra_body=extra or None, timeout=deadline
            )

    async def generate(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Generation:
        """n completions; `extra` is sent as extra request fields (a backend's own thinking budget field)."""
        if params.thinking is not None and extra is None:
            from ponder.generators.remote_thinking import no_control_error

            raise no_control_error(self.name)
        return await self._guarded(self._generate(messages, n, params, timeout, extra or {}), timeout)

    async def complete(self, prompt: str, n: int, params: SamplingParams, timeout: float | None = None) -> Generation:
        """n completions of plain prompt text through the completions endpoint (no chat template: base models)."""
        if params.thinking is not None:
            raise UnsupportedRequest(f"{self.name}: thinking budgets need the chat endpoint, not a plain-text prompt")
        return await self._guarded(self._generate(prompt, n, params, timeout, {}), timeout)

    async def continue_final(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None,
        stop: Sequence[str] = (), include_stop: bool = False,
    ) -> Generation:
        """n continuations of the final (assistant) message (vLLM's `continue_final_message`, which
        `ponder serve` speaks), each stopping at the first of `stop` (kept in the text when
        `include_stop`); counted like any generation. A backend that refuses to continue a message is
        sent the partial message in the prompt instead (asked to write what comes next), and its
        reply is cut at the first stop string here: every token it wrote is charged."""
        extra: dict[str, Any] = {"continue_final_message": True, "add_generation_prompt": False}
        if stop:
            extra.update(stop=list(stop), include_stop_str_in_output=include_stop)
        if self.continues_natively is not False:
            try:
                generation = await self._guarded(self._generate(messages, n, replace(params, stop=()), timeout, extra), timeout)
                self.continues_natively = True
                return generation
            except GeneratorError as error:
                refused = _continuation_error(self.name, error)
                if refused is error or self.continues_natively:
                    raise
                log.info("%s; sending partial solutions in the prompt instead", refused)
                self.continues_natively = False
        asked = [*messages[:-1], Message("assistant", messages[-1].content), Message("user", CONTINUE_IN_PROMPT)]
        generation = await self._guarded(self._generate(asked, n, replace(params, stop=()), timeout, {}), timeout)
        return replace(generation, completions=tuple(_cut_step(c, stop, include_stop) for c in generation.completions))

    async def continue_message(
        self, messages: Sequence[Message], params: SamplingParams, *, max_tokens: int, stop: Sequence[str] = (),
        timeout: float | None = None,
    ):
        """One continuation of the final (assistant) message, stopping after any of `stop` (kept in the
        text): vLLM's `continue_final_message` / `include_stop_str_in_output`, which `ponder serve` speaks.
        Returns a `generators.remote_thinking.Round`; a backend that refuses to continue a message is a GeneratorError
        saying so."""
        from ponder.generators.remote_thinking import Round

        continuing = messages[-1].role == "assistant"  # else the first round of a chain with no opening: a plain reply
        extra: dict[str, Any] = {"continue_final_message": True, "add_generation_prompt": False} if continuing else {}
        if stop:
            extra.update(stop=list(stop), include_stop_str_in_output=True)
        try:
            response = await self._guarded(self._create(messages, 1, replace(params, max_tokens=max_tokens), timeout, extra=extra), timeout)
        except GeneratorError as error:
            raise _continuation_error(self.name, error, "client-side thinking budgets need a backend that does (vLLM, ponder serve), "
                                      "or use the backend's own budget field (?thinking=vllm|llama.cpp|field:NAME)") from None
        if not response.choices:
            raise GeneratorError(f"{self.name} returned no choice")
        completion = _completion(response.choices[0])
        text = (completion.reasoning or "") + completion.text
        continued = messages[-1].content if continuing else ""
        if continued and "timings" in (response.model_extra or {}) and text.startswith(continued):
            text = text[len(continued):]  # llama.cpp (its responses carry `timings`) returns the continued message whole
        usage = response.usage
        counted = Completion(text=text, completion_tokens=0, finish_reason=completion.finish_reason)
        tokens, = await self.counter.charge([counted], usage.completion_tokens if usage is not None else None,
                                            replace(params, max_tokens=max_tokens, stop=()))  # stop strings stay in the text
        prompt = usage.prompt_tokens if usage is not None else self.prompt_tokens_bound(messages)
        return Round(text=text, tokens=tokens, prompt_tokens=prompt, finish_reason=completion.finish_reason)

    async def _guarded(self, work, timeout: float | None):
        """Await `work` with the request's deadline; backend failures become GeneratorErrors."""
        self._bind_to_running_loop()
        try:
            if timeout is not None:
                return await asyncio.wait_for(work, timeout)
            return await work
        except asyncio.TimeoutError:
            raise GeneratorTimeout(f"{self.name}: no answer within the {timeout:.1f}s left in the budget") from None
        except openai.APITimeoutError:
            raise GeneratorTimeout(f"{self.name}: request timed out after retries") from None
        except openai.APIConnectionError as error:
            cause = error.__cause__ or error.__context__
            why = f"{error}: {cause}" if cause is not None and str(cause) else str(error)
            raise BackendUnavailable(f"{self.name}: cannot connect to {self.url} ({why})") from None
        except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
            raise BackendUnavailable(f"{self.name}: {self.url} refused the API key ({error.status_code}: {_message(error)}); "
                                     "set OPENAI_API_KEY") from None
        except openai.NotFoundError as error:
            raise BackendUnavailable(f"{self.name}: {self.url} does not serve model {self.model!r}, or is not an "
                                     f"OpenAI-compatible /v1 endpoint (404: {_message(error)})") from None
        except openai.APIStatusError as error:
            raise GeneratorError(f"{self.name}: backend answered {error.status_code}: {_message(error)}") from None

    async def _generate(self, messages, n, params, timeout, extra) -> Generation:
        responses = []
        if n > 1 and self.supports_n is not False:
            try:
                response = await self._create(messages, n, params, timeout, extra=extra)
                responses.append(response)
                self.supports_n = len(response.choices) >= n
                if not self.supports_n:
                    log.info("%s returned %d of %d choices; using single requests", self.name, len(response.choices), n)
            except openai.BadRequestError as error:
                log.info("%s refused n=%d (%s); using single requests", self.name, n, _message(error))
                self.supports_n = False
        missing = n - sum(len(r.choices) for r in responses)
        if missing > 0:
            singles = await asyncio.gather(
                *(self._create(messages, 1, params, timeout, seed_offset=i + 1, extra=extra) for i in range(missing))
            )
            responses.extend(singles)
        completions: list[Completion] = []
        for response in responses:
            texts = [_completion(choice) for choice in response.choices]
            charged = await self.counter.charge(texts, response.usage.completion_tokens if response.usage is not None else None, params)
            completions.extend(replace(c, completion_tokens=t) for c, t in zip(texts, charged))
        prompt_tokens = sum(
            r.usage.prompt_tokens if r.usage else self.prompt_tokens_bound(messages) for r in responses
        )
        return Generation(completions=tuple(completions[:n]), prompt_tokens=prompt_tokens, calls=len(responses))


CONTINUE_IN_PROMPT = ("Continue your partial answer above exactly where it stops: write only what comes next, "
                      "without repeating any of it.")


def _cut_step(completion: Completion, stop: Sequence[str], include_stop: bool) -> Completion:
    """A prompted continuation cut at its first stop string (as a backend that continues would stop);
    its token count stays what was generated."""
    found = [(completion.text.find(s), s) for s in stop if s and s in completion.text]
    if not found:
        return completion
    at, matched = min(found)
    return replace(completion, text=completion.text[: at + (len(matched) if include_stop else 0)], finish_reason="stop")


def _continuation_error(name: str, error: GeneratorError, advice: str = "step search needs a backend that does (vLLM, ponder serve)") -> GeneratorError:
    """A refusal to continue a final assistant message, said plainly; any other error as it was."""
    if "answered 400" in str(error) or "answered 422" in str(error):
        return GeneratorError(f"{name} cannot continue a final assistant message ({error}); {advice}")
    return error


def _completion(choice) -> Completion:
    if not hasattr(choice, "message"):  # the completions endpoint
        return Completion(text=choice.text or "", completion_tokens=0, finish_reason=choice.finish_reason or "stop")
    message = choice.message
    extra = message.model_extra or {}
    reasoning = getattr(message, "reasoning", None) or extra.get("reasoning") or extra.get("reasoning_content")
    return Completion(
        text=message.content or "",
        completion_tokens=0,
        finish_reason=choice.finish_reason or "stop",
        reasoning=reasoning if isinstance(reasoning, str) else None,
        first_logprobs=_first_logprobs(choice),
    )


def _first_logprobs(choice) -> tuple[tuple[str, float], ...] | None:
    """The first generated token's most likely alternatives, as the chat API returns them (None when absent)."""
    content = getattr(getattr(choice, "logprobs", None), "content", None)
    if not content:
        return None
    alternatives = getattr(content[0], "top_logprobs", None) or []
    pairs = tuple((str(a.token), float(a.logprob)) for a in alternatives if getattr(a, "token", None) is not None)
    return pairs or None


def _message(error: openai.APIStatusError) -> str:
    body = error.body if isinstance(error.body, dict) else {}
    inner = body.get("error", body) if isinstance(body, dict) else {}
    return inner.get("message", str(error)) if isinstance(inner, dict) else str(error)
