"""Document-level understanding through the CLI and the fake dots.ocr server."""

from __future__ import annotations

import json

import lxml.html
from markdown_it import MarkdownIt

from tests.run.conftest import load_doc, load_run, parse
from tests.support.docgen import Block, DocSpec, PageSpec, make_pdf
from tests.support.fake_server import Fault

HEAD = ("Year", "Revenue", "Cost")


def report_spec(doc_id: int) -> DocSpec:
    """Three pages: a table from the bottom of page 1 through page 2 to the top of page 3, headings, captions."""
    p1 = PageSpec(blocks=[
        Block("Title", (60, 40, 535, 80), "Annual report"),
        Block("Section-header", (60, 100, 535, 125), "1 Results", level=1),
        Block("Text", (60, 130, 535, 200), "Revenue grew in every year of the period."),
        Block("Caption", (60, 480, 535, 500), "Table 1: Revenue and cost by year"),
        Block("Table", (60, 505, 535, 800), rows=(HEAD, ("2001", "10", "8"), ("2002", "11", "9"))),
        Block("Page-footer", (280, 815, 320, 830), "1"),
    ])
    p2 = PageSpec(blocks=[
        Block("Page-header", (60, 12, 535, 26), "Annual report"),
        Block("Table", (60, 40, 535, 800), rows=(HEAD, ("2003", "12", "9"), ("2004", "13", "10"))),
        Block("Page-footer", (280, 815, 320, 830), "2"),
    ])
    p3 = PageSpec(blocks=[
        Block("Table", (60, 40, 535, 200), rows=(HEAD, ("2005", "14", "11"))),
        Block("Section-header", (60, 230, 535, 250), "1.1 By region", level=1),
        Block("Picture", (60, 270, 400, 470)),
        Block("Caption", (60, 475, 400, 495), "Figure 1: Revenue by region"),
        Block("Picture", (500, 600, 510, 610)),  # a few pixels at 50 dpi: too small to describe
        Block("Page-footer", (280, 815, 320, 830), "3"),
    ])
    return DocSpec(doc_id=doc_id, pages=[p1, p2, p3])


def _doc(tmp_path, server, doc_id=5):
    spec = report_spec(doc_id)
    server.add_doc(spec)
    return make_pdf(tmp_path / "report.pdf", spec)


def _cells(doc, category):
    return [(p["page"], c) for p in doc["pages"] for c in p["cells"] if c["category"] == category]


def test_tables_headings_captions_across_the_document(tmp_path, server, validate):
    out = tmp_path / "o"
    assert parse(_doc(tmp_path, server), "-o", out, "--server", server.url).exit_code == 0
    doc = validate(out / "report" / "report.json")
    [merged] = doc["merged_tables"]
    assert [p["page"] for p in merged["parts"]] == [1, 2, 3]
    assert merged["header_rows_dropped"] == 2 and merged["reasons"]
    years = [y for y in ("2001", "2002", "2003", "2004", "2005") if y in merged["html"]]
    assert years == ["2001", "2002", "2003", "2004", "2005"] and merged["html"].count("Revenue") == 1
    tables = _cells(doc, "Table")
    assert len(tables) == 3 and all(c["text"].count("Revenue") == 1 for _, c in tables)  # pages keep their own
    md = (out / "report" / "report.md").read_text()
    assert md.count("<table>") == 1 and "merged into it" in md
    assert (out / "report" / "report_nohf.md").read_text().count("<table>") == 1
    levels = {c["text"]: c["level"] for _, c in _cells(doc, "Title") + _cells(doc, "Section-header")}
    assert levels == {"# Annual report": 1, "# 1 Results": 2, "# 1.1 By region": 3}
    sizes = {c["text"]: c["font_size"] for _, c in _cells(doc, "Title") + _cells(doc, "Section-header")}
    assert sizes["# Annual report"] > sizes["# 1 Results"] > 0  # from the PDF's text layer
    assert "\n### 1.1 By region\n" in md and "<!-- page 1 -->\n\n# Annual report\n\n## 1 Results" in md
    links = {c["text"]: c["caption_of"] for _, c in _cells(doc, "Caption")}
    assert links["Table 1: Revenue and cost by year"]["category"] == "Table"
    assert links["Figure 1: Revenue by region"] == {"page": 3, "order": 2, "category": "Picture",
                                                    "label": "Figure 1", "number": "1"}


def test_no_merge_tables_rewrites_the_document_without_asking_the_model_again(tmp_path, server):
    path, out = _doc(tmp_path, server), tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    server.clear_requests()
    assert parse(path, "-o", out, "--server", server.url, "--no-merge-tables").exit_code == 0
    assert server.requests == []
    assert load_doc(out, "report")["merged_tables"] == []
    assert (out / "report" / "report.md").read_text().count("<table>") == 3


