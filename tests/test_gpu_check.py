"""The helpers of ``benchmarks/gpu_check.sh``: the per-test deadline and the run comparison."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"gpu_check_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def junit(path: Path, cases: dict[str, str]) -> Path:
    """A JUnit XML file with one testcase per ``{"module::name": outcome}``."""
    rows = []
    for test_id, outcome in cases.items():
        classname, name = test_id.split("::")
        body = {"passed": "", "failed": '<failure message="boom">trace</failure>',
                "skipped": '<skipped message="backend \'cupy\' is not usable here"/>'}[outcome]
        rows.append(f'<testcase classname="{classname}" name="{name}">{body}</testcase>')
    path.write_text(f'<testsuites><testsuite>{"".join(rows)}</testsuite></testsuites>')
    return path


def test_report_lists_what_fails_only_on_the_gpu(tmp_path: Path) -> None:
    report = load("gpu_test_report")
    gpu = junit(tmp_path / "gpu.xml", {
        "tests.a::test_x[cupy]": "failed", "tests.a::test_x[numpy]": "passed",
        "tests.a::test_y[cupy-2]": "passed", "tests.a::test_plain": "failed",
        "tests.a::test_env": "failed",
    })
    base = junit(tmp_path / "base.xml", {
        "tests.a::test_x[cupy]": "skipped", "tests.a::test_x[numpy]": "passed",
        "tests.a::test_y[numpy-2]": "passed", "tests.a::test_plain": "passed",
        "tests.a::test_env": "failed",
    })
    lines, ok = report.compare(report.outcomes(gpu), report.outcomes(base), "cupy")
    text = "\n".join(lines)
    assert not ok
    assert "FAIL ON THE GPU, PASS WITHOUT IT: 2" in text
    assert "tests.a::test_x[cupy]: boom" in text and "tests.a::test_plain: boom" in text
    assert "fail in both runs (not GPU-specific): 1" in text
    assert "[cupy]-parametrized tests in the GPU run: 2, 1 passed, 1 failed" in text
    assert report.main([str(gpu), str(base)]) == 1


def test_report_says_when_the_gpu_run_does_not_count(tmp_path: Path) -> None:
    report = load("gpu_test_report")
    skipped = {"tests.a::test_x[cupy]": "skipped", "tests.a::test_x[numpy]": "passed"}
    gpu, base = junit(tmp_path / "gpu.xml", skipped), junit(tmp_path / "base.xml", skipped)
    lines, ok = report.compare(report.outcomes(gpu), report.outcomes(base), "cupy")
    assert not ok and any("DOES NOT COUNT" in line for line in lines)
    assert report.main([str(gpu), str(base), "--backend", "numpy"]) == 0
    assert report.main([str(tmp_path / "missing.xml"), str(base)]) == 1


def test_deadline_fails_hung_tests_and_the_run_goes_on(tmp_path: Path) -> None:
    pytest.importorskip("xdist")
    (tmp_path / "test_hangs.py").write_text(
        "import signal, time\n"
        "def test_python_loop():\n    while True:\n        pass\n"
        "def test_stuck_in_c():\n"
        "    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])\n"
        "    time.sleep(60)\n"
        "def test_fine():\n    pass\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(BENCHMARKS), *sys.path]))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "pytest_deadline", "-p", "no:cacheprovider",
         "--test-deadline", "0.5", "--test-deadline-grace", "0.5", "--test-deadline-dump",
         str(tmp_path / "dumps"), "-n", "1", "-o", "addopts=", "test_hangs.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert "2 failed, 1 passed" in run.stdout, run.stdout + run.stderr
    assert "ran longer than --test-deadline=0.5 s" in run.stdout
    assert "crashed while running 'test_hangs.py::test_stuck_in_c'" in run.stdout
    dumps = "".join(p.read_text() for p in (tmp_path / "dumps").glob("*.txt"))
    assert "test_hangs.py::test_stuck_in_c (call) ran longer than 1 s" in dumps
    assert "in test_stuck_in_c" in dumps  # the stack of the hung test
