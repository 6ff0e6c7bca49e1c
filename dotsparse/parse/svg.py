"""`--mode svg` answers are untrusted SVG: sanitized to an allowlist, then re-serialized as well-formed XML.

nh3 (ammonia, already our HTML sanitizer) parses the markup as a browser would and keeps only the listed
SVG elements and presentation attributes: no script, no event handlers, no foreignObject, no <image> or
<a>, and no reference that leaves the file (href only to "#fragment", url() only to "#id", no style
attribute). lxml then turns the sanitized fragment into an XML document an .svg file can be
(entities never resolved, no network).
"""

from __future__ import annotations

import re
from typing import Optional

import lxml.etree
import nh3

SVG_NS = "http://www.w3.org/2000/svg"
SVG_TAGS = {
    "svg", "g", "defs", "symbol", "use", "title", "desc", "path", "rect", "circle", "ellipse", "line", "polyline",
    "polygon", "text", "tspan", "textPath", "linearGradient", "radialGradient", "stop", "clipPath", "mask",
    "pattern", "marker", "filter", "feGaussianBlur", "feOffset", "feBlend", "feColorMatrix", "feFlood",
    "feComposite", "feMerge", "feMergeNode", "feDropShadow",
}
SVG_ATTRS = {
    "id", "class", "transform", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "opacity",
    "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "width", "height", "d", "points",
    "viewBox", "preserveAspectRatio", "xmlns", "version", "font-family", "font-size", "font-weight", "font-style",
    "text-anchor", "dominant-baseline", "alignment-baseline", "letter-spacing", "word-spacing", "dx", "dy",
    "rotate", "textLength", "lengthAdjust", "offset", "stop-color", "stop-opacity", "gradientUnits",
    "gradientTransform", "spreadMethod", "clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits",
    "maskContentUnits", "patternUnits", "patternContentUnits", "patternTransform", "marker-start", "marker-mid",
    "marker-end", "markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient", "filter", "filterUnits",
    "stdDeviation", "in", "in2", "result", "mode", "values", "type", "flood-color", "flood-opacity", "operator",
    "k1", "k2", "k3", "k4", "visibility", "display", "href", "pathLength",
}
_DROP_WITH_CONTENT = {"script", "style", "foreignObject", "iframe", "object", "embed", "noscript", "template"}
_SVG_START = re.compile(r"<svg\b", re.IGNORECASE)
_SVG_END = re.compile(r"</svg\s*>", re.IGNORECASE)
_URL_REF = re.compile(r"url\s*\(\s*(['\"]?)\s*([^)'\"]*)\1\s*\)", re.IGNORECASE)


def _attribute(tag: str, name: str, value: str) -> Optional[str]:
    if "\\" in value:  # CSS escapes could spell url( past the check below
        return None
    if name == "href":
        return value if value.strip().startswith("#") else None
    if "url" in value.lower() and any(not ref.strip().startswith("#") for _, ref in _URL_REF.findall(value)):
        return None
    if name == "xmlns":
        return SVG_NS
    return value


def sanitize_svg(answer: str) -> Optional[str]:
    """The answer's first <svg>…</svg> as a safe, well-formed SVG document; None when there is none."""
    start = _SVG_START.search(answer or "")
    if start is None:
        return None
    end = _SVG_END.search(answer, start.end())
    markup = answer[start.start():end.end() if end else len(answer)]
    markup = re.sub(r"\bxlink:href\s*=", "href=", markup)
    clean = nh3.clean(markup, tags=SVG_TAGS, attributes={"*": SVG_ATTRS}, url_schemes=set(),
                      clean_content_tags=_DROP_WITH_CONTENT, strip_comments=True, link_rel=None,
                      attribute_filter=_attribute)
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    clean = clean.replace("&nbsp;", "&#160;")
    try:
        root = lxml.etree.fromstring(clean.encode("utf-8"), parser)
    except lxml.etree.XMLSyntaxError:
        return None
    if root is None or lxml.etree.QName(root).localname != "svg":
        return None
    if root.nsmap.get(None) != SVG_NS:
        root = _in_svg_namespace(root)
    return lxml.etree.tostring(root, encoding="unicode")


def _in_svg_namespace(root):
    """A copy of the tree with every element in the SVG namespace (the answer may omit xmlns)."""
    def copy(element, parent=None):
        tag = f"{{{SVG_NS}}}{lxml.etree.QName(element).localname}"
        node = lxml.etree.Element(tag, nsmap={None: SVG_NS}) if parent is None else lxml.etree.SubElement(parent, tag)
        for name, value in element.attrib.items():
            if name != "xmlns":
                node.set(name, value)
        node.text, node.tail = element.text, element.tail
        for child in element:
            if isinstance(child.tag, str):
                copy(child, node)
        return node
    return copy(root)
