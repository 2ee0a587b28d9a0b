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
  exists in the site and is a valid SVG drawing (or an inline Graphviz ``<svg>``).

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


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        url = urllib.parse.urlparse(self.path)
        focus = urllib.parse.parse_qs(url.query).get("focus")
        if not focus or not url.path.endswith(".html"):
            super().do_GET()
            return
        page = Path(self.translate_path(url.path))
        if not page.is_file():
            self.send_error(404)
            return
        script = _FOCUS_SCRIPT % json.dumps(focus[0])
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
        self.ids: set[str] = set()
        self.images: list[str] = []
        self.svg_classes: list[str] = []
        self.text_parts: list[str] = []

    @property
    def text(self) -> str:
        """The page's text content (tags removed, so highlighted code reads as typed)."""
        return "".join(self.text_parts)

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "img" and values.get("src"):
            self.images.append(values["src"])
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
