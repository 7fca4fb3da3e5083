"""A campaign whose depletion can be worked out by hand: one drone per raid, Pk 1, magazine 3."""

from __future__ import annotations

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
