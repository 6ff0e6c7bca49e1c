"""Document-level understanding over committed pages: cross-page tables, heading levels, caption links.

Reads only the data model (`PageResult`, `Cell`); never the engine, the PDF or the files written.
"""
