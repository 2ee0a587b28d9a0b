"""Run a ported program under minigrad, or its original under PyTorch, and record losses.

A ported file is the original program with its imports renamed (``import torch`` ->
``import minigrad as torch``) and its data substituted (see ``support/``). To run the
original under PyTorch, :func:`torch_source` renames the imports back. A program of
several files is a folder ``programs/<name>/`` whose entry file imports its siblings as
it did in its own folder; they are loaded fresh for each run, renamed back too under
PyTorch, and forgotten afterwards. Every scalar that
``backward()`` is called on is recorded as a loss; with ``shared_random=True`` both
frameworks draw their random numbers (weights, synthetic data) from one NumPy stream, so
the two runs start from the same weights and see the same data.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import io
import os
import random
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
SUPPORT = HERE / "support"

_IMPORT = re.compile(r"^(\s*)(import|from) minigrad\b", re.MULTILINE)


def torch_source(source: str) -> str:
    """The original program: ``minigrad`` imports become ``torch`` imports again."""
    source = _IMPORT.sub(r"\1\2 torch", source)
    return re.sub(r"^(\s*)import torch as torch$", r"\1import torch", source,
                  flags=re.MULTILINE)


@dataclass
class Run:
    """What one run recorded."""

    losses: list[float] = field(default_factory=list)
    stdout: str = ""
    namespace: dict[str, Any] = field(default_factory=dict)


def _record_minigrad(run: Run) -> Any:
    import minigrad

    def record(outputs: Sequence[Any]) -> None:
        for out in outputs:
            if out.numel() == 1:
                run.losses.append(float(out.detach().numpy().reshape(())))

    return minigrad.autograd.register_backward_callback(record, when="before")


@contextlib.contextmanager
def _recording(framework: str, run: Run) -> Iterator[None]:
    if framework == "minigrad":
        handle = _record_minigrad(run)
        try:
            yield
        finally:
            handle.remove()
        return
    import torch

    original = torch.Tensor.backward

    def backward(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self.numel() == 1:
            run.losses.append(float(self.detach().reshape(()).item()))
        return original(self, *args, **kwargs)

    torch.Tensor.backward = backward  # type: ignore[method-assign]
    try:
        yield
    finally:
        torch.Tensor.backward = original  # type: ignore[method-assign]


@contextlib.contextmanager
def _shared_random(framework: str, seed: int) -> Iterator[None]:
    """Both frameworks take uniform and normal samples from one NumPy generator."""
    rng = numpy.random.default_rng(seed)

    def uniform(shape: Any, dtype: Any, stream: Any = None) -> Any:
        return rng.random(tuple(shape)).astype(dtype)

    def normal(shape: Any, dtype: Any, stream: Any = None) -> Any:
        return rng.standard_normal(tuple(shape)).astype(dtype)

    if framework == "minigrad":
        import minigrad

        backend = minigrad.backends.get("numpy")
        backend.rand, backend.randn = uniform, normal  # type: ignore[method-assign]
        try:
            yield
        finally:
            del backend.rand, backend.randn
        return
    import torch

    def shape_of(size: Sequence[Any]) -> tuple[int, ...]:
        if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)):
            return tuple(size[0])
        return tuple(size)

    def factory(draw: Any) -> Any:
        def make(*size: Any, dtype: Any = None, requires_grad: bool = False,
                 **kwargs: Any) -> Any:
            dtype = dtype or torch.get_default_dtype()
            numpy_dtype = torch.empty((), dtype=dtype).numpy().dtype
            t = torch.from_numpy(draw(shape_of(size), numpy_dtype))
            return t.requires_grad_(requires_grad)
        return make

    def fill(draw: Any) -> Any:
        def method(self: Any, a: float = 0.0, b: float = 1.0, **kwargs: Any) -> Any:
            sample = torch.from_numpy(draw(self.shape, self.detach().numpy().dtype))
            with torch.no_grad():
                scaled = sample * (b - a) + a if draw is uniform else sample * b + a
                return self.copy_(scaled)
        return method

    saved = (torch.rand, torch.randn, torch.Tensor.uniform_, torch.Tensor.normal_)
    torch.rand, torch.randn = factory(uniform), factory(normal)
    torch.Tensor.uniform_, torch.Tensor.normal_ = fill(uniform), fill(normal)
    try:
        yield
    finally:
        torch.rand, torch.randn, torch.Tensor.uniform_, torch.Tensor.normal_ = saved


class _SiblingModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the ``.py`` files of a program folder by their bare names (``import utils``),
    with their imports renamed back to ``torch`` for the PyTorch run."""

    def __init__(self, folder: Path, framework: str) -> None:
        self.files = {p.stem: p for p in folder.glob("*.py")}
        self.framework = framework

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.files:
            return None
        return importlib.util.spec_from_file_location(fullname, self.files[fullname],
                                                      loader=self)

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        source = self.files[module.__name__].read_text()
        if self.framework == "torch":
            source = torch_source(source)
        exec(compile(source, str(self.files[module.__name__]), "exec"), vars(module))


