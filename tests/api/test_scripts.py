"""The API from a plain script: no asyncio, no `if __name__ == "__main__"` guard, the embedded engine's
worker processes included (spawned children must not re-run the script)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.support.docgen import make_pdf, simple_doc


@pytest.mark.slow
def test_a_script_without_a_main_guard_parses_with_the_embedded_engine(tmp_path):
    pdf = make_pdf(tmp_path / "a.pdf", simple_doc(1, 2))
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(f"""
        import dotsparse
        print("script ran")  # once: a worker re-running this file would print it again
        with dotsparse.Parser(engine="embedded", dpi=72, embedded={{"workers": 1}}) as parser:
            doc = parser.parse({str(pdf)!r})
        print(doc.status.value, [p.status.value for p in doc.pages])
        print("Synthetic Document 1" in doc.markdown())
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["script ran", "ok ['ok', 'ok']", "True"]
