"""Running untrusted (model-written) code: bubblewrap, rlimits, a wall clock, a clean environment. Nothing
in ponder runs model-written code any other way."""

from ponder.sandbox.bubblewrap import Execution, Limits, SandboxError, SandboxMissing, run_python, run_python_sync

__all__ = ["Execution", "Limits", "SandboxError", "SandboxMissing", "run_python", "run_python_sync"]
