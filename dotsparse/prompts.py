"""Prompt texts are data: files shipped in `prompts/`, sent byte for byte."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Optional

from .errors import UsageError
from .model import Box, Mode

PROMPT_NAMES = ("layout_all", "layout_only", "ocr", "grounding_ocr", "web_parsing", "scene_spotting", "svg",
                "describe_picture", "describe_mocr")
DESCRIBE_PROMPTS = ("describe_picture", "describe_mocr")  # for the picture describer, not for dots.ocr


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


def svg_prompt(template: str, width: int, height: int) -> str:
    """The svg prompt names the original image's size; replaced literally (a user's file may hold braces)."""
    return template.replace("{width}", str(width)).replace("{height}", str(height))


def describe_prompt(value: Optional[str]) -> str:
    """`--describe-prompt`: a prompt name (describe_picture by default) or a file."""
    if value is None or value in PROMPT_NAMES:
        return load_prompt(value or "describe_picture")
    try:
        return Path(value).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--describe-prompt {value}: neither a prompt name ({', '.join(DESCRIBE_PROMPTS)}) "
                         f"nor a readable file ({exc})") from exc


def grounding_prompt(base: str, box_sent: Box) -> str:
    """The grounding prompt ends with the box as four integers in the sent image's coordinates."""
    x1, y1, x2, y2 = (int(round(v)) for v in (box_sent.x1, box_sent.y1, box_sent.x2, box_sent.y2))
    return f"{base}[{x1}, {y1}, {x2}, {y2}]"
