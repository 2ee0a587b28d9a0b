"""Open a built docs site in headless Chromium and check that the key pages render.

Usage::

    python -m mkdocs build --strict --site-dir /tmp/minigrad-site
    python docs/check_site.py /tmp/minigrad-site [--screenshots DIR]

The site is served on 127.0.0.1 by a local HTTP server, and Debian's ``chromium``
(``apt-get install chromium``) loads each page with ``--dump-dom``, so what is checked is
the DOM after the browser has run the page's scripts. Checked:

- the home page shows its title and the runnable example;
- the API reference of ``minigrad.nn.Conv2d`` shows the class with its parameters
  ``in_channels``, ``out_channels`` and ``kernel_size``;
- the "Visualising graphs" page shows a graph picture: an ``<img>`` of an SVG file that
  exists in the site and is a valid SVG drawing (or an inline Graphviz ``<svg>``);
- the CNN guide and "Convolutions in detail": every figure loads in the browser, has a
  size, and is not blank (a script in the page draws it on a canvas and counts colours);
- the API entry of ``Conv2d`` shows its output-shape formula and a "source" link to its
  lines in the repository (the link's path and line are checked against this checkout);
- a code block of the CNN guide shows what it printed (an "Output" block under it);
- no code block of the Backends page is cut off at the right edge (none scrolls sideways).

A PNG screenshot of each page is saved (to ``--screenshots``, default a temporary folder)
for a person to look at. The exit status is 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import functools
import html.parser
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
CONV2D_ID = "minigrad.nn.Conv2d"
CONV2D_PARAMETERS = ("in_channels", "out_channels", "kernel_size")
CONV2D_SHAPE = "H_out = floor((H + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1)"
FIGURE_PAGES = ("guide/cnn/index.html", "guide/convolutions/index.html")
REPO = Path(__file__).resolve().parent.parent
SVG_NS = "{http://www.w3.org/2000/svg}"


def find_chromium() -> str | None:
    """The path of a Chromium-like browser on PATH, or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


# Headless Chromium screenshots a page scrolled to a #fragment as a blank image, so to
# picture one API entry the server can hand out the page with only that entry in its
# content area: GET page.html?focus=ID.
_FOCUS_SCRIPT = """<script>
addEventListener("DOMContentLoaded", () => {
  const heading = document.getElementById(%s);
  const entry = heading && (heading.closest(".doc-object") || heading.parentElement);
  const content = document.querySelector(".md-content__inner");
  if (entry && content) content.replaceChildren(entry);
});
</script>"""


# GET page.html?probe=1 adds a script that measures the page after it loaded (figures drawn
# on a canvas, code blocks that scroll sideways) and leaves the result as JSON in the body's
# data-probe attribute, where --dump-dom shows it.
_PROBE_SCRIPT = """<script>
addEventListener("load", () => {
  const result = {images: [], overflowing: []};
  for (const img of document.querySelectorAll(".md-content img")) {
    let colours = 0;
    try {
      const canvas = document.createElement("canvas");
      canvas.width = Math.min(img.naturalWidth, 400);
      canvas.height = Math.min(img.naturalHeight, 400);
      const g = canvas.getContext("2d");
      g.drawImage(img, 0, 0, canvas.width, canvas.height);
      const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set();
      for (let i = 0; i < d.length && seen.size < 64; i += 4 * 7)
        seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      colours = seen.size;
    } catch (e) { colours = -1; }
    result.images.push({src: img.getAttribute("src"), complete: img.complete,
                        width: img.naturalWidth, height: img.naturalHeight, colours});
  }
  for (const code of document.querySelectorAll(".md-content pre > code")) {
    const box = code.parentElement;
    if (code.scrollWidth > code.clientWidth + 1 || box.scrollWidth > box.clientWidth + 1)
      result.overflowing.push(code.textContent.trim().slice(0, 60));
  }
  document.body.setAttribute("data-probe", JSON.stringify(result));
});
</script>"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        focus, probe = query.get("focus"), query.get("probe")
        path = url.path + "index.html" if url.path.endswith("/") else url.path
        if not (focus or probe) or not path.endswith(".html"):
            super().do_GET()
            return
        page = Path(self.translate_path(path))
        if not page.is_file():
            self.send_error(404)
            return
        script = _FOCUS_SCRIPT % json.dumps(focus[0]) if focus else _PROBE_SCRIPT
        body = page.read_text(encoding="utf-8").replace("</body>", script + "</body>")
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on a free port of 127.0.0.1; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class Browser:
    """Runs headless Chromium once per request, with a throw-away profile."""

    def __init__(self, executable: str, profile: Path, timeout: float = 60.0) -> None:
        self.executable = executable
        self.profile = profile
        self.timeout = timeout

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [
            self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
            "--virtual-time-budget=5000", *args,
        ]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=self.timeout, check=False
        )

    def dom(self, url: str) -> str:
        """The page's DOM after load, as HTML text."""
        result = self._run("--dump-dom", url)
        if result.returncode != 0 or "<html" not in result.stdout.lower():
            raise RuntimeError(
                f"chromium could not load {url} (exit {result.returncode}): "
                f"{result.stderr.strip()[-800:]}"
            )
        return result.stdout

    def screenshot(self, url: str, path: Path, height: int = 1400) -> None:
        """Save a PNG of the page's first screenful (1280 pixels wide)."""
        path.unlink(missing_ok=True)
        result = self._run(f"--screenshot={path}", f"--window-size=1280,{height}", url)
        if not path.is_file() or path.stat().st_size == 0:
            raise RuntimeError(
                f"chromium made no screenshot of {url} (exit {result.returncode}): "
                f"{result.stderr.strip()[-800:]}"
            )


