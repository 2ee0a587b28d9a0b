"""The check that the hooks which draw graphs make before the build starts (not a hook).

Without Graphviz's ``dot`` program the graph pictures cannot be rendered; rather than a
traceback in the middle of the build, ``mkdocs build`` stops at once with one message that
says what to install.
"""

from __future__ import annotations

import shutil

from mkdocs.exceptions import PluginError

MESSAGE = (
    "building the docs needs Graphviz's 'dot' program, which was not found on PATH (it "
    "renders the graph pictures). Install Graphviz: apt-get install graphviz "
    "(Debian/Ubuntu), brew install graphviz (macOS) or conda install graphviz"
)


def require_dot() -> None:
    """Raise a PluginError with install instructions if ``dot`` is not on PATH."""
    if shutil.which("dot") is None:
        raise PluginError(MESSAGE)
