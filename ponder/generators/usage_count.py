"""What a backend's answer cost, counted by ponder instead of taken on trust from the backend's `usage`.

A real llama.cpp server answered n = 4 with four 256-token choices and `completion_tokens = 256`;
charging what a backend reports broke the budget contract. So ponder counts each choice itself,

    counted = tokens(text) + tokens(reasoning),

and checks one response's reported total against the sum of its choices' counts:
- **consistent** (reported >= counted sum): each choice is charged its count plus an even share of the
  rest (the end-of-turn tokens and stop strings the text no longer shows), so the charges add up to
  exactly what the backend reported;
- **under-reported** or no usage: each choice is charged its count, plus the longest stop string's
  tokens and one end token when it stopped (the engine generated those, then cut them), or at least
  `max_tokens` when it was cut at the length cap.
Either way no choice is ever charged less than the tokens it contains.

Modes (the model spec's `?usage=`):
- `count` (default): tokens from the engine's own tokenizer through its `/tokenize` endpoint
  (llama.cpp, vLLM, SGLang, ponder serve), probed once; an engine without one is counted in UTF-8
  bytes, an upper bound on tokens for every byte-level BPE vocabulary (each token is at least one byte).
- `bytes`: always bytes (no extra requests).
- `reported`: the backend's usage as reported, split over choices by length (only for backends whose
  usage you trust).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Sequence

import httpx

from ponder.generators.base import GeneratorError
from ponder.types import Completion, SamplingParams

log = logging.getLogger(__name__)
MODES = ("count", "bytes", "reported")
TOKENIZE_IN_FLIGHT = 16  # /tokenize requests at once per counter; see `_tokenize`


class UsageCounter:
    def __init__(self, base_url: str, mode: str = "count", *, api_key: str | None = None, timeout: float = 30.0):
        if mode not in MODES:
            raise GeneratorError(f"unknown usage mode {mode!r}; use one of {', '.join(MODES)}")
        self.mode = mode
        self.url = base_url.rstrip("/").removesuffix("/v1") + "/tokenize"
        self.tokenizes: bool | None = None if mode == "count" else False  # None: not probed yet
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._in_flight: asyncio.Semaphore | None = None

    def bind(self) -> None:
        """A new event loop: the next request opens a new connection pool."""
        self._client = None
        self._in_flight = None

    async def tokens(self, text: str) -> int:
        """Tokens in `text` by the engine's tokenizer, else its UTF-8 bytes (an upper bound)."""
        if not text:
            return 0
        if self.tokenizes is not False:
            counted = await self._tokenize(text)
            if counted is not None:
                return counted
        return len(text.encode())

    async def charge(self, completions: Sequence[Completion], reported: int | None, params: SamplingParams) -> list[int]:
        """Tokens to charge for each choice of one response whose usage reported `reported` completion
        tokens (None: no usage); see the module's docstring."""
        if self.mode == "reported" and reported is not None:
            return spread(completions, reported)
        counts = list(await asyncio.gather(*(self._count(c) for c in completions)))
        if reported is not None and reported >= sum(counts):
            rest = reported - sum(counts)
            shares = [rest // len(counts)] * len(counts)
            shares[0] += rest - sum(shares)
            return [count + share for count, share in zip(counts, shares)]
        stop = max([await self.tokens(s) for s in params.stop], default=0)
        charged = []
        for completion, counted in zip(completions, counts):
            if completion.finish_reason == "stop":
                counted += stop + 1
            elif completion.finish_reason == "length":
                counted = max(counted, params.max_tokens)
            charged.append(counted)
        if reported is not None:
            log.info("%s reported %d completion tokens for %d choices holding at least %d; charging ponder's count",
                     self.url.removesuffix("/tokenize"), reported, len(completions), sum(counts))
        return charged

    async def _count(self, completion: Completion) -> int:
        return await self.tokens(completion.text) + await self.tokens(completion.reasoning or "")

    async def _tokenize(self, text: str) -> int | None:
        """The engine's count of `text`. At most TOKENIZE_IN_FLIGHT requests at once: a sweep
        with 64 responses of 16 choices in flight would otherwise queue ~1,000 requests on one httpx
        pool, whose scheduler scans the whole queue on every event (measured: 4.6 sweep units/s, the
        driver's CPU spent in httpcore's connection pool, against a backend answering in microseconds)."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, headers=self._headers)
            self._in_flight = asyncio.Semaphore(TOKENIZE_IN_FLIGHT)
        try:
            # llama.cpp reads `content`, vLLM and SGLang `prompt`; both answer with `tokens` (vLLM adds `count`).
            async with self._in_flight:
                response = await self._client.post(self.url, json={"content": text, "prompt": text, "add_special": False, "add_special_tokens": False})
            body = response.json() if response.status_code == 200 else {}
            tokens = body.get("tokens") if isinstance(body, dict) else None
            counted = body.get("count", len(tokens)) if isinstance(tokens, list) else None
        except (httpx.HTTPError, ValueError):
            counted = None
        if counted is None:
            if self.tokenizes is None:
                log.info("%s does not tokenize; counting generated text in bytes (an upper bound on tokens)", self.url)
                self.tokenizes = False
            return None
        self.tokenizes = True
        return int(counted)


def spread(completions: Sequence[Completion], total: int) -> list[int]:
    """One response's reported completion tokens split over its choices in proportion to their length
    (the API reports only the total); the sum stays exactly what the backend reported.

    >>> spread([Completion("ab", 0, "stop"), Completion("abcdef", 0, "stop")], 9)
    [3, 6]
    """
    if not completions:
        return []
    weights = [max(1, len(c.text) + len(c.reasoning or "")) for c in completions]
    shares = [total * w // sum(weights) for w in weights]
    shares[0] += total - sum(shares)
    return shares
