"""The vocabularies of ``models.vocabulary`` a form may take its choices from
(``vocabulary = "notifier_kind"``): value -> Danish label. A form refers to them by these names;
the loader refuses a name or a value that is not here."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from models import vocabulary as v

E = TypeVar("E", bound=StrEnum)


def _labels(labels: Mapping[E, str]) -> Mapping[str, str]:
    return MappingProxyType({str(k.value): text for k, text in labels.items()})


VOCABULARIES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "notifier_kind": _labels(v.NOTIFIER_KIND_LABELS),
        "notifier_sector": _labels(
            {k: text.capitalize() for k, text in v.NOTIFIER_SECTOR_LABELS.items()}
        ),
        "screening_outcome": _labels(v.SCREENING_OUTCOME_LABELS),
        "party_role": _labels(v.PARTY_ROLE_LABELS),
        "meeting_kind": _labels(v.MEETING_KIND_LABELS),
        "legal_basis": _labels(v.LEGAL_BASIS_LABELS),
        "plan_kind": _labels(v.PLAN_KIND_LABELS),
    }
)


def vocabulary(name: str) -> Mapping[str, str]:
    """The values and labels of vocabulary ``name`` (KeyError when there is none)."""
    return VOCABULARIES[name]


#: The enum behind each vocabulary, so a value written to a vault column is the enum member.
VOCABULARY_ENUMS: Mapping[str, type[StrEnum]] = MappingProxyType(
    {
        "notifier_kind": v.NotifierKind,
        "notifier_sector": v.NotifierSector,
        "screening_outcome": v.ScreeningOutcome,
        "party_role": v.PartyRole,
        "meeting_kind": v.MeetingKind,
        "legal_basis": v.LegalBasis,
        "plan_kind": v.PlanKind,
    }
)
