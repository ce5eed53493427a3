"""The names of the plans and of custom-domain states, as enums instead of bare strings.

What a plan allows lives on its config (`config.PlanConfig`): code asks the plan's
capabilities, never which plan it is.
"""

from __future__ import annotations

from enum import StrEnum


class Plan(StrEnum):
    FREE = "free"
    PREMIUM = "premium"


class DomainStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    FAILING = "failing"  # re-checks fail, but not yet `max_failures` times in a row
    SUSPENDED = "suspended"

    @property
    def receiving(self) -> bool:
        return self in (DomainStatus.VERIFIED, DomainStatus.FAILING)
