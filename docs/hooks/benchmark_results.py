"""MkDocs hook: paste the benchmark result tables into docs/performance.md at build time.

A line ``<!-- benchmark-results: NAME.md -->`` on a page is replaced by the contents of
``benchmarks/results/NAME.md`` (written by the benchmark scripts), or, when the file does not
exist yet, by a note saying which command produces it. The tables on the site are thus always
the committed measurements.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

MARKER = re.compile(r"^<!-- benchmark-results: (?P<name>[\w.-]+\.md) -->[ \t]*$", re.MULTILINE)
RESULTS = Path("benchmarks") / "results"


def results_text(root: Path, name: str) -> str:
    path = root / RESULTS / name
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    script = "bench_" + name.removesuffix(".md") + ".py"
    return (
        f"!!! note \"No results yet\"\n"
        f"    `benchmarks/results/{name}` has not been written yet; run "
        f"`python benchmarks/{script}` to produce it."
    )


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    root = Path(config["config_file_path"]).parent
    return MARKER.sub(lambda m: results_text(root, m["name"]), markdown)
