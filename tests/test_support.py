"""Self-tests of the test-support kit: document generator and fake dots.ocr server."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from pathlib import Path

import httpx
import pymupdf
import pytest
from PIL import Image

from dotsparse.sizing import smart_resize
from tests.support.docgen import (
    MARKER_RECT, Block, DocSpec, PageSpec, decode_marker_color, make_image, make_multipage_tiff, make_pdf,
    marker_color, read_marker, simple_doc,
)
from tests.support.fake_server import IMG_PREFIX, FakeDotsServer, Fault, load_prompts

pytestmark = pytest.mark.server

DOC_ID = 7
PROMPTS = load_prompts()


# ---------------------------------------------------------------- helpers


def render_sent(pdf: Path, page_index: int, dpi: float, resample: int = Image.Resampling.LANCZOS) -> Image.Image:
    """Render like a client does: PyMuPDF at `dpi`, then resize to the model's multiple-of-28 size."""
    with pymupdf.open(pdf) as doc:
        pix = doc[page_index].get_pixmap(dpi=dpi, alpha=False)
        img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    return img.resize(smart_resize(*img.size), resample)


def png_url(img: Image.Image) -> str:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def chat_body(url: str, prompt: str) -> dict:
    return {"model": "model", "temperature": 0.1, "top_p": 1.0, "max_completion_tokens": 16384,
            "messages": [{"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": url}},
                {"type": "text", "text": IMG_PREFIX + prompt}]}]}


def ask(server: FakeDotsServer, url: str, prompt: str = PROMPTS["layout_all"], timeout: float = 5.0) -> httpx.Response:
    return httpx.post(f"{server.url}/chat/completions", json=chat_body(url, prompt), timeout=timeout,
                      headers={"Authorization": "Bearer secret"})


def content(resp: httpx.Response) -> str:
    return resp.json()["choices"][0]["message"]["content"]


def finish(resp: httpx.Response) -> str:
    return resp.json()["choices"][0]["finish_reason"]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def spec() -> DocSpec:
    return simple_doc(DOC_ID, 2)


