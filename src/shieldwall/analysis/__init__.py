"""Analysis: variants of a scenario, partner value (Shapley, leave-one-out), coordination, campaigns.

Every comparison runs under common random numbers (the same seeds per replication, keyed per
threat, sensor and shot), so differences are computed per replication and reported with paired
intervals.
"""

from shieldwall.analysis.campaign import Campaign, load_campaign, run_campaign
from shieldwall.analysis.compare import compare
from shieldwall.analysis.evaluate import MEASURES, Measured, Settings, evaluate
from shieldwall.analysis.shapley import (
    exact_shapley,
    leave_one_out,
    sample_permutations,
    sampled_shapley,
)
from shieldwall.analysis.value import partner_value
from shieldwall.analysis.variants import (
    Overlay,
    Variant,
    apply_overlay,
    base_variant,
    coalition_variant,
    load_overlay,
    restrict,
)

__all__ = [
    "MEASURES", "Campaign", "Measured", "Overlay", "Settings", "Variant", "apply_overlay", "base_variant",
    "coalition_variant", "compare", "evaluate", "exact_shapley", "leave_one_out", "load_campaign",
    "load_overlay", "partner_value", "restrict", "run_campaign", "sample_permutations", "sampled_shapley",
]
