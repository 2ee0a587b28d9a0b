"""The distribution: build the wheel and the sdist, install each in a fresh virtual
environment, and run a smoke test there; the sdist also runs some of its own tests.

The environments are made with ``--system-site-packages`` so that NumPy (and pytest, for
the sdist's tests) come from the running interpreter instead of a download; the smoke
test checks that ``minigrad`` itself is imported from the environment's own copy, not
from the checkout or the interpreter's site-packages. Building uses ``build`` without
isolation (the setuptools already installed), so no network is needed either.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = "minigrad_cnn"

SMOKE = """
import importlib.metadata as metadata
import sys

import minigrad
import minigrad_numpy
from minigrad import nn

for module in (minigrad, minigrad_numpy):  # the installed copy, not a checkout
    assert module.__file__.startswith(sys.prefix), module.__file__
assert metadata.version("minigrad-cnn") == minigrad.__version__
assert metadata.metadata("minigrad-cnn")["License-Expression"] == "MIT"
assert [b.name for b in minigrad.backends.available() if b.usable][:1] == ["numpy"]

minigrad.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(2 * 2 * 2, 3))
opt = minigrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
x, y = minigrad.randn(8, 1, 6, 6), minigrad.randint(0, 3, (8,))
losses = []
for _ in range(10):
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
assert losses[-1] < losses[0], losses
minigrad.save(model.state_dict(), "model.pt")
model.load_state_dict(minigrad.load("model.pt"))
print("smoke test passed:", minigrad.__file__)
"""


def clean_env() -> dict[str, str]:
    """The environment without anything that would put the checkout on the path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE")}
    env["PYTHONNOUSERSITE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(args: list[str | Path], cwd: Path) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=clean_env(),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (
        f"{' '.join(str(a) for a in args)} failed:\n{result.stdout[-3000:]}\n"
        f"{result.stderr[-3000:]}"
    )
    return result.stdout


def venv_python(folder: Path) -> Path:
    run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", folder],
        folder.parent)
    scripts = folder / ("Scripts" if os.name == "nt" else "bin")
    return scripts / ("python.exe" if os.name == "nt" else "python")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and, built from it, the wheel (as ``python -m build`` does)."""
    pytest.importorskip("build", reason='building needs the build package (the dev extra: '
                                        'pip install -e ".[dev]")')
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "site", "runs"))
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", work / "dist", source],
        work)
    return work / "dist"


def test_sdist_and_wheel_contents(dist: Path) -> None:
    (sdist,) = dist.glob(f"{DISTRIBUTION}-*.tar.gz")
    (wheel,) = dist.glob(f"{DISTRIBUTION}-*-py3-none-any.whl")
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    for needed in ("LICENSE", "README.md", "pyproject.toml", "mkdocs.yml",
                   "tests/conftest.py", "tests/test_optable.py", "tests/__init__.py",
                   "docs/index.md", "examples/lenet5.py", "backends/minigrad_numpy/__init__.py"):
        assert needed in names, f"the sdist lacks {needed}"
    assert not any("__pycache__" in n for n in names)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"{DISTRIBUTION}-{wheel.name.split('-')[1]}.dist-info"
        metadata = archive.read(f"{info}/METADATA").decode()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    for needed in ("minigrad/__init__.py", "minigrad/py.typed", "minigrad_numpy/__init__.py",
                   "minigrad_cupy/__init__.py", f"{info}/licenses/LICENSE"):
        assert needed in names, f"the wheel lacks {needed}"
    assert not any(n.startswith(("tests/", "docs/")) for n in names)
    assert "Name: minigrad-cnn\n" in metadata and "License-Expression: MIT\n" in metadata
    for extra in ("cuda12", "cuda13", "viz", "safetensors", "tensorboard", "onnx", "dev"):
        assert f"Provides-Extra: {extra}\n" in metadata
    assert "numpy = minigrad_numpy:NumpyBackend" in entry_points


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_installs_in_a_fresh_environment_and_runs(dist: Path, tmp_path: Path, kind: str) -> None:
    artifact = next(dist.glob(f"{DISTRIBUTION}-*" + (".whl" if kind == "wheel" else ".tar.gz")))
    python = venv_python(tmp_path / "venv")
    run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", artifact], tmp_path)
    work = tmp_path / "run"
    work.mkdir()
    out = run([python, "-c", SMOKE], work)
    assert "smoke test passed: " + str(tmp_path / "venv") in out
    if kind == "sdist":  # the sdist carries its tests and what they need
        with tarfile.open(artifact) as archive:
            if hasattr(tarfile, "data_filter"):  # Python 3.10.12+, 3.11.4+
                archive.extractall(tmp_path / "unpacked", filter="data")
            else:
                archive.extractall(tmp_path / "unpacked")
        (unpacked,) = (tmp_path / "unpacked").iterdir()
        out = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                   "tests/test_tensor.py", "tests/test_docs_api.py", "tests/test_optable.py",
                   "-k", "not test_optable or relu or conv2d"], unpacked)
        assert " passed" in out and " failed" not in out, out
        print(out.strip().splitlines()[-1])
