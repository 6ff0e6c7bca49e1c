"""The viewer's HTML templates (`templates/*.html`) and the `<head>` tags every viewer page starts with."""

from __future__ import annotations

import html
from importlib.resources import files

from .assets import CSP


def template(name: str) -> str:
    return files("dotsparse.viewer").joinpath("templates", name).read_text(encoding="utf-8")


def fill(markup: str, **values: str) -> str:
    for key, value in values.items():
        markup = markup.replace("{{" + key + "}}", value)
    return markup


def head_tags() -> str:
    """Charset, the Content-Security-Policy, no referrer, the viewport: `templates/head.html`, filled.

    Its last newline is dropped: pages put `{{head}}` on a line of its own."""
    return fill(template("head.html"), csp=html.escape(CSP)).removesuffix("\n")
