"""Compare the test suite's run on the GPU with a run of the same suite without the GPU.

``gpu_check.sh`` runs the suite twice on the GPU machine, writing JUnit XML each time:
with ``MINIGRAD_BACKEND=cupy`` (every test that creates tensors without naming a backend
runs on the GPU, and the tests that take the ``backend`` fixture run once per usable
backend, ``[cupy]`` included) and, as the baseline, with the GPU hidden
(``CUDA_VISIBLE_DEVICES=`` and ``MINIGRAD_BACKEND=numpy``), which is the ordinary CPU run
on the same machine with the same packages. This script says whether the GPU run counts
(the default backend was CuPy and ``[cupy]`` tests ran rather than being skipped) and
lists the tests that fail on the GPU but pass in the baseline; for a ``[cupy]`` test the
baseline is its ``[numpy]`` twin.

    python benchmarks/gpu_test_report.py GPU.xml BASELINE.xml [--backend cupy]

Exit status 0 when the GPU run counts and has no such failures, 1 otherwise.
"""

from __future__ import annotations

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

PARAM = re.compile(r"\[(?P<params>[^\]]*)\]$")


def outcomes(path: Path) -> dict[str, tuple[str, str]]:
    """``{test id: (outcome, message)}`` with outcome passed, failed or skipped."""
    result: dict[str, tuple[str, str]] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome, message = "failed", child.get("message", "")
                break
            if child.tag == "skipped":
                outcome, message = "skipped", child.get("message", "")
        result[test_id] = (outcome, message.splitlines()[0] if message else "")
    return result


def backend_params(test_id: str) -> list[str]:
    match = PARAM.search(test_id)
    return match["params"].split("-") if match else []


def baseline_twin(test_id: str, backend: str) -> str:
    """The id of the same test on the NumPy backend (itself when not backend-parametrized)."""
    params = backend_params(test_id)
    if backend not in params:
        return test_id
    swapped = "-".join("numpy" if p == backend else p for p in params)
    return PARAM.sub(f"[{swapped}]", test_id)


def compare(gpu: dict[str, tuple[str, str]], baseline: dict[str, tuple[str, str]],
            backend: str) -> tuple[list[str], bool]:
    """Report lines, and whether the GPU run counts and has no GPU-only failures."""
    lines = []
    for name, run in (("GPU run", gpu), ("baseline (no GPU)", baseline)):
        counts = Counter(outcome for outcome, _ in run.values())
        lines.append(f"{name}: {len(run)} tests, {counts['passed']} passed, "
                     f"{counts['failed']} failed, {counts['skipped']} skipped")
    on_device = {k: v for k, v in gpu.items() if backend in backend_params(k)}
    device_counts = Counter(outcome for outcome, _ in on_device.values())
    lines.append(f"[{backend}]-parametrized tests in the GPU run: {len(on_device)}, "
                 f"{device_counts['passed']} passed, {device_counts['failed']} failed, "
                 f"{device_counts['skipped']} skipped")
    counts_ok = device_counts["passed"] + device_counts["failed"] > 0
    unusable = [k for k, (o, m) in on_device.items() if o == "skipped" and "not usable" in m]
    if not counts_ok or unusable:
        lines.append(f"THE GPU RUN DOES NOT COUNT: the {backend} backend was not usable "
                     f"({len(unusable)} [{backend}] tests skipped as unusable)")
    regressions, both, skipped_only_here, unknown = [], [], [], []
    for test_id, (outcome, message) in sorted(gpu.items()):
        twin = baseline_twin(test_id, backend)
        base = baseline.get(twin, ("missing", ""))[0]
        if outcome == "failed":
            entry = f"  {test_id}: {message[:200]}"
            {"passed": regressions, "failed": both}.get(base, unknown).append(entry)
        elif outcome == "skipped" and base == "passed":
            skipped_only_here.append(f"  {test_id}: {message[:200]}")
    sections = [
        ("FAIL ON THE GPU, PASS WITHOUT IT", regressions),
        ("fail in both runs (not GPU-specific)", both),
        ("fail on the GPU, not in the baseline run", unknown),
        ("skipped on the GPU run, passed without it", skipped_only_here),
    ]
    for title, entries in sections:
        lines.append(f"{title}: {len(entries)}")
        lines += entries
    return lines, counts_ok and not unusable and not regressions and not unknown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gpu", type=Path, help="JUnit XML of the run on the GPU")
    parser.add_argument("baseline", type=Path, help="JUnit XML of the run without the GPU")
    parser.add_argument("--backend", default="cupy", help="the GPU backend's name")
    parser.add_argument("--out", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)
    missing = [str(p) for p in (args.gpu, args.baseline) if not p.is_file()]
    if missing:
        print(f"no JUnit XML at {', '.join(missing)} (did the test run start?)")
        return 1
    lines, ok = compare(outcomes(args.gpu), outcomes(args.baseline), args.backend)
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
