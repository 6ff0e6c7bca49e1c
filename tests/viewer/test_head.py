"""The document page and the index carry the same head tags, from the one template (templates/head.html)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from dotsparse.viewer.assets import CSP
from dotsparse.viewer.template import head_tags


class _Metas(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.metas: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self.metas.append(dict(attrs))


def _metas(markup: str) -> list[dict[str, str | None]]:
    parser = _Metas()
    parser.feed(markup)
    return parser.metas


def test_both_pages_carry_the_one_head(layout_doc: Path):
    document = layout_doc.read_text(encoding="utf-8")
    index = (layout_doc.parent.parent / "index.html").read_text(encoding="utf-8")
    expected = [{"charset": "utf-8"}, {"http-equiv": "Content-Security-Policy", "content": CSP},
                {"name": "referrer", "content": "no-referrer"},
                {"name": "viewport", "content": "width=device-width, initial-scale=1"}]
    assert _metas(head_tags()) == expected
    for page in (document, index):
        assert _metas(page) == expected
        assert head_tags() in page and page.count("Content-Security-Policy") == 1
