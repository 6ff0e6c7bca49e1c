"""A real OpenAI-compatible HTTP server that answers like dots.ocr, with fault injection.

It reads the identity marker of each received page image (see docgen), looks the page up in
its DocSpecs and answers from the ground truth, scaled to the image size it received.

Standalone: `python -m tests.support.fake_server --port 8765 --latency 0.5 --capacity 32 --docs 4`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import io
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from tests.support.gpu_model import (  # noqa: F401  (re-exported: the server's GPU time model)
    DIGEST, GpuCaches, GpuLedger, GpuModel, count_tokens, image_tokens)
from tests.support.docgen import (
    FURNITURE, MARKER_LEVELS, Block, DocSpec, Key, PageSpec, make_pdf, read_marker, simple_doc,
)

IMG_PREFIX = "<|img|><|imgpad|><|endofimg|>"
PROMPT_NAMES = ("layout_all", "layout_only", "ocr", "grounding_ocr", "scene_spotting", "web_parsing", "svg",
                "describe_picture", "describe_mocr")
DESCRIBE_PROMPTS = ("describe_picture", "describe_mocr")


PROMPT_DIR = Path(__file__).resolve().parents[2] / "prompts"


def load_prompts(prompt_dir: Path = PROMPT_DIR) -> dict[str, str]:
    """The exact prompt texts of the repository's prompts/ folder, by name."""
    return {name: (prompt_dir / f"{name}.txt").read_text(encoding="utf-8") for name in PROMPT_NAMES
            if (prompt_dir / f"{name}.txt").is_file()}


# ---------------------------------------------------------------- faults


