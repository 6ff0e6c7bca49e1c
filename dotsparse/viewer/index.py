"""`OUT/index.html`: every document with its pages by status and links, and run.json's summary.

Plain HTML built here with every value escaped; it needs no script at all.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Optional

from ..fileio import atomic_write_text
from .assets import ASSETS_DIR
from .document import relative_url
from .entry import DocEntry
from .template import head_tags

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
{head}
<title>{title}</title>
<link rel="stylesheet" href="{assets}/viewer.css">
</head>
<body class="index">
<header class="bar"><span class="home">dotsparse</span><div class="title"><h1>{title}</h1>
<div class="meta">{meta}</div></div></header>
<main>
{body}
</main>
</body>
</html>
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _facts(run: dict) -> str:
    by_status = ", ".join(f"{k} {v}" for k, v in sorted(run.get("pages_by_status", {}).items())) or "none"
    fallbacks = ", ".join(f"{k} {v}" for k, v in run.get("fallbacks", {}).items()) or "none"
    items = [
        (f"{run.get('documents', 0)}", f"documents ({run.get('documents_reused', 0)} reused, "
                                       f"{len(run.get('failed_files', []))} unreadable)"),
        (f"{run.get('pages', 0)}", f"pages: {by_status}"),
        (f"{run.get('wall_s', 0):.1f} s", f"wall time, {run.get('pages_per_s', 0):.2f} pages/s"),
        (f"{run.get('retries', 0)}", f"retries; fallbacks: {fallbacks}"),
        (f"{run.get('prompt_tokens', 0):,} / {run.get('completion_tokens', 0):,}", "tokens in / out"),
    ]
    cells = "".join(f'<div class="fact"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for v, k in items)
    stages = run.get("stage_s", {})
    if stages:
        head = "".join(f"<th>{_e(k)}</th>" for k in stages)
        row = "".join(f'<td class="num">{float(v):.2f} s</td>' for v in stages.values())
        cells += (f'<div class="fact stages"><table><tr>{head}</tr><tr>{row}</tr></table>'
                  f'<span>time per stage, summed over pages</span></div>')
    extra = ""
    if run.get("stopped_early"):
        extra += f'<p class="error">Stopped early: {_e(run["stopped_early"])}</p>'
    failed = run.get("failed_files", [])
    if failed:
        rows = "".join(f"<tr><td>{_e(f.get('source', ''))}</td><td class=\"error\">{_e(f.get('error', ''))}</td></tr>"
                       for f in failed)
        extra += f"<h2>Files that could not be read</h2><table><tr><th>file</th><th>error</th></tr>{rows}</table>"
    return f'<h2>Run</h2><div class="facts">{cells}</div>{extra}'


def _strip(entry: DocEntry, href: str) -> str:
    links = "".join(f'<a class="st-{_e(status)}" href="{_e(href)}#p{page}" title="page {page}: {_e(status)}"></a>'
                    for page, status in entry.statuses)
    return f'<div class="strip">{links}</div>'


def _documents(entries: list[DocEntry], root: Path) -> str:
    rows = []
    for entry in entries:
        href = relative_url(entry.html_path, root)
        counts: dict[str, int] = {}
        for _, status in entry.statuses:
            counts[status] = counts.get(status, 0) + 1
        badges = " ".join(f'<span class="badge st-{_e(s)}">{n} {_e(s)}</span>' for s, n in counts.items())
        error = f'<div class="error">{_e(entry.error)}</div>' if entry.error else ""
        rows.append(f'<tr><td><a href="{_e(href)}">{_e(entry.name)}</a><div class="muted">{_e(entry.source)}</div>'
                    f'{error}</td><td class="num">{len(entry.statuses)} / {entry.page_count}</td><td>{badges}</td>'
                    f'<td>{_strip(entry, href)}</td><td>{_e(entry.engine)} / {_e(entry.mode)}</td></tr>')
    if not rows:
        return "<h2>Documents</h2><p class=\"muted\">No parsed document here yet.</p>"
    head = "<tr><th>document</th><th>pages</th><th>status</th><th>pages by status</th><th>engine / mode</th></tr>"
    return f"<h2>Documents</h2><table>{head}{''.join(rows)}</table>"


def read_run(root: Path) -> Optional[dict]:
    path = root / "run.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_index(root: Path, entries: list[DocEntry], run: Optional[dict] = None) -> Path:
    run = run if run is not None else read_run(root)
    body = _documents(sorted(entries, key=lambda e: str(e.html_path)), root)
    if run:
        body = _facts(run) + body
    meta = (f"{run.get('engine', '')} / {run.get('model', '')} / {run.get('mode', '')}" if run
            else f"{len(entries)} document(s)")
    page = _PAGE.format(head=head_tags(), title=_e(root.resolve().name or "dotsparse"), meta=_e(meta),
                        assets=_e(ASSETS_DIR), body=body)
    out = root / "index.html"
    atomic_write_text(out, page)
    return out
