"""Runs over many machines (Ray core tasks) and inputs/outputs on object storage (fsspec URLs).

The local scheduler (`run.pipeline.Pipeline`) stays the unit of work: a Ray task runs it over a
work item (whole documents, or a page range of a big one) on a worker node, committing pages to the
shared output; one assembly run per sharded document writes its files. The driver (`driver.py`)
plans items, keeps a hard cap of tasks in flight and turns small per-page events into progress,
`-o -` lines and run.json. Nothing here is imported unless a run asks for Ray or a URL.
"""
