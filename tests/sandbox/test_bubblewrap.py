"""The sandbox against a hostile corpus, run for real in bubblewrap: no program reads the host's files or
environment, reaches the network, leaves a process behind, outlives its limits or floods the host — each
either fails inside or is cut off at its limit, and the host is as it was."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import uuid

import pytest

from ponder.sandbox import Limits, run_python_sync

SECRET = f"sk-ponder-test-{uuid.uuid4().hex}"  # in the test process's environment and a host file: never seen inside
FAST = Limits(wall_seconds=5.0, cpu_seconds=3, processes=32, memory_bytes=512 << 20)


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """A host with a secret in its environment, in a file, and a server listening on loopback."""
    secret_file = tmp_path_factory.mktemp("host") / "secret.txt"
    secret_file.write_text(SECRET)
    os.environ["PONDER_SANDBOX_SECRET"] = SECRET
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    yield {"file": str(secret_file), "port": listener.getsockname()[1], "accepted": accepted}
    listener.close()
    os.environ.pop("PONDER_SANDBOX_SECRET", None)


def leaked(execution) -> bool:
    return SECRET in execution.stdout or SECRET in execution.stderr


# (name, program); each program prints whatever it manages to get. {file}, {port}, {marker} are filled in.
READS = [
    ("host secret file", "print(open({file!r}).read())"),
    ("host passwd", "print(open('/etc/passwd').read())"),
    ("the project's source", "import os; print(os.listdir('/work'))"),
    ("root's home", "import os; print(os.listdir('/root'))"),
    ("the environment", "import os; print(dict(os.environ))"),
    ("every process's environment", "import glob\nfor p in glob.glob('/proc/*/environ'):\n    try: print(open(p).read())\n    except Exception as e: print(e)"),
    ("every process's command line", "import glob\nfor p in glob.glob('/proc/*/cmdline'):\n    try: print(open(p).read())\n    except Exception as e: print(e)"),
    ("the parent's environment", "import os; print(open(f'/proc/{{os.getppid()}}/environ').read())"),
    ("pid 1's root", "import os; print(os.listdir('/proc/1/root'))"),
    ("walk the whole tree", "import os\nfor d, _, fs in os.walk('/'):\n    for f in fs:\n        p = os.path.join(d, f)\n        try:\n            if {secret!r}[:10] in open(p, errors='ignore').read(10**6): print('FOUND', p)\n        except Exception: pass"),
    ("a symlink out", "import os; os.symlink({file!r}, '/tmp/x'); print(open('/tmp/x').read())"),
    ("the host's mounts", "print(open('/proc/self/mountinfo').read())"),
    ("the docker socket", "import socket; s = socket.socket(socket.AF_UNIX); s.connect('/var/run/docker.sock'); print('connected')"),
    ("the kernel keyring via os", "import os; print(os.listxattr('/'))"),
    ("environ of pid 1", "print(open('/proc/1/environ').read())"),
]
NETWORK = [
    ("loopback server", "import socket; s = socket.create_connection(('127.0.0.1', {port}), timeout=2); print('connected')"),
    ("public address", "import socket; s = socket.create_connection(('1.1.1.1', 53), timeout=2); print('connected')"),
    ("dns", "import socket; print(socket.gethostbyname('example.com'))"),
    ("raw socket", "import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); print('raw')"),
    ("list interfaces", "import socket; print(socket.if_nameindex())"),
]
WRITES = [
    ("write into /usr", "open('/usr/pwned', 'w').write('x'); print('wrote')"),
    ("write the host's tmp", "open({file!r} + '.pwned', 'w').write('x'); print('wrote')"),
    ("chmod a system file", "import os; os.chmod('/usr/bin/python3', 0o777); print('chmod')"),
    ("mount", "import ctypes; libc = ctypes.CDLL(None)\nif libc.mount(b'none', b'/usr', b'tmpfs', 0, None) != 0: raise SystemExit('refused')\nprint('mounted')"),
    ("new user namespace", "import os; os.unshare(os.CLONE_NEWUSER); print('unshared')"),
    ("setuid root", "import os; os.setuid(0); print('root')"),
]


@pytest.mark.parametrize("name, program", READS, ids=[name for name, _ in READS])
def test_no_program_reads_the_hosts_files_or_environment(host, name, program):
    execution = run_python_sync(program.format(file=host["file"], port=host["port"], secret=SECRET), FAST)
    assert not leaked(execution), execution
    assert "FOUND" not in execution.stdout
    assert not execution.timed_out or name == "walk the whole tree"


@pytest.mark.parametrize("name, program", NETWORK, ids=[name for name, _ in NETWORK])
def test_no_program_reaches_the_network(host, name, program):
    execution = run_python_sync(program.format(port=host["port"]), FAST)
    assert "connected" not in execution.stdout and "sent" not in execution.stdout and "raw" not in execution.stdout
    assert execution.exit_code != 0 or "lo" in execution.stdout  # the only interface, if any, is its own loopback
    assert not host["accepted"]


def test_a_datagram_to_the_hosts_loopback_never_arrives():
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(1.0)
    port = receiver.getsockname()[1]
    run_python_sync(f"import socket\nfor _ in range(20): socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', {port}))", FAST)
    with pytest.raises(socket.timeout):
        receiver.recvfrom(16)  # it reached only the sandbox's own loopback
    receiver.close()


@pytest.mark.parametrize("name, program", WRITES, ids=[name for name, _ in WRITES])
def test_no_program_changes_the_host(host, name, program):
    execution = run_python_sync(program.format(file=host["file"]), FAST)
    assert execution.exit_code != 0, execution
    assert not os.path.exists("/usr/pwned") and not os.path.exists(host["file"] + ".pwned")
    assert os.stat("/usr/bin/python3").st_mode & 0o777 != 0o777


def host_processes_with(marker: str) -> list[str]:
    run = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True)
    return [line for line in run.stdout.splitlines() if marker in line and "ps -eo" not in line]


LEFT_BEHIND = [
    ("a forked sleeper", "import os, time\nif os.fork() == 0:\n    os.setsid(); time.sleep(60)\nprint('parent out')"),
    ("a double fork daemon", "import os, time\nif os.fork() == 0:\n    if os.fork() == 0:\n        os.setsid(); time.sleep(60)\n    os._exit(0)\nprint('out')"),
    ("a subprocess with its own session", "import subprocess; subprocess.Popen(['/usr/bin/sleep', '60'], start_new_session=True); print('out')"),
    ("a sleeper past the wall clock", "import os, time\nos.fork(); time.sleep(60)"),
]


@pytest.mark.parametrize("name, program", LEFT_BEHIND, ids=[name for name, _ in LEFT_BEHIND])
def test_no_process_outlives_its_run(name, program):
    marker = f"ponder-marker-{uuid.uuid4().hex[:12]}"
    execution = run_python_sync(f"# {marker}\nimport sys; sys.argv[0] = {marker!r}\n" + program.replace("'60'", repr("60")),
                                Limits(wall_seconds=2.0))
    time.sleep(0.5)
    assert execution.seconds < 2.0 + 1.0
    assert not host_processes_with("sleep 60"), host_processes_with("sleep 60")


BOMBS = [
    ("fork bomb", "import os\nwhile True:\n    try: os.fork()\n    except OSError: pass"),
    ("thread bomb", "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,)).start()"),
    ("memory bomb", "x = []\nwhile True:\n    x.append(bytearray(1 << 26))"),
    ("one huge allocation", "x = bytearray(8 << 30); print(len(x))"),
    ("disk bomb", "with open('/tmp/big', 'wb') as f:\n    while True: f.write(b'x' * (1 << 20))"),
    ("many files", "i = 0\nwhile True:\n    open(f'/tmp/f{{i}}', 'w').write('x' * 4096); i += 1"),
    ("open file bomb", "fs = []\nwhile True:\n    fs.append(open('/dev/null'))"),
    ("output bomb", "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)"),
    ("stderr bomb", "import sys\nwhile True:\n    sys.stderr.write('y' * 65536)"),
    ("busy loop", "while True: pass"),
    ("sleep forever", "import time; time.sleep(3600)"),
    ("ignore signals", "import signal, time\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP): signal.signal(s, signal.SIG_IGN)\ntime.sleep(3600)"),
    ("deep recursion", "import sys; sys.setrecursionlimit(10**8)\ndef f(n): return f(n + 1)\nf(0)"),
    ("kill its parent", "import os, signal; os.kill(os.getppid(), signal.SIGKILL); print('sent')"),
    ("kill everything", "import os, signal; os.kill(-1, signal.SIGKILL)"),
    ("exponential string", "s = 'x'\nwhile True: s = s + s"),
    ("huge integer", "print(9**9**9)"),
    ("a core dump", "import os; os.abort()"),
    ("stdin flood read", "import sys; print(len(sys.stdin.read()))"),
]


@pytest.mark.parametrize("name, program", BOMBS, ids=[name for name, _ in BOMBS])
def test_every_bomb_ends_within_its_limits_and_the_host_carries_on(name, program):
    limits = Limits(wall_seconds=3.0, cpu_seconds=2, processes=32, memory_bytes=256 << 20, disk_bytes=4 << 20, output_bytes=4096)
    started = time.monotonic()
    execution = run_python_sync(program, limits)
    assert time.monotonic() - started < limits.wall_seconds + 2.0
    assert len(execution.stdout) <= limits.output_bytes and len(execution.stderr) <= limits.output_bytes
    assert not execution.ok or name in ("kill its parent", "stdin flood read", "huge integer"), execution
    assert run_python_sync("print('alive')", FAST).stdout == "alive\n"  # the host, and the next run, carry on


def test_the_program_runs_as_nobody_in_its_own_namespaces():
    execution = run_python_sync("import os; print(os.getuid(), os.getpid(), os.getcwd(), sorted(os.listdir('/')))", FAST)
    uid, pid, cwd, *_ = execution.stdout.split(" ", 3)
    assert execution.ok and uid == "65534" and int(pid) < 10 and cwd == "/tmp"


def test_stdin_reaches_the_program_and_its_output_comes_back():
    execution = run_python_sync("import sys; print(sys.stdin.read().upper())", FAST, stdin="hello")
    assert execution.ok and execution.stdout == "HELLO\n" and not execution.truncated


def test_a_failing_program_reports_its_exit_code_and_error():
    execution = run_python_sync("raise SystemExit(3)", FAST)
    assert execution.exit_code == 3 and not execution.ok
    execution = run_python_sync("1 / 0", FAST)
    assert execution.exit_code == 1 and "ZeroDivisionError" in execution.stderr


def test_a_missing_bubblewrap_is_an_error_naming_the_install_command(monkeypatch):
    from ponder.sandbox import SandboxMissing

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SandboxMissing, match="apt-get install bubblewrap"):
        run_python_sync("print('never runs')", FAST)


def test_only_the_standard_library_is_importable_not_the_systems_site_packages():
    execution = run_python_sync("import json, fractions, sys\nprint([p for p in sys.path if 'packages' in p])", FAST)
    assert execution.ok and execution.stdout == "[]\n"  # no dist-packages, no site-packages
