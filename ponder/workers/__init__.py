"""Where work units run: in this process, on a local process pool, or on Ray actors.

Every backend has one contract (`base.Workers`): `await workers.submit(fn, *args)` runs
`await fn(state, *args)` on some worker, where `state` was built once per worker by the `setup` callable
(a model loaded once, the players of an arena). Callers keep writing their results themselves, so the
store stays one file written by one process; which worker ran a unit never changes what it returns,
because every unit carries its own seed.
"""
