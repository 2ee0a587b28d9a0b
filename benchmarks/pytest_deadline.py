"""A per-test time limit for pytest, for machines without pytest-timeout.

Load it with ``-p pytest_deadline`` (this folder on ``PYTHONPATH``) and pass
``--test-deadline SECONDS``. Each phase of a test (setup, call, teardown) gets that long:

* a phase still running Python code then fails with a message (a ``SIGALRM`` raises
  pytest's failure exception in the test's main thread), and the run goes on;
* a phase stuck that long plus ``--test-deadline-grace`` seconds inside C code (a GPU call
  that never returns to Python, where the alarm cannot interrupt it) has the stacks of all
  threads written to ``--test-deadline-dump`` and its process ended. Under pytest-xdist
  that fails only the test that hung: xdist reports the crashed worker and starts another.

``benchmarks/gpu_check.sh`` uses it for the CuPy test run on a GPU machine.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("deadline", "per-test time limit (benchmarks/pytest_deadline.py)")
    group.addoption("--test-deadline", type=float, default=0.0, metavar="SECONDS",
                    help="fail a test phase that runs longer than this (0: no limit)")
    group.addoption("--test-deadline-grace", type=float, default=30.0, metavar="SECONDS",
                    help="extra time before a phase stuck in C code ends its process")
    group.addoption("--test-deadline-dump", default=None, metavar="DIR",
                    help="folder for the stack dumps of ended processes (default: a temp dir)")


class _Deadline:
    def __init__(self, seconds: float, grace: float, dump_dir: Path) -> None:
        self.seconds = seconds
        self.grace = grace
        dump_dir.mkdir(parents=True, exist_ok=True)
        # One file per process (xdist workers are processes); it always names the test
        # that runs now, so a dump left behind says which test hung.
        self.dump: IO[str] = open(dump_dir / f"hung-{os.getpid()}.txt", "w")  # noqa: SIM115
        self.can_alarm = threading.current_thread() is threading.main_thread()

    def _expired(self, signum: int, frame: Any) -> None:
        pytest.fail(f"the test ran longer than --test-deadline={self.seconds:g} s",
                    pytrace=False)

    def arm(self, nodeid: str, phase: str) -> Any:
        self.dump.seek(0)
        self.dump.truncate()
        self.dump.write(f"{nodeid} ({phase}) ran longer than {self.seconds + self.grace:g} s; "
                        "stacks of all threads:\n")
        self.dump.flush()
        faulthandler.dump_traceback_later(self.seconds + self.grace, exit=True, file=self.dump)
        if not self.can_alarm:
            return None
        previous = signal.signal(signal.SIGALRM, self._expired)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return previous

    def disarm(self, previous: Any) -> None:
        if self.can_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous or signal.SIG_DFL)
        faulthandler.cancel_dump_traceback_later()
        self.dump.seek(0)
        self.dump.truncate()
        self.dump.flush()


_STATE: dict[str, _Deadline] = {}


def pytest_configure(config: pytest.Config) -> None:
    seconds = float(config.getoption("test_deadline"))
    if seconds <= 0:
        return
    dump = config.getoption("test_deadline_dump") or tempfile.mkdtemp(prefix="test-deadline-")
    _STATE["deadline"] = _Deadline(
        seconds, float(config.getoption("test_deadline_grace")), Path(dump)
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    state = _STATE.pop("deadline", None)
    if state is not None:
        state.dump.close()
        if os.path.getsize(state.dump.name) == 0:
            os.unlink(state.dump.name)


def _limited(item: pytest.Item, phase: str) -> Iterator[None]:
    state = _STATE.get("deadline")
    if state is None:
        yield
        return
    previous = state.arm(item.nodeid, phase)
    try:
        yield
    finally:
        state.disarm(previous)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    yield from _limited(item, "setup")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield from _limited(item, "call")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    yield from _limited(item, "teardown")
