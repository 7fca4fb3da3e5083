from tests.report.conftest import results_folder, scenario_data  # noqa: F401 - shared session fixtures
