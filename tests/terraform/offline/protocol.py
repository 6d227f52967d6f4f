"""The tfplugin6 messages, from the stubs the pyvider package ships.

The generated module is loaded from its file: importing it through its package would run
`pyvider/__init__`, which pulls in provide.foundation (rich, click, httpx...) at about 0.6 s of
CPU, paid by each of the dozen provider processes Terraform starts per environment.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

_NAME = "_bluegreen_tfplugin6_pb2"


def _load() -> ModuleType:
    if _NAME in sys.modules:
        return sys.modules[_NAME]
    package = importlib.util.find_spec("pyvider")  # finds, does not import, the package
    if package is None or not package.submodule_search_locations:
        raise ImportError("pyvider is not installed (pip install -e '.[dev]')")
    path = Path(next(iter(package.submodule_search_locations)))
    path = path / "protocols" / "tfprotov6" / "protobuf" / "tfplugin6_pb2.py"
    spec = importlib.util.spec_from_file_location(_NAME, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_NAME] = module
    spec.loader.exec_module(module)
    return module


pb: Any = _load()
PROVIDER_SERVICE = pb.DESCRIPTOR.services_by_name["Provider"]
