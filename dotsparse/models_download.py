"""`dotsparse models download NAME DIR`: fetch a checkpoint from the Hugging Face Hub into a folder.

Weights are never fetched implicitly during a parse run except through the transformers engine's
own hub-id loading; this command is the explicit way, and it explains offline failures instead
of printing the hub's traceback.
"""

from __future__ import annotations

from pathlib import Path

from .errors import DotsparseError

INSTALL_HINT = "pip install 'dotsparse[transformers]'"


def describe_hub_error(name: str, exc: BaseException) -> str:
    """One sentence saying why `name` could not be had from the hub, and what to do."""
    from huggingface_hub import constants, errors

    if constants.HF_HUB_OFFLINE:
        return (f"'{name}' is not in the local Hugging Face cache and HF_HUB_OFFLINE=1 forbids downloading it; "
                "unset HF_HUB_OFFLINE on a machine with internet access and run "
                f"`dotsparse models download {name} DIR`, then pass --model DIR")
    if isinstance(exc, errors.GatedRepoError):
        return f"'{name}' is gated on the Hugging Face Hub: accept its terms and log in (`hf auth login`)"
    if isinstance(exc, errors.RepositoryNotFoundError):
        return f"no model '{name}' on the Hugging Face Hub (or it is private): check the name"
    if isinstance(exc, errors.HFValidationError):
        return f"'{name}' is neither an existing folder nor a valid Hugging Face model id (owner/name)"
    if isinstance(exc, errors.LocalEntryNotFoundError):
        return (f"could not reach the Hugging Face Hub to fetch '{name}' and it is not in the local cache; "
                "check the network (or proxy), or download it on another machine and pass --model DIR")
    return f"could not fetch '{name}' from the Hugging Face Hub: {type(exc).__name__}: {exc}"


def download_model(name: str, target: Path) -> Path:
    """Download every file of hub model `name` into `target`; returns the folder."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise DotsparseError("downloading models needs huggingface_hub", stage="models download",
                             hint=INSTALL_HINT) from exc
    target = Path(target).expanduser()
    if target.exists() and not target.is_dir():
        raise DotsparseError(f"{target} exists and is not a folder", stage="models download")
    try:
        folder = snapshot_download(repo_id=name, local_dir=target)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # the hub raises many types (HTTP, offline, validation, OS errors)
        raise DotsparseError(describe_hub_error(name, exc), stage="models download") from exc
    return Path(folder)
