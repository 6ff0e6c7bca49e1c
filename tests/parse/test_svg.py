import lxml.etree
import pytest

from dotsparse.parse.svg import sanitize_svg

HOSTILE = [
    '<svg onload="alert(1)"><rect width="1"/></svg>',
    "<svg><script>alert(1)</script><rect width='1'/></svg>",
    '<svg><a href="javascript:alert(1)"><rect width="1"/></a></svg>',
    '<svg><image href="http://evil.example/p.png"/><rect width="1"/></svg>',
    '<svg><use xlink:href="http://evil.example/s.svg#a"/><rect width="1"/></svg>',
    '<svg><foreignObject><iframe src="http://evil.example"></iframe></foreignObject><rect width="1"/></svg>',
    '<svg><style>@import url(http://evil.example/c.css)</style><rect width="1"/></svg>',
    '<svg><rect width="1" style="fill:url(http://evil.example/f)"/></svg>',
    '<svg><rect width="1" fill="url(&quot;http://evil.example/f&quot;)"/></svg>',
    '<svg><rect width="1" fill="u\\72 l(http://evil.example/f)"/></svg>',
    '<svg><animate attributeName="href" to="javascript:alert(1)"/><set attributeName="onclick"/><rect width="1"/></svg>',
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "x"><!ENTITY b "&a;&a;&a;&a;">]><svg><text>&b;</text><rect width="1"/></svg>',
    '<svg><!-- <script>alert(1)</script> --><rect width="1"/></svg>',
]


@pytest.mark.parametrize("answer", HOSTILE)
def test_hostile_svg_comes_out_inert_and_well_formed(answer):
    svg = sanitize_svg(answer)
    root = lxml.etree.fromstring(svg.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    names = {lxml.etree.QName(e).localname for e in root.iter() if isinstance(e.tag, str)}
    assert "rect" in names and not names & {"script", "a", "image", "foreignObject", "style", "animate", "set",
                                            "iframe"}
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on") and name != "style"
            assert "evil" not in value and "javascript" not in value
    assert "alert" not in svg and "evil" not in svg


def test_fragment_references_and_presentation_survive():
    svg = sanitize_svg('Here it is:\n```svg\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
                       '<defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/></linearGradient></defs>'
                       '<rect width="10" height="10" fill="url(#g)"/><use href="#g"/><text x="1">a &lt; b</text>'
                       '</svg>\n```')
    assert 'viewBox="0 0 10 10"' in svg and 'fill="url(#g)"' in svg and 'href="#g"' in svg
    assert "<linearGradient" in svg and "a &lt; b" in svg


def test_no_svg_or_truncated():
    assert sanitize_svg("I cannot draw this.") is None and sanitize_svg("") is None
    cut = sanitize_svg('<svg viewBox="0 0 4 4"><rect width="2" height="2"/><circle r="1')
    assert lxml.etree.fromstring(cut.encode()).find("{http://www.w3.org/2000/svg}rect") is not None
