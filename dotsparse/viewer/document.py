"""`<doc>.html`: a document writer over the data model, fed one page at a time like the other writers.

Files, all inside the document folder: `<doc>.html`, `view/pNNNN.js` (the page's content, loaded when the
page scrolls into view), `view/pNNNN.jpg` (the page image) and `view/entry.json` (for the index). The
script, styles and KaTeX are shared in `ROOT/_viewer/` (assets.py). It opens the source with PyMuPDF to
draw page images: call it from the thread that owns PyMuPDF.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Optional
from urllib.parse import quote

from ..fileio import atomic_write_text
from ..model import DocumentInfo, PageResult
from .assets import ASSETS_DIR, install_assets, script_tags
from .data import document_summary, page_record, page_summary, safe_json
from .entry import DocEntry, write_entry
from .images import PageImages, locate_source
from .template import fill, head_tags, template

VIEW_DIR = "view"
SOURCE_STAMP = ".source-sha256"


def relative_url(target: Path, start: Path) -> str:
    """A relative URL that no folder name can turn into a scheme (`javascript:`) or a query."""
    rel = Path(os.path.relpath(target, start)).as_posix()
    return quote(rel if rel.startswith("../") else f"./{rel}")


class ViewerStream:
    """Writes a document's viewer page by page; `finish` writes `<doc>.html` last, atomically.

    `root` is where the shared files and `index.html` live: the run's output folder."""

    def __init__(self, doc_dir: Path, name: str, info: DocumentInfo, root: Path,
                 source_roots: Optional[list[Path]] = None, password: Optional[str] = None):
        self.doc_dir, self.name, self.info, self.root = doc_dir, name, info, root
        self.view = doc_dir / VIEW_DIR
        self.view.mkdir(parents=True, exist_ok=True)
        install_assets(root)
        self.pages: list[dict] = []
        self.entry: Optional[DocEntry] = None
        self._images: Optional[PageImages] = None
        source, self.image_note = locate_source(info, source_roots if source_roots is not None else [root.parent])
        stamp = self.view / SOURCE_STAMP
        self._reuse = stamp.is_file() and stamp.read_text().strip() == info.sha256
        if source is not None:
            try:
                self._images = PageImages(source, info.kind, password)
            except Exception as exc:  # a broken or locked source still gets its boxes and text
                self.image_note = f"cannot render {info.source} ({exc}): boxes are drawn on a blank page"

    def add(self, page: PageResult) -> None:
        stem = f"p{page.page:04d}"
        data_name = f"{VIEW_DIR}/{stem}.js"
        atomic_write_text(self.doc_dir / data_name,
                          f"DotsparseViewer.page({page.page},{safe_json(page_record(page, self.doc_dir))});\n")
        image = self._image(page, stem)
        self.pages.append(page_summary(page, image, data_name, None if image else self.image_note))

    def _image(self, page: PageResult, stem: str) -> Optional[str]:
        """The page image's URL: rendered now, or kept from an earlier build of the same source."""
        path = self.view / f"{stem}.jpg"
        if page.geometry is None:
            return None
        if self._images is not None and not (self._reuse and path.is_file()):
            try:
                self._images.write(page.page, path)
            except Exception as exc:  # one page that will not render keeps its boxes and text
                self.image_note = f"page image not rendered ({type(exc).__name__}: {exc})"
                return None
        usable = path.is_file() and (self._images is not None or self._reuse)
        return f"{VIEW_DIR}/{stem}.jpg" if usable else None

    def finish(self) -> None:
        if self._images is not None:
            self._images.close()
            atomic_write_text(self.view / SOURCE_STAMP, self.info.sha256 + "\n")
        assets = relative_url(self.root / ASSETS_DIR, self.doc_dir)
        index = relative_url(self.root / "index.html", self.doc_dir)
        summary = document_summary(self.name, self.info, self.pages, assets, index)
        meta = (f"{self.info.source} · {self.info.engine} / {self.info.model} / {self.info.mode.value} · "
                f"{len(self.pages)} of {self.info.page_count} pages · {self.info.dpi:g} dpi")
        # head and scripts first: no later value (a title, say) can then carry a {{head}} or {{scripts}} to fill
        page = fill(template("document.html"), head=head_tags(), scripts=script_tags(assets),
                    title=html.escape(self.name), assets=html.escape(assets), index=html.escape(index), meta=html.escape(meta),
                    data=safe_json(summary))
        out = self.doc_dir / f"{self.name}.html"
        atomic_write_text(out, page)
        self.entry = DocEntry(name=self.name, html_path=out, source=self.info.source, engine=self.info.engine,
                              mode=self.info.mode.value, page_count=self.info.page_count,
                              statuses=[(p["page"], p["status"]) for p in self.pages], error=self.info.error)
        write_entry(self.doc_dir, self.entry)
