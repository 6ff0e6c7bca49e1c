"""Planning work items (no Ray needed): shards of big documents, packs of small ones."""

from __future__ import annotations

from pathlib import Path

from dotsparse.discover import Source
from dotsparse.distributed.items import Piece
from dotsparse.distributed.plan import PlannedDoc, assembly_item, plan
from dotsparse.discover import page_ranges


def _doc(doc: int, pages: int) -> PlannedDoc:
    source = Source(path=Path(f"/in/d{doc}.pdf"), kind="pdf", label=f"d{doc}.pdf")
    return PlannedDoc(piece=Piece(doc=doc, source=source, rel=f"d{doc}", name=f"d{doc}"),
                      pages=list(range(1, pages + 1)))


def test_big_documents_become_page_range_shards_and_small_ones_are_packed():
    items, shards = plan([_doc(0, 3), _doc(1, 130), _doc(2, 2), _doc(3, 64)], shard_pages=64)
    kinds = [(i.kind, [(p.doc, p.pages) for p in i.pieces]) for i in items]
    assert kinds[0] == ("shard", [(1, tuple(range(1, 65)))])
    assert kinds[1] == ("shard", [(1, tuple(range(65, 129)))])
    assert kinds[2] == ("shard", [(1, (129, 130))])
    assert ("whole", [(0, None), (2, None)]) in kinds  # 3 + 2 pages packed
    assert ("whole", [(3, None)]) in kinds  # 64 pages: not split, and too big to pack with the others
    assert shards == {1: [0, 1, 2]}
    assert sum(i.pages for i in items) == 3 + 130 + 2 + 64
    assert assembly_item(9, _doc(1, 130)).kind == "assembly"


def test_packs_are_bounded_in_documents_and_unknown_documents_count_as_one_page():
    items, _ = plan([_doc(i, 1) for i in range(40)] + [PlannedDoc(_doc(40, 1).piece, [])], pack_documents=16)
    assert [len(i.pieces) for i in items] == [16, 16, 9]


def test_page_ranges_are_a_pages_value():
    assert page_ranges((1, 2, 3, 7, 9, 10)) == "1-3,7,9-10"
    assert page_ranges((5,)) == "5"


def test_local_servers_are_the_ones_on_the_node_or_all_when_it_has_none():
    from dotsparse.distributed.servers import node_addresses, servers_for_node

    servers = ("http://gpu1:8000/v1", "http://10.0.0.7:8000/v1", "http://localhost:8001/v1")
    assert servers_for_node(servers, {"gpu1", "10.0.0.9"}) == ("http://gpu1:8000/v1",)
    assert servers_for_node(servers[:2], {"cpu-node"}) == servers[:2]
    assert servers_for_node(servers, node_addresses()) == ("http://localhost:8001/v1",)


def test_ray_flag_without_ray_installed_is_a_usage_error(monkeypatch, tmp_path):
    import sys

    from typer.testing import CliRunner

    from dotsparse.cli import app

    from tests.support.docgen import make_pdf, simple_doc

    make_pdf(tmp_path / "a.pdf", simple_doc(1, 1))
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as on a core install
    result = CliRunner().invoke(app, ["parse", str(tmp_path / "a.pdf"), "-o", str(tmp_path / "out"), "--ray", "local"])
    assert result.exit_code == 2
    assert "needs Ray" in result.output and "dotsparse[ray]" in result.output
