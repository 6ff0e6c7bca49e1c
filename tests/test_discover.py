import pytest

from dotsparse.discover import PageSelection, discover
from dotsparse.errors import UsageError


def test_folders_recursive_globs_and_skips(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ["a/x.pdf", "a/b/y.PNG", "a/b/z.tiff", "a/notes.txt", "a/b/data.csv", "a/.hidden.pdf", "w.webp"]:
        (tmp_path / name).write_bytes(b"x")
    found = discover([str(tmp_path / "a"), str(tmp_path / "*.webp"), str(tmp_path / "nothing*.pdf"),
                      str(tmp_path / "missing.pdf")])
    assert [s.label for s in found.sources] == ["x.pdf", "b/y.PNG", "b/z.tiff", "w.webp"]
    assert [s.kind for s in found.sources] == ["pdf", "image", "image", "image"]
    assert sorted(why for _, why in found.skipped) == ["hidden file", "not a PDF or image", "not a PDF or image"]
    assert found.missing == [str(tmp_path / "nothing*.pdf"), str(tmp_path / "missing.pdf")]


def test_same_file_twice_is_one_source(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"x")
    assert len(discover([str(tmp_path / "x.pdf"), str(tmp_path)]).sources) == 1


def test_explicit_unsupported_file_is_usage_error(tmp_path):
    (tmp_path / "x.docx").write_bytes(b"x")
    with pytest.raises(UsageError, match="not a PDF or image"):
        discover([str(tmp_path / "x.docx")])


@pytest.mark.parametrize("spec,count,expected", [
    ("1-3,7,10-", 12, [0, 1, 2, 6, 9, 10, 11]),
    ("2", 5, [1]),
    ("-2", 5, [0, 1]),
    ("4-9", 5, [3, 4]),
    (None, 3, [0, 1, 2]),
    ("3,1,3", 5, [0, 2]),
])
def test_page_ranges(spec, count, expected):
    assert PageSelection.parse(spec).indices(count) == expected


@pytest.mark.parametrize("bad", ["0", "3-1", "a", "1--2", "-", "1,,2", "1-2-3"])
def test_bad_page_ranges_have_clear_message(bad):
    with pytest.raises(UsageError, match="--pages"):
        PageSelection.parse(bad)