def test_pictures_described_resumably_with_failures_and_skips_recorded(tmp_path, server):
    path, out = _doc(tmp_path, server), tmp_path / "o"
    args = ("-o", out, "--server", server.url, "--describe-pictures", "--describe-server", server.url)
    described = lambda: {c["order"]: c["description"] for _, c in _cells(load_doc(out, "report"), "Picture")}
    server.faults = lambda no, key, name: Fault.status(400) if name == "describe_picture" else None
    result = parse(path, *args)
    assert result.exit_code == 1  # the run says something is missing; the document is written all the same
    first = described()
    assert first[2]["status"] == "failed" and "HTTP 400" in first[2]["error"]
    assert first[4]["status"] == "skipped" and "--describe-min-side" in first[4]["error"]
    assert load_run(out)["descriptions"] == {"failed": 1, "skipped": 1}
    server.faults = None
    server.clear_requests()
    assert parse(path, *args).exit_code == 0
    assert [r.prompt_name for r in server.requests] == ["describe_picture"]  # pages reused, the failure retried
    ok = described()[2]
    assert ok["status"] == "ok" and ok["text"].startswith("A picture of ") and ok["model"] == "model"
    assert not server.requests[0].has_image_prefix  # a general VLM gets no dots.ocr placeholder
    md = (out / "report" / "report.md").read_text()
    assert f"![{ok['text'][:20]}" in md and f"> {ok['text']}" in md
    server.clear_requests()
    assert parse(path, *args).exit_code == 0 and server.requests == []  # nothing left to redo


def test_chart_data_and_hostile_descriptions_are_sanitized(tmp_path, server):
    path, out = _doc(tmp_path, server), tmp_path / "o"
    server.describer = lambda image: (
        "A bar chart ](javascript:alert(1)) <img src=x onerror=alert(1)> [click](http://evil.example)\n"
        "<table><tr><th>Region</th><th>Revenue</th></tr><tr><td onclick='x()'>North</td><td>7</td></tr></table>")
    assert parse(path, "-o", out, "--server", server.url, "--describe-pictures", "--describe-server",
                 server.url).exit_code == 0
    desc = {c["order"]: c["description"] for _, c in _cells(load_doc(out, "report"), "Picture")}[2]
    assert desc["status"] == "ok" and "<table>" not in desc["text"] and "A bar chart" in desc["text"]
    assert "North" in desc["data"] and "onclick" not in desc["data"]
    html = MarkdownIt("commonmark", {"html": True}).render((out / "report" / "report.md").read_text())
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    assert [e.tag for e in tree.iter("img")] == ["img"] * 2  # the two crops, no injected image
    assert not [(e.tag, a) for e in tree.iter() for a in e.attrib if a.startswith("on")]
    assert not tree.xpath("//a") and "<td>North</td>" in html  # the description's links stay text
    alt = tree.xpath("//img/@alt")[0]
    assert alt.startswith("A bar chart ](javascript:alert(1)) <img src=x")  # as text, in the attribute


def test_describe_pictures_needs_a_describe_server(tmp_path, server):
    result = parse(_doc(tmp_path, server), "-o", tmp_path / "o", "--server", server.url, "--describe-pictures")
    assert result.exit_code == 2


def test_descriptions_share_the_engine_client_concurrency_and_retries(tmp_path, server):
    blocks = []
    for i in range(6):  # each with its caption: six bare pictures in a row read as a repetition loop
        x, y = 60 + 160 * (i % 3), 60 + 250 * (i // 3)
        blocks += [Block("Picture", (x, y, x + 140, y + 160)), Block("Caption", (x, y + 165, x + 140, y + 180),
                                                                     f"Figure {i + 1}")]
    spec = DocSpec(doc_id=11, pages=[PageSpec(blocks=blocks)])
    server.add_doc(spec)
    path = make_pdf(tmp_path / "pics.pdf", spec)
    seen = []

    def once_429(no, key, name):
        if name == "describe_picture":
            seen.append(no)
            return Fault.status(429) if len(seen) == 1 else Fault.hang(0.1)  # 429: Retry-After 0
        return None

    server.faults = once_429
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url, "--describe-pictures", "--describe-server", server.url,
                 "--describe-concurrency", "2", "--describe-model", "vlm").exit_code == 0
    descriptions = [c["description"] for _, c in _cells(load_doc(out, "pics"), "Picture")]
    assert [d["status"] for d in descriptions] == ["ok"] * 6
    assert sorted(d["attempts"] for d in descriptions) == [1, 1, 1, 1, 1, 2]  # the 429 was retried
    assert server.max_concurrent_seen == 2 and len(server.requests) == 1 + 7  # the page once
    assert {r.model for r in server.requests if r.prompt_name == "describe_picture"} == {"vlm"}