class _Elements(html.parser.HTMLParser):
    """Collects element ids, <img> sources and <svg> elements' classes of a DOM dump."""

    def __init__(self) -> None:
        super().__init__()
        self.probe: dict[str, Any] | None = None
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (href, class of the enclosing <p>)
        self._classes: list[str] = []
        self.images: list[str] = []
        self.svg_classes: list[str] = []
        self.text_parts: list[str] = []

    @property
    def text(self) -> str:
        """The page's text content (tags removed, so highlighted code reads as typed)."""
        return "".join(self.text_parts)

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._classes:
            self._classes.pop()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "body" and values.get("data-probe"):
            self.probe = json.loads(values["data-probe"])
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "img" and values.get("src"):
            self.images.append(values["src"])
        if tag == "a" and values.get("href"):
            self.links.append((values["href"], self._classes[-1] if self._classes else ""))
        if tag == "p":
            self._classes.append(values.get("class", ""))
        if tag in ("svg", "g"):
            self.svg_classes.append(values.get("class", ""))


def parse(dom: str) -> _Elements:
    parser = _Elements()
    parser.feed(dom)
    return parser


def page_url(base: str, site: Path, page: Path) -> str:
    return base + urllib.parse.quote(page.relative_to(site).as_posix())


def find_page(site: Path, marker: str) -> Path | None:
    """The first HTML page of the site whose source contains ``marker``."""
    for page in sorted(site.rglob("*.html")):
        if marker in page.read_text(encoding="utf-8", errors="replace"):
            return page
    return None


