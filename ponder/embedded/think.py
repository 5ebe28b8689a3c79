"""ponder-think: the embedded model that searches with backtracking in its chain of thought, calling the
countdown calculator for every result (`tools.countdown_calculator`), then answers.

Plain-language countdown problems are mapped to its compact prompt; its thought comes back as
`Completion.reasoning` and its answer (operations on the path that reached the target) as an ordinary
expression. Thinking budgets (`SamplingParams.thinking`) are enforced while decoding (`thinking.chain`):
the closing text is the model's own end-of-thought marker, and the cue that keeps an early-stopping
chain going is a back-up (the search goes on from the level above). Any other message gets a short
answer saying what it can do (no tokens spent).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

from ponder.embedded.steps import BY_MODEL
from ponder.generators.base import Capabilities, GeneratorError, UnsupportedRequest
from ponder.embedded.codec import OUTSIDE, countdown_trained
from ponder.generators.hf_local import run_cancellable
from ponder.generators.stop_strings import cut_answers
from ponder.generators.spec import THINK_NAME
from ponder.tasks import countdown
from ponder.tasks.base import MAX_STATEMENT_CHARS
from ponder.thinking.chain import Chain, Vocabulary
from ponder.thinking.formats import ThinkFormat
from ponder.tools.countdown_calculator import BACK, CLOSE, LINE, OPERATORS, CountdownCalculator, parse_prompt, render_answer, think_prompt
from ponder.types import REFUSED, Completion, Generation, Message, SamplingParams, ThoughtListener

MODEL_DIR = Path(__file__).parent / "think_model"
MAX_ANSWER = 12  # three operations of three characters, and the end
# What a chain's answer reads as when its operations build no expression (cut off, or garbled): said plainly,
# never the model's internal notation, and with no digits, so no grader reads a number into it.
NO_ANSWER = "No answer: the chain ended without a valid expression over the numbers."
CAPABILITIES = (
    "Sorry, I am ponder-think, ponder's embedded thinking model, and can only solve countdown problems "
    "(say 'Use the numbers ... to make ...'). Please ask me one of those."
)


def compact_prompt(messages: Sequence[Message]) -> str | None:
    for message in messages:
        if message.role == "user" and len(message.content) <= MAX_STATEMENT_CHARS:
            stated = countdown.parse_statement(message.content)
            if stated is not None and 2 <= len(stated[0]) <= 4:
                return think_prompt(*stated)
    return None


def think_refusal(prompt: str | None) -> str | None:
    """What ponder-think says instead of answering its compact `prompt` (what it can do, or that the problem
    is outside its training); None when it can answer."""
    if prompt is None:
        return CAPABILITIES
    numbers, target = parse_prompt(prompt)
    return None if countdown_trained(numbers, target, sizes=(2, 4)) else OUTSIDE


def readable(thought: str) -> str:
    """The thought with one step per line."""
    return thought.replace(LINE, "\n").rstrip("\n")


def search_format() -> ThinkFormat:
    """ponder-think's thought as a `ThinkFormat` (`thinking.formats`), for any client of a served
    ponder-think: its end marker, its back-up cue, and the countdown calculator as its tool."""
    calculator = CountdownCalculator()

    def render(prompt: str, answer: str) -> str:
        numbers, _ = parse_prompt(prompt) or ([], 0)
        return render_answer(numbers, answer.removeprefix(CLOSE)) or NO_ANSWER

    return ThinkFormat(
        name="ponder-think", opening="", end=CLOSE, close=CLOSE, cue=BACK, stops=(*OPERATORS, BACK),
        tool=calculator.session, prompt=compact_prompt, render=render, show=readable,
    )



class EmbeddedThinkGenerator:
    name = THINK_NAME
    # takes SamplingParams.thinking (servers map reasoning_effort to a thinking budget)
    capabilities = Capabilities(think_format=search_format(), streams_thought=True, continues=True, step_formats=BY_MODEL[THINK_NAME])

    def __init__(self, path: str | Path = MODEL_DIR, threads: int | None = None, name: str | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = Path(path)
        if not (path / "model.safetensors").is_file():
            raise GeneratorError(f"ponder-think's weights are missing at {path}")
        if name is not None:
            self.name = name  # a checkpoint of ponder-think's family (`ponder train`), named by its spec
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForCausalLM.from_pretrained(path).eval()
        if threads:
            torch.set_num_threads(threads)
        self.parameter_count: int | None = sum(p.numel() for p in self.model.parameters())
        vocab = self.tokenizer.get_vocab()
        inverse = {i: t for t, i in vocab.items()}
        self.vocab = vocab
        self.vocabulary = Vocabulary(
            end_of_thought=vocab[CLOSE],
            eos=self.tokenizer.eos_token_id,
            pad=self.tokenizer.pad_token_id,
            encode=lambda text: [vocab[c] for c in text],
            decode=lambda token: inverse.get(token, "") if token >= len(("<pad>", "<s>", "</s>", "<unk>")) else "",
        )
        self.max_positions = self.model.config.max_position_embeddings
        self.calculator = CountdownCalculator()
        self._lock = threading.Lock()

    def prompt_tokens_bound(self, messages: Sequence[Message]) -> int:
        prompt = compact_prompt(messages)
        return 0 if prompt is None else len(prompt) + 1

    def calls_for(self, n: int) -> int:
        return 1

    def chains(self, prompt: str, n: int, params: SamplingParams, on_text=None, chain_class: type[Chain] = Chain) -> list[Chain]:
        """n chains for one compact prompt, within params.max_tokens and params.thinking (`chain_class`: a
        `Chain` that also records what it decodes, as RL rollouts need)."""
        thinking = params.thinking
        close = self.vocabulary.encode(thinking.close if thinking and thinking.close is not None else CLOSE)
        close = close[: params.max_tokens]  # a completion too short to close a thought and answer ends closed, unanswered
        cue = self.vocabulary.encode(thinking.cue if thinking and thinking.cue is not None else BACK)
        answer_room = min(MAX_ANSWER, max(0, params.max_tokens - len(close)))
        cap = max(0, params.max_tokens - len(close) - answer_room)
        if thinking is not None and thinking.cap is not None:
            cap = min(cap, thinking.cap)
        prompt_ids = [self.tokenizer.bos_token_id] + self.vocabulary.encode(prompt)
        tools = thinking is None or thinking.tools
        return [
            chain_class(
                prompt_ids,
                self.vocabulary,
                cap=cap,
                minimum=thinking.minimum if thinking else 0,
                close=close,
                cue=cue,
                max_answer=answer_room,
                tool=self.calculator.session(prompt) if tools else None,
                on_text=None if on_text is None else (lambda channel, text, i=i: on_text(i, channel, text)),
            )
            for i in range(n)
        ]

    def think_many(
        self, prompts: Sequence[str], n: int, params: SamplingParams, timeout: float | None = None,
        cancelled: threading.Event | None = None, on_text=None,
    ) -> list[list[Completion]]:
        """n completions of each compact prompt, decoded in one batch (blocking)."""
        import torch

        from ponder.generators.decode import decode_chains

        chains = [chain for prompt in prompts for chain in self.chains(prompt, n, params, on_text)]
        rng = torch.Generator()
        rng.manual_seed(params.seed if params.seed is not None else int.from_bytes(os.urandom(4), "little"))
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            finished = decode_chains(
                self.model, chains, temperature=params.temperature, top_p=params.nucleus, rng=rng,
                deadline=deadline, cancelled=cancelled, max_positions=self.max_positions,
            )
        completions = [self.completion(prompt, chain, finished) for prompt, group in zip(prompts, _groups(chains, n)) for chain in group]
        return [completions[i * n : (i + 1) * n] for i in range(len(prompts))]

    def completion(self, prompt: str, chain: Chain, finished: bool) -> Completion:
        decode = self.vocabulary.decode
        thought = "".join(decode(t) for t in chain.thought)
        answer = "".join(decode(t) for t in chain.answer).removeprefix(CLOSE)
        numbers, _ = parse_prompt(prompt) or ([], 0)
        text = render_answer(numbers, answer) or NO_ANSWER
        reason = chain.finish_reason if finished or chain.done else "deadline"
        return Completion(
            text=text,
            completion_tokens=chain.completion_tokens,
            finish_reason=reason,
            reasoning=readable(thought),
            thinking_tokens=chain.thinking_tokens,
            tool_tokens=chain.tool_tokens,
            cue_tokens=chain.cue_tokens,
            close_tokens=chain.close_tokens,
        )

    async def continue_final(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None,
        stop: Sequence[str] = (), include_stop: bool = False,
    ) -> Generation:
        """n raw continuations of the final assistant message (the thought so far, in the compact
        language): no budget forcing and no tool, which a remote client does itself (`generators.remote_thinking`)."""
        prompt, partial = continuation_prefix(
            messages, self.name, compact_prompt, lambda text: "".join(sorted({c for c in text if c not in self.vocab})))
        ids = [self.tokenizer.bos_token_id] + self.vocabulary.encode(prompt + partial)

        def run(cancelled):
            from ponder.generators.decode import continue_rows

            with self._lock:
                return continue_rows(
                    self.model, ids, n, params, eos=self.vocabulary.eos, pad=self.vocabulary.pad, decode=self.vocabulary.decode,
                    stop=stop, include_stop=include_stop, deadline=None if timeout is None else time.monotonic() + timeout,
                    cancelled=cancelled, max_positions=self.max_positions,
                )

        completions = await run_cancellable(run)
        return Generation(completions=tuple(completions), prompt_tokens=len(ids))

    async def generate(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None,
        on_text: ThoughtListener | None = None,
    ) -> Generation:
        """n chains; `on_text(choice, channel, text)` hears each piece as it is decoded (from the decoding
        thread): channel 'thought' (the model), 'tool' (the calculator), 'close' (forced) or 'answer'."""
        prompt = compact_prompt(messages)
        said = think_refusal(prompt)
        if said is not None:
            canned = Completion(text=said, completion_tokens=0, finish_reason=REFUSED)
            return Generation(completions=(canned,) * n, prompt_tokens=0)

        def run(prompt, n, params, timeout, cancelled):
            return self.think_many([prompt], n, params, timeout, cancelled, on_text)[0]

        completions = await run_cancellable(run, prompt, n, params, timeout)
        return Generation(completions=cut_answers(completions, params.stop), prompt_tokens=len(prompt) + 1)


def continuation_prefix(
    messages: Sequence[Message], name: str, compact: Callable[[Sequence[Message]], str | None], unknown: Callable[[str], str]
) -> tuple[str, str]:
    """(problem prompt, the final assistant message) of a continue-final-message request to a compact
    model; a GeneratorError when the conversation is not one it can continue."""
    if not messages or messages[-1].role != "assistant":
        raise UnsupportedRequest("continuing a final assistant message needs the last message to be the assistant's")
    prompt = compact(messages[:-1])
    if prompt is None:
        raise UnsupportedRequest(f"{name} continues only the problems it solves; the conversation states none")
    strange = unknown(messages[-1].content)
    if strange:
        raise UnsupportedRequest(f"the final assistant message has characters {name} does not write: {strange!r}")
    return prompt, messages[-1].content


def _groups(chains: list[Chain], n: int) -> list[list[Chain]]:
    return [chains[i : i + n] for i in range(0, len(chains), n)]
