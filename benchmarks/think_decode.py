"""Decode speed of ponder-think: ponder's chain decoder (budget forcing and the calculator in the loop)
against transformers' `generate` on the same model, same prompts, same number of new tokens, in one run.

    python benchmarks/think_decode.py [--tokens 512] [--batches 1,64] [--model-dir DIR]

For each batch size: tokens per second of `generate` (greedy, a fixed number of new tokens, no tools),
of ponder's decoder with no tool (greedy, thought capped at the same length), and of ponder's decoder
with the calculator (tool tokens are positions too and are counted), and their ratios to `generate`.
"""

from __future__ import annotations

import argparse
import time

import torch

from ponder.embedded.think import MODEL_DIR, EmbeddedThinkGenerator
from ponder.tasks.countdown_reachable import CountdownReachableTask
from ponder.generators.decode import decode_chains
from ponder.tools.countdown_calculator import think_prompt
from ponder.types import SamplingParams, ThinkingBudget


def prompts(count: int) -> list[str]:
    problems = CountdownReachableTask().generate(count, 99)
    return [think_prompt(p.data["numbers"], p.data["target"]) for p in problems]


def hf_generate(generator: EmbeddedThinkGenerator, texts: list[str], tokens: int) -> tuple[float, int]:
    """Seconds and new tokens for `model.generate` (left-padded batch, every row forced to `tokens`)."""
    tokenizer = generator.tokenizer
    tokenizer.padding_side = "left"
    batch = tokenizer(texts, return_tensors="pt", padding=True)
    started = time.perf_counter()
    with torch.inference_mode():
        out = generator.model.generate(**batch, max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False,
                                       pad_token_id=tokenizer.pad_token_id)
    seconds = time.perf_counter() - started
    return seconds, int((out.shape[1] - batch.input_ids.shape[1]) * out.shape[0])


def ponder_decode(generator: EmbeddedThinkGenerator, texts: list[str], tokens: int, tools: bool) -> tuple[float, int]:
    """Seconds and completion tokens for ponder's decoder, the thought capped at `tokens` (minimum too,
    so chains run the full length unless they answer)."""
    params = SamplingParams(temperature=0.0, max_tokens=tokens + 13, thinking=ThinkingBudget(cap=tokens, minimum=tokens, tools=tools))
    chains = [chain for text in texts for chain in generator.chains(text, 1, params)]
    started = time.perf_counter()
    decode_chains(generator.model, chains, temperature=0.0, top_p=1.0, rng=torch.Generator().manual_seed(0))
    seconds = time.perf_counter() - started
    return seconds, sum(chain.completion_tokens for chain in chains)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=512)
    parser.add_argument("--batches", default="1,64")
    parser.add_argument("--model-dir", default=str(MODEL_DIR))
    args = parser.parse_args()
    generator = EmbeddedThinkGenerator(args.model_dir)
    print(f"ponder-think, {generator.parameter_count:,} parameters, {torch.get_num_threads()} threads, {args.tokens} new tokens per row")
    print(f"{'batch':>5} {'decoder':<26} {'tokens/s':>9} {'vs generate':>11}")
    for size in (int(b) for b in args.batches.split(",")):
        texts = prompts(size)
        hf_generate(generator, texts[:1], 8)  # warm-up
        seconds, tokens = hf_generate(generator, texts, args.tokens)
        base = tokens / seconds
        print(f"{size:>5} {'transformers generate':<26} {base:>9.0f} {1.0:>10.2f}x")
        for label, tools in (("ponder, no tool", False), ("ponder, calculator", True)):
            seconds, tokens = ponder_decode(generator, texts, args.tokens, tools)
            print(f"{size:>5} {label:<26} {tokens / seconds:>9.0f} {tokens / seconds / base:>10.2f}x")


if __name__ == "__main__":
    main()
