"""A campaign whose depletion can be worked out by hand: one drone per raid, Pk 1, magazine 3."""

from __future__ import annotations

import math

import pytest
import yaml

from shieldwall.analysis.campaign import load_campaign, run_campaign
from shieldwall.scenario import ScenarioError

from .conftest import one_drone_data


def write(tmp_path, resupply, absorb=None, raids=5):
    data = one_drone_data()
    data["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"]["value"] = 1.0
    (tmp_path / "drone.yaml").write_text(yaml.safe_dump(data))
    campaign = {"name": "hand", "raids": [{"scenario": "drone.yaml", "after_s": "1d"} for _ in range(raids)]}
    if resupply:
        campaign["resupply"] = [{"interceptor": "test-missile", "per_day": resupply}]
    if absorb:
        campaign["absorb"] = absorb
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign))
    return load_campaign(path)


def test_levels_and_depletion_by_hand(tmp_path):
    # Each raid costs exactly one interceptor (Pk 1). Half an interceptor a day arrives:
    # raid 1 starts 3 ends 2; raid 2 starts 2 (depot 0.5) ends 1; raid 3 starts 2 (depot 1 -> one
    # delivered) ends 1; raid 4 starts 1 (depot 0.5) ends 0: dry; raid 5 starts 1 ends 0.
    report = run_campaign(write(tmp_path, 0.5), runs=4, fidelity="ideal", realisations=1)
    (stock,) = report["magazines"]
    assert [s["mean"] for s in stock["start"]] == [3, 2, 2, 1, 1]
    assert [e["mean"] for e in stock["end"]] == [2, 1, 1, 0, 0]
    assert stock["median_dry_raid"] == 4 and stock["p_ever_dry"]["mean"] == 1.0
    assert [r["leaked"]["mean"] for r in report["raids"]] == [0, 0, 0, 0, 0]


def test_raids_absorbed_by_hand(tmp_path):
    # No resupply: three raids are stopped, the fourth drone meets an empty magazine and leaks.
    campaign = write(tmp_path, 0, absorb={"scenario": "drone.yaml", "every_s": "12h", "max_raids": 6,
                                          "leakage_threshold": 0.5})
    report = run_campaign(campaign, runs=3, fidelity="ideal", realisations=1)
    assert [r["leaked"]["mean"] for r in report["raids"]] == [0, 0, 0, 1, 1]
    assert report["magazines"][0]["median_dry_label"] == "drone.yaml"
    absorb = report["absorb"]
    assert absorb["raids_absorbed"]["mean"] == 3 and absorb["mean_passes_threshold_at_raid"] == 4
    assert [s["mean"] for s in absorb["leak_share"]] == [0, 0, 0, 1, 1, 1]


def test_capacity_caps_resupply(tmp_path):
    campaign = write(tmp_path, 10.0, raids=2)
    report = run_campaign(campaign, runs=2, fidelity="ideal", realisations=1)
    assert [s["mean"] for s in report["magazines"][0]["start"]] == [3, 3]


def test_bad_campaign_files_name_the_path(tmp_path):
    (tmp_path / "c.yaml").write_text("name: x\nraids: [{scenario: tutorial, after: 1d}]\n")
    with pytest.raises(ScenarioError, match="raids.0.after"):
        load_campaign(tmp_path / "c.yaml")
    (tmp_path / "c.yaml").write_text("name: x\nraids: [{scenario: tutorial, after_s: soon}]\n")
    with pytest.raises(ScenarioError, match="raids.0.after_s"):
        load_campaign(tmp_path / "c.yaml")


def test_bundled_campaign_loads():
    campaign = load_campaign("april-then-october")
    assert campaign.raids[1].after_s == 171 * 86400
    assert len(campaign.raids) == 15


