"""The compiled kernels' disk cache is keyed by every kernel module, not by each function's own."""

from __future__ import annotations

import ast
import importlib

import pytest
from numba.core.dispatcher import Dispatcher

import shieldwall._compiled as compiled

COMPILING_DECORATORS = {"kernel", "inline_kernel", "njit", "jit", "vectorize", "guvectorize", "cfunc"}


def _decorator_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _modules_defining_compiled_functions() -> set[str]:
    """Modules of the package, relative to it, with a function compiled by numba, found by
    reading their source (decorators, and calls such as `njit(...)(function)`)."""
    found = set()
    for path in sorted(compiled.PACKAGE.rglob("*.py")):
        name = path.relative_to(compiled.PACKAGE).as_posix()
        if name == "_compiled.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if any(_decorator_name(d) in COMPILING_DECORATORS for d in node.decorator_list):
                    found.add(name)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Call):
                if _decorator_name(node.func) in COMPILING_DECORATORS:
                    found.add(name)
    return found


def test_every_module_with_a_kernel_is_a_kernel_module():
    # A kernel in a module left out of KERNEL_MODULES would be cached under numba's own key, its
    # file alone, and keep stale machine code when a kernel it calls changes.
    assert _modules_defining_compiled_functions() == set(compiled.KERNEL_MODULES)


def test_changing_any_kernel_module_changes_every_kernels_stamp(tmp_path, monkeypatch):
    for name in compiled.KERNEL_MODULES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"# {name}\n")
    monkeypatch.setattr(compiled, "PACKAGE", tmp_path)
    before = compiled._kernels_stamp()
    for name in compiled.KERNEL_MODULES:
        (tmp_path / name).write_text(f"# {name}, edited\n")
        after = compiled._kernels_stamp()
        assert after != before, name
        before = after


@pytest.mark.parametrize("name", compiled.KERNEL_MODULES)
def test_every_kernel_uses_the_shared_stamp(name):
    module = importlib.import_module("shieldwall." + name.removesuffix(".py").replace("/", "."))
    kernels = [value for value in vars(module).values()
               if isinstance(value, Dispatcher) and value.py_func.__module__ == module.__name__]
    assert kernels, f"{name} defines no kernel"
    for dispatcher in kernels:
        locator = compiled._InTree.from_function(dispatcher.py_func, module.__file__)
        assert locator is not None, dispatcher.py_func.__name__
        assert locator.get_source_stamp() == compiled._kernels_stamp()


def test_functions_outside_the_kernel_modules_keep_numbas_own_cache_key(tmp_path):
    def elsewhere():
        pass

    other = tmp_path / "elsewhere.py"
    other.write_text("x = 1\n")
    assert compiled._InTree.from_function(elsewhere, str(other)) is None
