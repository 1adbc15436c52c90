"""What every part of the demo generator shares: the run's context (random sources, the day,
the moment of generation, the staff), a family member as the builder knows them, small helpers."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from models.cpr import modulus11
from models.dates import add_months, long_date_da
from models.deadlines.calendar import DK
from models.schema import Person
from models.vocabulary import CaseStage, NotifierKind, NotifierSector, PartyRole

if TYPE_CHECKING:  # Faker is imported only when a demo is generated (models.demo.generator).
    from faker import Faker

#: Cases written per vault session (one transaction): few commits, small identity maps.
BATCH = 10

#: ICS dimension codes used for goals (DOMAIN.md's ICS table). Kept here until the form
#: definitions in resources/forms/ own the list.
ICS_DIMENSIONS: dict[str, str] = {
    "sundhedsforhold": "Sundhedsforhold",
    "uddannelse": "Uddannelse (skole/dagtilbud)",
    "foelelsesmaessig_udvikling": "Følelsesmæssig og adfærdsmæssig udvikling",
    "identitet": "Identitet",
    "familie_sociale_relationer": "Familie- og sociale relationer",
    "socialt_samspil": "Socialt samspil",
    "selvstaendighed": "Selvstændighed (egenomsorg)",
    "grundlaeggende_omsorg": "Grundlæggende omsorg",
    "sikkerhed_beskyttelse": "Sikkerhed og beskyttelse",
    "foelelsesmaessig_varme": "Følelsesmæssig varme",
    "stimulering": "Stimulering",
    "vejledning_graenser": "Vejledning og grænser",
    "stabilitet": "Stabilitet",
    "familiens_historie": "Familiens historie og funktion",
    "udvidet_netvaerk": "Det udvidede familie- og netværk",
    "boligforhold": "Boligforhold",
    "beskaeftigelse": "Beskæftigelse",
    "oekonomi": "Økonomi",
    "social_integration": "Familiens sociale integration",
    "lokalsamfund": "Lokalsamfundets ressourcer",
}

#: How a real caseload spreads over the stages.
STAGE_WEIGHTS: dict[CaseStage, int] = {
    CaseStage.UNDERRETNING: 8,
    CaseStage.VURDERING: 6,
    CaseStage.UNDERRETNINGSMOEDE: 5,
    CaseStage.UNDERSOEGELSE: 12,
    CaseStage.AFGOERELSE: 5,
    CaseStage.HANDLEPLAN: 8,
    CaseStage.OPFOELGNING: 20,
    CaseStage.TILSYN: 14,
    CaseStage.EFTERVAERN: 6,
    CaseStage.AFSLUTTET: 8,
}

#: Stages a second case is guaranteed in, so each "overdue" and "due soon" variant exists.
EXTRA_STAGES = (
    CaseStage.UNDERRETNING,
    CaseStage.UNDERSOEGELSE,
    CaseStage.UNDERSOEGELSE,
    CaseStage.HANDLEPLAN,
    CaseStage.OPFOELGNING,
    CaseStage.TILSYN,
)

EARLY = (
    CaseStage.UNDERRETNING,
    CaseStage.VURDERING,
    CaseStage.UNDERRETNINGSMOEDE,
    CaseStage.UNDERSOEGELSE,
)
DECIDED = (
    CaseStage.AFGOERELSE,
    CaseStage.HANDLEPLAN,
    CaseStage.OPFOELGNING,
    CaseStage.TILSYN,
    CaseStage.EFTERVAERN,
    CaseStage.AFSLUTTET,
)


def dk(d: date) -> str:
    """A date as Danes write it in a letter: 5. marts 2026."""
    return long_date_da(d)


def genitive(name: str) -> str:
    return name + "'" if name[-1:].lower() in ("s", "x", "z") else name + "s"


def years_before(d: date, years: int) -> date:
    return add_months(d, -12 * years)


@dataclass
class Staff:
    user_id: str
    username: str
    name: str
    team: str
    districts: tuple[str, ...]


@dataclass
class Ctx:
    """Everything shared by the cases of one run: the random sources, the day, the moment of
    generation (``anchor``: nothing that happened lies after it), the staff."""

    rng: random.Random
    fake: Faker
    today: date
    anchor: datetime
    caseworkers: list[Staff] = field(default_factory=list)
    leads: list[Staff] = field(default_factory=list)
    used_cpr: set[str] = field(default_factory=set)
    used_numbers: set[str] = field(default_factory=set)
    next_number: dict[int, int] = field(default_factory=dict)
    pending_notifiers: list[tuple[NotifierKind, NotifierSector | None]] = field(
        default_factory=list
    )
    schools: list[str] = field(default_factory=list)
    daycares: list[str] = field(default_factory=list)
    clinics: list[str] = field(default_factory=list)

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def name(self) -> str:
        """A plain invented name (Faker's ``name()`` adds titles such as "Dr.")."""
        return f"{self.fake.first_name()} {self.fake.last_name()}"

    def address(self) -> str:
        return f"{self.fake.street_address()}, {self.fake.postcode()} {self.fake.city()}"

    def first_name(self, sex: str) -> str:
        return self.fake.first_name_male() if sex == "M" else self.fake.first_name_female()

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def ts(self, d: date, hour: int | None = None) -> datetime:
        """An aware UTC timestamp on ``d`` in working hours; never after the anchor."""
        if d >= self.today:
            if d > self.today:
                h = hour if hour is not None else self.rng.randint(7, 13)
                return datetime.combine(d, time(h, self.rng.choice((0, 15, 30, 45))), UTC)
            # Earlier today, but not before the Danish day began.
            earlier = self.anchor - timedelta(minutes=self.rng.randint(20, 300))
            return max(earlier, datetime.combine(d, time(0, 0), DK).astimezone(UTC))
        h = hour if hour is not None else self.rng.randint(7, 14)
        return datetime.combine(d, time(h, self.rng.choice((0, 10, 15, 30, 40, 45))), UTC)

    def workday(self, d: date) -> date:
        """Move a past day off the weekend (back to Friday), a future one forward to Monday."""
        if d.weekday() < 5:
            return d
        if d <= self.today:
            return d - timedelta(days=d.weekday() - 4)
        return d + timedelta(days=7 - d.weekday())

    def case_number(self, opened_on: date) -> str:
        year = opened_on.year
        n = self.next_number.get(year, 1)
        while f"{year}-{n:05d}" in self.used_numbers:
            n += 1
        self.next_number[year] = n + 1
        number = f"{year}-{n:05d}"
        self.used_numbers.add(number)
        return number

    def cpr(self, born: date, sex: str, *, mod11: bool = True) -> str:
        """A CPR number of valid form for ``born`` and ``sex`` (7th digit fits the century).
        With ``mod11`` false the number fails the modulus-11 check, as many real ones do."""
        yy = born.year % 100
        if born.year < 2000:
            sevenths = [0, 1, 2, 3] + ([4, 9] if yy >= 37 else [])
        else:
            sevenths = ([4, 9] if yy <= 36 else []) + ([5, 6, 7, 8] if yy <= 57 else [])
        stem = f"{born.day:02d}{born.month:02d}{yy:02d}"
        for _ in range(200):
            head = f"{stem}{self.rng.choice(sevenths)}{self.rng.randrange(100):02d}"
            last = [
                c
                for c in range(10)
                if (c % 2 == 1) == (sex == "M") and modulus11(f"{head}{c}") == mod11
            ]
            if not last:
                continue
            number = f"{head[:6]}-{head[6:]}{self.rng.choice(last)}"
            if number not in self.used_cpr:
                self.used_cpr.add(number)
                return number
        raise RuntimeError("no free CPR number")  # pragma: no cover - 200 tries never all fail


@dataclass
class Member:
    """A person in one case's family or network, as the builder knows them."""

    person: Person
    role: PartyRole
    label: str  # "Mor", "Mormor", "Klasselærer" …
    organisation: str = ""
    custody: bool = False
