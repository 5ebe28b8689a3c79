"""A tiny Hugging Face model in the form of Qwen3's thinking models, built on the spot (random weights,
nothing downloaded): its chat template opens the answer with <think>, and </think> is one token.
With `end_logit` every position sees the same input, so the next-token distribution is the same at
every step and the logit of </think> is known: the budget-forcing tests can make a model that always,
never or sometimes ends its thought early."""

import json, string
from pathlib import Path

def build(path: Path, end_logit: float | None = None, seed: int = 0) -> Path:
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen3Config, Qwen3ForCausalLM

    specials = ["<pad>", "<|im_end|>", "<|im_start|>", "<think>", "</think>"]
    chars = list(string.ascii_letters + string.digits + " \n.,!?+-*/=()")
    vocab = {t: i for i, t in enumerate(specials + chars + ["<unk>"])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.add_special_tokens(["<pad>", "<|im_end|>", "<|im_start|>"])
    tok.add_tokens(["<think>", "</think>"])
    template = ("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                "{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n{% endif %}")
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<pad>", unk_token="<unk>")
    fast.chat_template = template
    torch.manual_seed(seed)
    config = Qwen3Config(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, head_dim=8, max_position_embeddings=2048, tie_word_embeddings=False)
    model = Qwen3ForCausalLM(config)
    if end_logit is not None:  # every position sees the same input, so the next-token distribution is fixed
        with torch.no_grad():
            for layer in model.model.layers:
                layer.self_attn.o_proj.weight.zero_()
                layer.mlp.down_proj.weight.zero_()
            e = torch.randn(32)
            model.model.embed_tokens.weight[:] = e
            model.lm_head.weight[:] = torch.randn(len(vocab), 32) * 0.01
            h = model.model.norm(e[None])[0]
            model.lm_head.weight[vocab["</think>"]] = h / h.norm() ** 2 * end_logit
    model.save_pretrained(path)
    fast.save_pretrained(path)
    return path
