"""Running untrusted (model-written) Python in bubblewrap, and nowhere else.

Each run gets its own sandbox: new user, PID, network, IPC, UTS, mount and cgroup namespaces, entered as an
unprivileged user of its own (a fresh host uid when ponder runs as root, so a fork bomb exhausts only its own
process limit; uid 65534 inside) with no capabilities and no further user namespaces; only /usr bound, read-only
(the system Python, started with `-I -S`: its standard library only, not even the system's site-packages;
nothing of the project, its virtual environment or the host's home); a
private size-capped tmpfs as the working directory; a clean environment (no API keys); rlimits on CPU
seconds, address space, processes, file size and open files, and no core dumps; a wall-clock limit after
which the whole process tree is killed (the PID namespace dies with its first process); stdout and stderr
read up to a cap, the rest discarded as it comes so a flood never blocks or fills memory.

The user and the rlimits are set by util-linux's `setpriv` and `prlimit` on the way to bwrap rather than by a Python
hook in the forked child, so the parent spawns with vfork however large it is (measured: 45 -> 23 ms per run with
`-S`, parent with torch loaded). When bubblewrap is missing, or cannot create its namespaces here, `SandboxMissing` / `SandboxError` say so:
nothing ever falls back to running the code unsandboxed.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import secrets
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass

from ponder.errors import PonderError

INSTALL = "apt-get install bubblewrap"
UNPRIVILEGED = 65534  # the user a program sees itself run as (nobody)
RUN_USERS = (1_000_000, 2_000_000)  # host uids drawn for runs when ponder runs as root: no account has them
PYTHON = "/usr/bin/python3"  # the system interpreter: under /usr, readable by the unprivileged user


class SandboxError(PonderError, RuntimeError):
    """The sandbox itself could not run (not the code in it: that is an Execution that failed)."""


class SandboxMissing(SandboxError):
    """bubblewrap is not installed; the message names the install command."""


@dataclass(frozen=True)
class Limits:
    """What one run may use. Each limit ends the run when passed; none can be raised from inside."""

    wall_seconds: float = 10.0  # then every process of the run is killed
    cpu_seconds: int = 10  # RLIMIT_CPU, per process
    memory_bytes: int = 1 << 30  # RLIMIT_AS, per process
    processes: int = 32  # RLIMIT_NPROC: processes of the unprivileged user (concurrent runs share it)
    file_bytes: int = 8 << 20  # RLIMIT_FSIZE, per file
    open_files: int = 64  # RLIMIT_NOFILE
    disk_bytes: int = 16 << 20  # the working tmpfs
    output_bytes: int = 64 << 10  # kept of stdout and of stderr each; the rest is read and discarded


@dataclass(frozen=True)
class Execution:
    """What a run did."""

    exit_code: int | None  # the program's; negative: killed by that signal; None: killed at the wall limit
    stdout: str
    stderr: str
    timed_out: bool
    truncated: bool  # stdout or stderr passed the cap
    seconds: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


def bubblewrap() -> str:
    """The bwrap binary, or SandboxMissing saying how to install it."""
    found = shutil.which("bwrap")
    if found is None:
        raise SandboxMissing(f"bubblewrap (bwrap) is not installed; install it with `{INSTALL}` "
                             "(model-written code never runs outside it)")
    if not os.access(PYTHON, os.X_OK):
        raise SandboxMissing(f"the sandbox runs the system Python at {PYTHON}, which is missing; install it with `apt-get install python3`")
    return found


def _util(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SandboxMissing(f"the sandbox needs util-linux's {name}; install it with `apt-get install util-linux`")
    return found


def launcher(limits: Limits, user: int | None) -> list[str]:
    """`setpriv` (when a run has a user of its own) and `prlimit`: the run's user and limits, set before bwrap starts."""
    # RLIMIT_NPROC counts all of a user's processes: a user of the run's own is bounded by the run alone; run as
    # an ordinary user, the run may add `processes` to what that user already has (never unbounded).
    processes = limits.processes if user is not None else _processes_of(os.getuid()) + limits.processes
    values = []
    for option, kind, value in (("--cpu", resource.RLIMIT_CPU, limits.cpu_seconds), ("--as", resource.RLIMIT_AS, limits.memory_bytes),
                                ("--fsize", resource.RLIMIT_FSIZE, limits.file_bytes), ("--nofile", resource.RLIMIT_NOFILE, limits.open_files),
                                ("--core", resource.RLIMIT_CORE, 0), ("--nproc", resource.RLIMIT_NPROC, processes)):
        hard = resource.getrlimit(kind)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        values.append(f"{option}={value}:{value}")
    become = [] if user is None else [_util("setpriv"), f"--reuid={user}", f"--regid={user}", "--clear-groups", "--"]
    return [*become, _util("prlimit"), *values, "--"]


