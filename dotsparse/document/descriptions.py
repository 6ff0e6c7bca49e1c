"""A describer's answer split into words and, for charts, the data table it gave."""

from __future__ import annotations

import re
from typing import Optional

from ..model import DescriptionStatus, PictureDescription
from ..parse.html import clean_table_html
from ..repetition import trim_repetition

_TABLE = re.compile(r"<table\b.*?(?:</table\s*>|$)", re.IGNORECASE | re.DOTALL)
_FENCE = re.compile(r"^```(?:html)?\s*$", re.IGNORECASE | re.MULTILINE)


def description_from_answer(answer: Optional[str], model: str, attempts: int) -> PictureDescription:
    """`text` is the answer minus any table; `data` the first table, sanitized; an empty answer fails."""
    body = (answer or "").strip()
    data = None
    match = _TABLE.search(body)
    if match:
        data, _ = clean_table_html(match.group(0))
        body = (body[:match.start()] + body[match.end():]).strip()
    body, _ = trim_repetition(_FENCE.sub("", body).strip())
    if not body and not data:
        return PictureDescription(status=DescriptionStatus.FAILED, error="the describer answered with nothing",
                                  model=model, attempts=attempts)
    return PictureDescription(status=DescriptionStatus.OK, text=body or None, data=data or None, model=model,
                              attempts=attempts)
