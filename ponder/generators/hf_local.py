"""A local Hugging Face transformers causal LM loaded from a path (CPU by default): a checkpoint
directory, or a single GGUF file (de-quantized by transformers; needs the `gguf` package)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path
from typing import Sequence

from ponder.generators.base import Capabilities, GeneratorError, UnsupportedRequest
from ponder.generators.sampling import sample
from ponder.generators.stop_strings import cut_answers, cut_at_stop
from ponder.thinking.chain import Chain, Vocabulary
from ponder.thinking.formats import THINK_TAGS, ThinkFormat
from ponder.types import Completion, Generation, Message, SamplingParams, ThoughtListener


class HFLocalGenerator:
    """Batched sampling from a local checkpoint. One call runs at a time (torch uses every core)."""

    def __init__(self, path: str | Path, *, name: str | None = None, device: str = "cpu", threads: int | None = None,
                 dtype: str = "auto", think_format: ThinkFormat | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from ponder.generators.checkpoint import check_memory, choose_dtype, locate

        directory, gguf_file = locate(Path(path))
        torch_dtype = choose_dtype(dtype)
        check_memory(Path(path), torch_dtype)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=gguf_file)
            self.model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=gguf_file, dtype=torch_dtype).to(device).eval()
        except (OSError, ValueError, ImportError) as error:
            first = next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
            raise GeneratorError(f"cannot load a transformers model from {path}: {first}") from None
        if threads:
            torch.set_num_threads(threads)
        self.name = name or f"hf:{path}"
        self.device = device
        self.dtype = str(torch_dtype).removeprefix("torch.")
        self.parameter_count: int | None = sum(p.numel() for p in self.model.parameters())
        self.max_positions = getattr(self.model.config, "max_position_embeddings", None)
        # Every token that ends a turn: the tokenizer's EOS and the generation config's (Gemma: <eos>, <end_of_turn>).
        configured = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        self.eos_ids = frozenset(({self.tokenizer.eos_token_id} | set(configured if isinstance(configured, list) else [configured])) - {None})
        # A model thinks when its template writes <think> and its vocabulary ends a thought in one token
        # (Qwen3, DeepSeek-R1 distills): thinking budgets are then forced while decoding.
        self.end_of_thought = self.tokenizer.convert_tokens_to_ids(THINK_TAGS.end) if THINK_TAGS.end in self.tokenizer.get_vocab() else None
        thinks = self.end_of_thought is not None and THINK_TAGS.opening.strip() in (getattr(self.tokenizer, "chat_template", None) or "")
        if think_format is not None:  # a format named in the spec (the Python tool's): its thought ends in words
            thinks = True
        think_format = think_format or (THINK_TAGS if thinks else None)
        self.capabilities = Capabilities(think_format=think_format, streams_thought=thinks, continues=True, completes=True)
        self._lock = threading.Lock()

    def render(self, messages: Sequence[Message]) -> str:
        """The prompt text: the chat template when the tokenizer has one, else the messages' text."""
        if getattr(self.tokenizer, "chat_template", None):
            chat = [{"role": m.role, "content": m.content} for m in messages]
            return self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        return "\n".join(m.content for m in messages)

    def encode(self, prompt: str) -> list[int]:
        return list(self.tokenizer(prompt).input_ids)

    def prompt_tokens_bound(self, messages: Sequence[Message]) -> int:
        return len(self.encode(self.render(messages)))

    def calls_for(self, n: int) -> int:
        return 1

    def sample_text(
        self,
        prompt: str,
        n: int,
        params: SamplingParams,
        timeout: float | None = None,
        cancelled: threading.Event | None = None,
    ) -> tuple[list[Completion], int]:
        """n completions of raw prompt text (blocking); returns them and the prompt's token count.
        Setting `cancelled` stops decoding before its next step."""
        import torch

        ids = self.encode(prompt)
        rng = torch.Generator(device=self.device)
        rng.manual_seed(params.seed if params.seed is not None else int.from_bytes(os.urandom(4), "little"))
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if cancelled is not None and cancelled.is_set():  # gave up while waiting for the model
                return [], len(ids)
            rows, reasons = sample(
                self.model,
                ids,
                n,
                max_new_tokens=params.max_tokens,
                eos_token_id=self.eos_ids,
                temperature=params.temperature,
                top_p=params.nucleus,
                rng=rng,
                deadline=deadline,
                cancelled=cancelled,
                stop=params.stop,
                decode=self._decode,
            )
        completions = [
            Completion(text=cut_at_stop(self._decode(row), params.stop), completion_tokens=len(row), finish_reason=reason)
            for row, reason in zip(rows, reasons)
        ]
        return completions, len(ids)

    def _decode(self, row: list[int]) -> str:
        return self.tokenizer.decode(row, skip_special_tokens=True)

    async def complete(self, prompt: str, n: int, params: SamplingParams, timeout: float | None = None) -> Generation:
        """n completions of plain prompt text, no chat template (base models, few-shot prompts)."""
        completions, prompt_tokens = await run_cancellable(self.sample_text, prompt, n, params, timeout)
        return Generation(completions=tuple(completions), prompt_tokens=prompt_tokens)

    async def generate(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None,
        on_text: ThoughtListener | None = None,
    ) -> Generation:
        if params.thinking is not None:
            if not self.capabilities.thinks:
                raise UnsupportedRequest(f"{self.name} does not think: a thinking budget needs a chat template that opens "
                                     f"{THINK_TAGS.opening.strip()} and a single {THINK_TAGS.end} token (Qwen3, DeepSeek-R1 distills)")
            return await run_cancellable(self.think_text, self.render(messages), n, params, timeout, on_text, messages)
        completions, prompt_tokens = await run_cancellable(self.sample_text, self.render(messages), n, params, timeout)
        return Generation(completions=tuple(completions), prompt_tokens=prompt_tokens)

    # -- thinking: budget forcing while decoding (thinking.chain) ----------------------------------
    def vocabulary(self) -> Vocabulary:
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        return Vocabulary(
            end_of_thought=self.end_of_thought if self.end_of_thought is not None else -1, eos=self.tokenizer.eos_token_id, pad=pad,
            encode=lambda text: list(self.tokenizer.encode(text, add_special_tokens=False)),
            decode=lambda token: self.tokenizer.decode([token]),
        )

    def think_text(self, prompt: str, n: int, params: SamplingParams, timeout: float | None, on_text,
                   messages: Sequence[Message] = (), cancelled: threading.Event | None = None) -> Generation:
        """n chains of thought from a rendered prompt, each under params.thinking (blocking); the format's tool, if
        any, answers calls in the thought as the tokens are decoded."""
        import torch

        from ponder.generators.decode import decode_chains

        budget = params.thinking
        assert budget is not None
        fmt = (self.capabilities.think_format or THINK_TAGS).with_texts(budget.close, budget.cue)
        in_words = fmt is not THINK_TAGS and fmt.end != THINK_TAGS.end  # its end is text, not one token
        problem = fmt.prompt(messages) if fmt.prompt is not None else None
        tools = budget.tools and fmt.tool is not None and problem is not None
        if not prompt.rstrip().endswith(fmt.opening.strip()):  # templates that leave the opening to the model
            prompt += fmt.opening
        vocabulary = self.vocabulary()
        close, cue = vocabulary.encode(fmt.close)[: params.max_tokens], vocabulary.encode(fmt.cue)
        room = max(0, params.max_tokens - len(close) - 1)
        cap = room if budget.cap is None else min(budget.cap, room)
        ids = self.encode(prompt)
        chains = [
            Chain(ids, vocabulary, cap=cap, minimum=budget.minimum, close=close, cue=cue, max_answer=max(0, params.max_tokens - cap - len(close)),
                  on_text=None if on_text is None else (lambda channel, text, i=i: on_text(i, channel, text)),
                  tool=fmt.tool(problem) if tools else None, end_text=fmt.end if in_words else None)
            for i in range(n)
        ]
        rng = torch.Generator()
        rng.manual_seed(params.seed if params.seed is not None else int.from_bytes(os.urandom(4), "little"))
        with self._lock:
            finished = decode_chains(self.model, chains, temperature=params.temperature, top_p=params.nucleus, rng=rng,
                                     deadline=None if timeout is None else time.monotonic() + timeout, cancelled=cancelled,
                                     max_positions=self.max_positions)
        completions = tuple(
            Completion(
                text=self.tokenizer.decode(chain.answer, skip_special_tokens=True).removeprefix(fmt.end).strip(),
                completion_tokens=chain.completion_tokens,
                finish_reason=chain.finish_reason if finished or chain.done else "deadline",
                reasoning=self.tokenizer.decode(chain.thought, skip_special_tokens=True),
                thinking_tokens=chain.thinking_tokens, cue_tokens=chain.cue_tokens, close_tokens=chain.close_tokens,
            )
            for chain in chains
        )
        return Generation(completions=cut_answers(completions, params.stop), prompt_tokens=len(ids))

    # -- raw continuation of a final assistant message -------------------------------------------
    def render_continuation(self, messages: Sequence[Message]) -> str:
        if not messages or messages[-1].role != "assistant":
            raise UnsupportedRequest("continuing a final assistant message needs the last message to be the assistant's")
        if getattr(self.tokenizer, "chat_template", None):
            chat = [{"role": m.role, "content": m.content} for m in messages]
            return self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=False, continue_final_message=True)
        return "\n".join(m.content for m in messages)

    def continue_text(self, prefix: str, n: int, params: SamplingParams, timeout: float | None, stop: Sequence[str],
                      include_stop: bool, cancelled: threading.Event | None = None) -> Generation:
        """n raw continuations of `prefix` (blocking), stopping at eos, max_tokens or a stop string."""
        from ponder.generators.decode import continue_rows

        vocabulary = self.vocabulary()
        ids = self.encode(prefix)
        with self._lock:
            completions = continue_rows(
                self.model, ids, n, params, eos=vocabulary.eos, pad=vocabulary.pad, decode=vocabulary.decode, stop=stop,
                include_stop=include_stop, deadline=None if timeout is None else time.monotonic() + timeout,
                cancelled=cancelled, max_positions=self.max_positions,
            )
        return Generation(completions=tuple(completions), prompt_tokens=len(ids))

    async def continue_final(self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None,
                             stop: Sequence[str] = (), include_stop: bool = False) -> Generation:
        """n raw continuations of the final assistant message (vLLM's continue_final_message)."""
        return await run_cancellable(self.continue_text, self.render_continuation(messages), n, params, timeout, stop, include_stop)


async def run_cancellable(sample_text, *args):
    """Run a blocking `sample_text(*args, cancelled)` in a thread; cancelling the awaiting task stops the
    decoding loop at its next step (a thread cannot be interrupted, so it is asked to stop)."""
    cancelled = threading.Event()
    try:
        return await asyncio.to_thread(sample_text, *args, cancelled)
    except asyncio.CancelledError:
        cancelled.set()
        raise
