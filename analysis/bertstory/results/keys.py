"""Names of run folders: ``<model-slug>-<key>``, the key a hash of the settings that define the run."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any


def run_key(identity: dict[str, Any]) -> str:
    """First 12 hex digits of the SHA-256 of the settings that define a run."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]


def slug(text: str) -> str:
    """A folder-name-safe, lower-case short form of a model name or path."""
    name = Path(text.rstrip("/\\")).name or text
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "model"
