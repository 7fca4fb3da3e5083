"""`size`: the smallest stock or largest raid meeting a risk target, against closed forms."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from shieldwall.analysis.campaign import load_campaign
from shieldwall.analysis.cli import app
from shieldwall.analysis.evaluate import Settings
from shieldwall.analysis.size import (
    CAMPAIGN_MEASURES,
    Target,
    TargetError,
    raid_knob,
    resupply_knob,
    size,
    size_resupply,
    stock_knob,
)

from .conftest import one_drone_data, scenario_of

runner = CliRunner()


def one_drone(kill_probability: float, magazine: int = 3):
    """One drone, one battery firing shoot-look-shoot with time for every round it has: each
    round is an independent shot of kill probability p, so P(leak | n rounds) = (1 - p)^n."""
    data = one_drone_data()
    data["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"]["value"] = kill_probability
    data["fire_units"][0]["magazine"] = magazine
    return scenario_of(data)


def smallest_stock(p: float, x: float) -> int:
    """The smallest n with (1 - p)^n <= x, by counting up."""
    n = 0
    while (1 - p) ** n > x:
        n += 1
    return n


# (p, x) chosen so that (1 - p)^n is at least three standard errors of 1,000 runs from x on both sides
# of the answer: the search must find the closed form's n, not a neighbour.
@pytest.mark.parametrize("p, x", [(0.6, 0.1), (0.5, 0.3), (0.25, 0.5)])
def test_smallest_stock_is_the_closed_form(p, x):
    scenario = one_drone(p)
    target = Target.parse(f"P(leakers <= 0) >= {1 - x}")
    report = size(scenario, stock_knob(scenario, "battery"), target,
                  Settings(runs=1000, seed=3, fidelity="ideal", realisations=10), cache=False)
    n = smallest_stock(p, x)
    assert report["answer"] == n
    at, below = report["at_answer"], report["at_neighbour"]
    assert at["value"] == n and below["value"] == n - 1
    assert at["met"] and not below["met"]
    for point, rounds in ((at, n), (below, n - 1)):
        exact = 1 - (1 - p) ** rounds
        assert point["estimate"]["low"] <= exact <= point["estimate"]["high"]


def test_largest_raid_without_interceptors_is_the_threshold():
    """With no rounds and reliable drones every threat leaks: the largest raid with at most k
    leakers has k threats, whatever the Monte Carlo draws."""
    scenario = one_drone(0.9, magazine=0)
    report = size(scenario, raid_knob(scenario, "drone"), Target.parse("P(leakers <= 5) >= 0.9"),
                  Settings(runs=10, seed=0, fidelity="ideal", realisations=2), cache=False)
    assert report["answer"] == 5
    assert report["at_answer"]["estimate"]["mean"] == 1.0
    assert report["at_neighbour"]["value"] == 6 and report["at_neighbour"]["estimate"]["mean"] == 0.0


def test_unreachable_target_has_no_answer():
    scenario = one_drone(0.5)
    report = size(scenario, stock_knob(scenario, "battery"), Target.parse("P(leakers <= 0) >= 0.999"),
                  Settings(runs=20, seed=0, fidelity="ideal", realisations=2), high=4, cache=False)
    assert report["answer"] is None


@pytest.mark.parametrize("text", ["P(leakers <= x) >= 0.95", "P(leakers <= 2) >= 1.5", "P(nothing <= 2) >= 0.5",
                                  "leakers <= 2", ""])
def test_unreadable_targets(text):
    with pytest.raises(TargetError):
        Target.parse(text)


def test_target_forms():
    t = Target.parse("P(leakers <= 2) >= 0.95")
    assert (t.measure, t.op, t.threshold, t.level_op, t.level) == ("leaked", "<=", 2.0, ">=", 0.95)
    m = Target.parse("E(value_lost_usd) <= 1e9")
    assert (m.kind, m.measure, m.level) == ("mean", "value_lost_usd", 1e9)


def test_cli_answer_and_bad_input(tmp_path):
    path = tmp_path / "one.yaml"
    data = one_drone_data()
    data["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"]["value"] = 0.6
    path.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["size", str(path), "--target", "P(leakers <= 0) >= 0.9", "--stock", "test-missile",
                                 "--runs", "400", "--fidelity", "ideal", "--no-cache", "--json",
                                 "--plot", str(tmp_path / "risk.png")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["answer"] == smallest_stock(0.6, 0.1)
    assert (tmp_path / "risk.png").stat().st_size > 0
    for args, named in ((["--target", "P(leakers <= two) >= 0.9", "--stock", "battery"], "--target"),
                        (["--target", "P(leakers <= 0) >= 0.9", "--stock", "nowhere"], "--stock"),
                        (["--target", "P(leakers <= 0) >= 0.9", "--raid", "w9"], "--raid")):
        result = runner.invoke(app, ["size", str(path), *args, "--runs", "4"])
        assert result.exit_code == 2
        assert named in result.output and len(result.output.strip().splitlines()) == 1


def test_closed_form_helper():
    assert smallest_stock(0.6, 0.1) == 3 == math.ceil(math.log(0.1) / math.log(0.4))


def drones_campaign(tmp_path, magazine: int, drones: int, max_raids: int) -> Path:
    """`drones` drones a day against one battery of `magazine` rounds (Pk 1, one round a shot): every
    raid costs exactly `drones` rounds while the battery has them; no resupply in the file."""
    data = one_drone_data()
    data["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"]["value"] = 1.0
    data["raid"]["waves"][0]["count"] = drones
    data["fire_units"][0]["magazine"] = magazine
    (tmp_path / "drones.yaml").write_text(yaml.safe_dump(data))
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump({"name": "hand", "raids": [{"scenario": "drones.yaml"}],
                                    "absorb": {"scenario": "drones.yaml", "every_s": "1d", "max_raids": max_raids}}))
    return path


def smallest_resupply(magazine: int, drones: int, raids: int) -> int:
    """The smallest R (interceptors per 30 days) with which the battery fights `raids` daily raids
    before it is empty. R / 30 a day arrive; before raid j the depot has handed out
    floor((j - 1) R / 30) rounds, so raid j starts with M - (j - 1) k + floor((j - 1) R / 30) (R < 30 k:
    the battery never refills to its magazine after the first raid, and the start falls from raid to
    raid). The battery is dry after raid j when raid j starts with k or fewer, so it fights N raids
    when raid N - 1 starts with more than k: floor((N - 2) R / 30) >= (N - 1) k - M + 1."""
    need = (raids - 1) * drones - magazine + 1
    return max(0, math.ceil(30 * need / (raids - 2)))


@pytest.mark.parametrize("magazine, drones, raids, target", [
    (10, 3, 8, "P(raids_until_dry >= 8) >= 1"),
    (9, 2, 6, "E(raids_until_dry_layer_3) >= 6"),
    (20, 3, 6, "E(raids_until_dry) >= 6"),
])
def test_smallest_resupply_is_the_closed_form(tmp_path, magazine, drones, raids, target):
    campaign = load_campaign(drones_campaign(tmp_path, magazine, drones, raids))
    parsed = Target.parse(target, CAMPAIGN_MEASURES)
    report = size_resupply(campaign, resupply_knob(campaign, "test-missile", parsed), parsed,
                           Settings(runs=4, seed=0, fidelity="ideal", realisations=2))
    r = smallest_resupply(magazine, drones, raids)
    assert report["answer"] == r
    assert report["at_answer"]["met"]
    if r > 0:
        assert report["at_neighbour"]["value"] == r - 1 and not report["at_neighbour"]["met"]


def test_resupply_closed_form_helper():
    # M = 10, k = 3: at 2 a day raid j starts with 10 - j + 1 and raid 8 is the first to start with 3.
    assert smallest_resupply(10, 3, 8) == 60
    assert smallest_resupply(9, 2, 6) == 15 and math.floor(4 * 14 / 30) < 2 <= math.floor(4 * 15 / 30)
    assert smallest_resupply(20, 3, 6) == 0  # 20 rounds cover five raids of 3 and part of the sixth


def test_campaign_targets():
    t = Target.parse("E(raids_absorbed) >= 5", CAMPAIGN_MEASURES)
    assert (t.kind, t.measure, t.level_op, t.level) == ("mean", "raids_absorbed", ">=", 5.0)
    p = Target.parse("P(raids_until_dry_layer_1 >= 10) >= 0.9", CAMPAIGN_MEASURES)
    assert (p.measure, p.op, p.threshold, p.level) == ("raids_until_dry_layer_1", ">=", 10.0, 0.9)
    for text in ("P(leakers <= 2) >= 0.9", "E(raids_until_dry_layer_0) >= 1", "E(raids) >= 2"):
        with pytest.raises(TargetError):
            Target.parse(text, CAMPAIGN_MEASURES)
    with pytest.raises(TargetError):
        Target.parse("E(raids_absorbed) >= 5")  # a scenario's measures


def test_cli_resupply_answer_and_bad_input(tmp_path):
    path = drones_campaign(tmp_path, 10, 3, 8)
    result = runner.invoke(app, ["size", str(path), "--resupply", "test-missile", "--target",
                                 "P(raids_until_dry >= 8) >= 1", "--runs", "4", "--realisations", "2",
                                 "--fidelity", "ideal", "--json", "--plot", str(tmp_path / "rate.png")])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["answer"] == 60 and document["knob"]["kind"] == "resupply"
    assert (tmp_path / "rate.png").stat().st_size > 0
    scenario = tmp_path / "drones.yaml"
    no_absorb = tmp_path / "no-absorb.yaml"
    no_absorb.write_text(yaml.safe_dump({"name": "short", "raids": [{"scenario": "drones.yaml"}]}))
    for args, named in (([str(scenario), "--resupply", "test-missile", "--target", "P(leakers <= 0) >= 0.9"],
                         "--resupply"),
                        ([str(path), "--stock", "battery", "--target", "E(raids_absorbed) >= 5"], "--resupply"),
                        ([str(path), "--target", "E(raids_absorbed) >= 5"], "--resupply"),
                        ([str(path), "--resupply", "test-missile", "--target", "P(leakers <= 2) >= 0.9"], "--target"),
                        ([str(path), "--resupply", "arrow-3", "--target", "E(raids_absorbed) >= 5"], "--resupply"),
                        ([str(path), "--resupply", "test-missile", "--target", "E(raids_until_dry_layer_1) >= 5"],
                         "--resupply"),
                        ([str(no_absorb), "--resupply", "test-missile", "--target", "E(raids_absorbed) >= 5"],
                         "--resupply")):
        result = runner.invoke(app, ["size", *args, "--runs", "4", "--fidelity", "ideal"])
        assert result.exit_code == 2, result.output
        assert named in result.output and len(result.output.strip().splitlines()) == 1, result.output


def test_cli_resupply_takes_the_campaigns_absorb_options(tmp_path):
    # --max-raids 6 in place of the file's 8 gives the closed form for six raids; a campaign without
    # an absorb section gets one from --absorb, --every and --max-raids; options that make no absorb
    # section, or that a scenario cannot take, are refused with one line and exit code 2.
    path = drones_campaign(tmp_path, 10, 3, 8)
    no_absorb = tmp_path / "no-absorb.yaml"
    no_absorb.write_text(yaml.safe_dump({"name": "short", "raids": [{"scenario": "drones.yaml"}]}))
    common = ["--resupply", "test-missile", "--target", "P(raids_until_dry >= 6) >= 1", "--runs", "4",
              "--realisations", "2", "--fidelity", "ideal", "--json"]
    assert smallest_resupply(10, 3, 6) != smallest_resupply(10, 3, 8)
    for args in ([str(path), *common, "--max-raids", "6"],
                 [str(no_absorb), *common, "--absorb", "drones.yaml", "--every", "1d", "--max-raids", "6"]):
        result = runner.invoke(app, ["size", *args])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["answer"] == smallest_resupply(10, 3, 6)
    for args, named in (([str(no_absorb), *common, "--every", "1d"], "--absorb"),
                        ([str(path), *common, "--every", "soon"], "absorb options"),
                        ([str(tmp_path / "drones.yaml"), "--stock", "battery", "--target", "P(leakers <= 0) >= 0.9",
                          "--max-raids", "6"], "campaign")):
        result = runner.invoke(app, ["size", *args])
        assert result.exit_code == 2, result.output
        assert named in result.output and len(result.output.strip().splitlines()) == 1, result.output
