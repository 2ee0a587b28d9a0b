"""Shared fixtures: every test that takes ``backend`` runs once per registered backend.

Backends that cannot run here (CuPy without a GPU) are skipped with the reason.
"""

from __future__ import annotations

import faulthandler
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import minigrad
from minigrad import backends


def _backend_params() -> list[Any]:
    params = []
    for info in backends.available():
        marks = [] if info.usable else [
            pytest.mark.skip(reason=f"backend {info.name!r} is not usable here: {info.reason}")
        ]
        params.append(pytest.param(info.name, marks=marks, id=info.name))
    return params


@pytest.fixture(params=_backend_params())
def backend(request: pytest.FixtureRequest) -> Iterator[backends.Backend]:
    """Run the test with ``request.param`` as the current backend, freshly seeded."""
    with minigrad.use_backend(request.param) as b:
        minigrad.manual_seed(0)
        yield b


@pytest.fixture(autouse=True)
def _restore_cudnn_flags() -> Iterator[None]:
    """Programs and doc pages set ``cudnn.benchmark`` as PyTorch scripts do: undo it."""
    flags = dict(vars(minigrad.backends.cudnn))
    yield
    vars(minigrad.backends.cudnn).update(flags)


HANG_DEADLINE_S = 60


@pytest.fixture
def hang_deadline() -> Iterator[None]:
    """A test that hangs (a DataLoader waiting on its workers, say) fails: after
    ``HANG_DEADLINE_S`` the process exits with every thread's stack."""
    faulthandler.dump_traceback_later(HANG_DEADLINE_S, exit=True, file=sys.__stderr__)
    yield
    faulthandler.cancel_dump_traceback_later()
