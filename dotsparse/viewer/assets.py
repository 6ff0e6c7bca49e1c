"""The viewer's shared files (script, styles, KaTeX) and the Content-Security-Policy every page carries.

A page may load scripts, styles, images and fonts from its own origin and nothing else: no network, no
inline script, style or handler, no eval, no plugins, no forms, no `<base>`. On `file://` the origin is
opaque, yet both Chromium (Debian's 156) and Firefox (ESR 153) let `'self'` match the page's neighbour
files, including `../_viewer/`: tried in both, so `file:` (every local file) is not needed.
"""

from __future__ import annotations

import html
from importlib.resources import files
from pathlib import Path

from ..fileio import atomic_write_bytes

ASSETS_DIR = "_viewer"
# the viewer's classic scripts, in load order (all `defer`, so they run in this order after parsing); each adds
# its part to one namespace, window.DotsparseViewer, and viewer-start.js, last, starts it
SCRIPTS = ("katex/katex.min.js", "viewer-base.js", "viewer-pages.js", "viewer-records.js", "viewer-content.js",
           "viewer-navigate.js", "viewer-start.js")
_LOCAL = "'self'"
CSP = "; ".join([
    "default-src 'none'", f"script-src {_LOCAL}", f"style-src {_LOCAL}", f"img-src {_LOCAL}",
    f"font-src {_LOCAL}", "connect-src 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'none'",
])


def script_tags(assets: str) -> str:
    """The `<script>` elements that load the viewer from the folder `assets` (a relative URL)."""
    return "\n".join(f'<script src="{html.escape(assets)}/{name}" defer></script>' for name in SCRIPTS)


def _static_files() -> list[tuple[str, bytes]]:
    base = files("dotsparse.viewer").joinpath("static")
    found: list[tuple[str, bytes]] = []

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif not child.name.startswith("."):
                found.append((prefix + child.name, child.read_bytes()))

    walk(base, "")
    return found


def install_assets(root: Path) -> Path:
    """Copy the viewer's files to ROOT/_viewer, rewriting only those that differ."""
    target = root / ASSETS_DIR
    for rel, data in _static_files():
        path = target / rel
        if not path.is_file() or path.stat().st_size != len(data) or path.read_bytes() != data:
            atomic_write_bytes(path, data)
    return target