class FaultKind(str, Enum):
    STATUS = "status"
    HANG = "hang"
    RESET = "reset"
    TRUNCATE = "truncate"
    LOOP = "loop"
    GARBAGE = "garbage"
    DUPLICATE = "duplicate"
    MISSING_COMMAS = "missing_commas"
    TRAILING_COMMA = "trailing_comma"
    BAD_BOXES = "bad_boxes"
    UNKNOWN_CATEGORY = "unknown_category"
    EMPTY = "empty"
    ANSWER = "answer"


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour; build it with the classmethods."""

    kind: FaultKind
    code: int = 500
    retry_after: str | None = None
    seconds: float = 0.0
    chars: int = 0
    pattern: str | None = None
    content: str | None = None
    finish_reason: str = "stop"

    @classmethod
    def status(cls, code: int = 500, retry_after: str | None = None) -> Fault:
        """HTTP error with an OpenAI-style JSON body; 429 sends `Retry-After: 0` unless told otherwise."""
        if retry_after is None and code == 429:
            retry_after = "0"
        return cls(FaultKind.STATUS, code=code, retry_after=retry_after)

    @classmethod
    def hang(cls, seconds: float) -> Fault:
        """Sleep before answering normally (interrupted by stop())."""
        return cls(FaultKind.HANG, seconds=seconds)

    @classmethod
    def reset(cls) -> Fault:
        """Close the connection with a TCP reset and no response."""
        return cls(FaultKind.RESET)

    @classmethod
    def truncate(cls, chars: int) -> Fault:
        """The valid answer cut after `chars` characters, finish_reason "length"."""
        return cls(FaultKind.TRUNCATE, chars=chars)

    @classmethod
    def loop(cls, chars: int = 3000, pattern: str | None = None) -> Fault:
        """A valid prefix, then `pattern` repeated up to `chars` characters, finish_reason "length".

        Default pattern: `<td></td>` starting at the first table cell if the answer has one, else `...`
        from the middle of the answer."""
        return cls(FaultKind.LOOP, chars=chars, pattern=pattern)

    @classmethod
    def garbage(cls) -> Fault:
        return cls(FaultKind.GARBAGE)

    @classmethod
    def duplicate(cls) -> Fault:
        """Every layout element twice in a row (text answers: every paragraph twice)."""
        return cls(FaultKind.DUPLICATE)

    @classmethod
    def missing_commas(cls) -> Fault:
        return cls(FaultKind.MISSING_COMMAS)

    @classmethod
    def trailing_comma(cls) -> Fault:
        return cls(FaultKind.TRAILING_COMMA)

    @classmethod
    def bad_boxes(cls) -> Fault:
        """Elements 0-3 get: 3 numbers, 5 numbers, inverted corners, coordinates outside the image."""
        return cls(FaultKind.BAD_BOXES)

    @classmethod
    def unknown_category(cls) -> Fault:
        """Categories renamed per UNKNOWN_CATEGORY_NAMES (Picture -> Figure, ...)."""
        return cls(FaultKind.UNKNOWN_CATEGORY)

    @classmethod
    def empty(cls) -> Fault:
        return cls(FaultKind.EMPTY)

    @classmethod
    def answer(cls, content: str, finish_reason: str = "stop") -> Fault:
        """Answer exactly `content` (a recorded real answer, a hostile one), whatever was asked."""
        return cls(FaultKind.ANSWER, content=content, finish_reason=finish_reason)


FaultHook = Callable[[int, "Key | None", str], "Fault | None"]

UNKNOWN_CATEGORY_NAMES = {"Picture": "Figure", "Section-header": "section_header", "Table": "table",
                          "Page-footer": "footer"}
GARBAGE_TEXT = ("I'm sorry, but I can't determine the layout of this page. The image appears to show a document "
                "with several paragraphs of text; please provide a clearer scan.")


# ---------------------------------------------------------------- answers


@dataclass
class Answer:
    content: str
    finish_reason: str = "stop"
    elements: list[dict[str, Any]] | None = None  # layout answers only, before serialisation


@dataclass(frozen=True)
class RecordedRequest:
    """What the server saw in one chat request."""

    no: int
    prompt_name: str  # a PROMPT_NAMES entry, or "unknown"
    prompt: str  # the text after the image placeholder
    has_image_prefix: bool
    image_size: tuple[int, int] | None
    image_mime: str | None
    key: Key | None  # (doc_id, page_index) read from the marker, if it is a known page
    model: str | None
    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    roles: tuple[str, ...]
    headers: dict[str, str]
    fault: str | None = None

    @property
    def authorization(self) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == "authorization"), None)


def _scaled_box(block: Block, page: PageSpec, size: tuple[int, int]) -> list[int]:
    sx, sy = size[0] / page.width, size[1] / page.height
    x0, y0, x1, y1 = block.rect
    return [round(x0 * sx), round(y0 * sy), round(x1 * sx), round(y1 * sy)]


def layout_elements(page: PageSpec, size: tuple[int, int], with_text: bool = True) -> list[dict[str, Any]]:
    """The ground-truth layout answer of a page received at `size` (w, h), in reading order."""
    out = []
    for b in page.blocks:
        el: dict[str, Any] = {"bbox": _scaled_box(b, page, size), "category": b.category}
        if with_text and b.answer_text is not None:
            el["text"] = b.answer_text
        out.append(el)
    return out


def dump_elements(elements: list[dict[str, Any]], sep: str = ", ", tail: str = "") -> str:
    """Serialise like dots.ocr: one line, `, ` between elements."""
    return "[" + sep.join(json.dumps(e, ensure_ascii=False) for e in elements) + tail + "]"


def ocr_text(page: PageSpec) -> str:
    """Plain-text answer: non-furniture, non-picture texts joined by blank lines."""
    texts = [b.answer_text for b in page.blocks if b.category not in FURNITURE]
    return "\n\n".join(t for t in texts if t)


def _overlap(a: list[int], b: list[int]) -> int:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def grounding_text(page: PageSpec, size: tuple[int, int], box: list[int]) -> str:
    """Text of the block overlapping `box` (received-image coords) the most; "" if none."""
    best, best_area = None, 0
    for b in page.blocks:
        area = _overlap(_scaled_box(b, page, size), box)
        if area > best_area:
            best, best_area = b, area
    return (best.answer_text or "") if best is not None else ""


def describe_text(image: Image.Image) -> str:
    """The fake describer's answer: what it can tell from the pixels (size and mean colour)."""
    rgb = image.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    return f"A picture of {image.width}x{image.height} pixels; its mean colour is #{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x}."


