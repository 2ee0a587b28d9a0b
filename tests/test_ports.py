"""The port corpus (tests/ports/): real PyTorch programs run under minigrad with only their
imports renamed and their data substituted.

Each program runs for a few steps and must train (its recorded losses go down) or, for
programs without a training loop, run to the end. Programs that are deterministic given
their random draws also run under PyTorch (when installed) with both frameworks drawing
from one NumPy stream, and the losses must agree. A program that needs something minigrad
does not have yet is a strict xfail naming it (``waits_on``): it turns into a failure, to
be unmarked, the day it runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy
import pytest

PORTS = Path(__file__).resolve().parent / "ports"

# the spatial transformer tutorial calls affine_grid/grid_sample without align_corners, as
# written in 2017: PyTorch's warning about the changed default is its own, verbatim
pytestmark = pytest.mark.filterwarnings(
    "ignore:Default grid_sample and affine_grid behavior:UserWarning")


@dataclass(frozen=True)
class Program:
    name: str
    argv: tuple[str, ...] = ()
    check: str = "trains"  # "trains": losses go down; "runs": it finishes
    compare: bool = False  # deterministic given the random draws: compare with PyTorch
    rtol: float = 1e-5
    waits_on: tuple[str, ...] = ()  # the missing names, as the xfail reason
    # compare only the first steps: float32 rounding that differs in the last bit (a fused
    # linear node sums in another order than addmm) grows over hundreds of steps, and a
    # loop that stops at a loss threshold then stops at another step
    compare_steps: int | None = None
    slow: bool = False
    entry: str = "main.py"  # the file to run, for a program of several files (a folder)
    # a function of support/standin_files.py that writes the image files the program
    # reads from its working folder, called with that folder before the run
    prepare: str | None = None
    needs: tuple[str, ...] = ()  # modules the program imports beyond the test's own
    # run as a script in a process of its own (programs that start processes with the spawn
    # method, which re-imports the script); only "runs" can be checked there
    own_process: bool = False


PROGRAMS = [
    Program("examples_mnist", ("--epochs", "1", "--batch-size", "32"),
            slow=True),
    Program("examples_vae", ("--epochs", "1")),
    Program("examples_dcgan", ("--dataset", "fake", "--ngf", "8", "--ndf", "8", "--batchSize",
                               "8", "--niter", "1"), check="runs"),
    Program("examples_forward_forward", ("--epochs", "20", "--train_size", "256",
                                         "--test_size", "128")),
    Program("examples_regression", compare=True, compare_steps=50),
    Program("micrograd_test_engine", check="runs"),
    Program("tutorials_polynomial_nn", compare=True),
    Program("tutorials_polynomial_optim", compare=True),
    Program("tutorials_polynomial_module", compare=True),
    Program("tutorials_polynomial_custom_function", compare=True),
    # x**5 terms of size 3e2 and sums of 2000 of them: float32 rounding reaches 2e-5
    Program("tutorials_dynamic_net", compare=True, rtol=1e-4),
    Program("tutorials_neural_networks", check="runs"),
    Program("yunjey_linear_regression", compare=True),
    # SGD at lr=0.001 moves the loss less than batch noise in 4 steps, in PyTorch too
    Program("yunjey_logistic_regression", check="runs"),
    Program("yunjey_feedforward"),
    Program("yunjey_cnn", slow=True),
    Program("yunjey_resnet", slow=True),
    Program("yunjey_gan", check="runs"),
    Program("yunjey_vae"),
    Program("d2l_conv_layer"),
    Program("d2l_padding_and_strides", check="runs"),
    Program("d2l_channels", check="runs"),
    Program("d2l_pooling", check="runs"),
    Program("tutorials_quickstart", compare=True),
    Program("tutorials_optimization", compare=True),
    Program("tutorials_tensorqs", check="runs"),
    Program("tutorials_autogradqs", check="runs", compare=True),
    Program("tutorials_buildmodel", check="runs"),
    Program("tutorials_blitz_tensor", check="runs"),
    # the 2017 tutorial wraps tensors in the legacy Variable (a no-op alias since 0.4)
    Program("tutorials_blitz_autograd", check="runs"),
    Program("tutorials_cifar10"),
    Program("tutorials_spatial_transformer"),
    # the steps before its first shuffled DataLoader; lr=0.5 on unscaled logits makes
    # losses of 5-9 whose float32 rounding reaches 7e-5
    Program("tutorials_nn_tutorial", compare=True, compare_steps=84, rtol=1e-4,
            needs=("IPython",)),
    Program("examples_super_resolution", ("--upscale_factor", "3", "--batchSize", "4",
                                          "--testBatchSize", "4", "--nEpochs", "2",
                                          "--threads", "0"),
            prepare="bsds300"),  # its checkpoint() saves the whole model
    Program("examples_fast_neural_style",
            ("train", "--dataset", "train", "--style-image", "style.png", "--save-model-dir",
             "saved", "--image-size", "32", "--epochs", "2"),
            entry="neural_style.py", prepare="neural_style"),
    # d2l's modern CNNs, one epoch of the stand-in data (4 steps of 128) at small sizes;
    # at lr=0.01 the deep plain nets sit at log(10) for their first steps, in PyTorch too
    Program("d2l_alexnet", check="runs", slow=True),
    Program("d2l_vgg", check="runs"),
    Program("d2l_nin", check="runs"),
    Program("d2l_googlenet", check="runs"),
    Program("d2l_batch_norm"),
    Program("d2l_resnet"),
    Program("d2l_densenet"),
    # Hogwild: two processes train one model in shared memory (minigrad.multiprocessing)
    Program("examples_mnist_hogwild", ("--epochs", "1", "--num-processes", "2"), check="runs",
            own_process=True),
]


def _param(p: Program) -> object:
    marks: list[pytest.MarkDecorator] = []
    if p.waits_on:
        marks.append(pytest.mark.xfail(strict=True, reason="needs " + ", ".join(p.waits_on)))
    if p.slow:
        marks.append(pytest.mark.slow)
    return pytest.param(p, id=p.name, marks=marks)


@pytest.fixture(autouse=True)
def support_on_path() -> Iterator[None]:
    pytest.importorskip("sklearn")  # the digits behind the stand-in datasets
    pytest.importorskip("matplotlib")
    added = [str(PORTS), str(PORTS / "support")]
    sys.path[:0] = added
    try:
        yield
    finally:
        for entry in added:
            sys.path.remove(entry)


def _run_own_process(p: Program, tmp_path: Path) -> list[float]:
    folder = PORTS / "programs" / p.name
    paths = [str(folder), str(PORTS / "support"), os.environ.get("PYTHONPATH", "")]
    done = subprocess.run([sys.executable, str(folder / p.entry), *p.argv], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{p.name} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}"
    return []


def _run(p: Program, framework: str, tmp_path: Path, shared_random: bool = False) -> list[float]:
    import harness

    if p.own_process:
        return _run_own_process(p, tmp_path)

    for module in p.needs:
        pytest.importorskip(module)
    (tmp_path / "results").mkdir(exist_ok=True)  # the VAE examples write images there
    if p.prepare is not None:
        import standin_files

        getattr(standin_files, p.prepare)(tmp_path)
    run = harness.run_program(p.name, framework, p.argv, workdir=tmp_path,
                              shared_random=shared_random,
                              call_tests=p.name.startswith("micrograd"), entry=p.entry)
    return run.losses


def test_every_program_is_listed() -> None:
    programs = PORTS / "programs"
    files = {path.stem for path in programs.glob("*.py")}
    folders = {path.name for path in programs.iterdir() if path.is_dir()
               and path.name != "__pycache__"}
    assert files | folders == {p.name for p in PROGRAMS}
    for p in PROGRAMS:
        if p.name in folders:
            assert (programs / p.name / p.entry).exists(), p


@pytest.mark.parametrize("program", [_param(p) for p in PROGRAMS])
def test_program_runs_and_trains(program: Program, tmp_path: Path) -> None:
    losses = _run(program, "minigrad", tmp_path)
    assert all(numpy.isfinite(losses)), losses
    if program.check == "trains":
        assert len(losses) >= 2, f"{program.name} recorded {len(losses)} losses"
        k = max(1, len(losses) // 4)
        first, last = numpy.mean(losses[:k]), numpy.mean(losses[-k:])
        assert last < first, f"{program.name} did not train: {losses}"


@pytest.mark.parametrize("program", [_param(p) for p in PROGRAMS if p.compare])
def test_program_matches_pytorch(program: Program, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    ours = _run(program, "minigrad", tmp_path, shared_random=True)
    theirs = _run(program, "torch", tmp_path, shared_random=True)
    if program.compare_steps is not None:
        ours, theirs = ours[:program.compare_steps], theirs[:program.compare_steps]
    assert len(ours) == len(theirs) > 0
    numpy.testing.assert_allclose(ours, theirs, rtol=program.rtol)


def test_torch_source_renames_imports_back() -> None:
    import harness

    ported = "import minigrad as torch\nimport minigrad.nn as nn\nfrom minigrad import optim\n"
    assert harness.torch_source(ported) == (
        "import torch\nimport torch.nn as nn\nfrom torch import optim\n")
