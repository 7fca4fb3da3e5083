"""A dependency that cannot be imported: one line naming the install command, exit code 2."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from shieldwall._optional import MissingDependencyError, install_command, require
from shieldwall.cli import app
from tests.report.conftest import results_folder, scenario_data  # noqa: F401 - shared session fixtures

runner = CliRunner()


def _hide(monkeypatch, *modules: str) -> None:
    """Make `import <module>` fail as if it were not installed (None in sys.modules)."""
    for name in list(sys.modules):
        if name.partition(".")[0] in modules:
            monkeypatch.delitem(sys.modules, name)
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)


def test_require_returns_the_module():
    assert require("json", "the test").dumps([1]) == "[1]"


def test_require_names_the_declared_requirement(monkeypatch):
    _hide(monkeypatch, "matplotlib")
    with pytest.raises(MissingDependencyError) as raised:
        require("matplotlib", "the report")
    message = str(raised.value)
    assert message.startswith("the report needs matplotlib, which is not installed: pip install ")
    assert "\n" not in message
    # The installed metadata declares matplotlib as a core dependency, with its version range.
    assert install_command("matplotlib").startswith("pip install 'matplotlib")
    assert isinstance(raised.value, ImportError)


def test_install_command_of_an_undeclared_package():
    assert install_command("no-such-package") == "pip install no-such-package"


@pytest.mark.parametrize(("args", "module"), [
    (["report"], "matplotlib"),
    (["export", "--czml"], "czml3"),
    (["serve", "--port", "0"], "czml3"),
])
def test_cli_says_what_to_install_and_exits_2(monkeypatch, results_folder, args, module):  # noqa: F811
    _hide(monkeypatch, module)
    result = runner.invoke(app, [args[0], str(results_folder), *args[1:]])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"needs {module}, which is not installed: pip install '{module}" in lines[0]
