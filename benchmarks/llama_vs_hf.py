"""The same real model (Gemma 3 270M base, its Q4_K_M GGUF) on the same few-shot 2-digit additions,
served two ways on this machine: llama.cpp's `llama-server` (ponder's OpenAI-compatible path, one request
with n = N) against the local transformers path (`hf:FILE.gguf`, de-quantized to fp32), both on the
same cores, one after the other. Candidates per second at N = 1, 8, 32, and what sharing the prompt
buys each: llama.cpp's one request for N candidates against N independent requests that do not reuse
the prompt cache (`cache_prompt: false`), and the local sampler's one shared prefill against N copies.

Needs the real-model pieces (`bash scripts/install_real_models.sh`).

    python benchmarks/llama_vs_hf.py [--problems 4] [--max-new-tokens 8] [--threads 2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

import httpx
import torch

from ponder.generators.few_shot import load_few_shot
from ponder.generators.hf_local import HFLocalGenerator
from ponder.generators.sampling import sample
from ponder.tasks import get_task
from ponder.testing_real import INSTALL, LlamaServer, gemma_gguf, llama_server_binary

SIZES = (1, 8, 32)


def prompts(count: int) -> list[str]:
    template = load_few_shot("examples/few_shot/addition.txt")
    return [template.replace("{prompt}", p.prompt) for p in get_task("addition").generate(count, seed=7)]


def llama_rate(server: LlamaServer, texts: list[str], n: int, max_new: int, shared: bool) -> float:
    """Candidates per second: one request with n choices (shared) or n concurrent single requests
    that must each process the prompt (cache_prompt false)."""

    async def run() -> int:
        async with httpx.AsyncClient(timeout=600) as client:
            done = 0
            for i, text in enumerate(texts):
                body = {"prompt": text, "max_tokens": max_new, "temperature": 1.0, "seed": i, "ignore_eos": True}
                if shared:
                    answer = (await client.post(server.base_url + "/completions", json={**body, "n": n})).json()
                    done += len(answer["choices"])
                else:
                    answers = await asyncio.gather(*(client.post(server.base_url + "/completions", json={**body, "seed": i * 1000 + j, "cache_prompt": False})
                                                     for j in range(n)))
                    done += sum(len(a.json()["choices"]) for a in answers)
            return done

    started = time.perf_counter()
    count = asyncio.run(run())
    return count / (time.perf_counter() - started)


def hf_rate(local: HFLocalGenerator, texts: list[str], n: int, max_new: int, shared: bool) -> float:
    started, count = time.perf_counter(), 0
    for i, text in enumerate(texts):
        rows, _ = sample(local.model, local.encode(text), n, max_new_tokens=max_new, eos_token_id=(), temperature=1.0, top_p=1.0,
                         rng=torch.Generator().manual_seed(i), share_prompt=shared)
        count += len(rows)
    return count / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=8, help="tokens per candidate, fixed (end of text ignored)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    binary, gemma = llama_server_binary(), gemma_gguf()
    if binary is None or gemma is None:
        print(f"needs llama-server and the Gemma GGUF: {INSTALL}", file=sys.stderr)
        return 2
    texts = prompts(args.problems)
    torch.set_num_threads(args.threads)
    rows = []
    print(f"Gemma 3 270M Q4_K_M; {args.problems} few-shot additions (~92 prompt tokens); {args.max_new_tokens} new tokens per candidate; "
          f"{args.threads} threads; median of {args.rounds} rounds", flush=True)
    with LlamaServer(binary, gemma, slots=32, context=32 * 128, threads=args.threads) as server:
        llama_rate(server, texts[:1], 2, 2, True)  # warm-up
        for n in SIZES:
            rows.append(("llama.cpp", n, "one request, n=N", statistics.median(llama_rate(server, texts, n, args.max_new_tokens, True) for _ in range(args.rounds))))
        for n in SIZES[1:]:
            rows.append(("llama.cpp", n, "N requests, no prompt cache", statistics.median(llama_rate(server, texts, n, args.max_new_tokens, False) for _ in range(args.rounds))))
    started = time.perf_counter()
    local = HFLocalGenerator(gemma, dtype="fp32")
    print(f"(transformers loaded the GGUF in {time.perf_counter() - started:.0f} s)", flush=True)
    hf_rate(local, texts[:1], 2, 2, True)  # warm-up
    for n in SIZES:
        rows.append(("transformers", n, "shared prefill", statistics.median(hf_rate(local, texts, n, args.max_new_tokens, True) for _ in range(args.rounds))))
    for n in SIZES[1:]:
        rows.append(("transformers", n, "N prompt copies", statistics.median(hf_rate(local, texts, n, args.max_new_tokens, False) for _ in range(args.rounds))))
    rate = {(engine, n, how): r for engine, n, how, r in rows}
    print(f"\n{'engine':<13} {'N':>3}  {'how':<28} {'candidates/s':>12}")
    for engine, n, how, r in rows:
        print(f"{engine:<13} {n:>3}  {how:<28} {r:>12.2f}")
    print("\nratios")
    for n in SIZES:
        print(f"  N={n:<3} llama.cpp / transformers: {rate[('llama.cpp', n, 'one request, n=N')] / rate[('transformers', n, 'shared prefill')]:.2f}x")
    for n in SIZES[1:]:
        print(f"  N={n:<3} prefix sharing buys llama.cpp {rate[('llama.cpp', n, 'one request, n=N')] / rate[('llama.cpp', n, 'N requests, no prompt cache')]:.2f}x, "
              f"transformers {rate[('transformers', n, 'shared prefill')] / rate[('transformers', n, 'N prompt copies')]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
