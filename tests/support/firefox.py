"""Headless Firefox for browser tests: Debian's `firefox-esr` driven over WebDriver BiDi, its built-in protocol.

Playwright's Firefox is a patched build it downloads (impossible here), and its BiDi mode for a stock Firefox
(`channel="moz-firefox"`) sends `emulation.setMediaFeaturesOverride` on every new context, which Firefox ESR
does not implement yet, so it cannot open a page. geckodriver is not packaged by Debian and its PyPI and npm
wrappers download it from GitHub. So this is a small BiDi client over `websockets` (sync API): launch, open a
tab, navigate, evaluate, click, record the tab's requests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Optional

FIREFOX_NAMES = ("firefox-esr", "firefox")
PREFS = {  # a quiet, offline profile: no first-run pages, updates, telemetry or remote settings
    "browser.shell.checkDefaultBrowser": False, "browser.startup.homepage_override.mstone": "ignore",
    "app.update.disabledForTesting": True, "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False, "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False, "network.captive-portal-service.enabled": False,
    "extensions.update.enabled": False, "browser.newtabpage.enabled": False,
}


def firefox_path() -> Optional[str]:
    explicit = os.environ.get("DOTSPARSE_FIREFOX")
    if explicit:
        return explicit
    return next((found for name in FIREFOX_NAMES if (found := shutil.which(name))), None)


class BiDiError(RuntimeError):
    pass


class Firefox:
    """One headless Firefox and one BiDi session; `tab()` opens a top-level browsing context."""

    def __init__(self, executable: str, timeout_s: float = 60.0):
        from websockets.sync.client import connect

        self.profile = Path(tempfile.mkdtemp(prefix="dotsparse-firefox-"))
        (self.profile / "user.js").write_text("".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n"
                                                      for k, v in PREFS.items()))
        env = {**os.environ, "MOZ_CRASHREPORTER_DISABLE": "1", "MOZ_DISABLE_SAFE_MODE_KEY": "1"}
        self.process = subprocess.Popen([executable, "--headless", "--remote-debugging-port=0", "--no-remote",
                                         "--profile", str(self.profile)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True, env=env)
        self.ws = None
        self._next = 0
        self.events: list[dict] = []
        endpoint = self._endpoint(timeout_s)
        try:
            self.ws = connect(endpoint + "/session", max_size=None, open_timeout=timeout_s).__enter__()
            self.send("session.new", {"capabilities": {}})
            self.send("session.subscribe", {"events": ["network.beforeRequestSent"]})
        except BaseException:  # never leave a browser running behind a failed start
            self.close()
            raise

    def _endpoint(self, timeout_s: float) -> str:
        found: list[str] = []
        log: list[str] = []

        def read() -> None:
            assert self.process.stderr is not None
            for line in self.process.stderr:
                log.append(line)
                match = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
                if match and not found:
                    found.append(match.group(1))

        threading.Thread(target=read, daemon=True).start()  # keeps draining stderr so Firefox never blocks
        deadline = time.monotonic() + timeout_s
        while not found:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise BiDiError("Firefox did not start its BiDi server:\n" + "".join(log[-20:]))
            time.sleep(0.05)
        return found[0]

    def send(self, method: str, params: dict) -> dict:
        self._next += 1
        ident = self._next
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("type") == "event":
                self.events.append(message)
            elif message.get("id") == ident:
                if message.get("type") == "error":
                    raise BiDiError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message["result"]

    def requests(self) -> list[str]:
        """URLs fetched from outside the page's own files. Inline `data:` URLs are left out: they carry
        their content with them and reach nothing, and Firefox now and then reports one of its own (a
        `data:font/woff2` no page of ours holds: the test failed on it twice in about a dozen runs)."""
        return [url for e in self.events if e.get("method") == "network.beforeRequestSent"
                and not (url := e["params"]["request"]["url"]).startswith("data:")]

    def tab(self, width: int = 1400, height: int = 900) -> "Tab":
        context = self.send("browsingContext.create", {"type": "tab"})["context"]
        self.send("browsingContext.setViewport", {"context": context, "viewport": {"width": width, "height": height}})
        return Tab(self, context)

    def close(self) -> None:
        try:
            if self.ws is not None:
                try:
                    self.send("browser.close", {})
                except Exception:  # the browser may close the socket before it answers
                    pass
                self.ws.close()
        finally:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


def _value(remote: dict) -> Any:
    """A BiDi remote value as Python: primitives, arrays and plain objects."""
    kind, value = remote.get("type"), remote.get("value")
    if kind in ("undefined", "null"):
        return None
    if kind == "array":
        return [_value(v) for v in value]
    if kind == "object":
        return {k if isinstance(k, str) else str(_value(k)): _value(v) for k, v in value}
    if kind == "number" and isinstance(value, str):
        return float(value.replace("Infinity", "inf")) if value != "-0" else 0.0
    return value


class Tab:
    def __init__(self, browser: Firefox, context: str):
        self.browser, self.context = browser, context

    def goto(self, url: str) -> None:
        self.browser.send("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def evaluate(self, expression: str) -> Any:
        result = self.browser.send("script.evaluate", {"expression": expression, "awaitPromise": True,
                                                       "target": {"context": self.context}})
        if result.get("type") == "exception":
            raise BiDiError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return _value(result["result"])

    def wait_until(self, expression: str, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}")
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        """A real pointer click at the middle of the first element matching `selector`."""
        rect = self.evaluate(f"(() => {{ const n = document.querySelector({json.dumps(selector)}); "
                             "n.scrollIntoView({block: 'nearest'}); const r = n.getBoundingClientRect(); "
                             "return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        x, y = round(rect[0]), round(rect[1])
        self.browser.send("input.performActions", {"context": self.context, "actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "x": x, "y": y}, {"type": "pointerDown", "button": 0},
                        {"type": "pointerUp", "button": 0}]}]})
