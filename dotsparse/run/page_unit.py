"""One page's work as a unit: render, engine (the hybrid path or the fallback ladder), parse, fonts, assets, commit.

The scheduler (`pipeline.Pipeline`, local asyncio today) decides when a page runs and lends it an
open document and its threads (`PageContext`). `run_page` runs the same unit with no scheduler at all,
from a `PageTask` that holds no open handles and pickles, so it can run in another process or on
another machine (`run_page_in_process`); the result is committed to any `PageStore`.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar

from ..config import Options
from ..discover import Source
from ..engines.base import Engine, PageRef, Sampling
from ..engines.endpoints import ServerUnavailable
from ..errors import DotsparseError
from ..model import Box, PageResult, PageStatus
from ..raster import OpenSource, RenderOptions
from ..writers.page_assets import (crop_boxes, missing_outputs, page_images, wants_page_image, write_page_assets,
                                   write_page_overlay)
from ..writers.paths import DocPaths
from .fallback import FallbackLadder
from .fonts import wants_fonts, with_heading_fonts
from .hybrid import PageProducer, page_path
from .page import PageJob, failed_result
from .stores import PageStore

T = TypeVar("T")


@dataclass(frozen=True)
class PageTask:
    """Everything one page needs, no open handles: picklable."""

    source: Source
    index: int  # 0-based
    options: Options
    prompt: str
    paths: Optional[DocPaths] = None  # None: no files (JSON Lines on stdout, or in memory)

    @property
    def ref(self) -> PageRef:
        return PageRef(path=self.source.path, index=self.index, kind=self.source.kind,
                       password=self.options.password)


@dataclass
class PageContext:
    """What the scheduler lends a page: the open source, a thread for PyMuPDF, one for other work."""

    opened: OpenSource
    mupdf: Executor  # PyMuPDF is not thread-safe: every document operation runs on this one thread
    work: Executor
    pixels: Optional[asyncio.Semaphore] = None  # bounds crops and overlays drawn at once

    async def on_mupdf(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.mupdf, fn, *args)

    async def on_work(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.work, fn, *args)


class PageUnit:
    """The stages of one page under one set of options; shared by every page of a run."""

    def __init__(self, options: Options, prompt: str, engine: Engine, ladder: PageProducer):
        self.options = options
        self.prompt = prompt
        self.engine = engine
        self.ladder = ladder
        self.render_options = RenderOptions(options.dpi, options.min_pixels, options.max_pixels)
        self.sampling = Sampling(options.sampling_temperature, options.top_p, options.max_tokens)
        b = options.box
        self.box = Box(x1=b[0], y1=b[1], x2=b[2], y2=b[3]) if b else None
        self.outputs = options.output_fields()

    async def render(self, ref: PageRef, ctx: PageContext) -> PageJob:
        """Render and encode the page, or only measure it when the engine reads pages itself."""
        started = time.monotonic()
        image = None
        if self.engine.needs_image:
            image, geometry = await ctx.on_mupdf(ctx.opened.render_sent, ref.index, self.render_options)
        else:
            geometry = await ctx.on_mupdf(ctx.opened.geometry, ref.index, self.render_options)
        return PageJob(ref=ref, geometry=geometry, mode=self.options.mode, prompt=self.prompt,
                       sampling=self.sampling, box_px=self.box, image=image, render_s=time.monotonic() - started)

    async def produce(self, job: PageJob, budget: Optional[float] = None, reason: str = "") -> PageResult:
        """Engine and parse, fallbacks included, within `budget` seconds; a failure becomes the page's status."""
        try:
            return await asyncio.wait_for(self.ladder.produce(job), timeout=budget)
        except asyncio.TimeoutError:
            return failed_result(job, DotsparseError(reason or "page timeout exceeded", source=str(job.ref.path),
                                                     page=job.page_no, stage="engine"))
        except ServerUnavailable as exc:
            return failed_result(job, exc, PageStatus.SERVER_UNAVAILABLE)
        except Exception as exc:  # the page fails, never the run
            return failed_result(job, exc)

    async def heading_fonts(self, result: PageResult, job: PageJob, ctx: PageContext) -> PageResult:
        """Font sizes of heading cells from the PDF's text layer (evidence for document-wide heading levels)."""
        if job.ref.kind != "pdf" or not wants_fonts(result):
            return result
        opened, index = ctx.opened, job.ref.index
        return await ctx.on_mupdf(lambda: with_heading_fonts(result, opened.pdf_page(index)))

    async def write_assets(self, result: PageResult, job: Optional[PageJob], paths: DocPaths,
                           ctx: Optional[PageContext]) -> PageResult:
        """The page's own files (tables, formulas, crops, overlay), drawn from the source as it was sent."""
        if not result.status.usable:
            return result
        overlay = wants_page_image(self.outputs)
        boxes = crop_boxes(result.cells) if job is not None and ctx is not None else []
        if ctx is None or job is None or not (boxes or overlay):
            return await _run(ctx, write_page_assets, result, [], None, paths, overlay)
        async with ctx.pixels or _NoLimit():
            crops = await ctx.on_mupdf(ctx.opened.render_regions, job.ref.index, self.render_options, boxes)
            page_image = (await ctx.on_mupdf(ctx.opened.render, job.ref.index, self.render_options)).image \
                if overlay else None
            written = await ctx.on_work(write_page_assets, result, crops, page_image, paths, overlay)
            del crops, page_image
        return written

    async def keep_images(self, result: PageResult, job: Optional[PageJob],
                          ctx: Optional[PageContext]) -> tuple[PageResult, dict[str, bytes]]:
        """No folder (a document held in memory): the images its Markdown links, drawn as `write_assets` draws them."""
        if not result.status.usable:
            return result, {}
        boxes = crop_boxes(result.cells) if job is not None and ctx is not None else []
        if ctx is None or job is None or not boxes:
            return await _run(ctx, page_images, result, [])
        async with ctx.pixels or _NoLimit():
            crops = await ctx.on_mupdf(ctx.opened.render_regions, job.ref.index, self.render_options, boxes)
            kept = await ctx.on_work(page_images, result, crops)
            del crops
        return kept

    async def reapply(self, result: PageResult, paths: DocPaths, ctx: PageContext) -> None:
        """A page reused from an earlier run: write the output-only files it lacks (e.g. `--overlay` added)."""
        if not result.status.usable or not missing_outputs(result, paths, self.outputs):
            return
        async with ctx.pixels or _NoLimit():
            page_image = (await ctx.on_mupdf(ctx.opened.render, result.page - 1, self.render_options)).image
            await ctx.on_work(write_page_overlay, result, result.cells, page_image, paths)


