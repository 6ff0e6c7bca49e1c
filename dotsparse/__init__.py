"""dotsparse: parse PDFs and images into Markdown, HTML tables, LaTeX and JSON layout with dots.ocr."""

__version__ = "0.1.0"
