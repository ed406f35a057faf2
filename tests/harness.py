"""What every test runs under, as a pytest plugin (loaded by conftest.py):

- a time limit (pytest-timeout, `timeout` in pyproject.toml) with a backstop for a test stuck in C code;
- `processes`: every process a test starts, in its own process group, ended with its children when the test ends,
  and a guard that fails a test leaving a child process running;
- `wait_until`: polling for something to happen, with a limit that only turns "never" into a failure that says what;
- `clock`: a clock that moves only when the test moves it, for code that takes a `clock` (expiry, rate limits, PINs).
"""

from __future__ import annotations

import codecs
import contextlib
import faulthandler
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TypeVar

import pytest

T = TypeVar("T")


def poll_until(condition: Callable[[], T | None], *, what: str, timeout_s: float = 60.0, every_s: float = 0.05) -> T:
    """Call `condition` until it returns something truthy, and return that. The limit is not a speed bound (the
    things waited for take a fraction of it): it turns "never happens" into a failure that says what never did."""
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"after {timeout_s:.0f} s still waiting for {what}")
        time.sleep(every_s)
    return value


class ManualClock:
    """Seconds that pass only when the test says: `clock.now += 61`."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def wait_until() -> Callable[..., object]:
    """`poll_until` for tests outside this folder (conftest helpers are reached through fixtures)."""
    return poll_until


class Process:
    """A process a test started, leader of its own process group. Its output is read by background threads as
    it comes, so waiting for a line never blocks on a pipe, and `output` holds all of it (stdout and stderr)."""

    def __init__(self, command: Sequence[str], popen: subprocess.Popen[bytes], stop_signal: int) -> None:
        self.command = list(command)
        self.popen = popen
        self.pid = popen.pid
        self.stop_signal = stop_signal
        self._chunks: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(name, stream), daemon=True, name=f"test-output-{name}")
            for name, stream in (("stdout", popen.stdout), ("stderr", popen.stderr))
            if stream is not None
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, name: str, stream: IO[bytes]) -> None:
        """Whatever arrives, as it arrives (a progress line ending in \\r counts too)."""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        while data := os.read(stream.fileno(), 65536):
            with self._changed:
                self._chunks[name].append(decoder.decode(data))
                self._changed.notify_all()
        with self._changed:
            self._chunks[name].append(decoder.decode(b"", final=True))
            self._changed.notify_all()

    @property
    def stdout(self) -> str:
        with self._changed:
            return "".join(self._chunks["stdout"])

    @property
    def stderr(self) -> str:
        with self._changed:
            return "".join(self._chunks["stderr"])

    def describe(self) -> str:
        return f"{' '.join(self.command)!r} (pid {self.pid})\n--- stdout:\n{self.stdout}\n--- stderr:\n{self.stderr}"

    def wait_for(self, text: str, *, stream: str = "stdout", timeout_s: float = 120.0) -> str:
        """Block until `text` appears in `stream`; the stream's output so far. Fails if the process ends first."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while text not in "".join(self._chunks[stream]):
                if self.popen.poll() is not None and not any(r.is_alive() for r in self._readers):
                    pytest.fail(f"the process ended before printing {text!r}: {self.describe()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"no {text!r} after {timeout_s:.0f} s: {self.describe()}")
                self._changed.wait(min(left, 0.5))
            return "".join(self._chunks[stream])

    def wait(self, timeout_s: float = 120.0) -> int:
        """The exit code once the process has ended and its output is read; fails (the process is killed at the
        test's end) if it runs on past `timeout_s`."""
        try:
            code = self.popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running after {timeout_s:.0f} s: {self.describe()}")
        for reader in self._readers:
            reader.join(10)
        return code

    def send_signal(self, signum: int) -> None:
        """To the leader only (the program itself, as a terminal's Ctrl-C or systemd's stop would reach it)."""
        self.popen.send_signal(signum)

    def kill_group(self, signum: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signum)


class Processes:
    """Starts test processes, each in a new process group, and ends every one of them (with its children) when
    closed: `stop_signal` first, then SIGKILL to the whole group after `grace_s`."""

    def __init__(self) -> None:
        self.started: list[Process] = []

    def start(
        self,
        command: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: Path | str | None = None,
        stop_signal: int = signal.SIGKILL,
    ) -> Process:
        popen = subprocess.Popen(
            list(command),
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        return self.adopt(popen, stop_signal=stop_signal)

    def adopt(self, popen: subprocess.Popen[bytes], *, stop_signal: int = signal.SIGKILL) -> Process:
        """Take charge of a process a library started as leader of its own process group (e.g. selenium's driver
        service with `popen_kw={"start_new_session": True}`)."""
        if os.getpgid(popen.pid) != popen.pid:
            raise ValueError(f"process {popen.pid} does not lead its own process group; start it with a new session")
        process = Process(popen.args if isinstance(popen.args, list) else [str(popen.args)], popen, stop_signal)
        self.started.append(process)
        _PIDS_IN_FIXTURES.add(process.pid)
        return process

    def run(
        self,
        command: Sequence[str],
        *,
        timeout_s: float,
        env: dict[str, str] | None = None,
        cwd: Path | str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run to the end (a test failure, and the whole group killed, if it takes more than `timeout_s`)."""
        process = self.start(command, env=env, cwd=cwd)
        code = process.wait(timeout_s)
        return subprocess.CompletedProcess(process.command, code, process.stdout, process.stderr)

    def close(self, grace_s: float = 10.0) -> None:
        for process in reversed(self.started):
            if process.popen.poll() is None and process.stop_signal != signal.SIGKILL:
                process.kill_group(process.stop_signal)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.popen.wait(grace_s)
            process.kill_group(signal.SIGKILL)  # the leader may be gone while its children run on
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(grace_s)
            for stream in (process.popen.stdout, process.popen.stderr):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            _PIDS_IN_FIXTURES.discard(process.pid)
        self.started.clear()


_PIDS_IN_FIXTURES: set[int] = set()


@pytest.fixture
def processes() -> Iterator[Processes]:
    """Start a test's processes here: each is killed (with its process group) when the test ends, whatever happens."""
    started = Processes()
    try:
        yield started
    finally:
        started.close()


@pytest.fixture(scope="session")
def session_processes() -> Iterator[Processes]:
    """`processes` for servers shared by the whole run (PostgreSQL): ended when the run ends."""
    started = Processes()
    try:
        yield started
    finally:
        started.close()


def _children() -> set[int]:
    """Live (not zombie) child processes of this test process, from /proc."""
    me = os.getpid()
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == me:
            found.add(int(stat.parent.name))
    return found


def _lives_with_the_interpreter(pid: int) -> bool:
    """multiprocessing's own helper (started once by the first process pool, e.g. `tryon sheet --jobs`): it serves
    every later pool and ends when this interpreter does."""
    helper = "from multiprocessing.resource_tracker import main"
    if helper in _command_line(pid):
        _PIDS_IN_FIXTURES.add(pid)
        return True
    return False


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "(gone)"


@pytest.fixture(autouse=True)
def _no_stray_processes() -> Iterator[None]:
    """Fail a test that leaves a child process running outside `processes` (and kill it, so later tests start
    clean): a process nobody ends is how a suite comes to hang."""
    if not Path("/proc/self/stat").exists():
        yield
        return
    before = _children()
    yield
    stray = {pid for pid in _children() - before - _PIDS_IN_FIXTURES if not _lives_with_the_interpreter(pid)}
    if stray:
        described = [f"{pid}: {_command_line(pid)}" for pid in stray]
        for pid in stray:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        pytest.fail(
            "the test left processes running; start them with the `processes` fixture:\n" + "\n".join(described)
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """A backstop under pytest-timeout: its SIGALRM fails a test only when Python code runs, so a test stuck inside
    C (a thread join in Qt, a blocking read) would hang on. Past the test's time limit plus a minute, dump every
    thread's stack and end the run (it fails instead of hanging until CI's limit)."""
    marker = item.get_closest_marker("timeout")
    limit = float(marker.args[0]) if marker and marker.args else float(item.config.getini("timeout") or 0)
    if limit > 0:
        faulthandler.dump_traceback_later(limit + 60, exit=True, file=item.config.stash[_REAL_STDERR])
    try:
        yield
    finally:
        if limit > 0:
            faulthandler.cancel_dump_traceback_later()


_REAL_STDERR = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_REAL_STDERR] = os.dup(2)  # taken while pytest's capture is off: the terminal or CI's log
