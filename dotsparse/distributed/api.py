"""`dotsparse.parse_distributed`: the CLI's `--ray` run from Python.

    report = dotsparse.parse_distributed(["s3://bucket/pdfs/"], "s3://bucket/out", ray="auto",
                                         server="http://vllm:8000/v1", dpi=200)
    print(report.pages_by_status, report.exit_code)

Files land in `output` exactly as a local run writes them; read one back with `dotsparse.Document.load`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Optional, Union

from pydantic import ValidationError
from rich.console import Console

from .. import layout_gate

# As for `Parser`: the driver opens documents (to count pages) without PyMuPDF's layout model in the host.
layout_gate.import_pymupdf()

from ..config import Options, RunConfig, server_url  # noqa: E402
from ..errors import UsageError  # noqa: E402
from ..run.report import RunReport  # noqa: E402
from .driver import run_distributed  # noqa: E402

PathLike = Union[str, Path]


def parse_distributed(inputs: Union[PathLike, Iterable[PathLike]], output: PathLike, *,
                      ray: Optional[str] = "auto", options: Optional[Options] = None,
                      server: Union[str, Iterable[str], None] = None, shard_pages: Optional[int] = None,
                      max_in_flight: Optional[int] = None, force: bool = False, verbose: bool = False,
                      **settings: Any) -> RunReport:
    """Parse `inputs` into `output` on a Ray cluster (`ray`: auto, local or an address; None: this process,
    for URL inputs or outputs). Settings are the `Options` fields, as for `Parser`."""
    values: dict[str, Any] = (options or Options()).model_dump(exclude_unset=options is None)
    values.update(settings)
    if server is not None:
        values["servers"] = tuple(server_url(s).rstrip("/") for s in ([server] if isinstance(server, str)
                                                                       else server))
    listed = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    extra: dict[str, Any] = {"shard_pages": shard_pages} if shard_pages is not None else {}
    try:
        config = RunConfig(**values, **extra, inputs=[str(i) for i in listed], output=str(output), ray=ray,
                           max_in_flight=max_in_flight, force=force, quiet=not verbose)
    except ValidationError as exc:
        raise UsageError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    return run_distributed(config, Console(stderr=True, quiet=not verbose), ray=ray)
