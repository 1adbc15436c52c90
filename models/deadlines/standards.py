"""Deadline settings: the law's deadlines and the municipality's local standards, as data.

A municipality's file in ``resources/municipalities/<name>.toml`` sets its local standards; a
user's overrides (``frister.toml`` in the profile) come on top. The law is the floor: a setting
that would loosen a legal deadline is refused with an error naming the rule."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from models.errors import FeltmappeError


class DeadlineSettingError(FeltmappeError):
    """A deadline setting is unknown, malformed, or looser than the law allows."""

    code = "deadline.setting"


@dataclass(frozen=True)
class Standards:
    """Every number the rules use. Units are in the names. Defaults: the law, and where the law
    names no number, the local standards of the municipal documents in ``shared/sources``."""

    municipality: str = "Standard"
    soon_days: int = 7
    closed_on_optional_holidays: bool = False
    # Law (floors in LEGAL_LIMITS below)
    notification_assessment_hours: int = 24
    notifier_receipt_workdays: int = 6
    assessment_months: int = 4
    plan_months: int = 3
    youth_plan_months: int = 3
    youth_support_decision_months_before_18: int = 6
    first_follow_up_months: int = 3
    supervision_visits_per_year: int = 2
    notification_new_colleague_hours: int = 24
    # Local standards (no number in the law)
    assessment_after_preliminary_days: int = 30
    simple_assessment_weeks: int = 6  # an undersøgelse marked simple (Slagelse 2017); 0: none
    abuse_child_conversation_days: int = 7
    hearing_days: int = 14
    follow_up_months: int = 6
    follow_up_small_children_months: int = 3
    small_children_max_age: int = 6
    notification_meeting_days: int = 14
    notification_clarification_days: int = 30
    # Feedback to a professional notifier (§138 stk. 2): the law names no number of days.
    notifier_feedback_days: int = 30
    resource_agreement_first_months: int = 3
    resource_agreement_interval_months: int = 12
    intervention_assessment_months: int = 3
    intervention_evaluation_months: int = 12
    team_review_weeks: int = 8
    team_review_max_age: int = 6


#: setting → (rule it belongs to, the law's limit, "max" = may not be larger / "min" = smaller)
LEGAL_LIMITS: dict[str, tuple[str, int, str]] = {
    "notification_assessment_hours": ("underretning_24_timer", 24, "max"),
    "notifier_receipt_workdays": ("kvittering_underretter", 6, "max"),
    "assessment_months": ("undersoegelse_4_maaneder", 4, "max"),
    "plan_months": ("barnets_plan_3_maaneder", 3, "max"),
    "youth_plan_months": ("ungeplan_16_aar", 3, "max"),
    "youth_support_decision_months_before_18": ("ungestoette_18_aar", 6, "min"),
    "first_follow_up_months": ("foerste_opfoelgning", 3, "max"),
    "supervision_visits_per_year": ("tilsyn_2_om_aaret", 2, "min"),
    "notification_new_colleague_hours": ("ny_underretning_137", 24, "max"),
}

#: Calendar settings → the law's value. The law counts hverdage as Monday–Friday without Danish
#: public holidays; a municipality closed on more days (``closed_on_optional_holidays``: 1 May,
#: Grundlovsdag, 24 and 31 December) would move a legal deadline counted in hverdage later than
#: the law allows. So such a deadline is computed with the law's number and calendar too, and the
#: municipality's only where it gives an earlier day (``legal_workday`` in the rules).
LEGAL_CALENDAR: dict[str, bool] = {"closed_on_optional_holidays": False}

#: Sensible bounds for every setting (a typo like 600 months is refused, not obeyed).
BOUNDS: dict[str, tuple[int, int]] = {f.name: (0, 1000) for f in fields(Standards)}
BOUNDS.update(
    soon_days=(0, 90),
    small_children_max_age=(0, 17),
    team_review_max_age=(0, 17),
    supervision_visits_per_year=(1, 52),
    notifier_feedback_days=(1, 365),  # a legal duty: a period, never switched off
)


def _check(name: str, value: Any) -> None:
    if name in ("municipality", "closed_on_optional_holidays"):
        expected: type = str if name == "municipality" else bool
        if not isinstance(value, expected):
            raise DeadlineSettingError("deadline.setting_type", setting=name)
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise DeadlineSettingError("deadline.setting_type", setting=name)
    low, high = BOUNDS[name]
    if not low <= value <= high:
        raise DeadlineSettingError("deadline.setting_range", setting=name, low=low, high=high)
    if name in LEGAL_LIMITS:
        rule, limit, kind = LEGAL_LIMITS[name]
        if (kind == "max" and value > limit) or (kind == "min" and value < limit):
            raise DeadlineSettingError(
                "deadline.setting_looser_than_law",
                setting=name,
                rule=rule,
                legal=limit,
                given=value,
            )


def apply(base: Standards, overrides: dict[str, Any]) -> Standards:
    """``base`` with ``overrides``; every key and value is checked against the law first."""
    known = {f.name for f in fields(Standards)}
    for name, value in overrides.items():
        if name not in known:
            raise DeadlineSettingError("deadline.setting_unknown", setting=name)
        _check(name, value)
    return replace(base, **overrides)


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DeadlineSettingError(
            "deadline.settings_file", source=source, detail=str(exc)
        ) from exc
    frister = doc.get("frister", {})
    if not isinstance(frister, dict):
        raise DeadlineSettingError("deadline.settings_file", source=source, detail="[frister]")
    out = dict(frister)
    if "kommune" in doc:
        out["municipality"] = doc["kommune"]
    return out


def municipalities() -> list[str]:
    """The names of the bundled municipality files."""
    files = resources.files("resources.municipalities")
    return sorted(p.name.removesuffix(".toml") for p in files.iterdir() if p.name.endswith(".toml"))


def load(municipality: str = "standard", user_file: Path | None = None) -> Standards:
    """The standards of ``municipality`` with the user's overrides from ``user_file``."""
    name = municipality.lower()
    if name not in municipalities():
        raise DeadlineSettingError("deadline.unknown_municipality", municipality=municipality)
    text = resources.files("resources.municipalities").joinpath(f"{name}.toml").read_text("utf-8")
    standards = apply(Standards(), _parse_toml(text, f"{name}.toml"))
    if user_file is not None and user_file.exists():
        try:
            user_text = user_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DeadlineSettingError(
                "deadline.settings_file", source=user_file.name, detail=type(exc).__name__
            ) from exc
        standards = apply(standards, _parse_toml(user_text, user_file.name))
    return standards
