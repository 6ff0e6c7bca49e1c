"""The replay engine: recorded answers in, pages out. For tests, and for re-parsing answers kept from a server.

Answers are looked up by the page's file name and 1-based page number, in a folder

    ANSWERS/<file name>/p0001.json   {"text": "...", "finish_reason": "stop", "sent_width": 1036, "sent_height": 1484}
    ANSWERS/<file name>/p0001.txt    the answer text alone (finish_reason "stop")

or in a mapping given from Python: {("a.pdf", 1): "..." or ReplayAnswer(...)}. An answer records the
image size it was given for; replaying it for another size is an error, never a silent misplacement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Union

from ..errors import EngineError, EngineUnavailable
from .base import EngineAnswer, EngineRequest


@dataclass(frozen=True)
class ReplayAnswer:
    text: str
    finish_reason: str = "stop"
    sent_width: Optional[int] = None
    sent_height: Optional[int] = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


Recorded = Mapping[tuple[str, int], Union[str, ReplayAnswer]]


class ReplayEngine:
    name = "replay"
    needs_image = False

    def __init__(self, answers: Union[Path, str, Recorded], model: str = "replay"):
        self.model = model
        self._folder = Path(answers) if isinstance(answers, (str, Path)) else None
        self._answers: Recorded = {} if self._folder is not None else answers  # type: ignore[assignment]

    async def start(self) -> None:
        if self._folder is not None and not self._folder.is_dir():
            raise EngineUnavailable(f"replay answers folder {self._folder} does not exist")

    def lookup(self, name: str, page: int) -> Optional[ReplayAnswer]:
        if self._folder is None:
            got = self._answers.get((name, page))
            return ReplayAnswer(text=got) if isinstance(got, str) else got
        base = self._folder / name / f"p{page:04d}"
        if base.with_suffix(".json").is_file():
            data = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
            fields = {k: data[k] for k in ReplayAnswer.__dataclass_fields__ if k in data}
            return ReplayAnswer(**fields)
        if base.with_suffix(".txt").is_file():
            return ReplayAnswer(text=base.with_suffix(".txt").read_text(encoding="utf-8"))
        return None

    async def infer(self, request: EngineRequest) -> EngineAnswer:
        name, page = Path(request.page.path).name, request.page.index + 1
        answer = self.lookup(name, page)
        if answer is None:
            raise EngineError("no recorded answer for this page", source=str(request.page.path), page=page,
                              stage="engine")
        g = request.geometry
        if answer.sent_width and (answer.sent_width, answer.sent_height) != (g.sent_width, g.sent_height):
            raise EngineError(f"the recorded answer is for a {answer.sent_width}x{answer.sent_height} image, this "
                              f"page was sent at {g.sent_width}x{g.sent_height}", source=str(request.page.path),
                              page=page, stage="engine", hint="replay with the --dpi and pixel limits it was "
                                                              "recorded with")
        return EngineAnswer(text=answer.text, finish_reason=answer.finish_reason,
                            prompt_tokens=answer.prompt_tokens, completion_tokens=answer.completion_tokens)

    async def aclose(self) -> None:
        return None
