from dotsparse.document.plan import plan_document

from tests.document.pages import page


def _levels(pages):
    plan = plan_document(pages)
    return {pages[p - 1].cells[o].text: level for (p, o), level in plan.levels.items()}


def test_numbering_sets_levels_across_pages_whatever_the_model_said():
    pages = [page(1, ("Title", "# A Study", None), ("Section-header", "## 1 Introduction", None),
                  ("Section-header", "## 1.1 Scope", None)),
             page(2, ("Section-header", "# 1.1.1 Details", None), ("Section-header", "### 2 Methods", None),
                  ("Section-header", "## References", None))]
    assert _levels(pages) == {"# A Study": 1, "## 1 Introduction": 2, "## 1.1 Scope": 3, "# 1.1.1 Details": 4,
                              "### 2 Methods": 2, "## References": 2}


def test_one_title_the_others_become_sections():
    pages = [page(1, ("Title", "# Main title", None, 24.0), ("Title", "# Subtitle", None, 16.0)),
             page(2, ("Title", "# Running title", None))]
    levels = _levels(pages)
    assert levels["# Main title"] == 1
    assert [v for k, v in levels.items() if v == 1] == [1]
    assert plan_document(pages).notes and "3 Title blocks" in plan_document(pages).notes[0]


def test_font_sizes_from_the_text_layer_place_unnumbered_headings():
    pages = [page(1, ("Title", "# Report", None, 22.0), ("Section-header", "## 1 Overview", None, 16.0),
                  ("Section-header", "## 1.1 Goals", None, 13.0), ("Section-header", "## Background", None, 13.0),
                  ("Section-header", "## Summary of results", None, 16.0), ("Section-header", "## Tiny", None, 10.0))]
    levels = _levels(pages)
    assert levels["## Background"] == 3 and levels["## Summary of results"] == 2 and levels["## Tiny"] == 4


def test_font_size_rank_without_numbering_and_model_levels_without_fonts():
    sized = [page(1, ("Section-header", "## Big", None, 18.0), ("Section-header", "## Small", None, 12.0),
                  ("Section-header", "## Big again", None, 18.1))]
    assert _levels(sized) == {"## Big": 2, "## Small": 3, "## Big again": 2}
    hashes = [page(1, ("Section-header", "### Part", None), ("Section-header", "#### Sub", None)),
              page(2, ("Section-header", "### Part two", None))]
    assert _levels(hashes) == {"### Part": 2, "#### Sub": 3, "### Part two": 2}


def test_levels_reach_the_markdown_and_json_cells_keep_their_text(tmp_path):
    from dotsparse.model import DocumentInfo, Mode
    from dotsparse.writers.document import write_document
    from dotsparse.writers.paths import DocPaths
    from dotsparse.writers.registry import DocumentTarget

    pages = [page(1, ("Title", "# A Study", None), ("Section-header", "# 1.2 Deep", None))]
    info = DocumentInfo(source="d.pdf", sha256="0" * 64, kind="pdf", page_count=1, pages_selected=[1], dpi=200,
                        engine="openai", model="m", mode=Mode.LAYOUT, dotsparse_version="0")
    write_document(DocumentTarget(paths=DocPaths(root=tmp_path, name="d"), info=info, outputs={},
                                  plan=plan_document(pages)), pages)
    assert "# A Study\n\n### 1.2 Deep" in (tmp_path / "d.md").read_text()
    import json
    cells = json.loads((tmp_path / "d.json").read_text())["pages"][0]["cells"]
    assert [(c["text"], c["level"]) for c in cells] == [("# A Study", 1), ("# 1.2 Deep", 3)]