@pytest.fixture(scope="module")
def pdf(spec: DocSpec, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pdf(tmp_path_factory.mktemp("docs") / "doc.pdf", spec)


@pytest.fixture(scope="module")
def sent(pdf: Path) -> Image.Image:
    """Page 2 as a client would send it (200 dpi, smart-resized)."""
    return render_sent(pdf, 1, 200)


@pytest.fixture(scope="module")
def sent_url(sent: Image.Image) -> str:
    return png_url(sent)


@pytest.fixture(scope="module")
def small(pdf: Path) -> Image.Image:
    """Page 2 at 72 dpi: cheap to send, for the fault tests."""
    return render_sent(pdf, 1, 72)


@pytest.fixture(scope="module")
def small_url(small: Image.Image) -> str:
    return png_url(small)


@pytest.fixture(scope="module")
def module_server(spec: DocSpec):
    with FakeDotsServer({DOC_ID: spec}) as server:
        yield server


@pytest.fixture()
def server(module_server: FakeDotsServer) -> FakeDotsServer:
    module_server.clear_faults()
    module_server.clear_requests()
    return module_server


# ---------------------------------------------------------------- docgen


@pytest.mark.parametrize("dpi", [50, 72, 150, 200, 300])
@pytest.mark.parametrize("resample", [Image.Resampling.LANCZOS, Image.Resampling.BILINEAR])
def test_marker_survives_render_and_resize(pdf: Path, dpi: int, resample: int) -> None:
    for page_index in (0, 1):
        img = render_sent(pdf, page_index, dpi, resample)
        assert img.width % 28 == 0 and img.height % 28 == 0
        assert read_marker(img) == (DOC_ID, page_index)


def test_marker_codes_round_trip() -> None:
    for doc_id in (0, 5, 23):
        for page_index in (0, 1, 23, 24, 100, 575):
            assert decode_marker_color(marker_color(doc_id, page_index)) == (doc_id, page_index)


def test_marker_absent_on_foreign_images(pdf: Path) -> None:
    assert read_marker(Image.new("RGB", (300, 400), "white")) is None
    assert read_marker(Image.new("RGB", (300, 400), (40, 40, 40))) is None
    for _ in range(200):  # effect_noise cannot be seeded: many draws, so a rare false read shows
        assert read_marker(Image.effect_noise((200, 200), 80).convert("RGB")) is None
    with pymupdf.open() as doc:
        page = doc.new_page()
        page.draw_rect(pymupdf.Rect(MARKER_RECT), color=None, fill=(1, 0, 0))  # red is no code
        pix = page.get_pixmap(dpi=72)
        assert read_marker(Image.frombytes("RGB", (pix.width, pix.height), pix.samples)) is None


def test_unmarked_pdf_has_no_marker(spec: DocSpec, tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "plain.pdf", spec, marker=False)
    assert read_marker(render_sent(path, 0, 100)) is None


def test_drawn_content_stays_inside_rects(pdf: Path, spec: DocSpec) -> None:
    with pymupdf.open(pdf) as doc:
        for page, ps in zip(doc, spec.pages):
            rects = [pymupdf.Rect(b.rect) for b in ps.blocks] + [pymupdf.Rect(MARKER_RECT)]

            def inside(r: pymupdf.Rect, rects: list[pymupdf.Rect] = rects) -> bool:
                return any(r in (big + (-0.01, -0.01, 0.01, 0.01)) for big in rects)

            words = page.get_text("words")
            assert words
            assert all(inside(pymupdf.Rect(w[:4])) for w in words)
            assert all(inside(d["rect"]) for d in page.get_drawings())


def test_simple_doc_pages_differ_and_cover_categories(spec: DocSpec) -> None:
    cats = {b.category for b in spec.pages[0].blocks}
    assert {"Page-header", "Title", "Section-header", "Text", "Table", "Formula", "Picture", "Footnote",
            "Page-footer"} <= cats
    assert "Title" not in {b.category for b in spec.pages[1].blocks}
    texts = [[b.text for b in p.blocks if b.category == "Text"] for p in spec.pages]
    assert texts[0] != texts[1]
    table = next(b for b in spec.pages[0].blocks if b.category == "Table")
    assert table.html and table.html.startswith("<table>") and table.rows and table.rows[0][0] in table.html


def test_password_pdf(spec: DocSpec, tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "locked.pdf", spec, password="pw")
    with pymupdf.open(path) as doc:
        assert doc.needs_pass
        assert doc.authenticate("pw")
        assert doc.page_count == 2


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp", "bmp", "tiff"])
def test_make_image_formats(spec: DocSpec, tmp_path: Path, fmt: str) -> None:
    path = make_image(tmp_path / f"page.{fmt}", spec.pages[1], dpi=96, fmt=fmt, doc_id=DOC_ID, page_index=1)
    with Image.open(path) as img:
        assert abs(img.width - 595 * 96 / 72) <= 1 and abs(img.height - 842 * 96 / 72) <= 1
        assert fmt == "webp" or round(img.info["dpi"][0]) == 96  # PIL does not read webp dpi back
        assert read_marker(img.resize(smart_resize(*img.size))) == (DOC_ID, 1)


def test_multipage_tiff(spec: DocSpec, tmp_path: Path) -> None:
    path = make_multipage_tiff(tmp_path / "doc.tiff", spec, dpi=72)
    with Image.open(path) as img:
        assert img.n_frames == 2
        for i in range(2):
            img.seek(i)
            assert read_marker(img.convert("RGB")) == (DOC_ID, i)


# ---------------------------------------------------------------- server answers


def expected_box(block: Block, page: PageSpec, size: tuple[int, int]) -> list[float]:
    x0, y0, x1, y1 = block.rect
    sx, sy = size[0] / page.width, size[1] / page.height
    return [x0 * sx, y0 * sy, x1 * sx, y1 * sy]


def test_layout_all_matches_spec(server: FakeDotsServer, spec: DocSpec, sent: Image.Image, sent_url: str) -> None:
    resp = ask(server, sent_url)
    assert resp.status_code == 200 and finish(resp) == "stop"
    text = content(resp)
    assert "\n" not in text
    elements = json.loads(text)
    page = spec.pages[1]
    assert [e["category"] for e in elements] == [b.category for b in page.blocks]
    for el, block in zip(elements, page.blocks):
        assert all(isinstance(v, int) for v in el["bbox"])
        assert all(abs(a - b) <= 1 for a, b in zip(el["bbox"], expected_box(block, page, sent.size)))
        if block.category == "Picture":
            assert "text" not in el
        else:
            assert el["text"] == block.answer_text
    by_cat = {e["category"]: e for e in elements}
    assert [e["text"][:4] for e in elements if e["category"] == "Section-header"] == ["## 2", "### "]
    assert by_cat["Table"]["text"].startswith("<table>")
    assert by_cat["Formula"]["text"].startswith("E_{2}")
    usage = resp.json()["usage"]
    assert usage["prompt_tokens"] == sent.width * sent.height // 784 + 100
    rec = server.requests[-1]
    assert (rec.prompt_name, rec.key, rec.image_size, rec.has_image_prefix) == ("layout_all", (DOC_ID, 1), sent.size,
                                                                                  True)
    assert (rec.temperature, rec.top_p, rec.max_tokens, rec.authorization) == (0.1, 1.0, 16384, "Bearer secret")


def test_title_and_other_prompts(server: FakeDotsServer, pdf: Path, spec: DocSpec) -> None:
    img = render_sent(pdf, 0, 72)
    url = png_url(img)
    els = json.loads(content(ask(server, url)))
    assert els[1] == {**els[1], "category": "Title", "text": f"# Synthetic Document {DOC_ID}"}
    only = json.loads(content(ask(server, url, PROMPTS["layout_only"])))
    assert [e["bbox"] for e in only] == [e["bbox"] for e in els] and all("text" not in e for e in only)
    ocr = content(ask(server, url, PROMPTS["ocr"]))
    assert "running header" not in ocr and "Page 1" not in ocr.split("\n\n")[-1]
    assert ocr.split("\n\n")[0] == f"# Synthetic Document {DOC_ID}"
    table = next(e for e in els if e["category"] == "Table")
    x0, y0, x1, y1 = table["bbox"]
    box = f"[{x0 + 3}, {y0 + 2}, {x1 - 1}, {y1 + 4}]"
    assert content(ask(server, url, PROMPTS["grounding_ocr"] + box)) == table["text"]
    assert [r.prompt_name for r in server.requests] == ["layout_all", "layout_only", "ocr", "grounding_ocr"]


def test_unknown_image_gets_empty_answers(server: FakeDotsServer) -> None:
    url = png_url(Image.new("RGB", (560, 784), "white"))
    assert content(ask(server, url)) == "[]"
    assert content(ask(server, url, PROMPTS["ocr"])) == ""
    assert server.requests[-1].key is None


def test_models_health_and_bad_request(server: FakeDotsServer) -> None:
    assert httpx.get(f"{server.url}/models").json()["data"][0]["id"] == "model"
    assert httpx.get(f"{server.root_url}/health").status_code == 200
    assert httpx.post(f"{server.url}/chat/completions", content=b"{nope").status_code == 400


# ---------------------------------------------------------------- faults


@pytest.mark.parametrize("code", [500, 502, 503, 429])
def test_fault_status(server: FakeDotsServer, small_url: str, code: int) -> None:
    server.fail_next(1, Fault.status(code))
    resp = ask(server, small_url)
    assert resp.status_code == code and resp.json()["error"]["code"] == code
    assert (resp.headers.get("retry-after") == "0") == (code == 429)
    assert ask(server, small_url).status_code == 200  # only the next one failed


def test_fault_hang_trips_timeout(server: FakeDotsServer, small_url: str) -> None:
    server.fail_next(1, Fault.hang(2.0))
    with pytest.raises(httpx.ReadTimeout):
        ask(server, small_url, timeout=0.3)


def test_fault_reset(server: FakeDotsServer, small_url: str) -> None:
    server.fail_next(1, Fault.reset())
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        ask(server, small_url)
    assert ask(server, small_url).status_code == 200


def test_fault_truncate_and_loop(server: FakeDotsServer, small_url: str) -> None:
    full = content(ask(server, small_url))
    server.fail_next(1, Fault.truncate(300))
    resp = ask(server, small_url)
    assert content(resp) == full[:300] and finish(resp) == "length"
    server.fail_next(1, Fault.loop(chars=5000))
    resp = ask(server, small_url)
    looped = content(resp)
    assert finish(resp) == "length" and len(looped) == 5000
    assert looped.startswith(full[: full.index("<td>")]) and "<td></td>" * 100 in looped[-1000:]
    server.fail_next(1, Fault.loop(chars=2000, pattern="..."))
    assert content(ask(server, small_url)).endswith("." * 30)


def test_fault_structural(server: FakeDotsServer, small: Image.Image, small_url: str) -> None:
    good = json.loads(content(ask(server, small_url)))
    server.fail_next(1, Fault.duplicate())
    assert json.loads(content(ask(server, small_url))) == [e for e in good for _ in range(2)]
    server.fail_next(1, Fault.missing_commas())
    text = content(ask(server, small_url))
    assert text.count("}{") == len(good) - 1 and json.loads(text.replace("}{", "}, {")) == good
    server.fail_next(1, Fault.trailing_comma())
    text = content(ask(server, small_url))
    assert text.endswith("},]") and json.loads(text[:-2] + "]") == good
    server.fail_next(1, Fault.bad_boxes())
    bad = json.loads(content(ask(server, small_url)))
    assert [len(e["bbox"]) for e in bad[:4]] == [3, 5, 4, 4]
    assert bad[2]["bbox"][0] > bad[2]["bbox"][2]
    assert bad[3]["bbox"][0] < 0 or bad[3]["bbox"][2] > small.width
    assert bad[4:] == good[4:]
    server.fail_next(1, Fault.unknown_category())
    cats = {e["category"] for e in json.loads(content(ask(server, small_url)))}
    assert {"Figure", "section_header"} <= cats and "Picture" not in cats


def test_fault_garbage_and_empty(server: FakeDotsServer, small_url: str) -> None:
    server.fail_next(1, Fault.garbage())
    with pytest.raises(json.JSONDecodeError):
        json.loads(content(ask(server, small_url)))
    server.fail_next(1, Fault.empty())
    assert content(ask(server, small_url)) == ""


def test_fault_selection_by_key_and_hook(server: FakeDotsServer, pdf: Path, small_url: str) -> None:
    other = png_url(render_sent(pdf, 0, 50))
    server.set_fault_for((DOC_ID, 1), Fault.status(503), times=2)
    assert [ask(server, small_url).status_code for _ in range(3)] == [503, 503, 200]
    assert ask(server, other).status_code == 200
    seen = []

    def hook(no: int, key: tuple[int, int] | None, prompt_name: str) -> Fault | None:
        seen.append((key, prompt_name))
        return Fault.empty() if key == (DOC_ID, 0) else None

    server.faults = hook
    assert content(ask(server, other)) == "" and content(ask(server, small_url)) != ""
    assert seen == [((DOC_ID, 0), "layout_all"), ((DOC_ID, 1), "layout_all")]
    assert [r.fault for r in server.requests[-2:]] == ["empty", None]


# ---------------------------------------------------------------- concurrency and lifecycle


def test_capacity_and_latency(spec: DocSpec, sent_url: str) -> None:
    with FakeDotsServer({DOC_ID: spec}, latency=0.15, capacity=2) as server:
        codes: list[int] = []
        threads = [threading.Thread(target=lambda: codes.append(ask(server, sent_url).status_code)) for _ in range(6)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert codes == [200] * 6
        assert time.monotonic() - t0 >= 0.45  # 6 requests, 2 at a time, 0.15 s each
        assert server.max_processing_seen == 2
        assert server.max_concurrent_seen > 2


def test_stop_and_restart_same_port(spec: DocSpec, sent_url: str) -> None:
    server = FakeDotsServer({DOC_ID: spec}).start()
    port = server.port
    with httpx.Client(timeout=2) as client:
        assert client.get(f"{server.root_url}/health").status_code == 200
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get(f"{server.root_url}/health")
        server.start()
        try:
            assert server.port == port
            assert client.get(f"{server.root_url}/health").status_code == 200
        finally:
            server.stop()
    with FakeDotsServer({DOC_ID: spec}, port=port) as again:
        assert again.port == port and ask(again, sent_url).status_code == 200
