"""`dotsparse doctor`: what this machine can run — engines, torch devices, servers that answer.

Collecting and rendering are separate so the report can be tested without a terminal and
printed as JSON later. Importing torch here is deliberate (its device checks need it) and
costs seconds, which a diagnostic command can afford; nothing else imports this module.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import platform
import time
from dataclasses import dataclass, field
from typing import Optional

import httpx
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .engines.preflight import read_model_list

PROBE_TIMEOUT_S = 3.0
INSTALL_HINT = "pip install 'dotsparse[transformers]'"
EMBEDDED_DETAIL = ("PDF text layer + PyMuPDF's layout model + RapidOCR for scans, on the CPU; "
                   "no GPU, no server, no download")


@dataclass
class EngineStatus:
    name: str
    available: bool
    detail: str = ""


@dataclass
class TorchStatus:
    version: Optional[str] = None
    transformers_version: Optional[str] = None
    cuda: bool = False
    cuda_devices: list[str] = field(default_factory=list)
    bf16: bool = False
    mps: bool = False
    flash_attn: bool = False
    error: Optional[str] = None


@dataclass
class ServerStatus:
    url: str
    ok: bool
    detail: str = ""
    elapsed_s: float = 0.0


@dataclass
class DoctorReport:
    python: str
    platform: str
    dotsparse: str
    torch: TorchStatus
    engines: list[EngineStatus]
    servers: list[ServerStatus]


def _version(package: str) -> Optional[str]:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def torch_status() -> TorchStatus:
    status = TorchStatus(version=_version("torch"), transformers_version=_version("transformers"),
                         flash_attn=_version("flash-attn") is not None or _version("flash_attn") is not None)
    if status.version is None:
        return status
    try:
        import torch
    except Exception as exc:  # noqa: BLE001 - a broken install is exactly what doctor must report
        status.error = f"import torch failed: {type(exc).__name__}: {exc}"
        return status
    status.cuda = bool(torch.cuda.is_available())
    if status.cuda:
        status.cuda_devices = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        status.bf16 = bool(torch.cuda.is_bf16_supported())
    mps = getattr(torch.backends, "mps", None)
    status.mps = bool(mps is not None and mps.is_available())
    return status


def _transformers_engine(torch: TorchStatus) -> EngineStatus:
    if torch.version is None or torch.transformers_version is None:
        return EngineStatus("transformers", False, f"torch and transformers not installed: {INSTALL_HINT}")
    if torch.error:
        return EngineStatus("transformers", False, torch.error)
    device = "cuda" if torch.cuda else "mps" if torch.mps else "cpu (minutes per page)"
    detail = f"torch {torch.version}, transformers {torch.transformers_version}, device {device}"
    if int(torch.transformers_version.split(".")[0]) >= 5:
        detail += "; dots.ocr's remote code needs transformers<5"
    return EngineStatus("transformers", True, detail)


def engine_statuses(torch: TorchStatus) -> list[EngineStatus]:
    engines = [EngineStatus("openai", True, "any OpenAI-compatible server (vLLM, SGLang)")]
    try:
        importlib.import_module("dotsparse.engines.embedded")
        engines.append(EngineStatus("embedded", True, EMBEDDED_DETAIL))
    except Exception as exc:  # noqa: BLE001 - missing module or a missing dependency of it
        engines.append(EngineStatus("embedded", False, f"{type(exc).__name__}: {exc}"))
    engines.append(_transformers_engine(torch))
    return engines


def probe_server(url: str, timeout: float = PROBE_TIMEOUT_S) -> ServerStatus:
    """GET {url}/models, as any OpenAI-compatible server answers it; report the served model names."""
    started = time.monotonic()
    try:
        response = httpx.get(url.rstrip("/") + "/models", timeout=timeout)
    except httpx.HTTPError as exc:
        return ServerStatus(url, False, f"no answer: {type(exc).__name__}: {exc}", time.monotonic() - started)
    elapsed = time.monotonic() - started
    check = read_model_list(url.rstrip("/"), response)  # the same judgement as `parse`'s start-up check
    if not check.ok:
        return ServerStatus(url, False, f"GET {url.rstrip('/')}/models: {check.problem}", elapsed)
    return ServerStatus(url, True, "models: " + (", ".join(check.models) or "(none listed)"), elapsed)


def collect_report(servers: list[str]) -> DoctorReport:
    from . import __version__

    torch = torch_status()
    return DoctorReport(python=platform.python_version(), platform=platform.platform(), dotsparse=__version__,
                        torch=torch, engines=engine_statuses(torch),
                        servers=[probe_server(url) for url in servers])


def _mark(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[red]no[/red]"


def render(report: DoctorReport, console: Console) -> None:
    console.print(f"dotsparse {report.dotsparse} · Python {report.python} · {report.platform}")
    engines = Table(title="Engines")
    for column in ("engine", "available", "detail"):
        engines.add_column(column)
    for engine in report.engines:
        engines.add_row(engine.name, _mark(engine.available), escape(engine.detail))
    console.print(engines)

    t = report.torch
    devices = Table(title="torch")
    devices.add_column("item")
    devices.add_column("value")
    devices.add_row("torch", t.version or "not installed")
    devices.add_row("transformers", t.transformers_version or "not installed")
    devices.add_row("CUDA", _mark(t.cuda) + (f" ({', '.join(t.cuda_devices)}; bf16 {'yes' if t.bf16 else 'no'})"
                                             if t.cuda else ""))
    devices.add_row("Apple MPS", _mark(t.mps))
    devices.add_row("flash-attn", _mark(t.flash_attn))
    if t.error:
        devices.add_row("error", f"[red]{escape(t.error)}[/red]")
    console.print(devices)

    if report.servers:
        servers = Table(title="Servers")
        for column in ("url", "answers", "detail"):
            servers.add_column(column)
        for server in report.servers:
            servers.add_row(escape(server.url), _mark(server.ok), escape(f"{server.detail} ({server.elapsed_s:.2f} s)"))
        console.print(servers)
