"""One page's work runs without the scheduler: from a picklable PageTask, in another process, into any store."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor

from dotsparse.config import Options
from dotsparse.discover import Source
from dotsparse.engines.embedded.workers import worker_context
from dotsparse.engines.replay import ReplayEngine
from dotsparse.prompts import prompt_for
from dotsparse.run.page_unit import PageTask, run_page_in_process
from dotsparse.run.store import DocStore
from dotsparse.run.stores import MemoryStore
from dotsparse.writers.paths import DocPaths
from tests.support.docgen import make_pdf, simple_doc
from tests.support.replay import record


def _task(tmp_path, paths=None):
    spec = simple_doc(1, 2)
    pdf = make_pdf(tmp_path / "a.pdf", spec)
    options = Options(dpi=50, fallback=(), overlay=True)
    task = PageTask(source=Source(path=pdf, kind="pdf", label="a.pdf"), index=1, options=options,
                    prompt=prompt_for(options.mode, None), paths=paths)
    return task, ReplayEngine(record(pdf, spec))


def test_a_page_task_pickles_and_runs_in_another_process_committing_to_a_folder_store(tmp_path):
    paths = DocPaths(root=tmp_path / "out" / "a", name="a")
    task, engine = _task(tmp_path, paths)
    assert pickle.loads(pickle.dumps(task)) == task
    store = DocStore(paths.root, "sha:key")
    with ProcessPoolExecutor(1, mp_context=worker_context()) as pool:
        result = pool.submit(run_page_in_process, task, store, engine).result(timeout=120)
    assert result.page == 2 and result.status.value == "ok"
    assert store.load_page(2) == result  # committed by the other process
    table = next(c for c in result.cells if c.category.value == "Table")
    assert table.asset and (paths.root / table.asset).is_file()
    assert (paths.root / "overlay" / "p0002.png").is_file()


def test_a_page_runs_in_process_into_a_memory_store_without_files(tmp_path):
    task, engine = _task(tmp_path)
    store = MemoryStore("k")
    result = run_page_in_process(task, store, engine)
    assert result.status.value == "ok" and list(store.iter_pages([2])) == [result]
    assert all(c.asset is None for c in result.cells)


def test_the_page_unit_takes_the_hybrid_path_and_counts_every_request(tmp_path, server, make_doc):
    path, spec = make_doc(doc_id=7, pages=1)
    options = Options(engine="openai", servers=(server.url,), text_source="auto", fallback=())
    task = PageTask(source=Source(path=path, kind="pdf", label=path.name), index=0, options=options,
                    prompt=prompt_for(options.mode, None))
    server.clear_requests()
    result = run_page_in_process(task, MemoryStore("k"))
    asked = sum(1 for b in spec.pages[0].blocks if b.category in ("Table", "Formula"))
    assert result.status.value == "ok" and result.path == "hybrid"
    assert result.usage.requests == 1 + asked == len(server.requests)


def test_an_engines_notes_become_the_pages_repairs_in_the_unit(tmp_path):
    task, engine = _task(tmp_path)
    infer = engine.infer

    async def noted(request):
        answer = await infer(request)
        answer.notes = [("ocr_low_confidence", "a note from the engine")]
        return answer

    engine.infer = noted  # type: ignore[method-assign]
    result = run_page_in_process(task, MemoryStore("k"), engine)
    assert result.status.value == "repaired"
    assert [(r.kind, r.detail) for r in result.repairs][-1] == ("ocr_low_confidence", "a note from the engine")
