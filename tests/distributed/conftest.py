"""Multi-process tests: run them with ``mpiexec -n 2 python -m mpi4py -m pytest
tests/distributed`` (``.ci/run`` does).

Every rank runs the same tests in the same order, so their collectives line up. In a
plain ``pytest`` run these tests are skipped with the reason. Two guards keep a broken
collective from hanging CI: each test has a deadline after which the rank prints every
thread's stack and exits (mpiexec then ends the job), and a test that fails on one rank
aborts the whole job at once (the other ranks would otherwise wait in a collective the
failed rank never reaches).
"""

from __future__ import annotations

import faulthandler
import importlib.util
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import minigrad

TEST_TIMEOUT_S = float(os.environ.get("MINIGRAD_TEST_TIMEOUT", "60"))
# Set by mpiexec: MPICH/Hydra, Open MPI, PMIx-based launchers.
_LAUNCH_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK")
HERE = os.path.dirname(__file__)


def _skip_reason() -> str | None:
    if importlib.util.find_spec("mpi4py") is None:
        return ('mpi4py is not installed: pip install -e ".[distributed]" (these tests run '
                "under mpiexec -n 2, see .ci/run)")
    if not any(v in os.environ for v in _LAUNCH_VARS):
        return ("multi-process test: run with mpiexec -n 2 python -m mpi4py -m pytest "
                "tests/distributed (.ci/run does)")
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _skip_reason()
    if reason is None:
        return
    for item in items:
        if str(item.fspath).startswith(HERE):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def world() -> Iterator[Any]:
    """The default process group, initialized once for the session."""
    import minigrad.distributed as dist

    dist.init_process_group("mpi")
    yield dist
    dist.destroy_process_group()


@pytest.fixture
def two_ranks(world: Any) -> Any:
    """The process group, for tests that need at least two ranks."""
    if world.get_world_size() < 2:
        pytest.skip("needs at least 2 ranks (mpiexec -n 2)")
    return world


@pytest.fixture(scope="session")
def real_stderr(request: pytest.FixtureRequest) -> int:
    """A descriptor of the terminal's stderr (pytest captures descriptor 2 itself)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if capture is None:
        return os.dup(2)
    capture.suspend_global_capture()
    try:
        return os.dup(2)
    finally:
        capture.resume_global_capture()


@pytest.fixture(autouse=True)
def deadline_and_fresh_state(real_stderr: int) -> Iterator[None]:
    """Dump the stacks and exit if the test runs past its deadline; restore settings."""
    faulthandler.dump_traceback_later(TEST_TIMEOUT_S, exit=True, file=real_stderr)
    dtype = minigrad.get_default_dtype()
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        minigrad.set_default_dtype(dtype)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and "mpi4py.MPI" in sys.modules:
        from mpi4py import MPI

        rank = MPI.COMM_WORLD.Get_rank()
        sys.stderr.write(f"\n=== rank {rank}: {item.nodeid} failed ({report.when}); "
                         f"aborting the job ===\n{report.longreprtext}\n")
        sys.stderr.flush()
        MPI.COMM_WORLD.Abort(1)
