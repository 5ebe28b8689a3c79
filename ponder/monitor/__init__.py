"""A chain-of-thought monitor: rules (and optionally a model) that read chains and flag named
behaviours. Its flags are reported, never rewarded (`training.rl` computes rewards before it runs)."""
