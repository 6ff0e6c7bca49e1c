"""Engine for any OpenAI-compatible `/v1/chat/completions` server (vLLM, SGLang) serving dots.ocr."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import AsyncIterator, Callable, Iterator, Optional

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from ..errors import EngineError
from ..sent_image import SentImage
from .base import EngineAnswer, EngineRequest
from .endpoints import DOWN_AFTER, Endpoint, EndpointPool
from .preflight import CHECK_TIMEOUT_S, check_server, check_servers

IMAGE_PLACEHOLDER = "<|img|><|imgpad|><|endofimg|>"  # without it vLLM inserts its own plus a newline
_URL_SLOT = "image-url-slot"
# Quotes inside any other string are escaped by json.dumps, so only the slot itself can match this.
_SLOT_JSON = b'"url": "image-url-slot"'
_JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class OpenAIOptions:
    servers: tuple[str, ...]
    model: Optional[str] = None  # None: ask the server which model it serves
    api_key: Optional[str] = None
    timeout: float = 600.0
    connect_timeout: float = 10.0
    max_retries: int = 4
    concurrency: int = 32
    unavailable_timeout: float = 300.0
    placeholder: str = IMAGE_PLACEHOLDER  # "" for general vision models (the picture describer)


class _Retryable(EngineError):
    def __init__(self, message: str, connection_failure: bool = False, retry_after: float | None = None):
        super().__init__(message, retryable=True, stage="engine")
        self.connection_failure = connection_failure
        self.retry_after = retry_after


class OpenAIEngine:
    name = "openai"
    needs_image = True

    def __init__(self, options: OpenAIOptions, on_event: Callable[[str], None] = lambda m: None):
        self.options = options
        self.model = options.model or "model"
        headers = {"Authorization": f"Bearer {options.api_key}"} if options.api_key else {}
        timeout = httpx.Timeout(options.timeout, connect=options.connect_timeout)
        connections = _connection_budget(options.concurrency + 8)
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._client = httpx.AsyncClient(headers=headers, timeout=timeout, limits=limits)
        self.pool = EndpointPool(list(options.servers), self._probe, options.unavailable_timeout, on_event)

    async def start(self) -> None:
        """Check every server before the first page; take out those that do not answer."""
        checks = await check_servers(self._client, [e.url for e in self.pool.endpoints],
                                     min(CHECK_TIMEOUT_S, self.options.timeout))
        for endpoint, check in zip(self.pool.endpoints, checks):
            if not check.ok:
                self.pool.take_out(endpoint)
                self.pool.on_event(f"warning: server {check.url} does not answer (GET /models: {check.problem}); "
                                   f"starting with the other {sum(c.ok for c in checks)}, and it is probed again")
        served = [m for c in checks for m in c.models]
        if self.options.model is None:
            self.model = served[0] if served else "model"
        elif served and self.options.model not in served:
            self.pool.on_event(f"warning: --model {self.options.model} is not among the models served "
                               f"({', '.join(dict.fromkeys(served))}); requests may be refused")

    async def _probe(self, url: str) -> bool:
        return (await check_server(self._client, url, 3.0)).ok

    def body(self, request: EngineRequest) -> _Body:
        """The JSON request body, in parts whose concatenation is the body.

        The base64 image is most of it and is made piece by piece as it is sent, so a page in
        flight holds only its PNG, never a str in a dict plus the serialised copy an HTTP client makes.
        """
        payload = {
            "model": self.model,
            "messages": [{"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": _URL_SLOT}},
                {"type": "text", "text": self.options.placeholder + request.prompt},
            ]}],
            "temperature": request.sampling.temperature,
            "top_p": request.sampling.top_p,
            "max_completion_tokens": request.sampling.max_tokens,
        }
        if request.image is None:
            raise EngineError("the openai engine needs the page image", stage="engine")
        head, tail = json.dumps(payload).encode().split(_SLOT_JSON, 1)
        return _Body(head + b'"url": "data:image/png;base64,', request.image, b'"' + tail)

    async def infer(self, request: EngineRequest) -> EngineAnswer:
        payload = self.body(request)
        started = time.monotonic()
        attempts = 0
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.options.max_retries + 1),
            wait=_wait, retry=retry_if_exception(lambda e: isinstance(e, _Retryable)), reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    endpoint = await self.pool.acquire()
                    answer = await self._post(endpoint, payload)
        except EngineError as exc:
            exc.attempts = attempts  # type: ignore[attr-defined]  # a page failed after retries says so
            if not isinstance(exc, _Retryable):
                raise
            try:
                answer = await self._after_servers_died(exc, payload)
            except EngineError as final:
                final.attempts = attempts + getattr(final, "attempts", 0)  # type: ignore[attr-defined]
                raise
            attempts += answer.attempts
        answer.attempts = attempts
        answer.elapsed_s = time.monotonic() - started
        return answer

    async def _after_servers_died(self, exc: _Retryable, payload: _Body) -> EngineAnswer:
        """Retries ran out on connection failures: go on until every server is taken out, then wait.

        Enough further attempts to take each endpoint out; the pool then waits for one to come back,
        and its shared deadline ends the page as server-unavailable rather than failed.
        """
        attempts = 0
        budget = DOWN_AFTER * len(self.pool.endpoints) + 1
        while exc.connection_failure and attempts < budget:
            endpoint = await self.pool.acquire()  # raises ServerUnavailable once the wait is over
            attempts += 1
            try:
                answer = await self._post(endpoint, payload)
            except _Retryable as again:
                exc = again
                continue
            answer.attempts = attempts
            return answer
        exc.attempts = attempts  # type: ignore[attr-defined]
        raise exc

    async def _post(self, endpoint: Endpoint, payload: _Body) -> EngineAnswer:
        ok = False
        connection_failure = False
        try:
            try:
                # --timeout bounds the whole answer: a server trickling a byte every few seconds never
                # trips a per-read timeout, so the request as a whole gets a deadline.
                resp = await asyncio.wait_for(
                    self._client.post(f"{endpoint.url}/chat/completions", content=payload.stream(),
                                      headers={**_JSON, "Content-Length": str(payload.length)}),
                    timeout=self.options.timeout)
            except asyncio.TimeoutError as exc:
                raise _Retryable(f"{endpoint.url}: no complete answer within {self.options.timeout:g}s "
                                 "(--timeout)") from exc
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadError,
                    httpx.WriteError, httpx.PoolTimeout) as exc:
                connection_failure = True
                raise _Retryable(f"{endpoint.url}: connection failed ({type(exc).__name__})", True) from exc
            except httpx.ReadTimeout as exc:
                raise _Retryable(f"{endpoint.url}: no answer within {self.options.timeout:.0f}s") from exc
            answer = _read_response(endpoint, resp)
            ok = True
            return answer
        finally:
            self.pool.release(endpoint, ok, connection_failure)

    async def aclose(self) -> None:
        self.pool.close()
        await self._client.aclose()


def _connection_budget(wanted: int) -> int:
    """Connections that leave half the file descriptors (`ulimit -n`) to the files pages are written to."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return wanted
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(2, min(wanted, (soft - 16) // 2))


def _read_response(endpoint: Endpoint, resp: httpx.Response) -> EngineAnswer:
    if resp.status_code == 429 or resp.status_code >= 500:
        retry_after = _retry_after(resp.headers.get("retry-after"))
        raise _Retryable(f"{endpoint.url}: HTTP {resp.status_code} {resp.text[:200]}",
                         connection_failure=resp.status_code in (502, 503, 504), retry_after=retry_after)
    if resp.status_code >= 400:
        hint = {401: "set DOTSPARSE_API_KEY", 403: "check the API key", 404: "check --server (…/v1) and --model"}
        raise EngineError(f"{endpoint.url}: HTTP {resp.status_code} {resp.text[:300]}", stage="engine",
                          hint=hint.get(resp.status_code))
    try:
        body = resp.json()
        choice = body["choices"][0]
        text = choice["message"].get("content") or ""
        usage = body.get("usage") or {}
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise _Retryable(f"{endpoint.url}: malformed response ({resp.text[:120]!r})") from exc
    return EngineAnswer(text=text, finish_reason=choice.get("finish_reason"),
                        prompt_tokens=int(usage.get("prompt_tokens") or 0),
                        completion_tokens=int(usage.get("completion_tokens") or 0), endpoint=endpoint.url)


@dataclass(frozen=True)
class _Body:
    head: bytes
    image: SentImage
    tail: bytes

    @property
    def length(self) -> int:
        return len(self.head) + self.image.b64_length + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        yield from self.image.b64_pieces()
        yield self.tail

    async def stream(self) -> AsyncIterator[bytes]:
        for part in self:
            yield part


def _retry_after(value: Optional[str]) -> Optional[float]:
    try:
        return min(max(float(value), 0.0), 60.0) if value is not None else None
    except ValueError:
        return None


_backoff = wait_exponential_jitter(multiplier=0.5, max=20.0, jitter=0.5)
# A dead endpoint is taken out after two connection failures and the pool then waits for one to come
# back (up to --unavailable-timeout), so retrying on another endpoint needs no long backoff.
_connection_backoff = wait_exponential_jitter(multiplier=0.1, max=1.0, jitter=0.1)


def _wait(retry_state) -> float:
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    if isinstance(exc, _Retryable) and exc.retry_after is not None:
        return exc.retry_after
    if isinstance(exc, _Retryable) and exc.connection_failure:
        return _connection_backoff(retry_state)
    return _backoff(retry_state)
