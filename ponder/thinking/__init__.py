"""Thinking longer: one chain of thought under a two-sided budget, with tools inside the thought."""
