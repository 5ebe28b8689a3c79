"""Every place of work runs a unit against state built once per worker, re-raises its errors as they
were, and survives a worker killed mid-unit: the pool says so (WorkerLost) and keeps working, Ray
restarts the actor and re-runs the unit."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from ponder.workers.base import InProcess, WorkerLost
from ponder.workers.choose import open_workers
from ponder.workers.pool import ProcessPool


class Refused(ValueError):
    pass


def setup_state(base: int) -> dict:
    return {"base": base, "pid": os.getpid()}


async def add(state: dict, x: int) -> tuple[int, int]:
    if x < 0:
        raise Refused(f"{x} is negative")
    return state["base"] + x, state["pid"]


async def die_once(state: dict, marker: str, x: int) -> int:
    """SIGKILL this worker the first time any worker runs it (the marker file remembers), then add."""
    if not Path(marker).exists():
        Path(marker).write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return state["base"] + x


async def gather(workers, unit, *args_list):
    return await asyncio.gather(*(workers.submit(unit, *args) for args in args_list))


def test_in_process_runs_units_here_against_the_state_it_holds():
    workers = open_workers(partial(setup_state, 1), workers=1)
    assert isinstance(workers, InProcess)
    assert asyncio.run(workers.submit(add, 2)) == (3, os.getpid())


def test_a_pool_builds_state_once_per_process_and_reraises_a_units_error():
    with ProcessPool(partial(setup_state, 10), 2) as pool:
        results = asyncio.run(gather(pool, add, *[(i,) for i in range(20)]))
        assert [value for value, _ in results] == [10 + i for i in range(20)]
        assert os.getpid() not in {pid for _, pid in results}
        with pytest.raises(Refused, match="-1 is negative"):
            asyncio.run(pool.submit(add, -1))


async def wait_long(state: dict, folder: str) -> None:
    """Say which process runs it (a file named by its pid), then wait a minute."""
    Path(folder, str(os.getpid())).touch()
    await asyncio.sleep(60)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_a_pool_left_by_an_interrupt_stops_its_workers_at_once(tmp_path):
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with ProcessPool(partial(setup_state, 0), 2) as pool:
            async def run_then_interrupt():
                asyncio.ensure_future(gather(pool, wait_long, (str(tmp_path),), (str(tmp_path),)))
                while len(list(tmp_path.iterdir())) < 2:
                    await asyncio.sleep(0.05)
                raise KeyboardInterrupt
            asyncio.run(run_then_interrupt())
    workers = [int(path.name) for path in tmp_path.iterdir()]
    assert len(workers) == 2 and not any(alive(pid) for pid in workers)
    assert time.monotonic() - started < 30  # not the minute their units asked for


async def same_loop_as_first(state: dict) -> bool:
    """Whether this unit runs on the loop the worker's first unit ran on (kept in the worker's state)."""
    loop = asyncio.get_running_loop()
    return state.setdefault("loop", loop) is loop


def test_a_pool_worker_runs_all_its_units_on_one_event_loop():
    """So a client its state holds (an LLM player's connections) is never left bound to a loop that has closed."""
    with ProcessPool(partial(setup_state, 0), 1) as pool:
        assert [asyncio.run(pool.submit(same_loop_as_first)) for _ in range(3)] == [True, True, True]


def test_a_pool_worker_killed_mid_unit_is_reported_lost_and_the_pool_carries_on(tmp_path):
    with ProcessPool(partial(setup_state, 10), 2) as pool:
        with pytest.raises(WorkerLost):
            asyncio.run(pool.submit(die_once, str(tmp_path / "died"), 1))
        assert asyncio.run(pool.submit(die_once, str(tmp_path / "died"), 1)) == 11  # the retry, on a fresh process


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # Ray's workers cannot import this test module
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_actors_build_state_once_each_and_reraise_a_units_error_as_itself(ray_local):
    from ponder.workers.ray_actors import RayWorkers

    with RayWorkers(partial(setup_state, 5), workers=2) as workers:
        pids = set(workers.pids())
        results = asyncio.run(gather(workers, add, *[(i,) for i in range(40)]))
        assert [value for value, _ in results] == [5 + i for i in range(40)]
        assert {pid for _, pid in results} == pids and len(pids) == 2 and os.getpid() not in pids
        with pytest.raises(Refused, match="-3 is negative"):
            asyncio.run(workers.submit(add, -3))
    assert ray_local.is_initialized()  # it did not start Ray, so it leaves it running


def test_a_ray_worker_killed_mid_unit_is_restarted_and_the_unit_rerun_once(ray_local, tmp_path):
    from ponder.workers.ray_actors import RayWorkers

    marker = tmp_path / "died"
    with RayWorkers(partial(setup_state, 5), workers=1) as workers:
        before = workers.pids()
        assert asyncio.run(workers.submit(die_once, str(marker), 2)) == 7
        assert int(marker.read_text()) == before[0] and workers.pids() != before  # it died; a new actor finished it


def test_a_ray_address_where_nothing_listens_is_a_clear_error_not_a_wait():
    from processes import free_port, run_cli

    result = run_cli("arena", "--game", "tic_tac_toe", "--players", "random,mcts:8", "--games", "2",
                     "--ray", f"127.0.0.1:{free_port()}", timeout=60)
    assert result.returncode == 2 and "cannot reach Ray at 127.0.0.1:" in result.stderr and "Traceback" not in result.stderr