@contextlib.contextmanager
def _siblings(path: Path, framework: str) -> Iterator[None]:
    """The other files of a folder program importable by name while it runs."""
    if path.parent == PROGRAMS:
        yield
        return
    finder = _SiblingModules(path.parent, framework)
    hidden = {name: sys.modules.pop(name) for name in finder.files if name in sys.modules}
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in finder.files:
            sys.modules.pop(name, None)
        sys.modules.update(hidden)


def program_path(name: str, entry: str = "main.py") -> Path:
    """``programs/<name>.py``, or the entry file of the folder ``programs/<name>/``."""
    single = PROGRAMS / f"{name}.py"
    return single if single.exists() else PROGRAMS / name / entry


def run_program(name: str, framework: str = "minigrad", argv: Sequence[str] = (),
                workdir: Path | None = None, shared_random: bool = False,
                call_tests: bool = False, entry: str = "main.py") -> Run:
    """Execute ``programs/<name>.py`` (or ``programs/<name>/<entry>``) as ``__main__`` and
    return what it recorded.

    ``call_tests`` also calls the module's ``test_*`` functions (a test file as program).
    """
    import matplotlib

    matplotlib.use("Agg")
    import frameworks  # from support/, put on the path by the caller

    path = program_path(name, entry)
    source = path.read_text()
    if framework == "torch":
        source = torch_source(source)
    frameworks.CURRENT = framework
    run = Run()
    seed_all(framework)
    old_argv, old_cwd = sys.argv, os.getcwd()
    sys.argv = [str(path), *argv]
    if workdir is not None:
        os.chdir(workdir)
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(path)}
    stdout = io.StringIO()
    import minigrad

    flags = dict(vars(minigrad.backends.cudnn))  # programs set cudnn.benchmark and friends
    random_numbers = (_shared_random(framework, 0) if shared_random
                      else contextlib.nullcontext())
    try:
        with (_recording(framework, run), random_numbers, _siblings(path, framework),
              contextlib.redirect_stdout(stdout)):
            exec(compile(source, str(path), "exec"), namespace)
            if call_tests:
                for key, value in list(namespace.items()):
                    if key.startswith("test_") and callable(value):
                        value()
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
        frameworks.CURRENT = "minigrad"
        vars(minigrad.backends.cudnn).update(flags)
        import matplotlib.pyplot as plt

        plt.close("all")
    run.stdout, run.namespace = stdout.getvalue(), namespace
    return run


def seed_all(framework: str) -> None:
    """The same seeds before every run."""
    random.seed(0)
    numpy.random.seed(0)
    import minigrad

    minigrad.manual_seed(0)
    if framework == "torch":
        import torch

        torch.manual_seed(0)
