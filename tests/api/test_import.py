"""`import dotsparse`: no side effects on the host, nothing heavy, the public names all there."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import dotsparse

PUBLIC = {"__version__", "Parser", "Document", "DocumentStatus", "Options", "Page", "Cell", "Category",
          "CellFormat", "Mode", "PageStatus", "RunReport", "DotsparseError", "UsageError", "SourceError",
          "EngineError", "EngineUnavailable", "DocumentError", "parse_distributed"}


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_all_is_the_public_api_and_every_name_resolves():
    assert set(dotsparse.__all__) == PUBLIC
    for name in dotsparse.__all__:
        assert getattr(dotsparse, name) is not None
    assert dotsparse.Page is dotsparse.model.PageResult


def test_import_is_light_and_leaves_pymupdf_layout_importable():
    out = _python("""
        import sys, time
        started = time.perf_counter()
        import dotsparse
        took = time.perf_counter() - started
        heavy = sorted(m for m in ("pymupdf", "torch", "transformers", "httpx", "PIL", "numpy", "pydantic", "rich")
                       if m in sys.modules)
        print(f"{took:.3f}", ",".join(heavy) or "-")
        import pymupdf.layout  # the host program can still use PyMuPDF's layout model
        print(callable(__import__("pymupdf")._get_layout))
    """)
    took, heavy, activated = out.split()
    assert float(took) < 0.3 and heavy == "-" and activated == "True"


def test_the_api_leaves_pymupdf_layout_importable_after_a_parse(tmp_path):
    out = _python(f"""
        import sys
        sys.path.insert(0, {str(__import__('pathlib').Path(__file__).resolve().parents[2])!r})
        import dotsparse
        Parser = dotsparse.Parser  # first: the host has not imported PyMuPDF yet
        from dotsparse.engines.replay import ReplayEngine
        from tests.support.docgen import make_pdf, simple_doc
        from tests.support.replay import record
        spec = simple_doc(1, 1)
        pdf = make_pdf({str(tmp_path / 'a.pdf')!r}, spec)
        with dotsparse.Parser(engine=ReplayEngine(record(pdf, spec)), dpi=50) as parser:
            print(parser.parse(pdf).status.value)
        print("pymupdf.layout" in sys.modules)  # the host's process did not load the layout model
        import pymupdf.layout
        print(callable(sys.modules["pymupdf"]._get_layout))
    """)
    assert out.split() == ["ok", "False", "True"]


def test_embedded_workers_import_pymupdf_without_what_its_import_drags_in():
    # A worker process imports the engine's package first; pymupdf's own import would pull pymupdf4llm
    # (when installed), which changes text extraction for the whole process: boxes would differ by install.
    out = _python("""
        import sys
        import dotsparse.engines.embedded
        print("pymupdf4llm" in sys.modules, sys.modules.get("pymupdf.layout", "absent") is None)
        import pymupdf.layout
        print(pymupdf.layout is not None)
    """)
    assert out.split() == ["False", "False", "True"]


def test_the_package_is_marked_typed_for_integrators_type_checkers():
    """PEP 561: without py.typed in the wheel, mypy/pyright treat every dotsparse name as Any."""
    import sys
    from pathlib import Path

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    root = Path(dotsparse.__file__).parent
    assert (root / "py.typed").is_file()
    pyproject = tomllib.loads((root.parent / "pyproject.toml").read_text())
    assert "py.typed" in pyproject["tool"]["setuptools"]["package-data"]["dotsparse"]
