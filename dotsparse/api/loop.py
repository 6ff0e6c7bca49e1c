"""A private event loop on its own thread, owned by a Parser: sync callers need no asyncio, async ones
keep their loop free, and the engine's connections and workers live on one loop for the Parser's life."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, Callable, Coroutine, TypeVar

T = TypeVar("T")


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._running: set[asyncio.Task] = set()
        self._thread = threading.Thread(target=self.loop.run_forever, name="dotsparse-loop", daemon=True)
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> "concurrent.futures.Future[T]":
        return asyncio.run_coroutine_threadsafe(self._tracked(coro), self.loop)

    async def _tracked(self, coro: Coroutine[Any, Any, T]) -> T:
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            return await coro
        finally:
            self._running.discard(task)

    async def drain(self) -> None:
        """Cancel the calls still running (a caller interrupted, or stopped iterating) and wait until they end."""
        me = asyncio.current_task()
        running = [task for task in self._running if task is not me]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the loop and wait; Ctrl-C cancels it there before propagating."""
        future = self.submit(coro)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def shutdown(self, aclose: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Cancel what runs, await `aclose()`, stop the thread. From the loop's own thread (the garbage
        collector may run there) it is scheduled instead, since waiting would wait on itself."""
        if threading.current_thread() is self._thread:
            async def last() -> None:
                try:
                    await self.drain()
                    await aclose()
                finally:
                    self.loop.stop()

            self._last = self.loop.create_task(last())  # held: the loop keeps only weak references
            return
        try:
            self.run(self.drain())
            self.run(aclose())
        finally:
            self.close()

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()