def svg_text(width: int, height: int) -> str:
    """An SVG as dots.mocr answers (with a script, handlers and external references a sanitizer must remove)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'viewBox="0 0 {width} {height}" onload="alert(1)"><script>alert(2)</script>'
            f'<rect x="0" y="0" width="{width // 2}" height="{height // 2}" fill="#d95933" onclick="alert(3)"/>'
            f'<a href="javascript:alert(4)"><circle cx="{width // 2}" cy="{height // 2}" r="10" fill="#3366d9"/></a>'
            f'<image href="http://evil.example/x.png" width="10" height="10"/>'
            f'<use xlink:href="http://evil.example/s.svg#a"/><foreignObject><iframe src="x"></iframe></foreignObject>'
            f'<text x="5" y="20" style="background:url(http://evil.example/t)">Chart</text></svg>')


def scene_elements(page: PageSpec, size: tuple[int, int]) -> list[dict[str, Any]]:
    """Scene text spotting: each text block's box and text, no categories."""
    return [{"bbox": _scaled_box(b, page, size), "text": b.answer_text.lstrip("# ")}
            for b in page.blocks if b.category not in FURNITURE and b.answer_text and b.category != "Table"]


def base_answer(prompt_name: str, prompt: str, page: PageSpec | None, size: tuple[int, int] | None) -> Answer:
    """The fault-free answer for one request."""
    if prompt_name == "svg":
        m = re.search(r'viewBox="0 0 (\d+) (\d+)"', prompt)
        return Answer(svg_text(int(m.group(1)), int(m.group(2))) if m else "")
    if prompt_name == "web_parsing":
        prompt_name = "layout_all"  # dots.mocr answers a web page with the same layout elements
    if prompt_name == "scene_spotting" and page is not None and size is not None:
        els = scene_elements(page, size)
        return Answer(dump_elements(els), elements=els)
    layout = prompt_name in ("layout_all", "layout_only")
    if page is None or size is None:
        return Answer("[]", elements=[]) if layout else Answer("")
    if layout:
        els = layout_elements(page, size, with_text=prompt_name == "layout_all")
        return Answer(dump_elements(els), elements=els)
    if prompt_name == "ocr":
        return Answer(ocr_text(page))
    if prompt_name == "grounding_ocr":
        box = _parse_box(prompt)
        return Answer(grounding_text(page, size, box) if box else "")
    return Answer("")


def _parse_box(prompt: str) -> list[int] | None:
    m = re.search(r"\[\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*\]\s*$", prompt)
    return [int(v) for v in m.groups()] if m else None


def _bad_box(i: int, box: list[int], size: tuple[int, int]) -> list[int]:
    x0, y0, x1, y1 = box
    return [
        [x0, y0, x1],
        [x0, y0, x1, y1, y1],
        [x1, y1, x0, y0],
        [x0 - 40, -25, size[0] + 60, size[1] + 80],
    ][i]


