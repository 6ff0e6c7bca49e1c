"""The transformers engine: dots.ocr run in-process with greedy decoding, on a GPU, a Mac or a CPU.

Same request semantics as the OpenAI-compatible engine — the prompt as given, the image at
the size the client chose, `max_tokens` as the token limit, "length" when it was hit — so the
rest of the pipeline cannot tell the engines apart.

Concurrency: the pipeline calls `infer` for many pages at once. Each call enqueues its request;
one worker thread owns the model, takes up to `batch_size` pending requests with the same token
limit and runs them as one left-padded batched `generate` (on CPU batching gains nothing, so
`batch_size` defaults to 1 there). Generation runs in that thread, never on the event loop.

A generation that falls into a loop (`<td></td>` forever) is cut early by a stopping criterion
that uses the shared detector, `dotsparse.repetition.find_repetition`; such an answer is
reported like one that hit the token limit (finish_reason "length"), because that is what it
would have become and what the server path reports for it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Optional

from ..errors import EngineError, EngineUnavailable
from .base import EngineAnswer, EngineRequest
from .hf_loading import DEVICES, DTYPES, LoadedModel, load_model, missing_backend

log = logging.getLogger(__name__)

GPU_BATCH_SIZE = 8  # pages per generate call on a GPU unless told otherwise
LINGER_S = 0.05  # how long the worker waits for a batch to fill once one request is there
REPETITION_CHECK_EVERY = 32  # generated tokens between loop checks; decoding the tail costs ~1 ms
REPETITION_WINDOW = 2048  # tokens decoded for a check: enough for 12 copies of a 200-char unit


@dataclass
class _Job:
    request: EngineRequest
    future: concurrent.futures.Future


def _repetition_stopper(processor: Any, prompt_len: int) -> Any:
    """A StoppingCriteria ending each row whose generated text ends in a loop; remembers where."""
    import torch
    from transformers import StoppingCriteria

    from ..repetition import find_repetition

    class RepetitionStop(StoppingCriteria):
        def __init__(self) -> None:
            self.stopped_at: dict[int, int] = {}  # row -> generated tokens when it was stopped

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
            generated = input_ids.shape[1] - prompt_len
            for row in self.stopped_at:
                done[row] = True
            if generated <= 0 or generated % REPETITION_CHECK_EVERY:
                return done
            start = max(prompt_len, input_ids.shape[1] - REPETITION_WINDOW)
            for row in range(input_ids.shape[0]):
                if row in self.stopped_at:
                    continue
                if find_repetition(processor.decode(input_ids[row, start:].tolist())) is not None:
                    self.stopped_at[row] = generated
                    done[row] = True
            return done

    return RepetitionStop()


class TransformersEngine:
    name = "transformers"
    needs_image = True

    def __init__(self, model: str, device: str = "auto", dtype: str = "auto", batch_size: Optional[int] = None,
                 trust_remote_code: bool = False, attn_implementation: Optional[str] = None):
        reason = missing_backend()  # cheap: finds the packages without importing them
        if reason:
            raise EngineUnavailable(reason)
        if device not in DEVICES:
            raise EngineUnavailable(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
        if dtype not in DTYPES:
            raise EngineUnavailable(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
        if batch_size is not None and batch_size < 1:
            raise EngineUnavailable(f"batch size must be at least 1, not {batch_size}")
        self.model = model
        self.device = device
        self.dtype = dtype
        self.batch_size = batch_size
        self.trust_remote_code = trust_remote_code
        self.attn_implementation = attn_implementation
        self._loaded: Optional[LoadedModel] = None
        self._load_error: Optional[EngineError] = None
        self._lock = threading.Lock()
        self._queue: "queue.Queue[Optional[_Job]]" = queue.Queue()
        self._worker: Optional[threading.Thread] = None
        self._closed = False

    def load(self) -> LoadedModel:
        """Load weights and processor once (blocking; seconds to minutes). Raises EngineUnavailable."""
        with self._lock:
            if self._load_error is not None:
                raise self._load_error
            if self._loaded is None:
                try:
                    self._loaded = load_model(self.model, self.device, self.dtype, self.trust_remote_code,
                                              self.attn_implementation)
                except EngineError as exc:
                    self._load_error = exc  # a failed load fails every request, not once per page
                    raise
                if self.batch_size is None:
                    self.batch_size = 1 if self._loaded.device == "cpu" else GPU_BATCH_SIZE
            return self._loaded

    async def start(self) -> None:
        """Load the weights before the first page, so a bad model path fails the run at once."""
        await asyncio.to_thread(self.load)

    async def infer(self, request: EngineRequest) -> EngineAnswer:
        if self._closed:
            raise EngineError("the transformers engine is closed")
        if request.image is None:
            raise EngineError("the transformers engine needs the page image", stage="engine")
        self._start_worker()
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._queue.put(_Job(request, future))
        return await asyncio.wrap_future(future)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._worker is not None:
            self._queue.put(None)
            await asyncio.to_thread(self._worker.join)
        self._fail_queued()
        loaded, self._loaded = self._loaded, None
        if loaded is not None and loaded.device == "cuda":
            import torch

            del loaded
            torch.cuda.empty_cache()

    # --- worker thread ------------------------------------------------------------------------

    def _start_worker(self) -> None:
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._serve, name="dotsparse-transformers", daemon=True)
                self._worker.start()

    def _serve(self) -> None:
        held: list[_Job] = []  # taken from the queue but not yet run (another token limit)
        while True:
            job = held.pop(0) if held else self._queue.get()
            if job is None:
                break
            try:
                self.load()
            except EngineError as exc:
                self._fail([job], exc)
                continue
            batch, stop = self._gather(job, held)
            self._run_batch(batch)
            if stop:
                break
        self._fail(held, EngineError("the transformers engine was closed before this page ran"))

    def _gather(self, first: _Job, held: list[_Job]) -> tuple[list[_Job], bool]:
        """Up to batch_size jobs with the first one's token limit; others wait in `held`."""
        batch, limit = [first], first.request.sampling.max_tokens
        for job in list(held):
            if len(batch) < (self.batch_size or 1) and job.request.sampling.max_tokens == limit:
                held.remove(job)
                batch.append(job)
        deadline = time.monotonic() + LINGER_S
        while len(batch) < (self.batch_size or 1):
            try:
                waiting = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if waiting is None:
                return batch, True
            (batch if waiting.request.sampling.max_tokens == limit else held).append(waiting)
        return batch, False

    def _run_batch(self, jobs: list[_Job]) -> None:
        jobs = [job for job in jobs if job.future.set_running_or_notify_cancel()]
        if not jobs:
            return
        try:
            answers = self._generate([job.request for job in jobs])
        except Exception as exc:  # noqa: BLE001 - every failure must reach the awaiting page
            if len(jobs) > 1:  # one bad page (or memory) must not fail its batch mates: retry alone
                log.warning("batched generation failed (%s); retrying the %d pages one by one", exc, len(jobs))
                for job in jobs:
                    self._run_alone(job)
                return
            self._fail(jobs, self._as_engine_error(exc), running=True)
            return
        for job, answer in zip(jobs, answers):
            job.future.set_result(answer)

    def _run_alone(self, job: _Job) -> None:
        try:
            job.future.set_result(self._generate([job.request])[0])
        except Exception as exc:  # noqa: BLE001
            job.future.set_exception(self._as_engine_error(exc))

    def _fail_queued(self) -> None:
        """Requests that slipped in while closing get an error instead of waiting forever."""
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                self._fail([job], EngineError("the transformers engine was closed before this page ran"))

    @staticmethod
    def _fail(jobs: list[_Job], exc: BaseException, running: bool = False) -> None:
        for job in jobs:
            if running or job.future.set_running_or_notify_cancel():
                job.future.set_exception(exc)

    def _as_engine_error(self, exc: BaseException) -> EngineError:
        if isinstance(exc, EngineError):
            return exc
        text = f"{type(exc).__name__}: {exc}"
        if "out of memory" in str(exc).lower():  # torch.cuda.OutOfMemoryError, MPS and CPU allocators
            return EngineError(f"generation ran out of memory ({text})",
                               hint="lower --batch-size, the page size (dpi) or the token limit")
        lowered = str(exc).lower()
        if "dtype" in lowered or ("type" in lowered and "should be the same" in lowered):
            return EngineError(f"generation failed ({text})", hint="try --dtype bfloat16")
        return EngineError(f"generation failed ({text})")

    # --- generation ---------------------------------------------------------------------------

    def _generate(self, requests: list[EngineRequest]) -> list[EngineAnswer]:
        import torch
        from transformers import StoppingCriteriaList

        lm = self._loaded
        assert lm is not None  # _serve loads before running
        started = time.monotonic()
        batch = lm.processor.encode([r.image.decode() for r in requests if r.image is not None], [r.prompt for r in requests])
        inputs = {key: value.to(lm.device) for key, value in batch.inputs.items()}
        inputs["pixel_values"] = inputs["pixel_values"].to(getattr(torch, lm.dtype))
        prompt_len = inputs["input_ids"].shape[1]
        max_new = requests[0].sampling.max_tokens  # _gather batches equal limits only
        stopper = _repetition_stopper(lm.processor, prompt_len)
        with torch.inference_mode():
            output = lm.model.generate(**inputs, max_new_tokens=max_new, do_sample=False,
                                       pad_token_id=lm.pad_token_id, eos_token_id=sorted(lm.eos_token_ids),
                                       stopping_criteria=StoppingCriteriaList([stopper]))
        elapsed = time.monotonic() - started
        answers = []
        for row, tokens in enumerate(output[:, prompt_len:].tolist()):
            answers.append(self._answer(lm, tokens, stopper.stopped_at.get(row), max_new,
                                        batch.prompt_tokens[row], elapsed))
        return answers

    def _answer(self, lm: LoadedModel, tokens: list[int], stopped_at: Optional[int], max_new: int,
                prompt_tokens: int, elapsed: float) -> EngineAnswer:
        """finish_reason "stop" at an end token; "length" at the limit or when cut for looping."""
        end = next((i for i, token in enumerate(tokens) if token in lm.eos_token_ids), None)
        if end is not None:
            kept, reason = tokens[:end], "stop"
            completion = end + 1  # the end token counts, as servers count it
        else:
            completion = stopped_at if stopped_at is not None else min(len(tokens), max_new)
            kept, reason = tokens[:completion], "length"
            if stopped_at is not None:
                log.info("transformers engine: generation looped; stopped after %d tokens", stopped_at)
        return EngineAnswer(text=lm.processor.decode(kept), finish_reason=reason, prompt_tokens=prompt_tokens,
                            completion_tokens=completion, endpoint=f"local:{lm.device}", elapsed_s=elapsed)
