"""Shared fixtures: every test that takes ``backend`` runs once per registered backend.

Backends that cannot run here (CuPy without a GPU) are skipped with the reason.
"""

from __future__ import annotations

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
