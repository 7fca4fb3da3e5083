"""Battle management: coalition rules, doctrine and the per-epoch decision."""

from shieldwall.battle.manager import BattleManager, Decision, Engagement
from shieldwall.battle.rules import REASON_TEXT, CoalitionRules, Reason

__all__ = ["REASON_TEXT", "BattleManager", "CoalitionRules", "Decision", "Engagement", "Reason"]
