"""Before the first page: does each server answer `GET {url}/models` as an OpenAI-compatible server does?

A mistyped or stopped server is then a usage error at once, instead of pages waiting out
`--unavailable-timeout`; servers that do answer say which models they serve.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Optional

import httpx

from ..errors import UsageError

CHECK_TIMEOUT_S = 5.0  # /models is answered by the API process at once, however busy the GPU is


@dataclass(frozen=True)
class ServerCheck:
    url: str  # the base URL, …/v1
    models: tuple[str, ...] = ()
    problem: Optional[str] = None  # None: it answered with a model list

    @property
    def ok(self) -> bool:
        return self.problem is None


def read_model_list(url: str, response: httpx.Response) -> ServerCheck:
    """What a `GET {url}/models` response says about the server at `url`."""
    status = response.status_code
    if status in (401, 403):
        return ServerCheck(url, problem=f"HTTP {status}: it wants an API key (set DOTSPARSE_API_KEY)")
    if status == 404:
        hint = "" if url.endswith("/v1") else f"; the base URL of vLLM and SGLang ends in /v1: {url}/v1"
        return ServerCheck(url, problem=f"HTTP 404: no OpenAI-compatible API at this URL{hint}")
    if status != 200:
        return ServerCheck(url, problem=f"HTTP {status}")
    try:
        models = tuple(str(item["id"]) for item in response.json()["data"])
    except (ValueError, KeyError, TypeError):
        return ServerCheck(url, problem="it answered, but not with an OpenAI model list")
    return ServerCheck(url, models=models)


async def check_server(client: httpx.AsyncClient, url: str, timeout: float) -> ServerCheck:
    try:
        response = await client.get(f"{url}/models", timeout=timeout)
    except httpx.TimeoutException:
        return ServerCheck(url, problem=f"no answer within {timeout:g}s")
    except httpx.HTTPError as exc:
        return ServerCheck(url, problem=f"cannot connect: {exc or type(exc).__name__}")
    return read_model_list(url, response)


async def check_servers(client: httpx.AsyncClient, urls: list[str], timeout: float) -> list[ServerCheck]:
    """Every server at once; raises UsageError when none answers, naming each URL and what it said."""
    checks = list(await asyncio.gather(*(check_server(client, url, timeout) for url in urls)))
    if not any(c.ok for c in checks):
        tried = "".join(f"\n  GET {c.url}/models: {c.problem}" for c in checks)
        raise UsageError(f"no server answered, so no page was sent; tried:{tried}\n"
                         "check each --server URL (http://HOST:PORT/v1) and that its server is running")
    return checks
