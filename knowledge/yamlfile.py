"""Reading the knowledge's YAML files, with libyaml's safe loader when PyYAML was built with it.

PyYAML documents `CSafeLoader` as the libyaml binding of `SafeLoader`: the same safe subset, about
ten times faster. A start reads some twenty files (locales, intents, FAQ, forums, spellings), and
with the pure-Python loader that was most of the console chat's start-up CPU (issue 13).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path | str) -> Any:
    """The document in `path` (None when empty); raises OSError or yaml.YAMLError."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - safe loader
