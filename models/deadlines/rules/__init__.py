"""One function per deadline of DOMAIN.md's lifecycle table, by stage of the case. Each takes a
case's facts, "now" and the settings (``Ctx``), and yields that rule's deadlines. Pure: no database,
no clock. The legal references are in ``base.RULES``, the one place to correct them."""

from __future__ import annotations

from models.deadlines.rules.assessments import assessment_deadline, home_visit, simple_assessment
from models.deadlines.rules.base import (
    FOLLOWED_UP,
    LAW,
    RULES,
    SUPPORT,
    Ctx,
    Rule,
    end_of_day,
    follow_up_done_on,
    make,
    missing,
    start_of_day,
)
from models.deadlines.rules.follow_up import (
    first_follow_up,
    hearing_answer,
    intervention_reviews,
    next_follow_up,
    resource_agreement,
    supervision,
    team_review,
)
from models.deadlines.rules.notifications import (
    abuse_child_conversation,
    new_notification_in_supported_case,
    notification_assessment,
    notification_clarification,
    notification_meeting,
    notifier_feedback,
    notifier_receipt,
)
from models.deadlines.rules.plans import child_plan, youth_plan, youth_support_decision

ALL_RULES: tuple[Rule, ...] = (
    notification_assessment,
    notifier_receipt,
    notifier_feedback,
    notification_meeting,
    notification_clarification,
    new_notification_in_supported_case,
    abuse_child_conversation,
    assessment_deadline,
    simple_assessment,
    home_visit,
    child_plan,
    youth_plan,
    youth_support_decision,
    first_follow_up,
    next_follow_up,
    supervision,
    hearing_answer,
    resource_agreement,
    intervention_reviews,
    team_review,
)

__all__ = [
    "ALL_RULES",
    "FOLLOWED_UP",
    "LAW",
    "RULES",
    "SUPPORT",
    "Ctx",
    "Rule",
    "abuse_child_conversation",
    "assessment_deadline",
    "child_plan",
    "end_of_day",
    "first_follow_up",
    "follow_up_done_on",
    "hearing_answer",
    "home_visit",
    "intervention_reviews",
    "make",
    "missing",
    "new_notification_in_supported_case",
    "next_follow_up",
    "notification_assessment",
    "notification_clarification",
    "notification_meeting",
    "notifier_feedback",
    "notifier_receipt",
    "resource_agreement",
    "simple_assessment",
    "start_of_day",
    "supervision",
    "team_review",
    "youth_plan",
    "youth_support_decision",
]
