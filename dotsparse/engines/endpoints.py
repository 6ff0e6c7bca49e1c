"""A pool of OpenAI-compatible endpoints: least outstanding work first, failing ones probed back in."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Optional

from ..errors import EngineError

DOWN_AFTER = 2  # consecutive connection-level failures before an endpoint is taken out
PROBE_EVERY = 2.0  # seconds between health probes of an endpoint that is out


class ServerUnavailable(EngineError):
    """Every endpoint stayed down for longer than the wait allowed."""


@dataclass
class Endpoint:
    url: str
    outstanding: int = 0
    failures: int = 0
    down: bool = False
    next_probe: float = 0.0
    served: int = 0
    taken_out: int = 0


@dataclass
class EndpointPool:
    urls: list[str]
    probe: Callable[[str], Awaitable[bool]]
    unavailable_timeout: float = 300.0
    on_event: Callable[[str], None] = lambda message: None
    endpoints: list[Endpoint] = field(init=False)

    def __post_init__(self) -> None:
        self.endpoints = [Endpoint(url=u.rstrip("/")) for u in self.urls]
        self._changed = asyncio.Event()
        self._all_down_since: Optional[float] = None
        self._probing: Optional[asyncio.Task] = None

    async def acquire(self) -> Endpoint:
        """The healthy endpoint with the least outstanding requests; waits while all are down.

        The wait is shared: once every endpoint has been down for `unavailable_timeout`, every waiting
        and every later request fails at once (after one due probe), instead of each waiting anew.
        """
        while True:
            healthy = [e for e in self.endpoints if not e.down]
            if healthy:
                self._all_down_since = None
                self._probe_in_background()
                chosen = min(healthy, key=lambda e: (e.outstanding, e.served))
                chosen.outstanding += 1
                return chosen
            now = time.monotonic()
            if self._all_down_since is None:
                self._all_down_since = now
                self.on_event(f"all {len(self.endpoints)} server(s) are down; waiting up to "
                              f"{self.unavailable_timeout:.0f}s for one to come back")
            deadline = self._all_down_since + self.unavailable_timeout
            if await self._probe_due(now):
                continue
            if now >= deadline:
                raise ServerUnavailable(f"no server answered for {self.unavailable_timeout:.0f}s "
                                        f"({', '.join(e.url for e in self.endpoints)})",
                                        stage="engine", hint="start the server, or raise --unavailable-timeout")
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=min(PROBE_EVERY, deadline - now))
            except asyncio.TimeoutError:
                pass
            self._changed.clear()

    def release(self, endpoint: Endpoint, ok: bool, connection_failure: bool = False) -> None:
        endpoint.outstanding -= 1
        if ok:
            endpoint.failures = 0
            endpoint.served += 1
            return
        if connection_failure:
            endpoint.failures += 1
            if endpoint.failures >= DOWN_AFTER and not endpoint.down:
                self.take_out(endpoint)
                self.on_event(f"server {endpoint.url} is not answering; taken out until it does")

    def take_out(self, endpoint: Endpoint) -> None:
        """No requests go to `endpoint` until a probe finds it answering again."""
        endpoint.down = True
        endpoint.taken_out += 1
        endpoint.next_probe = time.monotonic() + PROBE_EVERY

    async def _probe_due(self, now: float) -> bool:
        """Probe the endpoints that are out and due; True if one came back."""
        back = False
        for endpoint in self.endpoints:
            if endpoint.down and now >= endpoint.next_probe:
                endpoint.next_probe = now + PROBE_EVERY
                if await self.probe(endpoint.url):
                    endpoint.down = False
                    endpoint.failures = 0
                    self.on_event(f"server {endpoint.url} answers again")
                    self._changed.set()
                    back = True
        return back

    def _probe_in_background(self) -> None:
        """Bring back endpoints that recovered while others carried the load, without delaying a request."""
        now = time.monotonic()
        if (self._probing is None or self._probing.done()) and any(
                e.down and now >= e.next_probe for e in self.endpoints):
            self._probing = asyncio.create_task(self._probe_due(now))

    def close(self) -> None:
        if self._probing is not None:
            self._probing.cancel()
