"""minigrad.set_num_threads / get_num_threads and the thread count minigrad starts with."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import minigrad
from minigrad import threads


@pytest.fixture(autouse=True)
def one_thread_after() -> Iterator[None]:
    yield
    minigrad.set_num_threads(1)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores")
def test_set_and_get() -> None:
    minigrad.set_num_threads(2)
    assert minigrad.get_num_threads() == 2
    minigrad.set_num_threads(1)
    assert minigrad.get_num_threads() == 1


@pytest.mark.parametrize("value, message", [
    (0, "set_num_threads expects a positive integer, got 0"),
    (-2, "set_num_threads expects a positive integer, got -2"),
    (1.5, "set_num_threads expects an int, but got float"),
    ("2", "set_num_threads expects an int, but got str"),
    (True, "set_num_threads expects an int, but got bool"),
])
def test_bad_counts_raise_like_pytorch(value: Any, message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        minigrad.set_num_threads(value)


def clear_thread_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (threads.ENV_VAR, *threads.BLAS_ENV_VARS):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores")
def test_default_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_thread_variables(monkeypatch)
    minigrad.set_num_threads(2)
    threads.apply_default()
    assert minigrad.get_num_threads() == 1  # nothing set: one thread
    monkeypatch.setenv("MINIGRAD_NUM_THREADS", "2")
    threads.apply_default()
    assert minigrad.get_num_threads() == 2
    monkeypatch.delenv("MINIGRAD_NUM_THREADS")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    threads.apply_default()
    assert minigrad.get_num_threads() == 2  # the user configured the BLAS: left alone


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_bad_environment_value(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    clear_thread_variables(monkeypatch)
    monkeypatch.setenv("MINIGRAD_NUM_THREADS", value)
    with pytest.raises(RuntimeError, match="MINIGRAD_NUM_THREADS must be a positive integer"):
        threads.apply_default()


def test_importing_minigrad_sets_one_thread() -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in (threads.ENV_VAR, *threads.BLAS_ENV_VARS)}
    code = ("import threadpoolctl, minigrad; "
            "print(max(i['num_threads'] for i in threadpoolctl.threadpool_info() "
            "if i['user_api'] == 'blas'))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "1"
