"""The Python API: `Parser` (an engine built once, documents parsed on it) and the `Document` it returns."""
