"""A describer's answer split into words and, for charts, the data table it gave (HTML or a Markdown table)."""

from __future__ import annotations

import html
import re
from typing import Optional

from ..model import DescriptionStatus, PictureDescription
from ..parse.html import clean_table_html
from ..repetition import trim_repetition

_TABLE = re.compile(r"<table\b.*?(?:</table\s*>|$)", re.IGNORECASE | re.DOTALL)
_FENCE = re.compile(r"^```[\w-]*\s*$", re.MULTILINE)
# A GitHub-style pipe table: a header row, a |---|:---:| delimiter row, then rows; many VLMs answer so.
_PIPE_TABLE = re.compile(r"(?m)^[ \t]*\|?.*\|.*\n[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)+\|?[ \t]*\n"
                         r"(?:[ \t]*\|?.*\|.*(?:\n|$))*")


def description_from_answer(answer: Optional[str], model: str, attempts: int) -> PictureDescription:
    """`text` is the answer minus its table; `data` that table as sanitized HTML; an empty answer fails."""
    body = (answer or "").strip()
    data, body = _take_table(body)
    body, _ = trim_repetition(_FENCE.sub("", body).strip())
    body = re.sub(r"\n{3,}", "\n\n", body)
    if not body and not data:
        return PictureDescription(status=DescriptionStatus.FAILED, error="the describer answered with nothing",
                                  model=model, attempts=attempts)
    return PictureDescription(status=DescriptionStatus.OK, text=body or None, data=data or None, model=model,
                              attempts=attempts)


def _take_table(body: str) -> tuple[Optional[str], str]:
    match = _TABLE.search(body)
    if match:
        return clean_table_html(match.group(0))[0], body[:match.start()] + body[match.end():]
    match = _PIPE_TABLE.search(body)
    if match:
        return clean_table_html(pipe_table_html(match.group(0)))[0], body[:match.start()] + body[match.end():]
    return None, body


def pipe_table_html(markdown: str) -> str:
    lines = [line.strip() for line in markdown.strip().splitlines() if line.strip()]
    rows = [_cells(line) for i, line in enumerate(lines) if i != 1]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cells(line: str) -> list[str]:
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]
