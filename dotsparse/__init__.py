"""dotsparse: parse PDFs and images into Markdown, HTML tables, LaTeX and JSON layout with dots.ocr."""

from .layout_gate import block as _block_layout_model

__version__ = "0.1.0"

_block_layout_model()