def _loop(content: str, chars: int, pattern: str | None) -> str:
    if pattern is None:
        pattern = "<td></td>" if "<td>" in content else "..."
    if pattern == "<td></td>" and "<td>" in content:
        prefix = content[: content.index("<td>")]
    else:
        prefix = content[: len(content) // 2]
    reps = max(1, (chars - len(prefix)) // len(pattern) + 1)
    return (prefix + pattern * reps)[: max(chars, len(prefix) + len(pattern))]


def apply_fault(fault: Fault, answer: Answer, size: tuple[int, int] | None) -> Answer:
    """Transform a good answer as `fault` says (status/hang/reset are handled by the server)."""
    kind, els = fault.kind, answer.elements
    if kind is FaultKind.TRUNCATE:
        return Answer(answer.content[: fault.chars], "length")
    if kind is FaultKind.LOOP:
        return Answer(_loop(answer.content, fault.chars, fault.pattern), "length")
    if kind is FaultKind.GARBAGE:
        return Answer(GARBAGE_TEXT)
    if kind is FaultKind.ANSWER:
        return Answer(fault.content or "", fault.finish_reason)
    if kind is FaultKind.EMPTY:
        return Answer("")
    if els is None:  # text answers: only duplication makes sense
        if kind is FaultKind.DUPLICATE and answer.content:
            return Answer("\n\n".join(p for p in answer.content.split("\n\n") for _ in range(2)))
        return answer
    if kind is FaultKind.DUPLICATE:
        return Answer(dump_elements([e for e in els for _ in range(2)]))
    if kind is FaultKind.MISSING_COMMAS:
        return Answer(dump_elements(els, sep=""))
    if kind is FaultKind.TRAILING_COMMA:
        return Answer(dump_elements(els, tail="," if els else ""))
    if kind is FaultKind.BAD_BOXES:
        bad = [dict(e, bbox=_bad_box(i, e["bbox"], size or (0, 0))) if i < 4 else e for i, e in enumerate(els)]
        return Answer(dump_elements(bad))
    if kind is FaultKind.UNKNOWN_CATEGORY:
        renamed = [dict(e, category=UNKNOWN_CATEGORY_NAMES.get(e["category"], e["category"])) for e in els]
        return Answer(dump_elements(renamed))
    return answer


# ---------------------------------------------------------------- request parsing


class BadRequest(Exception):
    pass


@dataclass
class _Parsed:
    text: str
    image: Image.Image | None
    mime: str | None
    roles: tuple[str, ...]


def _parse_chat(body: dict[str, Any]) -> _Parsed:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages must be a non-empty list")
    roles = tuple(str(m.get("role")) for m in messages if isinstance(m, dict))
    user = next((m for m in reversed(messages) if isinstance(m, dict) and m.get("role") == "user"), None)
    if user is None:
        raise BadRequest("no user message")
    content = user.get("content")
    if isinstance(content, str):
        return _Parsed(content, None, None, roles)
    if not isinstance(content, list):
        raise BadRequest("content must be a string or a list")
    text, image, mime = "", None, None
    for part in content:
        if part.get("type") == "text":
            text += str(part.get("text", ""))
        elif part.get("type") == "image_url":
            image, mime = _decode_data_url(str((part.get("image_url") or {}).get("url", "")))
    return _Parsed(text, image, mime, roles)


def _decode_data_url(url: str) -> tuple[Image.Image, str]:
    m = re.match(r"data:([\w/+.-]+);base64,", url)
    if not m:
        raise BadRequest("image_url must be a base64 data URL")
    try:
        data = base64.b64decode(url[m.end():], validate=False)
        img = Image.open(io.BytesIO(data))
        img.load()
        img.info[DIGEST] = hashlib.sha1(data).hexdigest()  # the GPU model's cache key: hashing the file is cheap
    except Exception as exc:  # noqa: BLE001 - any decode failure is the client's fault
        raise BadRequest(f"cannot decode image: {exc}") from exc
    return img, m.group(1)


# ---------------------------------------------------------------- server


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: FakeDotsServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # broken pipes from stop(), resets and client timeouts are expected here


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.owner._track(self.connection, add=False)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self.server.owner._get(self)

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self.server.owner._post(self)

    def send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


@dataclass
class _KeyFault:
    fault: Fault
    times: int | None


class FakeDotsServer:
    """dots.ocr behind an OpenAI-compatible API, on 127.0.0.1.

    `latency` seconds per request; `capacity` = requests processed at once (excess queue).
    `gpu`: instead of a fixed latency, each request takes the time a GPU would (GpuModel), with
    `gpu.sequences` at once; `ledger` adds it up.
    Faults: `fail_next`, `set_fault_for`, or the `faults` hook, checked in that order.
    """

    def __init__(self, docs: dict[int, DocSpec] | None = None, latency: float = 0.0, capacity: int | None = None,
                 port: int = 0, model_name: str = "model", gpu: GpuModel | None = None) -> None:
        self.latency = latency
        self.gpu = gpu
        self.ledger = GpuLedger()
        self._caches = GpuCaches(gpu) if gpu is not None else None  # the GPU's prefix and encoder caches
        capacity = gpu.sequences if gpu is not None else capacity
        self.capacity = capacity
        self.model_name = model_name
        self.faults: FaultHook | None = None
        # the picture describer (a general VLM; no image placeholder): the answer for a received crop
        self.describer: Callable[[Image.Image], str] = describe_text
        self._port = port
        self._docs: dict[int, DocSpec] = {}
        self._prompts = load_prompts()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(capacity) if capacity else None
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self._requests: list[RecordedRequest] = []
        self._next_faults: list[Fault] = []
        self._key_faults: dict[Key, _KeyFault] = {}
        self._count = 0
        self._inflight = 0
        self._processing = 0
        self.max_concurrent_seen = 0
        self.max_processing_seen = 0
        for doc in (docs or {}).values():
            self.add_doc(doc)

    # -- lifecycle

    def start(self) -> FakeDotsServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer(("127.0.0.1", self._port), _Handler)
        httpd.owner = self
        self._port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fake-dots-{self._port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop every open connection; start() again reuses the port."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeDotsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def url(self) -> str:
        return f"{self.root_url}/v1"

    # -- configuration

    def add_doc(self, doc: DocSpec) -> None:
        """Serve `doc`; ids must differ modulo 24 (the marker's doc code)."""
        code = doc.doc_id % MARKER_LEVELS
        clash = self._docs.get(code)
        if clash is not None and clash.doc_id != doc.doc_id:
            raise ValueError(f"doc ids {clash.doc_id} and {doc.doc_id} share marker code {code}")
        self._docs[code] = doc

    def lookup(self, marker: Key | None) -> tuple[Key, PageSpec] | None:
        """((doc_id, page_index), page) for a marker read from an image, None if not served."""
        if marker is None:
            return None
        doc = self._docs.get(marker[0] % MARKER_LEVELS)
        if doc is None or not 0 <= marker[1] < len(doc.pages):
            return None
        return (doc.doc_id, marker[1]), doc.pages[marker[1]]

    def fail_next(self, n: int, fault: Fault) -> None:
        """The next `n` chat requests (any page) get `fault`."""
        with self._lock:
            self._next_faults.extend([fault] * n)

    def set_fault_for(self, key: Key, fault: Fault | None, times: int | None = None) -> None:
        """Requests for page `key` = (doc_id, page_index) get `fault` (`times` times, or always); None clears."""
        with self._lock:
            if fault is None:
                self._key_faults.pop(key, None)
            else:
                self._key_faults[key] = _KeyFault(fault, times)

    def clear_faults(self) -> None:
        with self._lock:
            self._next_faults.clear()
            self._key_faults.clear()
        self.faults = None

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the recorded chat requests, in arrival order."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- internals

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def _pick_fault(self, no: int, key: Key | None, prompt_name: str) -> Fault | None:
        with self._lock:
            if self._next_faults:
                return self._next_faults.pop(0)
            kf = self._key_faults.get(key) if key is not None else None
            if kf is not None:
                if kf.times is not None:
                    kf.times -= 1
                    if kf.times <= 0:
                        del self._key_faults[key]  # type: ignore[arg-type]
                return kf.fault
        hook = self.faults
        return hook(no, key, prompt_name) if hook is not None else None

    def _classify(self, prompt: str) -> str:
        for name, text in self._prompts.items():
            if name not in ("grounding_ocr", "svg") and prompt == text:
                return name
        svg = self._prompts.get("svg")
        if svg is not None and re.fullmatch(re.escape(svg).replace(r"\{width\}", r"\d+").replace(r"\{height\}", r"\d+"),
                                            prompt):
            return "svg"
        g = self._prompts.get("grounding_ocr")
        if g is not None and prompt.startswith(g) and _parse_box(prompt[len(g):]) is not None:
            return "grounding_ocr"
        return "unknown"

    @contextlib.contextmanager
    def _in_flight(self) -> Iterator[int]:
        with self._lock:
            self._count += 1
            no = self._count
            self._inflight += 1
            self.max_concurrent_seen = max(self.max_concurrent_seen, self._inflight)
        try:
            yield no
        finally:
            with self._lock:
                self._inflight -= 1

    @contextlib.contextmanager
    def _slot(self) -> Iterator[None]:
        with self._slots if self._slots is not None else contextlib.nullcontext():
            with self._lock:
                self._processing += 1
                self.max_processing_seen = max(self.max_processing_seen, self._processing)
            try:
                yield
            finally:
                with self._lock:
                    self._processing -= 1

    def _get(self, h: _Handler) -> None:
        path = urlsplit(h.path).path.rstrip("/")
        if path == "/health":
            h.send_json(200, {"status": "ok"})
        elif path == "/v1/models":
            h.send_json(200, {"object": "list", "data": [
                {"id": self.model_name, "object": "model", "created": 0, "owned_by": "fake-dots",
                 "max_model_len": 32768}]})
        else:
            h.send_json(404, _error(f"no route {path}", "NotFoundError", 404))

    def _post(self, h: _Handler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length)
        if urlsplit(h.path).path.rstrip("/") != "/v1/chat/completions":
            h.send_json(404, _error(f"no route {h.path}", "NotFoundError", 404))
            return
        with self._in_flight() as no, self._slot():
            # A GPU server's service time includes reading the request, so the latency is measured
            # from taking a slot and our own decoding and lookup happen inside it, not on top of it.
            self._chat(h, no, raw, time.monotonic() + self.latency if self.gpu is None else time.monotonic())

    def _chat(self, h: _Handler, no: int, raw: bytes, ready_at: float) -> None:
        try:
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise BadRequest("body must be a JSON object")
            parsed = _parse_chat(body)
        except (ValueError, BadRequest, AttributeError) as exc:
            h.send_json(400, _error(str(exc), "BadRequestError", 400))
            return
        has_prefix = parsed.text.startswith(IMG_PREFIX)
        prompt = parsed.text[len(IMG_PREFIX):] if has_prefix else parsed.text
        name = self._classify(prompt)
        size = parsed.image.size if parsed.image is not None else None
        found = self.lookup(read_marker(parsed.image)) if parsed.image is not None else None
        key, page = found if found is not None else (None, None)
        fault = self._pick_fault(no, key, name)
        self._record(RecordedRequest(
            no=no, prompt_name=name, prompt=prompt, has_image_prefix=has_prefix, image_size=size,
            image_mime=parsed.mime, key=key, model=body.get("model"), temperature=body.get("temperature"),
            top_p=body.get("top_p"), max_tokens=body.get("max_completion_tokens", body.get("max_tokens")),
            roles=parsed.roles, headers={k: v for k, v in h.headers.items()},
            fault=fault.kind.value if fault else None))
        if self.gpu is None:
            self._stopping.wait(max(0.0, ready_at - time.monotonic()))
        if fault is not None and self._transport_fault(h, fault):
            return
        if name in DESCRIBE_PROMPTS and parsed.image is not None:
            answer = Answer(self.describer(parsed.image))
        else:
            answer = base_answer(name, prompt, page, size)
        if fault is not None:
            answer = apply_fault(fault, answer, size)
        if self.gpu is not None:
            self._serve_on_gpu(name, parsed.image, answer, ready_at)
        h.send_json(200, self._completion(no, body.get("model"), answer, size))

    def _serve_on_gpu(self, name: str, image: Image.Image | None, answer: Answer, started: float) -> None:
        """Take the modelled GPU time of this request, recorded in the ledger; the image's embeddings
        stay pinned in the encoder cache while its prefill lasts, as vLLM holds them."""
        assert self.gpu is not None and self._caches is not None
        cost = self._caches.prefill(image)
        completion = count_tokens(answer.content)
        prefill = self.gpu.service_s(cost.prompt - cost.cached, cost.encoded, 0)
        service = prefill + self.gpu.service_s(0, 0, completion)
        with self._lock:
            self.ledger.add(name, cost, completion, service)
            self.ledger.spans.append((started, started + service * self.gpu.time_scale))
            if not cost.repeat:
                self.ledger.firsts.append(started)
        try:
            self._stopping.wait(max(0.0, started + prefill * self.gpu.time_scale - time.monotonic()))
        finally:
            self._caches.release(cost)
        self._stopping.wait(max(0.0, started + service * self.gpu.time_scale - time.monotonic()))

    def _transport_fault(self, h: _Handler, fault: Fault) -> bool:
        """Act out status/hang/reset; True when no normal answer must follow."""
        if fault.kind is FaultKind.STATUS:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            h.send_json(fault.code, _error(f"injected error {fault.code}", "InternalServerError", fault.code), headers)
            return True
        if fault.kind is FaultKind.HANG:
            self._stopping.wait(fault.seconds)
            return False
        if fault.kind is FaultKind.RESET:
            h.close_connection = True
            with contextlib.suppress(OSError):
                # linger 0 makes close() send RST instead of FIN: a hard connection reset
                h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                h.connection.close()
            return True
        return False

    def _completion(self, no: int, model: Any, answer: Answer, size: tuple[int, int] | None) -> dict[str, Any]:
        image = image_tokens(size)
        completion = count_tokens(answer.content)
        return {
            "id": f"chatcmpl-fake-{no}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model if isinstance(model, str) else self.model_name,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.content},
                         "finish_reason": answer.finish_reason, "logprobs": None}],
            "usage": {"prompt_tokens": image + 100, "completion_tokens": completion,
                      "total_tokens": image + 100 + completion},
        }

    def _record(self, rec: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(rec)


def _error(message: str, type_: str, code: int) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code},
            "object": "error", "message": message, "type": type_, "code": code}


# ---------------------------------------------------------------- standalone


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Fake dots.ocr server (OpenAI-compatible) for tests and benchmarks.")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    ap.add_argument("--capacity", type=int, default=None, help="requests processed at once")
    ap.add_argument("--docs", type=int, default=0, help="serve simple_doc(i, --pages) for i < N (N <= 24)")
    ap.add_argument("--pages", type=int, default=3)
    ap.add_argument("--write-pdfs", type=Path, default=None, help="also write the served docs as PDFs here")
    ap.add_argument("--model-name", default="model")
    args = ap.parse_args(argv)
    docs = {i: simple_doc(i, args.pages) for i in range(args.docs)}
    if args.write_pdfs is not None:
        args.write_pdfs.mkdir(parents=True, exist_ok=True)
        for i, spec in docs.items():
            make_pdf(args.write_pdfs / f"doc{i:02d}.pdf", spec)
    server = FakeDotsServer(docs, latency=args.latency, capacity=args.capacity, port=args.port,
                            model_name=args.model_name).start()
    print(f"fake dots.ocr serving {len(docs)} docs at {server.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
