"""Build the docs site and check it in a real headless browser (docs/check_site.py).

Skipped, with the reason, when MkDocs (``pip install -e ".[docs]"``) or Chromium
(``apt-get install chromium``) is missing. The unit tests of check_site's helpers always run.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK_SITE = ROOT / "docs" / "check_site.py"


def _load_check_site():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("check_site", CHECK_SITE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_site"] = module
    spec.loader.exec_module(module)
    return module


check_site = _load_check_site()


def test_valid_svg_accepts_a_drawing_and_names_problems() -> None:
    good = b'<svg xmlns="http://www.w3.org/2000/svg"><g><text>x</text></g></svg>'
    assert check_site.valid_svg(good) is None
    assert "not well-formed" in check_site.valid_svg(b"<svg><g></svg>")
    assert "not an SVG" in check_site.valid_svg(b"<html><body/></html>")
    assert "draws nothing" in check_site.valid_svg(b'<svg xmlns="http://www.w3.org/2000/svg"/>')


def test_parse_collects_ids_images_and_text() -> None:
    dom = '<h2 id="a.B">B</h2><img src="../x.svg"><pre><span>import</span> <span>m</span></pre>'
    parsed = check_site.parse(dom)
    assert parsed.ids == {"a.B"}
    assert parsed.images == ["../x.svg"]
    assert "import m" in parsed.text


def test_parse_reads_links_and_the_probe_result() -> None:
    dom = ('<body data-probe="{&quot;images&quot;: [], &quot;overflowing&quot;: [1]}">'
           '<p class="doc-source-link"><a href="https://x/blob/main/a.py#L3-L9">s</a></p>'
           '<p><a href="other.html">o</a></p></body>')
    parsed = check_site.parse(dom)
    assert parsed.probe == {"images": [], "overflowing": [1]}
    assert parsed.links == [("https://x/blob/main/a.py#L3-L9", "doc-source-link"),
                            ("other.html", "")]


def test_main_rejects_a_folder_that_is_not_a_site(tmp_path: Path) -> None:
    if check_site.find_chromium() is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    assert check_site.main([str(tmp_path)]) == 2


def test_built_site_renders_in_chromium(tmp_path: Path) -> None:
    if any(importlib.util.find_spec(name) is None for name in ("mkdocs", "mkdocstrings")):
        pytest.skip('mkdocs is not installed (pip install -e ".[docs]")')
    if check_site.find_chromium() is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    site = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr[-4000:]}"
    result = subprocess.run(
        [sys.executable, str(CHECK_SITE), str(site), "--screenshots", str(tmp_path / "shots")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, f"site check failed:\n{result.stdout}\n{result.stderr}"
    for shot in ("home.png", "api-conv2d.png", "visualising.png", "cnn.png", "convolutions.png",
                 "backends.png"):
        assert (tmp_path / "shots" / shot).stat().st_size > 10_000, f"{shot} looks empty"
