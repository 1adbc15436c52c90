"""Deadlines and alerts (frister og advisering): a pure, Qt-free rules engine, its settings
(the law as the floor, local standards on top) and the service calls the screens use."""

from models.deadlines.engine import check_facts, compute
from models.deadlines.standards import DeadlineSettingError, Standards, load
from models.deadlines.types import STATUS_LABELS, CaseFacts, Deadline, DeadlineStatus

__all__ = [
    "STATUS_LABELS",
    "CaseFacts",
    "Deadline",
    "DeadlineSettingError",
    "DeadlineStatus",
    "Standards",
    "check_facts",
    "compute",
    "load",
]
