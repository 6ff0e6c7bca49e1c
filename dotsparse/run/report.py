"""What a run did: pages by status, file errors, retries, tokens, time per stage. `OUT/run.json`."""

from __future__ import annotations

from collections import Counter
from typing import Optional

from pydantic import BaseModel, Field

from ..model import PageResult, PageStatus


class FileError(BaseModel):
    source: str
    error: str


class SkippedFile(BaseModel):
    path: str
    reason: str


class RunReport(BaseModel):
    dotsparse_version: str
    engine: str
    model: str
    mode: str
    documents: int = 0
    documents_written: int = 0
    documents_reused: int = 0
    documents_with_failed_pages: int = 0
    pages: int = 0
    pages_reused: int = 0
    pages_by_status: dict[str, int] = Field(default_factory=dict)
    failed_files: list[FileError] = Field(default_factory=list)
    failed_pages: list[dict] = Field(default_factory=list)
    skipped_files: int = 0
    skipped: list[SkippedFile] = Field(default_factory=list)  # every file found and not parsed, with the reason
    missing_inputs: list[str] = Field(default_factory=list)
    retries: int = 0
    fallbacks: dict[str, int] = Field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0  # model requests (hybrid pages make several); retries are counted apart
    pages_by_path: dict[str, int] = Field(default_factory=dict)  # model / hybrid (see --text-source)
    wall_s: float = 0.0
    pages_per_s: float = 0.0
    stage_s: dict[str, float] = Field(default_factory=dict)  # render, wait (for a slot), engine, parse, write, assemble
    stopped_early: Optional[str] = None
    descriptions: dict[str, int] = Field(default_factory=dict)  # --describe-pictures: pictures by status
    interrupted: Optional[str] = None  # "SIGINT" or "SIGTERM" when the run was stopped by a signal
    unaccounted: list[str] = Field(default_factory=list)  # what the end-of-run accounting found missing
    # Pages whose content came from the embedded engine rather than the model asked for.
    pages_from_embedded: int = 0
    not_dots_ocr: Optional[str] = None  # what the server answered when it does not answer like dots.ocr

    def add_page(self, source: str, result: PageResult, reused: bool) -> None:
        self.pages += 1
        counts = Counter(self.pages_by_status)
        counts[result.status.value] += 1
        self.pages_by_status = dict(counts)
        if reused:
            self.pages_reused += 1
            return
        if not result.status.usable and len(self.failed_pages) < 1000:
            self.failed_pages.append({"source": source, "page": result.page, "status": result.status.value,
                                      "error": result.error})
        self.retries += max(0, result.usage.attempts - result.usage.requests)
        self.requests += result.usage.requests
        if result.path:
            self.pages_by_path[result.path] = self.pages_by_path.get(result.path, 0) + 1
        if any(r.kind == "fallback_used" and r.detail == "embedded" for r in result.repairs):
            self.pages_from_embedded += 1
        for step in result.fallbacks:
            self.fallbacks[step] = self.fallbacks.get(step, 0) + 1
        self.prompt_tokens += result.usage.prompt_tokens
        self.completion_tokens += result.usage.completion_tokens
        t = result.timings
        for stage, value in (("render", t.render_s), ("engine", t.engine_s), ("parse", t.parse_s),
                             ("write", t.write_s)):
            self.add_stage(stage, value)

    def add_stage(self, stage: str, seconds: float) -> None:
        self.stage_s[stage] = round(self.stage_s.get(stage, 0.0) + seconds, 3)

    @property
    def failed(self) -> int:
        return sum(n for s, n in self.pages_by_status.items() if not PageStatus(s).usable)

    @property
    def exit_code(self) -> int:
        """0 all pages from the model; 1 something failed; 3 all written, but the server is not dots.ocr
        or some pages come from the embedded fallback instead of the model."""
        if not self.all_ok:
            return 1
        return 3 if self.not_dots_ocr or self.pages_from_embedded else 0

    @property
    def all_ok(self) -> bool:
        return (self.failed == 0 and not self.failed_files and not self.missing_inputs and not self.stopped_early
                and not self.unaccounted and not self.interrupted
                and not self.descriptions.get("failed"))  # asked-for descriptions that failed count as failures
