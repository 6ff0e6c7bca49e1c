"""Reading the cell text we write: where its math is, and what a reader sees of it (`Cell.plain`).

Below the data model in the layers: pure functions of a string, importing nothing from the package.
"""
