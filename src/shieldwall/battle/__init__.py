"""Battle management: coalition rules, doctrine and the per-epoch decision."""

from shieldwall.battle.manager import BattleState, Plan, build_plan, decide, evaluate
from shieldwall.battle.rules import REASON_TEXT, CoalitionRules, Reason

__all__ = ["REASON_TEXT", "BattleState", "CoalitionRules", "Plan", "Reason", "build_plan", "decide", "evaluate"]
