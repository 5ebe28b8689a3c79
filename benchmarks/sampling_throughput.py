"""Sampling throughput of the embedded model on this machine: candidates per second at batch 64,
ponder's KV-cache sampler against transformers' own `model.generate` (the peer), same run, same
prompts, same length cap.

    python benchmarks/sampling_throughput.py [--batch 64] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from transformers.utils import logging as hf_logging

from ponder.embedded.tiny import EmbeddedGenerator
from ponder.embedded.codec import countdown_prompt, multiply_prompt
from ponder.generators.sampling import sample

PROMPTS = (countdown_prompt([3, 5, 7, 11], 24), multiply_prompt(482, 913))


def ponder_round(generator: EmbeddedGenerator, prompt: str, batch: int, max_new: int, seed: int) -> int:
    local = generator.local
    rng = torch.Generator().manual_seed(seed)
    rows, _ = sample(local.model, local.encode(prompt), batch, max_new_tokens=max_new, eos_token_id=local.tokenizer.eos_token_id, temperature=1.0, top_p=1.0, rng=rng)
    return len(rows)


@torch.inference_mode()
def peer_round(generator: EmbeddedGenerator, prompt: str, batch: int, max_new: int, seed: int) -> int:
    local = generator.local
    torch.manual_seed(seed)
    ids = torch.tensor([local.encode(prompt)]).expand(batch, -1)
    out = local.model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, temperature=1.0, top_p=1.0, top_k=0, max_new_tokens=max_new, pad_token_id=local.tokenizer.pad_token_id)
    return out.shape[0]


def measure(fn, generator, batch: int, rounds: int, max_new: int) -> tuple[float, float]:
    rates = []
    for r in range(rounds):
        started, count = time.perf_counter(), 0
        for prompt in PROMPTS:
            count += fn(generator, prompt, batch, max_new, seed=r)
        rates.append(count / (time.perf_counter() - started))
    return statistics.median(rates), min(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    args = parser.parse_args()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    generator = EmbeddedGenerator()
    for fn in (ponder_round, peer_round):  # warm-up
        fn(generator, PROMPTS[0], args.batch, 8, seed=0)
    ours, ours_min = measure(ponder_round, generator, args.batch, args.rounds, args.max_new_tokens)
    peer, peer_min = measure(peer_round, generator, args.batch, args.rounds, args.max_new_tokens)
    print(f"embedded model, {generator.parameter_count:,} parameters, batch {args.batch}, "
          f"max {args.max_new_tokens} new tokens, torch threads {torch.get_num_threads()}")
    print(f"ponder sampler          : {ours:8.0f} candidates/s (median of {args.rounds}; worst {ours_min:.0f})")
    print(f"transformers generate() : {peer:8.0f} candidates/s (median of {args.rounds}; worst {peer_min:.0f})")
    print(f"ratio ponder / generate : {ours / peer:8.2f}x")


if __name__ == "__main__":
    main()
