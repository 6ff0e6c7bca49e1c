"""Prompt texts are data: files shipped in `prompts/`, sent byte for byte."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Optional

from .errors import UsageError
from .model import Box, Mode

PROMPT_NAMES = ("layout_all", "layout_only", "ocr", "grounding_ocr", "web_parsing", "scene_spotting")


def load_prompt(name: str) -> str:
    if name not in PROMPT_NAMES:
        raise UsageError(f"unknown prompt {name!r}; known: {', '.join(PROMPT_NAMES)}")
    return files("dotsparse.prompt_files").joinpath(f"{name}.txt").read_text(encoding="utf-8")


def prompt_for(mode: Mode, prompt_file: Optional[Path] = None) -> str:
    if prompt_file is not None:
        try:
            return prompt_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--prompt-file {prompt_file}: {exc}") from exc
    return load_prompt(mode.prompt_name)


def grounding_prompt(base: str, box_sent: Box) -> str:
    """The grounding prompt ends with the box as four integers in the sent image's coordinates."""
    x1, y1, x2, y2 = (int(round(v)) for v in (box_sent.x1, box_sent.y1, box_sent.x2, box_sent.y2))
    return f"{base}[{x1}, {y1}, {x2}, {y2}]"