def valid_svg(data: bytes) -> str | None:
    """None if ``data`` is an SVG drawing with some content, else what is wrong with it."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        return f"not well-formed XML ({err})"
    if root.tag != SVG_NS + "svg":
        return f"root element is {root.tag!r}, not an SVG <svg>"
    if not any(el.tag in (SVG_NS + "g", SVG_NS + "path", SVG_NS + "text") for el in root.iter()):
        return "the SVG draws nothing"
    return None


class Checker:
    """Runs the checks against one served site, collecting failures."""

    def __init__(self, site: Path, base: str, browser: Browser, shots: Path) -> None:
        self.site, self.base, self.browser, self.shots = site, base, browser, shots
        self.failures: list[str] = []

    def fail(self, message: str) -> None:
        self.failures.append(message)
        print(f"FAIL  {message}")

    def ok(self, message: str) -> None:
        print(f"ok    {message}")

    def load(self, page: Path, shot_name: str, focus: str = "") -> str | None:
        url = page_url(self.base, self.site, page)
        shot_url = url + "?focus=" + urllib.parse.quote(focus) if focus else url
        try:
            dom = self.browser.dom(url)
            self.browser.screenshot(shot_url, self.shots / shot_name)
        except (RuntimeError, subprocess.TimeoutExpired) as err:
            self.fail(f"{page.relative_to(self.site)}: {err}")
            return None
        self.ok(f"loaded {url} (screenshot {self.shots / shot_name})")
        return dom

    def home(self) -> None:
        page = self.site / "index.html"
        if not page.is_file():
            self.fail("the site has no index.html (is this a built site folder?)")
            return
        dom = self.load(page, "home.png")
        if dom is None:
            return
        if "<h1" not in dom:
            self.fail("home page: no <h1> title in the rendered page")
            return
        text = parse(dom).text
        for needle in ("minigrad", "import minigrad", "loss.backward()"):
            if needle not in text:
                self.fail(f"home page: {needle!r} not found in the rendered page")
                return
        self.ok("home page shows its title and the example")

    def conv2d_reference(self) -> None:
        page = find_page(self.site, f'id="{CONV2D_ID}"')
        if page is None:
            self.fail(f"no page of the site has the API entry id={CONV2D_ID!r}")
            return
        dom = self.load(page, "api-conv2d.png", focus=CONV2D_ID)
        if dom is None:
            return
        if CONV2D_ID not in parse(dom).ids:
            self.fail(f"{page.relative_to(self.site)}: no element with id {CONV2D_ID!r}")
            return
        start = dom.find(f'id="{CONV2D_ID}"')
        entry = dom[start:start + 60_000]  # the class's own section: signature and docs
        missing = [name for name in CONV2D_PARAMETERS if name not in entry]
        if missing:
            self.fail(f"API entry of {CONV2D_ID} does not mention the parameters {missing}")
            return
        params = ", ".join(CONV2D_PARAMETERS)
        self.ok(f"{page.relative_to(self.site)} documents {CONV2D_ID}({params}, ...)")
        text = parse(entry).text
        if CONV2D_SHAPE not in " ".join(text.split()):
            self.fail(f"API entry of {CONV2D_ID} does not show its output-shape formula "
                      f"({CONV2D_SHAPE!r}...)")
        else:
            self.ok(f"API entry of {CONV2D_ID} shows the output-shape formula")
        self.source_link(entry)

    def source_link(self, entry: str) -> None:
        """The entry's "source" link points at the line of ``class Conv2d`` in this repo."""
        links = parse(entry).links
        source = [href for href, css in links if "doc-source-link" in css]
        if not source:
            self.fail(f"API entry of {CONV2D_ID} has no source link")
            return
        url = urllib.parse.urlparse(source[0])
        parts = url.path.split("/blob/", 1)
        line = url.fragment.split("-")[0].removeprefix("L")
        if len(parts) != 2 or not line.isdigit():
            self.fail(f"source link {source[0]!r} is not of the form .../blob/REF/PATH#Ln-Lm")
            return
        path = REPO / parts[1].split("/", 1)[1]
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
        if len(lines) < int(line) or not lines[int(line) - 1].startswith("class Conv2d"):
            self.fail(f"source link {source[0]!r} does not point at 'class Conv2d' in {path}")
            return
        if "Source code in" not in parse(entry).text:
            self.fail(f"API entry of {CONV2D_ID} does not show its source code")
            return
        self.ok(f"API entry of {CONV2D_ID} links to its source: {source[0]}")

    def probe(self, page: Path) -> dict[str, Any] | None:
        """Load ``page`` with the measuring script; returns its result."""
        url = page_url(self.base, self.site, page) + "?probe=1"
        try:
            probe = parse(self.browser.dom(url)).probe
        except (RuntimeError, subprocess.TimeoutExpired) as err:
            self.fail(f"{page.relative_to(self.site)}: {err}")
            return None
        if probe is None:
            self.fail(f"{page.relative_to(self.site)}: the measuring script left no result")
        return probe

    def figures(self) -> None:
        for name in FIGURE_PAGES:
            page = self.site / name
            if not page.is_file():
                self.fail(f"the site has no {name}")
                continue
            self.load(page, name.split("/")[1] + ".png")
            probe = self.probe(page)
            if probe is None:
                continue
            images = probe["images"]
            if len(images) < 3:
                self.fail(f"{name}: expected the page's figures, found {len(images)} images")
                continue
            bad = [img for img in images if not img["complete"] or img["width"] < 50
                   or img["height"] < 50 or img["colours"] < 3]
            for img in bad:
                self.fail(f"{name}: figure {img['src']} did not load or is blank "
                          f"({img['width']} x {img['height']} pixels, {img['colours']} colours)")
            if not bad:
                sizes = ", ".join(f"{i['width']}x{i['height']}" for i in images)
                self.ok(f"{name}: {len(images)} figures loaded and drawn ({sizes})")

    def printed_output(self) -> None:
        page = self.site / "guide" / "cnn" / "index.html"
        dom = self.load(page, "cnn-output.png") if page.is_file() else None
        if dom is None:
            if not page.is_file():
                self.fail("the site has no guide/cnn/index.html")
            return
        text = parse(dom).text
        code = 'print(f"dense: {n_dense} parameters, convolution: {n_conv} parameters")'
        printed = "dense: 78500 parameters, convolution: 2600 parameters"
        at = text.find(code)
        if at < 0 or text.find("Output", at) < 0 or text.find(printed, at) < 0:
            self.fail("CNN guide: the block that prints the parameter counts shows no Output "
                      f"block with {printed!r} under it")
            return
        self.ok(f"CNN guide: a code block shows its output ({printed!r})")

    def no_cut_off_code(self) -> None:
        page = self.site / "backends" / "index.html"
        if not page.is_file():
            self.fail("the site has no backends/index.html")
            return
        self.load(page, "backends.png")
        probe = self.probe(page)
        if probe is None:
            return
        if probe["overflowing"]:
            self.fail(f"backends page: {len(probe['overflowing'])} code block(s) run past the "
                      f"right edge, e.g. {probe['overflowing'][0]!r}")
            return
        self.ok("backends page: no code block is cut off at the right edge")

    def graph_picture(self) -> None:
        page = self.site / "visualising" / "index.html"
        if not page.is_file():
            self.fail("the site has no visualising/index.html (the 'Visualising graphs' page)")
            return
        dom = self.load(page, "visualising.png")
        if dom is None:
            return
        elements = parse(dom)
        page_url_ = page_url(self.base, self.site, page)
        svg_images = [src for src in elements.images if src.split("?")[0].endswith(".svg")]
        for src in svg_images:
            url = urllib.parse.urljoin(page_url_, src)
            local = self.site / urllib.parse.unquote(urllib.parse.urlparse(url).path).lstrip("/")
            if not local.is_file():
                self.fail(f"visualising page: image {src!r} is not a file of the site ({local})")
                continue
            with urllib.request.urlopen(url, timeout=10) as response:
                served = response.read()
            problem = valid_svg(served)
            if problem is not None:
                self.fail(f"visualising page: image {src!r} is not a valid SVG: {problem}")
                continue
            self.ok(f"visualising page shows the graph {src} ({len(served)} bytes, valid SVG)")
            return
        if any("graph" in cls.split() for cls in elements.svg_classes):
            self.ok("visualising page has an inline Graphviz <svg> graph")
            return
        if not svg_images:
            self.fail("visualising page has no <img> of an .svg graph and no inline graph <svg>")