def command(program_fd: int, status_fd: int, limits: Limits, python: str = PYTHON) -> list[str]:
    """The bwrap command line of one run: the program is copied in read-only from `program_fd` (never on the
    command line), stdin stays the program's own."""
    return [
        bubblewrap(), "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
        "--uid", str(UNPRIVILEGED), "--gid", str(UNPRIVILEGED), "--clearenv",
        "--setenv", "PATH", "/usr/bin", "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8",
        "--setenv", "PYTHONDONTWRITEBYTECODE", "1", "--setenv", "PYTHONIOENCODING", "utf-8",
        "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev",
        "--size", str(limits.disk_bytes), "--tmpfs", "/tmp", "--chdir", "/tmp",
        "--ro-bind-data", str(program_fd), "/program.py", "--json-status-fd", str(status_fd),
        python, "-I", "-S", "/program.py",
    ]


def _processes_of(uid: int) -> int:
    """How many processes (threads included: RLIMIT_NPROC counts tasks) `uid` runs now."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


def _run_user() -> int:
    """A host uid of this run's own (when ponder runs as root), so its process limit is its alone: a fork bomb
    in one sandbox never starves another. No account needs to exist for it; inside, it is uid 65534."""
    return RUN_USERS[0] + secrets.randbelow(RUN_USERS[1] - RUN_USERS[0])


async def _capped(stream: asyncio.StreamReader, cap: int) -> tuple[bytes, bool]:
    kept = bytearray()
    truncated = False
    while chunk := await stream.read(1 << 16):
        room = cap - len(kept)
        if room > 0:
            kept += chunk[:room]
        truncated = truncated or len(chunk) > room
    return bytes(kept), truncated


async def run_python(program: str, limits: Limits = Limits(), stdin: str = "") -> Execution:
    """Run `program` with Python 3 in a fresh sandbox; its Execution, whatever the program does. Raises
    SandboxMissing / SandboxError only when the sandbox itself cannot run."""
    read_status, write_status = os.pipe()
    source = tempfile.TemporaryFile()  # an open file bwrap copies in: no pipe to fill, no path anyone else can open
    source.write(program.encode("utf-8", errors="replace"))
    source.flush()
    source.seek(0)
    started = time.monotonic()
    try:
        privileged = os.geteuid() == 0
        user = _run_user() if privileged else None
        sandbox = command(source.fileno(), write_status, limits)  # first: a missing bwrap is the error to report
        process = await asyncio.create_subprocess_exec(
            *launcher(limits, user), *sandbox, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={}, pass_fds=(source.fileno(), write_status),
            start_new_session=True, close_fds=True,
        )
    except BaseException:
        os.close(read_status)
        raise
    finally:
        os.close(write_status)
        source.close()
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    timed_out = False
    readers = asyncio.gather(_capped(process.stdout, limits.output_bytes), _capped(process.stderr, limits.output_bytes))
    try:
        try:
            process.stdin.write(stdin.encode("utf-8", errors="replace"))
            await process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the program stopped reading: its business
        process.stdin.close()
        try:
            (out, out_cut), (err, err_cut) = await asyncio.wait_for(asyncio.shield(readers), limits.wall_seconds)
            await asyncio.wait_for(process.wait(), max(0.1, limits.wall_seconds - (time.monotonic() - started)))
        except asyncio.TimeoutError:
            timed_out = True
            _kill(process.pid)
            (out, out_cut), (err, err_cut) = await readers
            await process.wait()
    except BaseException:  # cancelled: nothing may outlive the request
        _kill(process.pid)
        readers.cancel()
        await process.wait()
        raise
    finally:
        status = _status(read_status)
    seconds = time.monotonic() - started
    if "child-pid" not in status:  # bubblewrap never started the program: the sandbox failed, not the code
        raise SandboxError(f"bubblewrap could not start a sandbox here: {err.decode(errors='replace').strip()[:500]}")
    code = None if timed_out else status.get("exit-code", process.returncode)
    return Execution(code, out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace"), timed_out,
                     out_cut or err_cut, seconds)


def _kill(pid: int) -> None:
    """The whole run: bwrap and, with it, the sandbox's PID namespace and everything in it."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _status(fd: int) -> dict:
    """bubblewrap's status reports (`child-pid` once the program started, `exit-code` when it ended), merged."""
    with os.fdopen(fd, "rb") as pipe:
        text = pipe.read(1 << 16).decode(errors="replace")
    merged: dict = {}
    decoder = json.JSONDecoder()
    at = 0
    while at < len(text):
        text_left = text[at:].lstrip()
        if not text_left:
            break
        try:
            value, used = decoder.raw_decode(text_left)
        except ValueError:
            break
        if isinstance(value, dict):
            merged.update(value)
        at = len(text) - len(text_left) + used
    return merged


def run_python_sync(program: str, limits: Limits = Limits(), stdin: str = "") -> Execution:
    """`run_python` for callers without an event loop."""
    return asyncio.run(run_python(program, limits, stdin))