def drones_campaign(tmp_path, magazine, drones, per_day, max_raids, every="1d", second_unit=False):
    """`drones` drones a raid against one battery of `magazine` rounds with Pk 1 and one round a
    shot: each raid costs exactly `drones` rounds while the battery has them."""
    data = one_drone_data()
    data["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"]["value"] = 1.0
    data["raid"]["waves"][0]["count"] = drones
    data["fire_units"][0]["magazine"] = magazine
    if second_unit:  # an empty battery of another partner in the same layer: it never receives rounds
        data["partners"].append({"id": "BBB", "name": "Neighbour"})
        data["fire_units"].append({**data["fire_units"][0], "id": "battery-b", "owner": "BBB", "magazine": 0})
    (tmp_path / "drones.yaml").write_text(yaml.safe_dump(data))
    campaign = {"name": "hand", "raids": [{"scenario": "drones.yaml"}],
                "absorb": {"scenario": "drones.yaml", "every_s": every, "max_raids": max_raids,
                           "leakage_threshold": 0.5}}
    if per_day:
        campaign["resupply"] = [{"interceptor": "test-missile", "per_day": per_day}]
    (tmp_path / "campaign.yaml").write_text(yaml.safe_dump(campaign))
    return load_campaign(tmp_path / "campaign.yaml")


def raids_until_dry_by_hand(magazine: int, rounds_per_raid: int, per_day: int) -> float:
    """Raid j starts with M - (j - 1)(k - r) rounds (r < k: the capacity M never binds after the
    first raid) and ends dry when it starts with k or fewer: n = 1 + ceil((M - k) / (k - r))."""
    if per_day >= rounds_per_raid:
        return math.inf
    return 1 + math.ceil((magazine - rounds_per_raid) / (rounds_per_raid - per_day))


@pytest.mark.parametrize("magazine, drones, per_day", [(10, 3, 1), (12, 4, 2), (7, 2, 0), (3, 3, 0), (6, 2, 2)])
def test_raids_until_dry_by_hand(tmp_path, magazine, drones, per_day):
    max_raids = 8
    report = run_campaign(drones_campaign(tmp_path, magazine, drones, per_day, max_raids), runs=4,
                          fidelity="ideal", realisations=2)
    (layer,), (stock,) = report["absorb"]["layers"], report["absorb"]["magazines"]
    n = raids_until_dry_by_hand(magazine, drones, per_day)
    assert layer["layer"] == 3 and layer["interceptors"] == ["test-missile"]
    for row in (layer, stock):
        if n > max_raids:  # censored: recorded as max_raids, flagged, the mean a lower bound
            assert row["per_replication"] == [max_raids] * 4 and all(row["censored"])
            assert row["median_censored"] and row["mean_is_lower_bound"] and row["p_never_dry"]["mean"] == 1
        else:
            assert row["per_replication"] == [n] * 4 and not any(row["censored"])
            assert row["raids_until_dry"]["mean"] == n and row["raids_until_dry_median"] == n
            assert not row["median_censored"] and not row["mean_is_lower_bound"]


def test_layer_runs_dry_when_every_stock_of_it_is_empty(tmp_path):
    # The neighbour's battery is empty from the start (dry after raid 1); the layer only when the
    # first battery is too, after 1 + ceil((10 - 3) / 3) = 4 raids.
    report = run_campaign(drones_campaign(tmp_path, 10, 3, 0, 6, second_unit=True), runs=2, fidelity="ideal",
                          realisations=1)
    (layer,) = report["absorb"]["layers"]
    stocks = {m["partner"]: m["per_replication"] for m in report["absorb"]["magazines"]}
    assert stocks == {"AAA": [4, 4], "BBB": [1, 1]}
    assert layer["per_replication"] == [4, 4] and layer["stocks"] == ["AAA test-missile", "BBB test-missile"]


def test_absorb_magazines_are_the_repeated_scenarios_units(tmp_path):
    # The campaign's raids fly a battery the repeated scenario does not have: it is not in the
    # absorb answer, where it would otherwise sit full forever.
    campaign = drones_campaign(tmp_path, 10, 3, 0, 3)
    data = yaml.safe_load((tmp_path / "drones.yaml").read_text())
    data["fire_units"].append({**data["fire_units"][0], "id": "elsewhere", "magazine": 5})
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(data))
    (tmp_path / "campaign.yaml").write_text(yaml.safe_dump(
        {**yaml.safe_load((tmp_path / "campaign.yaml").read_text()), "raids": [{"scenario": "other.yaml"}]}))
    report = run_campaign(load_campaign(tmp_path / "campaign.yaml"), runs=2, fidelity="ideal", realisations=1)
    assert report["magazines"][0]["capacity"] == 15
    assert report["absorb"]["magazines"][0]["capacity"] == 10 == report["absorb"]["layers"][0]["capacity"]
