"""GRPO's loss and advantages equal TRL's on the same batch; banned tokens leave the softmax."""

from __future__ import annotations

import pytest
import torch

from ponder.training.grpo import group_advantages, grpo_loss, pad_batch, token_logps

trl = pytest.importorskip("trl", reason="TRL is in the test extra: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def think_model():
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ponder.embedded.think import MODEL_DIR

    return AutoModelForCausalLM.from_pretrained(MODEL_DIR), AutoTokenizer.from_pretrained(MODEL_DIR)


def trl_trainer(model, tokenizer, tmp_path, **config):
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    args = GRPOConfig(output_dir=str(tmp_path), per_device_train_batch_size=4, num_generations=4, use_cpu=True, report_to="none",
                      bf16=False, **config)
    trainer = GRPOTrainer(model=model, reward_funcs=lambda completions, **_: [0.0] * len(completions), args=args,
                          train_dataset=Dataset.from_dict({"prompt": ["T1 2>3:"] * 4}), processing_class=tokenizer)
    trainer.current_gradient_accumulation_steps = 1  # set by the training loop, which is not run here
    return trainer


@pytest.mark.parametrize("loss_type", ["grpo", "bnpo", "dr_grpo"])
def test_the_loss_equals_trls_compute_loss_on_the_same_batch(think_model, tmp_path, loss_type):
    model, tokenizer = think_model
    completion = 6
    trainer = trl_trainer(model, tokenizer, tmp_path, beta=0.04, loss_type=loss_type, max_completion_length=completion, epsilon=0.2)
    rng = torch.Generator().manual_seed(0)
    prompt_ids = torch.randint(4, 99, (4, 3), generator=rng)
    completion_ids = torch.randint(4, 99, (4, completion), generator=rng)
    completion_mask = torch.ones(4, completion, dtype=torch.long)
    completion_mask[0, 4:] = 0  # a shorter completion, right-padded
    ids = torch.cat([prompt_ids, completion_ids], dim=1)
    model.train()
    with torch.no_grad():
        current = token_logps(model, ids)[:, 2:]
    old = current + 0.3 * torch.randn(current.shape, generator=rng)  # off-policy enough that some ratios clip
    ref = current + 0.1 * torch.randn(current.shape, generator=rng)
    advantages = torch.randn(4, generator=rng)
    inputs = {"prompt_ids": prompt_ids, "prompt_mask": torch.ones_like(prompt_ids), "completion_ids": completion_ids,
              "completion_mask": completion_mask, "advantages": advantages, "old_per_token_logps": old, "ref_per_token_logps": ref,
              "num_items_in_batch": completion_mask.sum()}
    theirs = trainer._compute_loss(model, inputs)
    ours, stats = grpo_loss(token_logps(model, ids)[:, 2:], old, ref, advantages, completion_mask.bool(), beta=0.04,
                            loss_type=loss_type, max_completion_length=completion)
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-5, abs=1e-7)
    assert 0 < stats["clip_fraction"] < 1


def test_advantages_equal_trls_group_standardisation():
    from trl.trainer.utils import nanstd

    rewards = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0])
    grouped = rewards.view(-1, 4)
    theirs = (rewards - grouped.mean(1).repeat_interleave(4)) / (nanstd(grouped, dim=1).repeat_interleave(4) + 1e-4)
    assert torch.allclose(group_advantages(rewards, 4), theirs)


def test_a_group_whose_chains_all_score_alike_teaches_nothing():
    assert group_advantages(torch.tensor([1.0, 1.0, 0.0, 0.0]), 2).abs().max() == 0


def test_banned_tokens_leave_the_softmax_they_were_sampled_from(think_model):
    model, _ = think_model
    ids = torch.tensor([[1, 40, 41, 42, 43]])
    plain = token_logps(model, ids)
    masked = token_logps(model, ids, [{3: [5, 6, 7]}])  # position 3 (token 42) was sampled with 5, 6, 7 refused
    logits = model(input_ids=ids).logits[0, 2].detach()
    logits[[5, 6, 7]] = float("-inf")
    assert masked[0, 2].item() == pytest.approx(torch.log_softmax(logits, -1)[42].item(), abs=1e-5)
    assert masked[0, 2] > plain[0, 2]
    assert torch.equal(masked[0, [0, 1, 3]], plain[0, [0, 1, 3]])


def test_pad_batch_masks_only_the_chosen_positions_after_the_first():
    ids, mask = pad_batch([[1, 2, 3], [1, 2]], [[False, True, True], [False, True]], pad=0)
    assert ids.tolist() == [[1, 2, 3], [1, 2, 0]]
    assert mask.tolist() == [[True, True], [True, False]]


def test_the_kl_term_is_zero_at_the_reference_and_positive_away_from_it():
    logps = torch.log(torch.tensor([[0.5, 0.2]]))
    mask = torch.ones(1, 2, dtype=torch.bool)
    _, at = grpo_loss(logps, logps, logps, torch.zeros(1), mask, beta=1.0)
    loss, away = grpo_loss(logps, logps, logps - 0.5, torch.zeros(1), mask, beta=1.0)
    assert at["kl"] == 0.0
    assert away["kl"] > 0 and loss.item() == pytest.approx(away["kl"])
