"""The package's layers: module-level imports only point down, the one cycle is the tensor
and autograd forward reference, no backend package is imported inside minigrad/, and
``import minigrad`` loads neither minigrad.viz nor optional packages."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "minigrad"

# lower layers first; a module may import its own layer or any layer before it
LAYERS = [
    ("minigrad.types", "minigrad.dtypes", "minigrad.size", "minigrad.device",
     "minigrad.utils.hooks", "minigrad.unknown_names", "minigrad.backends", "minigrad.dlpack",
     "minigrad.printing", "minigrad.shared_memory", "minigrad.memory_format",
     "minigrad.eager"),
    ("minigrad.autograd", "minigrad.tensor"),  # the one cycle: they name each other
    ("minigrad.optable", "minigrad.functional", "minigrad.references", "minigrad.creation",
     "minigrad.random", "minigrad.threads", "minigrad.testing", "minigrad.cuda",
     "minigrad.xpu", "minigrad.accelerator", "minigrad.serialization", "minigrad.inference",
     "minigrad.legacy_types", "minigrad.amp", "minigrad.cpu"),
    ("minigrad.nn", "minigrad.optim", "minigrad.data", "minigrad.distributed",
     "minigrad.utils", "minigrad.onnx", "minigrad.multiprocessing",
     "minigrad.linalg"),
    ("minigrad.viz",),
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Modules of minigrad that ``name`` imports when it is loaded (not inside functions or
    ``if TYPE_CHECKING`` blocks)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    targets: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            targets |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.add(full if full in MODULES else base)
    return {t for t in targets if t in MODULES and t != name}


def _layer(name: str) -> int:
    best = None
    for index, layer in enumerate(LAYERS):
        for prefix in layer:
            matches = name == prefix or name.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    assert best is not None, f"{name} is in no layer: add it to LAYERS in {__file__}"
    return best[0]


def test_imports_only_point_down() -> None:
    upward = []
    for name, path in MODULES.items():
        if name == "minigrad":
            continue  # the package's __init__ gathers everything
        for target in _imports(name, path):
            if target != "minigrad" and _layer(target) > _layer(name):
                upward.append(f"{name} -> {target}")
    assert not upward, "imports that point up a layer:\n" + "\n".join(sorted(upward))


def test_the_only_cycle_is_tensor_and_autograd() -> None:
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[set[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(component)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in graph:
        if v not in index:
            visit(v)
    allowed = {n for n in MODULES if n == "minigrad.tensor" or n.startswith("minigrad.autograd")}
    assert [c for c in cycles if not c <= allowed] == []


def test_no_backend_package_is_imported_inside_minigrad() -> None:
    """Backends are found through their entry points, never imported by name."""
    named = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            named += [f"{name}: {m}" for m in modules if m.split(".")[0].startswith("minigrad_")]
    assert named == []


def test_import_minigrad_loads_no_viz_and_no_optional_package() -> None:
    code = ("import sys, minigrad; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('graphviz', 'matplotlib', 'onnx', 'onnxruntime', 'safetensors', 'tensorboardX', "
            "'mpi4py', 'torch') or m.startswith('minigrad.viz')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_tensor_has_no_getattr_hook() -> None:
    """A ``__getattr__`` on Tensor would make every attribute read in the op path slower
    (CPython stops specialising them); benchmarks/bench_overhead.py measured 15%."""
    from minigrad.tensor import Tensor

    assert not any("__getattr__" in vars(cls) for cls in Tensor.__mro__)
