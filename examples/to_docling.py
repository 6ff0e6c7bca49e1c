"""Hand dotsparse output to docling's ecosystem: `doc.to_docling()` is a DoclingDocument.

    pip install 'dotsparse[docling]'
    python examples/to_docling.py [FILE]
"""

import sys
from pathlib import Path

import dotsparse

path = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).parent / "docs" / "paper.pdf")
with dotsparse.Parser(engine="embedded") as parser:
    doc = parser.parse(path)

docling_doc = doc.to_docling()
print(f"{len(docling_doc.texts)} text items, {len(docling_doc.tables)} tables, {len(docling_doc.pictures)} pictures")
print(docling_doc.export_to_markdown()[:500])