async def run_page(task: PageTask, engine: Engine, store: Optional[PageStore] = None) -> PageResult:
    """The whole unit for one page, outside any scheduler: the engine must be started by the caller."""
    with ThreadPoolExecutor(1, thread_name_prefix="dotsparse-page") as thread:
        ladder = page_path(FallbackLadder(task.options, engine), task.options, engine, thread)
        unit = PageUnit(task.options, task.prompt, engine, ladder)
        opened = await asyncio.get_running_loop().run_in_executor(thread, OpenSource, task.source,
                                                                  task.options.password)
        ctx = PageContext(opened=opened, mupdf=thread, work=thread)
        try:
            try:
                job = await unit.render(task.ref, ctx)
            except Exception as exc:  # a page that cannot render fails alone
                err = DotsparseError(f"cannot render ({exc})", source=str(task.source.path), page=task.index + 1,
                                     stage="render")
                return _commit(PageResult(page=task.index + 1, status=PageStatus.FAILED, error=str(err)), store)
            result = await unit.produce(job, task.options.page_timeout)
            result = await unit.heading_fonts(result, job, ctx)
            if task.paths is not None:
                result = await unit.write_assets(result, job, task.paths, ctx)
            return _commit(result, store)
        finally:
            await ladder.aclose()
            await ctx.on_mupdf(opened.close)


def run_page_in_process(task: PageTask, store: Optional[PageStore] = None,
                        engine: Optional[Engine] = None) -> PageResult:
    """`run_page` from plain code, e.g. a worker process: builds and starts the engine the options name."""
    from .engines import build_engine

    async def go() -> PageResult:
        built = engine or build_engine(task.options, on_event=lambda message: None)
        await built.start()
        try:
            return await run_page(task, built, store)
        finally:
            await built.aclose()

    return asyncio.run(go())


def _commit(result: PageResult, store: Optional[PageStore]) -> PageResult:
    if store is not None:
        store.save_page(result)
    return result


async def _run(ctx: Optional[PageContext], fn: Callable[..., T], *args: Any) -> T:
    return await ctx.on_work(fn, *args) if ctx is not None else fn(*args)


class _NoLimit:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None
