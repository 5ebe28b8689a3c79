"""Tools a model calls inside its chain of thought (decoding pauses, the tool's output is appended)."""