def check_site(site: Path, shots: Path, chromium: str) -> list[str]:
    """Run every check; returns the failure messages (empty when all pass)."""
    shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="minigrad-chromium-") as profile, serve(site) as base:
        checker = Checker(site, base, Browser(chromium, Path(profile)), shots)
        checker.home()
        checker.conv2d_reference()
        checker.graph_picture()
        checker.figures()
        checker.printed_output()
        checker.no_cut_off_code()
    return checker.failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="folder of a built site (mkdocs build --site-dir)")
    parser.add_argument("--screenshots", type=Path, default=None,
                        help="folder for the PNG screenshots (default: a temporary folder)")
    parser.add_argument("--chromium", default=None,
                        help="browser executable (default: the first of chromium, "
                             "chromium-browser, google-chrome on PATH)")
    args = parser.parse_args(argv)

    chromium = args.chromium or find_chromium()
    if chromium is None:
        print("chromium not found on PATH; install it with: apt-get install -y chromium",
              file=sys.stderr)
        return 2
    if not (args.site / "index.html").is_file():
        print(f"{args.site} is not a built site (no index.html); run mkdocs build first",
              file=sys.stderr)
        return 2
    shots = args.screenshots or Path(tempfile.mkdtemp(prefix="minigrad-site-shots-"))
    failures = check_site(args.site.resolve(), shots, chromium)
    if failures:
        print(f"\n{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print(f"\nall site checks passed; screenshots in {shots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
