"""Instance files: the public format, the extended form, errors, and the seeded generators."""

import gzip

import numpy as np
import pytest

from shieldwall.wta import (
    AssignmentProblem,
    InstanceFormatError,
    family_a,
    family_b,
    family_c,
    format_instance,
    read_instance,
    write_instance,
)
from tests.wta.public import BUNDLED_DIR


def test_public_file_reads_with_zero_based_indices():
    problem = read_instance(BUNDLED_DIR / "wta_50x100x2.txt.gz")
    assert problem.kill_probability.shape == (50, 100)
    assert np.all(problem.capacity == 2)
    # First value line and first/last probability lines of the file.
    assert problem.values[0] == 13
    assert problem.kill_probability[0, 0] == pytest.approx(0.409311426086)
    assert problem.kill_probability[49, 99] == pytest.approx(0.792880953021)


@pytest.mark.parametrize("name", ["a.txt", "a.txt.gz"])
def test_round_trip_both_forms(tmp_path, name):
    rng = np.random.default_rng(5)
    for problem in (family_b(3, 2, rng), family_c(4, 6, rng)):
        write_instance(problem, tmp_path / name)
        back = read_instance(tmp_path / name)
        assert np.array_equal(back.values, problem.values)
        assert np.array_equal(back.kill_probability, problem.kill_probability)
        assert np.array_equal(back.capacity, problem.capacity)


def test_extended_form_header():
    problem = AssignmentProblem(np.array([3.0]), np.array([[0.5], [0.25]]), np.array([1, 4]))
    assert format_instance(problem).splitlines()[:3] == ["2 1", "1 4", "3"]


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("", 1, "header"),
        ("2 2 x\n", 1, "header"),
        ("1 2 1\n5\n", 3, "value of target 1"),
        ("1 1 1\n5\n0 0\n", 3, "`i j p_ij`"),
        ("1 1 1\n5\n0 3 0.5\n", 3, "0-based indices"),
        ("1 1 1\n5\n0 0 1.5\n", 3, "probability"),
        ("2 1\n1\n", 2, "2 integer unit counts"),
    ],
)
def test_format_errors_name_file_line_and_expectation(tmp_path, text, line, expected):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InstanceFormatError) as error:
        read_instance(path)
    assert error.value.line == line
    assert str(path) in str(error.value) and f"line {line}" in str(error.value)
    assert expected in str(error.value)


def test_corrupt_gzip_is_a_format_error(tmp_path):
    path = tmp_path / "bad.txt.gz"
    path.write_bytes(b"not gzip")
    with pytest.raises(InstanceFormatError, match="bad.txt.gz"):
        read_instance(path)


def test_gzip_text_matches_plain(tmp_path):
    problem = family_a(3, np.random.default_rng(1))
    with gzip.open(tmp_path / "a.txt.gz", "wt") as handle:
        handle.write(format_instance(problem))
    assert format_instance(read_instance(tmp_path / "a.txt.gz")) == format_instance(problem)


def test_generators_follow_their_documented_draw_order():
    rng = np.random.default_rng(9)
    values = rng.integers(25, 101, size=4).astype(float)
    pk = rng.uniform(0.6, 0.9, size=(4, 4))
    problem = family_a(4, np.random.default_rng(9))
    assert np.array_equal(problem.values, values) and np.array_equal(problem.kill_probability, pk)

    rng = np.random.default_rng(9)
    capacity = rng.integers(1, 5, size=3)
    values = rng.integers(1, 101, size=5).astype(float)
    feasible = rng.random((3, 5)) < 0.5
    pk = np.where(feasible, rng.uniform(0.3, 0.95, size=(3, 5)), 0.0)
    problem = family_c(3, 5, np.random.default_rng(9))
    assert np.array_equal(problem.capacity, capacity) and np.array_equal(problem.kill_probability, pk)
    assert np.array_equal(problem.values, values)


def test_family_ranges():
    b = family_b(20, 3, np.random.default_rng(2))
    assert b.kill_probability.shape == (20, 40) and np.all(b.capacity == 3)
    assert b.values.min() >= 1 and b.values.max() <= 100
    c = family_c(30, 40, np.random.default_rng(2))
    feasible = c.kill_probability[c.kill_probability > 0]
    assert feasible.min() >= 0.3 and feasible.max() <= 0.95
    assert 0.4 < feasible.size / c.kill_probability.size < 0.6
    assert c.capacity.min() >= 1 and c.capacity.max() <= 4
