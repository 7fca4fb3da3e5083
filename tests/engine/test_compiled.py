"""The compiled kernels' disk cache is keyed by every kernel module, not by each function's own."""

from __future__ import annotations

import importlib

import pytest

import shieldwall._compiled as compiled


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


def test_kernel_modules_use_the_shared_stamp_and_others_do_not(tmp_path):
    module = importlib.import_module("shieldwall.engine.simulate")

    def kernel_function():
        pass

    locator = compiled._InTree.from_function(module._replicate.py_func, module.__file__)
    assert locator is not None
    assert locator.get_source_stamp() == compiled._kernels_stamp()
    other = tmp_path / "elsewhere.py"
    other.write_text("x = 1\n")
    assert compiled._InTree.from_function(kernel_function, str(other)) is None


@pytest.mark.parametrize("name", compiled.KERNEL_MODULES)
def test_kernel_modules_exist(name):
    assert (compiled.PACKAGE / name).is_file()
