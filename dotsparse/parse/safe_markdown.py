"""Model Markdown made safe by construction, once, when the cell is built.

The text of a Markdown cell is written to `<doc>.json` and `<doc>.md` unchanged, so both must be safe
in any Markdown renderer. Rather than guess how a renderer reads the text, we leave it nothing to read
as markup except what we emit ourselves:

- `<` is written `&lt;` unless it opens an allowed formatting tag without attributes (`<sup>`, `</b>`),
  so no raw HTML, comment or autolink exists; text that looks like a tag (`<LLN with ...`) is kept;
- code spans become `<code>` with escaped content, fenced blocks `<pre><code>` with escaped content
  (lines split only where Markdown splits them); stray backticks and tilde runs are escaped, so no
  renderer finds a code span or fence we did not open, even inside a list item or quote;
- `](` and `]:` lose their meaning (`&#40;`, `&#58;`), so no link, image or link definition exists;
  an attribute list (`{: onclick=...}`, Python-Markdown's attr_list) loses its `{` (`&#123;`).
"""

from __future__ import annotations

import bisect
import html
import re

INLINE_TAGS = ("b", "strong", "i", "em", "u", "sup", "sub", "s", "del", "mark", "code", "span")
_TAG = re.compile(r"<(/?)(" + "|".join(INLINE_TAGS) + r"|br)\s*(/?)>", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
_INDENT = re.compile(r"^[ \t]+")
_SPECIAL = re.compile(r"[\\`<~\]{]")
_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_CODE_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_[]!"})  # Markdown would act on these in our <code>
# Python-Markdown's attr_list (in "extra") turns `{: onclick=...}` into attributes: never let it start.
_ATTR_LIST_COLON = re.compile(r"\{[ \t]*:")
_TICKS = re.compile(r"`+")
_LINE_END = re.compile(r"[ \t]*(?:\n|$)")


def safe_markdown(text: str) -> str:
    """Return `text` as Markdown whose only HTML is attribute-less formatting tags and our own code."""
    lines = _LINE_BREAKS.sub("\n", text).split("\n")
    out: list[str] = []
    prose: list[str] = []
    i = 0
    while i < len(lines):
        opened = _fence_opener(lines[i])
        if opened is None:
            prose.append(lines[i])
            i += 1
            continue
        body, end = _fence_body(lines, i + 1, opened)
        if not body and end == len(lines):
            # An unclosed fence with nothing in it ("~~~ see below ~~~" as the last line): renderers would
            # show nothing at all, not even its info string. It is prose; its tildes and backticks get escaped.
            prose.append(lines[i])
            i += 1
            continue
        i = end
        out.append(_prose("\n".join(prose)) if prose else "")
        if body:
            out.append("<pre><code>" + "".join(html.escape(line, quote=False) + "\n" for line in body)
                       + "</code></pre>")
        prose = []
    if prose:
        out.append(_prose("\n".join(prose)))
    parts = [p for p in out if p.strip()]
    return "\n\n".join(parts) if len(out) > 1 else (out[0] if out else "")


def _fence_opener(line: str) -> str | None:
    m = _FENCE_OPEN.match(line)
    if m is None or (m.group(1)[0] == "`" and "`" in m.group(2)):
        return None  # CommonMark: a backtick fence's info string holds no backtick
    return m.group(1)


def _fence_body(lines: list[str], i: int, fence: str) -> tuple[list[str], int]:
    """Lines of a fenced block up to its closing fence (or the end, as CommonMark reads an unclosed one)."""
    indent = len(lines[i - 1]) - len(lines[i - 1].lstrip(" "))
    body: list[str] = []
    while i < len(lines):
        m = _FENCE_CLOSE.match(lines[i])
        if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
            return body, i + 1
        line = lines[i]
        strip = min(indent, len(line) - len(line.lstrip(" ")))
        body.append(line[strip:])
        i += 1
    return body, i


def _prose(text: str) -> str:
    """Prose: indentation capped (no indented code block shows our entities literally), inline made safe."""
    paragraphs = re.split(r"(\n[ \t]*\n)", "\n".join(_cap_indent(line) for line in text.split("\n")))
    inline = "".join(p if i % 2 else _inline(p) for i, p in enumerate(paragraphs))
    # A dropped stray tag may have moved indentation to the start of a line: cap it again.
    return "\n".join(_cap_indent(line) for line in inline.split("\n"))


def _cap_indent(line: str) -> str:
    return _INDENT.sub(lambda m: " " * min(3, len(m.group(0).expandtabs(4))), line)


def _inline(text: str) -> str:
    out: list[str] = []
    open_tags: list[str] = []
    ahead = _Ahead(text)
    i, n = 0, len(text)
    while i < n:
        special = _SPECIAL.search(text, i)  # ordinary text is copied in one piece
        if special is None:
            out.append(text[i:])
            break
        out.append(text[i:special.start()])
        i = special.start()
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in _PUNCT:
            nxt = text[i + 1]
            out.append("&lt;" if nxt == "<" else "\\" + nxt)
            i += 2
        elif ch == "`":
            i = _code_span(text, i, out, ahead)
        elif ch == "~" and text.startswith("~~~", i):  # a fence in a list item or quote: never opened
            out.append("\\~")
            i += 1
        elif ch == "<":
            m = _TAG.match(text, i)
            if m:
                out.append(_tag(m, open_tags))
                i = m.end()
            else:
                out.append("&lt;")
                i += 1
        elif ch == "{" and (_ATTR_LIST_COLON.match(text, i) or ahead.attr_list_at(i)):
            out.append("&#123;")
            i += 1
        elif ch == "]" and i + 1 < n and text[i + 1] in "(:":
            out.append("]&#40;" if text[i + 1] == "(" else "]&#58;")
            i += 2
        else:
            out.append(ch)
            i += 1
    out.extend(f"</{t}>" for t in reversed(open_tags))
    return "".join(out)


class _Ahead:
    """What lies ahead of a position, found in time linear in the text overall: a 1M-character answer
    full of backticks or braces must not make every one of them rescan the rest of the text."""

    def __init__(self, text: str):
        self.text = text
        self._next: dict[str, int] = {}
        self._runs: dict[int, list[int]] | None = None

    def find(self, ch: str, i: int) -> int:
        """Position of the next `ch` at or after `i`, or len(text)."""
        p = self._next.get(ch)
        if p is None or p < i:
            p = self.text.find(ch, i)
            p = len(self.text) if p < 0 else p
            self._next[ch] = p
        return p

    def attr_list_at(self, i: int) -> bool:
        """Whether Python-Markdown's attr_list could read the `{` at `i` as attributes: `{...=` before any `}`
        or newline; or a `{...}` right after emphasis (`*b*{.c}`) or ending its line (`# H {#id}`, a last
        line `{.x}`), where `#id`, `.class` and bare names become attributes too."""
        close, newline = self.find("}", i), self.find("\n", i)
        if self.find("=", i) < min(close, newline):
            return True
        if close > newline:
            return False
        return (i > 0 and self.text[i - 1] in "*_") or _LINE_END.match(self.text, close + 1) is not None

    def closing_run(self, i: int, run: int) -> int:
        """Start of the next backtick run of exactly `run` after `i` (CommonMark's code span closer), or -1."""
        if self._runs is None:
            self._runs = {}
            for m in _TICKS.finditer(self.text):
                self._runs.setdefault(m.end() - m.start(), []).append(m.start())
        starts = self._runs.get(run, [])
        k = bisect.bisect_right(starts, i)
        return starts[k] if k < len(starts) else -1


def _code_span(text: str, i: int, out: list[str], ahead: _Ahead) -> int:
    """A CommonMark code span (a backtick run closed by a run of the same length) becomes our <code>."""
    run = _TICKS.match(text, i).end() - i  # type: ignore[union-attr]
    k = ahead.closing_run(i, run)
    if k < 0:
        out.append("\\`" * run)
        return i + run
    end = k + run
    content = text[i + run:k].replace("\n", " ")
    if content.startswith(" ") and content.endswith(" ") and content.strip():
        content = content[1:-1]
    escaped = html.escape(content, quote=False)
    out.append("<code>" + escaped.translate(_CODE_ESCAPES) + "</code>")
    return end


def _tag(m: re.Match, open_tags: list[str]) -> str:
    closing, name = m.group(1), m.group(2).lower()
    if name == "br":
        return "<br>"
    if not closing:
        open_tags.append(name)
        return f"<{name}>"
    if name not in open_tags:
        return ""  # a closing tag with no opening carries no text
    closed = []
    while open_tags:
        top = open_tags.pop()
        closed.append(f"</{top}>")
        if top == name:
            break
    return "".join(closed)
