"""The embedded engine: parse PDFs and images on a CPU, offline, with bundled models."""

from .engine import EmbeddedEngine

__all__ = ["EmbeddedEngine"]
