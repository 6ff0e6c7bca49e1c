"""`--describe-pictures`: each Picture crop sent to a general vision model, after its document's pages are parsed.

A pass of its own over the committed pages: it reads the crops the page commit wrote, so a re-run that
reuses every page still describes; each description is committed on its own (keyed by the crop's bytes,
the model and the prompt), so a re-run redoes only the failed ones. The page records are never changed.

    OUT/<doc>/.dotsparse/descriptions/p00001-003.json   {"key": ..., "result": PictureDescription}
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

from PIL import Image
from pydantic import ValidationError

from ..config import Options
from ..document.descriptions import description_from_answer
from ..engines.base import EngineRequest, PageRef, Sampling
from ..engines.openai import OpenAIEngine, OpenAIOptions
from ..errors import DotsparseError
from ..fileio import atomic_write_text
from ..model import Category, DescriptionStatus, Mode, PageGeometry, PageResult, PictureDescription
from ..prompts import describe_prompt
from ..sent_image import SentImage
from .outputs import DocPaths

Key = tuple[int, int]  # (page, cell order)


@dataclass
class _Picture:
    key: Key
    asset: Optional[str]


def pictures_of(pages: Iterable[PageResult]) -> list[_Picture]:
    """The Picture cells of a document's usable pages, read once: only their keys and crop paths are kept."""
    return [_Picture((p.page, c.order), c.asset) for p in pages if p.status.usable
            for c in p.cells if c.category is Category.PICTURE]


class DescriptionStore:
    def __init__(self, doc_dir: Path):
        self.dir = doc_dir / ".dotsparse" / "descriptions"

    def path(self, key: Key) -> Path:
        return self.dir / f"p{key[0]:05d}-{key[1]:03d}.json"

    def load(self, key: Key, request_key: str) -> Optional[PictureDescription]:
        try:
            record = json.loads(self.path(key).read_text(encoding="utf-8"))
            if record.get("key") != request_key:
                return None
            return PictureDescription.model_validate(record["result"])
        except (OSError, ValueError, KeyError, TypeError, ValidationError):
            return None

    def save(self, key: Key, request_key: str, result: PictureDescription) -> None:
        atomic_write_text(self.path(key), json.dumps({"key": request_key, "result": result.model_dump(mode="json")}))


class PictureDescriber:
    """The describing model behind the main engine's client: its endpoint pool, retries and timeouts."""

    def __init__(self, config: Options, on_event: Callable[[str], None] = lambda m: None):
        assert config.describe_server is not None
        self.prompt = describe_prompt(config.describe_prompt)
        self.min_side = config.describe_min_side
        self.sampling = Sampling(temperature=0.1, top_p=1.0, max_tokens=config.describe_max_tokens)
        self.client = OpenAIEngine(OpenAIOptions(
            servers=(config.describe_server,), model=config.describe_model, api_key=config.describe_api_key,
            timeout=config.timeout, max_retries=config.max_retries, concurrency=config.describe_concurrency,
            unavailable_timeout=config.unavailable_timeout, placeholder=""), on_event=on_event)
        self._slots = asyncio.Semaphore(config.describe_concurrency)

    async def start(self) -> None:
        await self.client.start()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def describe_document(self, paths: DocPaths, pictures: list[_Picture]) -> dict[Key, PictureDescription]:
        """Every picture's description (ok, failed or skipped), by (page, order); `pictures` from `pictures_of`."""
        store = DescriptionStore(paths.root)
        results = await asyncio.gather(*(self._one(paths, store, pic) for pic in pictures))
        return {pic.key: result for pic, result in zip(pictures, results)}

    async def _one(self, paths: DocPaths, store: DescriptionStore, picture: _Picture) -> PictureDescription:
        async with self._slots:  # also bounds the crops held in memory, however many pictures there are
            return await self._one_held(paths, store, picture)

    async def _one_held(self, paths: DocPaths, store: DescriptionStore, picture: _Picture) -> PictureDescription:
        loop = asyncio.get_running_loop()
        if not picture.asset or not picture.asset.endswith(".png"):
            return _skipped("no picture crop was saved (the box was unusable)")
        try:
            png = await loop.run_in_executor(None, (paths.root / picture.asset).read_bytes)
            width, height = Image.open(io.BytesIO(png)).size
        except (OSError, ValueError) as exc:
            return _failed(f"cannot read the crop {picture.asset}: {exc}", self.client.model)
        if min(width, height) < self.min_side:
            return _skipped(f"{width}x{height} px, under --describe-min-side {self.min_side}")
        request_key = hashlib.sha256(json.dumps([hashlib.sha256(png).hexdigest(), self.client.model, self.prompt,
                                                 self.sampling.max_tokens]).encode()).hexdigest()[:16]
        cached = store.load(picture.key, request_key)
        if cached is not None:
            return cached
        result = await self._ask(SentImage(png=png, width=width, height=height))
        if result.status is DescriptionStatus.OK:
            await loop.run_in_executor(None, store.save, picture.key, request_key, result)
        return result

    async def _ask(self, image: SentImage) -> PictureDescription:
        geometry = PageGeometry(width_pt=image.width, height_pt=image.height, dpi=72, width_px=image.width,
                                height_px=image.height, sent_width=image.width, sent_height=image.height)
        request = EngineRequest(page=PageRef(path=Path("."), index=0, kind="image"), geometry=geometry, image=image,
                                prompt=self.prompt, mode=Mode.LAYOUT, sampling=self.sampling)
        try:
            answer = await self.client.infer(request)
        except DotsparseError as exc:
            return _failed(str(exc), self.client.model)
        except Exception as exc:  # one picture fails, never the document
            return _failed(f"{type(exc).__name__}: {exc}", self.client.model)
        result = description_from_answer(answer.text, self.client.model, answer.attempts)
        if answer.truncated and result.status is DescriptionStatus.OK:
            result = result.model_copy(update={"error": "cut at the token limit (--describe-max-tokens)"})
        return result


def _skipped(reason: str) -> PictureDescription:
    return PictureDescription(status=DescriptionStatus.SKIPPED, error=reason)


def _failed(reason: str, model: str) -> PictureDescription:
    return PictureDescription(status=DescriptionStatus.FAILED, error=reason or "unknown error", model=model)
