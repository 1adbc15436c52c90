"""Demo data: fills a vault with invented but realistic Danish child-welfare cases, for trying the
app, for screenshots and for benchmarks. Every person is made up (Faker, ``da_DK``).

Deterministic: the same ``seed`` and ``today`` give the same rows with the same ids, so a demo
vault can be rebuilt and a benchmark repeated. All dates are relative to ``today``, and some
deadlines are deliberately overdue or due soon so that alerts have something to show."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import services, settings
from models.cpr import modulus11, parse_cpr
from models.dates import add_months, long_date_da
from models.deadlines.calendar import DK, local_date
from models.deadlines.types import STATUS_LABELS, DeadlineStatus
from models.errors import ValidationError
from models.schema import (
    Agreement,
    Assessment,
    AuditEvent,
    Base,
    Case,
    CaseParty,
    ChangeEntry,
    DeadlineAck,
    FollowUp,
    Intervention,
    JournalNote,
    Meeting,
    Notification,
    Person,
    Plan,
    Relation,
    ScaleReading,
    User,
)
from models.vault import Vault
from models.vocabulary import (
    STAGE_LABELS,
    TABLE_LABELS,
    AgreementKind,
    AssessmentStatus,
    CaseStage,
    DeadlineAckKind,
    LegalBasis,
    MeetingKind,
    NoteKind,
    NotifierKind,
    NotifierSector,
    PartyRole,
    PlanKind,
    PlanStatus,
    RelationKind,
    RelationQuality,
    ScaleKind,
    ScreeningOutcome,
    StepStatus,
    UserRole,
)

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


_STAGE_WEIGHTS: dict[CaseStage, int] = {
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
_EXTRA_STAGES = (
    CaseStage.UNDERRETNING,
    CaseStage.UNDERSOEGELSE,
    CaseStage.UNDERSOEGELSE,
    CaseStage.HANDLEPLAN,
    CaseStage.OPFOELGNING,
    CaseStage.TILSYN,
)

_EARLY = (
    CaseStage.UNDERRETNING,
    CaseStage.VURDERING,
    CaseStage.UNDERRETNINGSMOEDE,
    CaseStage.UNDERSOEGELSE,
)
_DECIDED = (
    CaseStage.AFGOERELSE,
    CaseStage.HANDLEPLAN,
    CaseStage.OPFOELGNING,
    CaseStage.TILSYN,
    CaseStage.EFTERVAERN,
    CaseStage.AFSLUTTET,
)

_TEAMS = (
    ("Team Vest", ("Distrikt Vest", "Distrikt Midt")),
    ("Team Øst", ("Distrikt Øst", "Distrikt Nord")),
    ("Team Småbørn", ("Distrikt Syd", "Distrikt Midt")),
)

_PLACE_WORDS = (
    "Solbakken",
    "Egely",
    "Lyngtoften",
    "Bøgely",
    "Fjordgården",
    "Skovly",
    "Kildegården",
    "Enghaven",
    "Højmarken",
    "Lærkereden",
)
_DAYCARE_WORDS = (
    "Mariehønen",
    "Troldehøjen",
    "Solsikken",
    "Regnbuen",
    "Spiren",
    "Myretuen",
    "Skovmusen",
    "Græshoppen",
    "Bikuben",
    "Valmuen",
)
_SCHOOL_WORDS = (
    "Vestre",
    "Søndre",
    "Egebjerg",
    "Bakke",
    "Møllevang",
    "Kirkebakke",
    "Strand",
    "Nørre",
    "Lindegård",
    "Rosenhøj",
)


# -- the summary -------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    """What ``generate`` wrote: rows per table (by table name, including the outbox
    ``change_entry`` and the access log ``audit_event``) and cases per stage. No case data."""

    seed: int
    today: date
    cases: int
    tables: Mapping[str, int]
    stages: Mapping[CaseStage, int]
    #: Deadlines of the open cases by status at the moment of generation.
    deadlines: Mapping[DeadlineStatus, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary in Danish, one line each, for the command line."""
        out = [f"Sager: {self.cases} (frø {self.seed}, dato {self.today.isoformat()})"]
        out += [f"  {STAGE_LABELS[s]}: {self.stages.get(s, 0)}" for s in CaseStage]
        if self.deadlines:
            out.append("Frister:")
            out += [
                f"  {STATUS_LABELS[s]}: {self.deadlines.get(s, 0)}"
                for s in DeadlineStatus
                if s in self.deadlines
            ]
        out.append("Rækker:")
        out += [f"  {TABLE_LABELS.get(name, name)}: {n}" for name, n in sorted(self.tables.items())]
        return out


# -- small helpers -----------------------------------------------------------------------


def _dk(d: date) -> str:
    """A date as Danes write it in a letter: 5. marts 2026."""
    return long_date_da(d)


def _genitive(name: str) -> str:
    return name + "'" if name[-1:].lower() in ("s", "x", "z") else name + "s"


def _years_before(d: date, years: int) -> date:
    return add_months(d, -12 * years)


@dataclass
class _Staff:
    user_id: str
    username: str
    name: str
    team: str
    districts: tuple[str, ...]


@dataclass
class _Ctx:
    """Everything shared by the cases of one run: the random sources, the day, the staff."""

    rng: random.Random
    fake: Faker
    today: date
    anchor: datetime
    caseworkers: list[_Staff] = field(default_factory=list)
    leads: list[_Staff] = field(default_factory=list)
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
            back = d - timedelta(days=d.weekday() - 4)
            return back
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


# -- people ------------------------------------------------------------------------------


@dataclass
class _Member:
    """A person in one case's family or network, as the builder knows them."""

    person: Person
    role: PartyRole
    label: str  # "Mor", "Mormor", "Klasselærer" …
    organisation: str = ""
    custody: bool = False


# Texts. {navn} is the child's first name, {navn_s} its genitive, {han}/{Han}/{ham}/{hans}
# the pronouns, {mor}/{far} the parents' first names, {inst} the child's school or daycare.

_NOTIFICATION_TEXTS: dict[NotifierSector | None, tuple[str, ...]] = {
    NotifierSector.SKOLE: (
        "{navn} har haft {fravaer} % fravær i indeværende skoleår, heraf meget ulovligt fravær. "
        "{Han} virker træt og uoplagt i timerne og har flere gange ikke haft madpakke med. "
        "Skolen har forsøgt at få kontakt til forældrene uden held.",
        "{navn} er gennem det seneste halve år blevet mere indadvendt og isoleret i klassen. "
        "{Han} har fortalt en lærer, at {han} ikke har lyst til at gå hjem, fordi der er meget "
        "råb og skænderier derhjemme.",
        "Skolen er bekymret for {navn_s} trivsel. {Han} er ofte i konflikt med kammeraterne, har "
        "svært ved at regulere sine følelser og er flere gange gået fra skole midt på dagen uden "
        "at sige det til nogen.",
        "{navn} fortalte i dag sin klasselærer, at far slår, når han er sur. {Han} havde et "
        "blåt mærke på overarmen. Skolen underretter samme dag.",
    ),
    NotifierSector.DAGTILBUD: (
        "{navn} kommer ofte i institutionen i for lidt tøj i forhold til vejret og med en våd ble "
        "fra morgenen. {Han} er sulten, når {han} kommer, og spiser meget til morgenmad.",
        "Personalet er bekymret for {navn_s} sproglige udvikling og kontakt. {Han} reagerer "
        "ikke, når {han} bliver hentet, og forældrene virker uoplagte ved afhentning.",
        "{navn} er flere gange blevet hentet af en forælder, som virkede påvirket. Personalet har "
        "ved én lejlighed ikke villet udlevere barnet og har ringet til den anden forælder.",
        "{navn} har haft et stort fravær fra {inst} de seneste måneder, og forældrene har aflyst "
        "to aftalte forældresamtaler.",
    ),
    NotifierSector.SUNDHED: (
        "Egen læge har set {navn} flere gange for mavepine og hovedpine uden fund af somatisk "
        "årsag. {Han} fortæller om uro i hjemmet og om at passe sine mindre søskende.",
        "{navn} blev bragt til skadestuen med et brud på underarmen. Forklaringen på skaden "
        "stemmer ikke overens med skadens karakter.",
        "Børne- og ungdomspsykiatrien oplyser, at {navn} har været indlagt efter selvskade. Der "
        "er behov for afklaring af støtten i hjemmet efter udskrivelsen.",
    ),
    NotifierSector.POLITI: (
        "Politiet har været tilkaldt til adressen på grund af husspektakler. {navn} var til stede "
        "under episoden, hvor forældrene skændtes højlydt, og der blev smadret inventar.",
        "Politiet har fundet {navn} alene på gaden kl. 2 om natten. Forældrene kunne ikke "
        "kontaktes før næste morgen.",
    ),
    NotifierSector.SOCIALFORVALTNING: (
        "Misbrugscentret oplyser, at {mor} har genoptaget sit forbrug af alkohol og er udeblevet "
        "fra behandlingen. {mor} har den daglige omsorg for {navn}.",
        "Jobcentret oplyser, at {far} ved en samtale har givet udtryk for at være meget presset "
        "og har sagt, at han ikke kan tage sig af børnene, hvis der ikke kommer hjælp.",
    ),
    NotifierSector.ANDEN: (
        "Den kommunale tandpleje har indkaldt {navn} fem gange uden fremmøde. {Han} har flere "
        "huller og smerter, og forældrene har ikke reageret på breve.",
        "Klubmedarbejderne oplever, at {navn} er i klubben til lukketid hver dag og ikke har lyst "
        "til at gå hjem. {Han} har fortalt, at der ikke er mad i køleskabet.",
    ),
    NotifierSector.FAMILIE: (
        "Barnets bedsteforælder ringer og fortæller, at {mor} drikker meget og ofte sover om "
        "eftermiddagen, når {navn} kommer hjem. Bedsteforælderen er bekymret for, om {navn} får "
        "mad og kommer i skole.",
        "{far}, som ikke bor sammen med {navn}, er bekymret for forholdene hos mor. {navn} har "
        "efter samvær fortalt om mors nye kæreste, der råber og truer.",
    ),
    NotifierSector.NABO: (
        "En nabo henvender sig, fordi hun gennem længere tid har hørt voldsomme skænderier og "
        "gråd fra lejligheden om aftenen. {navn} har flere gange siddet alene på trappen.",
        "Naboen fortæller, at {navn} ofte er alene hjemme om aftenen og har banket på for at låne "
        "mad.",
    ),
    None: (
        "Anonym henvendelse pr. telefon: Der er meget larm og råben fra familiens lejlighed, og "
        "barnet ses ofte ude sent uden voksne. Henvenderen ønsker at være anonym af frygt for "
        "repressalier.",
        "Anonym henvendelse via kommunens hjemmeside om, at {navn} bliver slået derhjemme. Der "
        "oplyses ikke yderligere.",
    ),
}

_CHILD_QUOTES = (
    "Det bedste er, når vi spiser aftensmad sammen. Det værste er, når mor og far råber.",
    "Jeg kan godt lide at være hos mormor. Der er der ro.",
    "Jeg vil gerne have, at der er nogen, der hjælper mor, så hun ikke er så træt.",
    "I skolen er det okay, men jeg har ikke rigtig nogen at være sammen med i frikvartererne.",
    "Jeg vil bare gerne bo et sted, hvor jeg kan sove om natten.",
)
_YOUTH_QUOTES = (
    "Jeg vil gerne have min egen lejlighed, men jeg er bange for ikke at kunne klare økonomien.",
    "Jeg er startet på FGU, og det går fint. Jeg vil gerne have et fritidsjob ved siden af.",
    "Det hjælper at have en kontaktperson, jeg kan ringe til, når det hele bliver for meget.",
    "Jeg vil ikke have, at mine forældre bestemmer over mig mere, men jeg vil gerne se min lillebror.",
)

_SMALL_CHILD_HEALTH = (
    "Sundhedsplejersken har ved de seneste tre besøg set, at {navn} ikke tager tilstrækkeligt "
    "på i vægt. {mor} virker trist og overvældet og har svært ved at aflæse barnets signaler."
)
_UNBORN_HEALTH = (
    "Jordemoderen er bekymret for det ufødte barn. Den gravide har et kendt forbrug af hash og "
    "er udeblevet fra to graviditetskonsultationer. Termin er {termin}."
)
_ABUSE_MARKERS = ("slår", "brud på underarmen", "blevet slået", "bliver slået")

_OUTCOME_TEXTS: dict[ScreeningOutcome, str] = {
    ScreeningOutcome.AKUT: "Barnet vurderes at være i akut fare. Der er handlet samme dag.",
    ScreeningOutcome.UNDERSOEGELSE: "Der iværksættes en børnefaglig undersøgelse efter "
    "barnets lov § 20.",
    ScreeningOutcome.RAAD_OG_VEJLEDNING: "Familien tilbydes råd og vejledning. Der iværksættes "
    "ikke en børnefaglig undersøgelse.",
    ScreeningOutcome.INGEN_FORANSTALTNING: "Underretningen giver ikke anledning til "
    "foranstaltninger. Forældrene er orienteret.",
    ScreeningOutcome.SAMMENLAGT: "Underretningen indgår i den verserende sag og drøftes på "
    "næste opfølgning.",
}

#: (text, ICS dimension, measure, minimum age, maximum age)
_GOALS: tuple[tuple[str, str, str, int, int], ...] = (
    (
        "{navn} følger sin vækstkurve og kommer til alle sundhedsplejerskens besøg",
        "sundhedsforhold",
        "Vejning ved sundhedsplejerskens besøg hver 14. dag",
        0,
        2,
    ),
    (
        "{navn} møder i dagtilbuddet senest kl. 9 mindst fire dage om ugen",
        "uddannelse",
        "Fremmøderegistrering fra dagtilbuddet hver måned",
        1,
        5,
    ),
    (
        "{navn} kommer i skole hver dag og har højst 5 % fravær",
        "uddannelse",
        "Fraværsregistrering fra skolen hver måned",
        6,
        16,
    ),
    (
        "{navn} er i gang med en ungdomsuddannelse eller FGU",
        "uddannelse",
        "Bekræftelse fra UU-vejleder",
        16,
        22,
    ),
    (
        "Forældrene sikrer faste sengetider og morgenrutiner",
        "stabilitet",
        "Forældrenes egen registrering og familiebehandlerens observationer",
        0,
        14,
    ),
    (
        "Der er ingen episoder med vold eller trusler i hjemmet",
        "sikkerhed_beskyttelse",
        "Sikkerhedsplanen følges op på netværksmøder",
        0,
        17,
    ),
    (
        "{navn} deltager i en fritidsaktivitet mindst en gang om ugen",
        "socialt_samspil",
        "Fremmøde i klubben eller foreningen",
        7,
        17,
    ),
    (
        "{navn} kan sætte ord på sine følelser og søger hjælp hos en voksen ved konflikter",
        "foelelsesmaessig_udvikling",
        "Trivselslineal ved hver opfølgning og lærerens observationer",
        5,
        17,
    ),
    (
        "{navn} ser sine bedsteforældre mindst hver anden weekend",
        "udvidet_netvaerk",
        "Ressourcepersonaftalen følges op efter 3 måneder",
        0,
        17,
    ),
    (
        "{navn} kan selv håndtere sin økonomi og betale husleje til tiden",
        "selvstaendighed",
        "Budgetgennemgang med kontaktpersonen hver måned",
        16,
        22,
    ),
    (
        "Forældrene reagerer på {navn_s} signaler og trøster, når {han} er ked af det",
        "foelelsesmaessig_varme",
        "Observationer ved hjemmebesøg og i dagtilbuddet",
        0,
        8,
    ),
    (
        "Familien bor i en stabil bolig uden huslejerestancer",
        "boligforhold",
        "Ingen rykkere fra boligselskabet",
        0,
        17,
    ),
)

#: (title, legal basis, legal reference, staircase step, provider)
_SUPPORT: tuple[tuple[str, LegalBasis, str, int, str], ...] = (
    (
        "Forældrekursus (De Utrolige År)",
        LegalBasis.ANDEN,
        "Forebyggende tilbud",
        1,
        "Familiecentret",
    ),
    (
        "Samtaleforløb i Familiecentret",
        LegalBasis.ANDEN,
        "Tidligt forebyggende forløb",
        2,
        "Familiecentret",
    ),
    (
        "Konsulentbistand og psykologsamtaler",
        LegalBasis.BL32,
        "Barnets Lov § 32, stk. 1",
        2,
        "PPR",
    ),
    ("Familiebehandling", LegalBasis.BL32, "Barnets Lov § 32, stk. 1", 3, "Familiecentret"),
    (
        "Praktisk pædagogisk støtte i hjemmet",
        LegalBasis.BL32,
        "Barnets Lov § 32, stk. 1",
        3,
        "Familiecentret",
    ),
    ("Fast kontaktperson", LegalBasis.BL32, "Barnets Lov § 32, stk. 1", 3, "Kontaktpersonkorpset"),
    (
        "Aflastning hver anden weekend",
        LegalBasis.BL32,
        "Barnets Lov § 32, stk. 1",
        4,
        "Aflastningsfamilie",
    ),
    ("Dagbehandling", LegalBasis.BL32, "Barnets Lov § 32, stk. 1", 4, "Dagbehandlingstilbuddet"),
    (
        "Døgnophold for hele familien",
        LegalBasis.BL32,
        "Barnets Lov § 32, stk. 1",
        5,
        "Familieinstitutionen",
    ),
)


# -- the case builder --------------------------------------------------------------------


class _CaseBuilder:
    """Builds the rows of one demo case. Rows are collected in three phases, written in order,
    so foreign keys (persons before parties, plans before follow-ups …) always hold."""

    def __init__(
        self,
        ctx: _Ctx,
        stage: CaseStage,
        variant: int,
        *,
        unborn: bool = False,
        no_cpr: bool = False,
        correction: bool = False,
    ) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.fake = ctx.fake
        self.today = ctx.today
        self.stage = stage
        self.variant = variant
        self.unborn = unborn
        self.no_cpr = no_cpr
        self.correction = correction
        self.persons: list[Base] = []
        self.rows: list[Base] = []
        self.late: list[Base] = []
        self.notes: list[JournalNote] = []
        self.members: list[_Member] = []
        self.meetings: list[Meeting] = []
        self.worker = self.rng.choice(ctx.caseworkers)
        self.case_id = ctx.uid()
        self.placement: Intervention | None = None
        self.placement_place = ""
        self.placed_now = False
        self.level = 4.0

    # -- helpers --------------------------------------------------------------------

    def add(self, row: Base) -> None:
        self.rows.append(row)

    def words(self, **extra: str) -> dict[str, str]:
        w = dict(self.w)
        w.update(extra)
        return w

    def fmt(self, text: str, **extra: str) -> str:
        return text.format(**self.words(**extra))

    def note(
        self,
        d: date,
        title: str,
        body: str,
        *,
        draft: bool = False,
        after: datetime | None = None,
    ) -> JournalNote:
        """A journal note on day ``d`` (or shortly ``after`` an event), finalised unless a draft."""
        if after is not None:
            written = min(after + timedelta(minutes=self.rng.randint(15, 150)), self.ctx.anchor)
        else:
            written = self.ctx.ts(self.ctx.workday(min(d, self.today)))
        final = (
            None
            if draft
            else min(written + timedelta(minutes=self.rng.randint(5, 90)), self.ctx.anchor)
        )
        note = JournalNote(
            id=self.ctx.uid(),
            case_id=self.case_id,
            title=title,
            body=body,
            author=self.worker.username,
            written_at=written,
            finalised_at=final,
        )
        self.notes.append(note)
        return note

    def person(
        self,
        first: str,
        last: str,
        born: date | None,
        sex: str | None,
        *,
        with_cpr: bool = True,
        mod11: bool = True,
        address: str = "",
        phone: str = "",
        email: str = "",
        note: str = "",
        unborn: bool = False,
        expected: date | None = None,
    ) -> Person:
        cpr: str | None = None
        if born is not None and sex is not None and with_cpr:
            parsed = parse_cpr(self.ctx.cpr(born, sex, mod11=mod11))
            cpr, born, sex = parsed.number, parsed.birth_date, parsed.sex
        person = Person(
            id=self.ctx.uid(),
            first_name=first or "Ufødt barn",
            last_name=last,
            cpr=cpr,
            birth_date=born,
            sex=sex,
            unborn=unborn,
            expected_date=expected,
            address=address,
            phone=phone,
            email=email,
            note=note,
        )
        self.persons.append(person)
        return person

    def member(
        self,
        person: Person,
        role: PartyRole,
        label: str,
        *,
        custody: bool = False,
        organisation: str = "",
    ) -> _Member:
        m = _Member(person, role, label, organisation, custody)
        self.members.append(m)
        note = f"{label}, {organisation}" if organisation else label
        self.add(
            CaseParty(
                id=self.ctx.uid(),
                case_id=self.case_id,
                person_id=person.id,
                role=role,
                has_custody=custody,
                party_rights=services.default_party_rights(role, has_custody=custody),
                note=note,
            )
        )
        return m

    def relate(
        self,
        a: Person,
        b: Person,
        kind: RelationKind,
        quality: RelationQuality | None,
        pos: tuple[float, float],
        note: str = "",
    ) -> None:
        self.add(
            Relation(
                id=self.ctx.uid(),
                case_id=self.case_id,
                from_person_id=a.id,
                to_person_id=b.id,
                kind=kind,
                quality=quality,
                note=note,
                pos_x=pos[0],
                pos_y=pos[1],
            )
        )

    def attendee(self, m: _Member | None, *, role: str = "") -> dict[str, Any]:
        if m is None:
            return {"person_id": None, "name": self.worker.name, "role": role or "Rådgiver"}
        return {"person_id": m.person.id, "name": m.person.full_name, "role": role or m.label}

    def between(self, a: date, b: date) -> date:
        if b <= a:
            return a
        return a + timedelta(days=self.rng.randint(0, (b - a).days))

    # -- the child and the family ---------------------------------------------------

    def child_age(self) -> int:
        r = self.rng
        if self.stage is CaseStage.EFTERVAERN:
            return r.randint(18, 22)
        if self.stage is CaseStage.TILSYN:
            return r.choice((16, 17)) if r.random() < 0.35 else r.randint(3, 15)
        if self.stage in (CaseStage.OPFOELGNING, CaseStage.HANDLEPLAN):
            return r.choice((16, 17)) if r.random() < 0.25 else r.randint(2, 15)
        if self.stage is CaseStage.AFSLUTTET:
            return r.randint(2, 19)
        if self.stage is CaseStage.AFGOERELSE:
            return r.randint(1, 17)
        # New cases: many small children (the 0–6 focus of the 2019 note), one infant for sure.
        if self.variant == 1 or r.random() < 0.3:
            return r.randint(0, 2) if self.variant != 1 else r.choice((0, 1))
        return r.randint(3, 17)

    def build_family(self) -> None:
        r, fake, today = self.rng, self.fake, self.today
        family_name = fake.last_name()
        address = f"{fake.street_address()}, {fake.postcode()} {fake.city()}"
        if self.unborn:
            self.age = -1
            born: date | None = None
            expected = today + timedelta(days=r.randint(20, 150))
            sex: str | None = None
            first = ""
        else:
            self.age = self.child_age()
            born = _years_before(today, self.age) - timedelta(days=r.randint(1, 360))
            expected = None
            sex = r.choice(("M", "K"))
            first = fake.first_name_male() if sex == "M" else fake.first_name_female()
        self.born = born
        # Numbers issued since October 2007 need not pass modulus 11.
        mod11 = born is None or born < date(2007, 10, 1) or r.random() > 0.2
        child = self.person(
            first,
            family_name,
            born,
            sex,
            with_cpr=not self.no_cpr,
            mod11=mod11,
            address=address if self.stage is not CaseStage.EFTERVAERN else "",
            unborn=self.unborn,
            expected=expected,
            note="Nyankommet til kommunen, CPR-nummer afventer" if self.no_cpr else "",
        )
        if self.stage is CaseStage.EFTERVAERN:
            child.address = f"{fake.street_address()}, {fake.postcode()} {fake.city()}"
            child.phone = fake.phone_number()
        label = "Det ufødte barn" if self.unborn else "Barnet" if self.age < 18 else "Den unge"
        self.child = self.member(child, PartyRole.BARN, label)
        ref = born or today
        adult = self.stage is CaseStage.EFTERVAERN

        # Parents: custody shared, with the mother alone, or (rarely) with the father.
        mother_born = _years_before(ref, r.randint(19, 40)) - timedelta(days=r.randint(0, 360))
        mother = self.person(
            fake.first_name_female(),
            family_name if r.random() < 0.6 else fake.last_name(),
            mother_born,
            "K",
            address=address,
            phone=fake.phone_number(),
            email=fake.safe_email(),
        )
        together = r.random() < 0.4
        custody = r.choices(("both", "mother", "father"), weights=(55, 38, 7))[0]
        if together:
            custody = "both"
        father: Person | None = None
        if r.random() < 0.93 or together:
            father_born = _years_before(ref, r.randint(20, 46)) - timedelta(days=r.randint(0, 360))
            father = self.person(
                fake.first_name_male(),
                family_name,
                father_born,
                "M",
                address=address
                if together
                else f"{fake.street_address()}, {fake.postcode()} {fake.city()}",
                phone=fake.phone_number(),
                email=fake.safe_email(),
            )
        elif custody == "father":
            custody = "mother"
        mother_custody = not adult and custody in ("both", "mother")
        father_custody = not adult and father is not None and custody in ("both", "father")
        self.mother = self.member(
            mother,
            PartyRole.FORAELDER,
            "Mor",
            custody=mother_custody,
        )
        self.father = (
            self.member(
                father,
                PartyRole.FORAELDER,
                "Far",
                custody=father_custody,
            )
            if father is not None
            else None
        )
        q = RelationQuality
        self.relate(
            mother,
            child,
            RelationKind.FORAELDER_BARN,
            r.choice((q.TAET, q.GOD, q.GOD, q.SVAG, q.KONFLIKT)),
            (-1.0, 1.0),
        )
        if father is not None:
            self.relate(
                father,
                child,
                RelationKind.FORAELDER_BARN,
                r.choice((q.TAET, q.GOD, q.SVAG, q.SVAG, q.KONFLIKT, q.BRUDT)),
                (1.0, 1.0),
            )
            if together:
                self.relate(
                    mother,
                    father,
                    RelationKind.PARTNER,
                    r.choice((q.GOD, q.KONFLIKT, q.SVAG)),
                    (0.0, 1.0),
                )
            else:
                self.relate(
                    mother,
                    father,
                    RelationKind.TIDLIGERE_PARTNER,
                    r.choice((q.KONFLIKT, q.BRUDT, q.SVAG)),
                    (0.0, 1.0),
                    note="Samlivsophævelse; samvær efter aftale" if r.random() < 0.5 else "",
                )

        # Siblings.
        for i in range(r.choice((0, 0, 1, 1, 1, 2, 2, 3))):
            s_sex = r.choice(("M", "K"))
            offset = r.randint(-8, 8) or 2
            s_age = (0 if self.age < 0 else self.age) + offset
            if s_age < 0 or s_age > 25:
                continue
            s_born = _years_before(today, s_age) - timedelta(days=r.randint(1, 360))
            older = offset > 0
            label = (
                ("Storebror" if older else "Lillebror")
                if s_sex == "M"
                else ("Storesøster" if older else "Lillesøster")
            )
            half = father is not None and r.random() < 0.25
            sib = self.person(
                fake.first_name_male() if s_sex == "M" else fake.first_name_female(),
                family_name,
                s_born,
                s_sex,
                address=address if s_age < 18 else "",
            )
            self.member(sib, PartyRole.SOESKENDE, ("Halv" + label.lower()) if half else label)
            self.relate(
                child,
                sib,
                RelationKind.SOESKENDE,
                r.choice((q.TAET, q.GOD, q.GOD, q.KONFLIKT)),
                (-2.0 - i, 2.0) if older else (2.0 + i, 2.0),
            )
            self.relate(mother, sib, RelationKind.FORAELDER_BARN, None, (-1.0, 1.0))

        # Grandparents (the genogram's third generation).
        grand_sides = [("Mormor", "K", mother), ("Morfar", "M", mother)]
        if father is not None:
            grand_sides += [("Farmor", "K", father), ("Farfar", "M", father)]
        self.grandparent: _Member | None = None
        for label, g_sex, parent in r.sample(grand_sides, k=r.choice((0, 1, 1, 2, 2))):
            g_born = _years_before(parent.birth_date or today, r.randint(20, 35)) - timedelta(
                days=r.randint(0, 360)
            )
            if g_born.year < 1937:
                continue
            gp = self.person(
                fake.first_name_male() if g_sex == "M" else fake.first_name_female(),
                parent.last_name if g_sex == "M" else fake.last_name(),
                g_born,
                g_sex,
                address=f"{fake.street_address()}, {fake.postcode()} {fake.city()}",
                phone=fake.phone_number(),
            )
            m = self.member(gp, PartyRole.BEDSTEFORAELDER, label)
            self.grandparent = self.grandparent or m
            x = -1.5 if label.startswith("Mor") else 1.5
            self.relate(
                gp,
                parent,
                RelationKind.FORAELDER_BARN,
                r.choice((q.TAET, q.GOD, q.SVAG, q.KONFLIKT)),
                (x, 0.0),
            )
            self.relate(
                gp,
                child,
                RelationKind.BEDSTEFORAELDER_BARNEBARN,
                r.choice((q.TAET, q.TAET, q.GOD, q.SVAG)),
                (x, 0.0),
            )

        # Resource and network persons.
        self.resource: _Member | None = None
        for i in range(r.choice((0, 1, 1, 2))):
            label = r.choice(
                (
                    "Moster",
                    "Faster",
                    "Morbror",
                    "Nabo",
                    "Fodboldtræner",
                    "Veninde af mor",
                    "Spejderleder",
                )
            )
            rp_sex = (
                "M"
                if label in ("Morbror", "Fodboldtræner")
                else r.choice(("M", "K"))
                if label in ("Nabo", "Spejderleder")
                else "K"
            )
            rp = self.person(
                fake.first_name_male() if rp_sex == "M" else fake.first_name_female(),
                fake.last_name(),
                _years_before(today, r.randint(25, 65)) - timedelta(days=r.randint(0, 360)),
                rp_sex,
                with_cpr=label in ("Moster", "Faster", "Morbror"),
                phone=fake.phone_number(),
            )
            role = PartyRole.RESSOURCEPERSON if i == 0 else PartyRole.NETVAERKSPERSON
            m = self.member(rp, role, label)
            if role is PartyRole.RESSOURCEPERSON:
                self.resource = m
            kind = (
                RelationKind.ANDEN if label in ("Moster", "Faster", "Morbror") else RelationKind.VEN
            )
            self.relate(rp, child, kind, r.choice((q.TAET, q.GOD, q.GOD)), (-3.0 + 2 * i, -1.5))

        # Professionals around the child.
        self.professionals: list[_Member] = []
        self.inst = ""
        age = self.age
        if age <= 0:
            self.inst = "Svangreambulatoriet" if age < 0 else "Sundhedsplejen"
            self.professional("Jordemoder" if age < 0 else "Sundhedsplejerske", "K", self.inst)
        elif age <= 5:
            self.inst = r.choice(self.ctx.daycares)
            self.professional("Pædagog", r.choice(("M", "K", "K")), self.inst)
            if age <= 2:
                self.professional("Sundhedsplejerske", "K", "Sundhedsplejen")
        elif age <= 16:
            self.inst = r.choice(self.ctx.schools)
            self.professional("Klasselærer", r.choice(("M", "K")), self.inst)
            if r.random() < 0.4:
                self.professional("Skolepædagog", r.choice(("M", "K")), self.inst)
        elif age <= 17:
            self.inst = r.choice(("FGU Vest", "Handelsskolen", "Teknisk Skole", "Gymnasiet"))
            self.professional(
                "UU-vejleder", r.choice(("M", "K")), "Ungdommens Uddannelsesvejledning"
            )
        else:
            self.inst = r.choice(("FGU Vest", "Handelsskolen", "Jobcentret"))
            self.professional("Kontaktperson", r.choice(("M", "K")), "Kontaktpersonkorpset")
        if age > 0 and r.random() < 0.3:
            self.professional("Egen læge", r.choice(("M", "K")), f"Lægerne {fake.street_name()}")

        pron = {"M": ("han", "ham", "hans"), "K": ("hun", "hende", "hendes")}.get(
            sex or "", ("det", "det", "dets")
        )
        name = first if not self.unborn else "det ufødte barn"
        self.w = {
            "navn": name,
            "navn_s": _genitive(name),
            "han": pron[0],
            "Han": pron[0].capitalize(),
            "ham": pron[1],
            "hans": pron[2],
            "mor": mother.first_name,
            "far": father.first_name if father is not None else "far",
            "inst": self.inst or "skolen",
            "raadgiver": self.worker.name,
        }

    def professional(self, label: str, sex: str, organisation: str) -> None:
        fake = self.fake
        p = self.person(
            fake.first_name_male() if sex == "M" else fake.first_name_female(),
            fake.last_name(),
            None,
            None,
            phone=fake.phone_number(),
            email=fake.safe_email(),
        )
        m = self.member(p, PartyRole.FAGPERSON, label, organisation=organisation)
        self.professionals.append(m)
        self.relate(
            p,
            self.child.person,
            RelationKind.FAGLIG,
            self.rng.choice((RelationQuality.GOD, RelationQuality.GOD, RelationQuality.SVAG)),
            (3.0, -1.0 - len(self.professionals)),
        )

    # -- notifications --------------------------------------------------------------

    def notifier_for(self, professional: bool) -> tuple[NotifierKind, NotifierSector | None]:
        """The first notifier not yet seen in this run that fits the child, else a likely one."""
        fits = self.fitting_notifiers()
        if professional:
            fits = [f for f in fits if f[0] is NotifierKind.FAGPERSON]
        for pending in self.ctx.pending_notifiers:
            if pending in fits:
                self.ctx.pending_notifiers.remove(pending)
                return pending
        return self.rng.choice(fits)

    def fitting_notifiers(self) -> list[tuple[NotifierKind, NotifierSector | None]]:
        f, b = NotifierKind.FAGPERSON, NotifierKind.BORGER
        if self.unborn:
            return [(f, NotifierSector.SUNDHED)]
        out: list[tuple[NotifierKind, NotifierSector | None]] = [
            (f, NotifierSector.SUNDHED),
            (f, NotifierSector.POLITI),
            (f, NotifierSector.SOCIALFORVALTNING),
            (b, NotifierSector.FAMILIE),
            (b, NotifierSector.NABO),
            (NotifierKind.ANONYM, None),
        ]
        if 1 <= self.age <= 5:
            out += [(f, NotifierSector.DAGTILBUD)] * 3
        if 6 <= self.age <= 17:
            out += [(f, NotifierSector.SKOLE)] * 4 + [(f, NotifierSector.ANDEN)]
        return out

    def notification(
        self,
        received: datetime,
        *,
        assessed: bool = True,
        outcome: ScreeningOutcome | None = ScreeningOutcome.UNDERSOEGELSE,
        receipt: bool = True,
        new_colleague: bool = False,
        professional: bool = False,
    ) -> Notification:
        r = self.rng
        kind, sector = self.notifier_for(professional)
        name = org = ""
        if self.unborn:
            text = _UNBORN_HEALTH
            org = self.inst
            name = self.professionals[0].person.full_name if self.professionals else ""
        else:
            texts = _NOTIFICATION_TEXTS[sector]
            text = r.choice(texts)
            if sector is NotifierSector.SUNDHED and self.age <= 1:
                text = _SMALL_CHILD_HEALTH
        if kind is NotifierKind.FAGPERSON and not self.unborn:
            same = [
                m
                for m in self.professionals
                if sector in (NotifierSector.SKOLE, NotifierSector.DAGTILBUD)
                and m.organisation == self.inst
            ]
            if same:
                name, org = same[0].person.full_name, same[0].organisation
            else:
                name = self.ctx.name()
                org = {
                    NotifierSector.SKOLE: self.inst,
                    NotifierSector.DAGTILBUD: self.inst,
                    NotifierSector.SUNDHED: r.choice(self.ctx.clinics),
                    NotifierSector.POLITI: r.choice(
                        (
                            "Syd- og Sønderjyllands Politi",
                            "Midt- og Vestsjællands Politi",
                            "Nordsjællands Politi",
                        )
                    ),
                    NotifierSector.SOCIALFORVALTNING: r.choice(
                        ("Misbrugscentret", "Jobcentret", "Voksenområdet")
                    ),
                    NotifierSector.ANDEN: r.choice(("Den kommunale tandpleje", "Fritidsklubben")),
                }.get(sector or NotifierSector.ANDEN, "")
        elif kind is NotifierKind.BORGER:
            name = self.ctx.name()
            org = "Privat henvendelse"
        summary = self.fmt(
            text,
            fravaer=str(r.randint(12, 35)),
            termin=_dk(self.child.person.expected_date or self.today),
        )
        assessed_at = received + timedelta(hours=r.randint(2, 22)) if assessed else None
        if assessed_at is not None:
            assessed_at = min(assessed_at, self.ctx.anchor)
        got = received.date()
        receipt_on = None
        if kind is NotifierKind.FAGPERSON and receipt:
            receipt_on = min(got + timedelta(days=r.randint(1, 5)), self.today)
        feedback_on = None
        if receipt_on is not None and outcome is not None and assessed:
            feedback_on = min(receipt_on + timedelta(days=r.randint(0, 10)), self.today)
        colleague = ""
        if new_colleague:
            others = [s for s in self.ctx.caseworkers if s.user_id != self.worker.user_id]
            colleague = r.choice(others).name if others else ""
        n = Notification(
            id=self.ctx.uid(),
            case_id=self.case_id,
            received_at=received,
            notifier_kind=kind,
            notifier_sector=sector,
            notifier_name=name,
            notifier_organisation=org,
            summary=summary,
            concerns_abuse=any(m in summary for m in _ABUSE_MARKERS),
            assessed_at=assessed_at,
            outcome=outcome if assessed else None,
            assessed_with_new_colleague=colleague or None,
            receipt_sent_on=receipt_on,
            feedback_sent_on=feedback_on,
            decision=_OUTCOME_TEXTS[outcome] if assessed and outcome is not None else "",
        )
        self.add(n)
        sender = (
            f"{name}, {org}"
            if kind is NotifierKind.FAGPERSON
            else ("en anonym henvender" if kind is NotifierKind.ANONYM else "en borger")
        )
        self.note(
            got,
            "Underretning modtaget",
            f"Underretning modtaget fra {sender}. {summary}\n\nUnderretningen er registreret og "
            "forelagt teamleder til vurdering inden for 24 timer.",
            after=received,
        )
        if assessed_at is not None:
            lead = self.rng.choice(self.ctx.leads).name if self.ctx.leads else "teamleder"
            self.note(
                assessed_at.date(),
                "Indledende vurdering af underretning",
                f"Underretningen er vurderet sammen med {lead}. "
                + (
                    "Barnet vurderes ikke at være i akut fare. "
                    if outcome is not ScreeningOutcome.AKUT
                    else ""
                )
                + n.decision,
                after=assessed_at,
            )
        meet_day = got + timedelta(days=r.randint(4, 13))
        if (
            assessed
            and outcome is not ScreeningOutcome.SAMMENLAGT
            and meet_day < self.today - timedelta(days=1)
            and r.random() < 0.85
        ):
            # Most get the local standard's dialogue meeting within 14 days.
            self.meeting(
                MeetingKind.UNDERRETNINGSMOEDE,
                meet_day,
                notes=(
                    "Underretningen er gennemgået med forældrene. Forældrene gav deres syn på "
                    "bekymringen, og der er aftalt næste skridt."
                ),
                attendees=[self.attendee(m) for m in self.parents()[:2]],
                location="Familierådgivningen",
            )
        if receipt_on is not None:
            self.note(
                receipt_on,
                "Kvittering til underretter",
                f"Der er sendt kvittering for modtagelsen af underretningen til {name}, {org}, "
                "via sikker post.",
            )
        return n

    def earlier_notifications(self, before: date, count: int) -> None:
        """Older notifications that led to no support (for "most underretninger, no support")."""
        for _ in range(count):
            d = before - timedelta(days=self.rng.randint(60, 900))
            if self.born is not None and d <= self.born:
                continue
            self.notification(
                self.ctx.ts(d),
                outcome=self.rng.choice(
                    (ScreeningOutcome.RAAD_OG_VEJLEDNING, ScreeningOutcome.INGEN_FORANSTALTNING)
                ),
            )

    # -- meetings and scales --------------------------------------------------------

    def meeting(
        self,
        kind: MeetingKind,
        d: date,
        *,
        planned: bool = False,
        notes: str = "",
        attendees: Sequence[dict[str, Any]] = (),
        location: str = "",
        child_alone: bool | None = None,
        sos: dict[str, Any] | None = None,
        actions: Sequence[dict[str, Any]] = (),
        not_held_reason: str = "",
    ) -> Meeting:
        if not planned and d >= self.today:
            d = self.today - timedelta(days=1)
        d = self.ctx.workday(d)
        when = self.ctx.ts(d)
        m = Meeting(
            id=self.ctx.uid(),
            case_id=self.case_id,
            kind=kind,
            held_at=None if planned or not_held_reason else when,
            planned_at=when,
            location=location,
            attendees=list(attendees) or [self.attendee(None)],
            child_alone=child_alone,
            notes=notes,
            signs_of_safety=sos or {},
            action_items=list(actions),
            not_held_reason=not_held_reason,
        )
        self.add(m)
        if not planned and not not_held_reason:
            self.meetings.append(m)
        return m

    def parents(self) -> list[_Member]:
        return [m for m in (self.mother, self.father) if m is not None and m.custody] or [
            self.mother
        ]

    def scales(self, m: Meeting, level: float) -> None:
        """Trivselslineal by the child (from 5), a parent and the caseworker at a meeting."""
        at = m.held_at
        if at is None:
            return
        raters: list[tuple[PartyRole | None, str | None, str]] = []
        if self.age >= 5:
            raters.append((PartyRole.BARN, self.child.person.id, "Barnets egen vurdering"))
        parent = self.parents()[0]
        raters.append((parent.role, parent.person.id, f"{parent.label}s vurdering"))
        raters.append((None, None, "Rådgiverens vurdering"))
        for role, pid, comment in raters:
            value = round(level + self.rng.uniform(-1.5, 1.5) + (0.8 if role is not None else 0))
            self.late.append(
                ScaleReading(
                    id=self.ctx.uid(),
                    case_id=self.case_id,
                    scale=ScaleKind.TRIVSELSLINEAL,
                    value=max(0, min(10, value)),
                    rated_by_role=role,
                    rated_by_person_id=pid,
                    rated_at=at,
                    meeting_id=m.id,
                    comment=comment,
                )
            )

    def home_visit(self, d: date) -> Meeting:
        tidy = self.rng.choice(
            (
                "Hjemmet fremstod ryddeligt, og der var gjort klar til barnet.",
                "Der var rodet i lejligheden, og der var endnu ikke gjort klar til barnet.",
            )
            if self.unborn
            else (
                "Hjemmet fremstod ryddeligt og børnevenligt indrettet.",
                "Der var rodet i lejligheden, og der lå opvask og vasketøj overalt. Køleskabet var "
                "næsten tomt.",
                "Lejligheden er lille til familiens størrelse; børnene deler værelse.",
                "Hjemmet fremstod rent, men der var kun få legesager og ingen seng til barnet.",
            )
        )
        child_part = (
            f"{self.w['navn']} var hjemme og viste rådgiveren sit værelse. {self.w['Han']} var "
            "åben i kontakten og fortalte om sine venner."
            if self.age >= 4
            else f"{self.w['navn']} var vågen under besøget; samspillet mellem forælder og barn "
            "blev observeret under pusling og måltid."
        )
        if self.unborn:
            child_part = (
                "Samtale med den gravide om graviditeten, forbruget og forberedelsen til fødslen."
            )
        text = (
            f"Anmeldt hjemmebesøg. {tidy} {child_part} Forældrene fortalte om hverdagen og om "
            "de bekymringer, der er beskrevet i underretningen."
        )
        m = self.meeting(
            MeetingKind.HJEMMEBESOEG,
            d,
            notes=text,
            location="Familiens hjem",
            attendees=[self.attendee(None)] + [self.attendee(p) for p in self.parents()],
        )
        self.scales(m, self.level)
        self.note(d, "Hjemmebesøg", text, after=m.held_at)
        return m

    def child_conversation(self, d: date, where: str = "") -> Meeting | None:
        if self.age < 4:
            return None
        r = self.rng
        quote = r.choice(_YOUTH_QUOTES if self.age >= 15 else _CHILD_QUOTES)
        alone = r.random() < 0.85
        place = where or (self.inst if self.age <= 17 and self.inst else "Rådhuset")
        text = (
            f"Samtalen foregik på {place}"
            + (
                " uden forældre til stede. "
                if alone
                else f" med {self.parents()[0].label.lower()} til stede efter eget ønske. "
            )
            + f"{self.w['navn']} fortalte: »{quote}« {self.w['Han']} blev spurgt til sine egne ønsker "
            "og til målene i sagen og gav udtryk for at ville samarbejde."
        )
        m = self.meeting(
            MeetingKind.BOERNESAMTALE,
            d,
            notes=text,
            location=place,
            attendees=[self.attendee(None), self.attendee(self.child)],
            child_alone=alone,
        )
        title = "Samtale med den unge" if self.age >= 18 else f"Børnesamtale med {self.w['navn']}"
        self.note(d, title, text, after=m.held_at)
        return m

    def network_meeting(self, d: date, level: float) -> Meeting:
        w = self.w
        helper = self.resource or self.grandparent
        helper_name = helper.person.first_name if helper else w["mor"]
        sos: dict[str, Any] = {
            "worries": [
                self.fmt("{navn} har flere gange været alene hjemme om aftenen."),
                self.fmt(
                    "Der har været højlydte konflikter mellem de voksne, mens {navn} var til stede."
                ),
            ],
            "working_well": [
                f"{helper_name} henter {w['navn']} tre dage om ugen.",
                self.fmt("{mor} er mødt op til alle aftaler med forvaltningen."),
                self.fmt("{navn} er glad for {inst}."),
            ],
            "next_steps": [
                "Sikkerhedsplanen underskrives af alle deltagere.",
                f"{helper_name} ringer hver aften kl. 18 for at høre, hvordan det går.",
                "Næste netværksmøde holdes om seks uger.",
            ],
            "danger_statement": self.fmt(
                "Forvaltningen er bekymret for, at {navn} igen vil blive overladt til sig selv om "
                "aftenen eller være vidne til voldsomme konflikter, og at {han} derved ikke får mad, "
                "søvn og tryghed."
            ),
            "safety_goal": self.fmt(
                "Forvaltningen vil se, at der altid er en voksen, som kan passe på {navn}, og at "
                "netværket ved, hvad de skal gøre, hvis det bliver svært derhjemme."
            ),
        }
        attendees = [self.attendee(None)] + [self.attendee(p) for p in self.parents()]
        attendees += [self.attendee(m) for m in (self.resource, self.grandparent) if m is not None]
        attendees += [self.attendee(p) for p in self.professionals[:1]]
        due = self.ctx.workday(d + timedelta(days=14))
        m = self.meeting(
            MeetingKind.NETVAERKSMOEDE,
            d,
            notes="Netværksmøde efter Signs of Safety. Bekymringer, det der går godt, og de næste "
            "skridt blev gennemgået med familien og netværket.",
            location="Familiens hjem" if self.rng.random() < 0.4 else "Rådhuset, mødelokale 2",
            attendees=attendees,
            sos=sos,
            actions=[
                {
                    "text": "Sikkerhedsplan skrives rent og sendes ud",
                    "responsible": self.worker.name,
                    "due_on": due.isoformat(),
                },
                {
                    "text": "Aftenopkald fra netværket",
                    "responsible": helper_name,
                    "due_on": due.isoformat(),
                },
            ],
        )
        self.scales(m, level)
        if m.held_at is not None:
            self.late.append(
                ScaleReading(
                    id=self.ctx.uid(),
                    case_id=self.case_id,
                    scale=ScaleKind.SIKKERHEDSSKALA,
                    value=max(0, min(10, round(level))),
                    rated_by_role=None,
                    rated_by_person_id=None,
                    rated_at=m.held_at,
                    meeting_id=m.id,
                    comment="Rådgiverens vurdering på sikkerhedsskalaen",
                )
            )
        self.note(d, "Netværksmøde", m.notes + " " + sos["danger_statement"], after=m.held_at)
        return m

    # -- assessment, decision, plan -------------------------------------------------

    def assessment(
        self,
        aware: date,
        *,
        done: date | None,
        status: AssessmentStatus | None = None,
        home_visit: bool = True,
    ) -> Assessment:
        r, w = self.rng, self.w
        started = min(aware + timedelta(days=r.randint(1, 10)), self.today)
        sources = ", ".join(
            [
                f"samtale med {w['navn']}" if self.age >= 4 else f"observation af {w['navn']}",
                "samtaler med forældrene",
            ]
            + [f"udtalelse fra {m.label.lower()} ({m.organisation})" for m in self.professionals]
            + ["hjemmebesøg"]
        )
        reason = ""
        if not home_visit:
            reason = r.choice(
                (
                    "Familien har aflyst to planlagte hjemmebesøg. Nyt besøg er aftalt.",
                    "Mor har afvist hjemmebesøg; samtalerne er i stedet holdt på rådhuset.",
                )
            )
        summary = (
            "Barnets udvikling og adfærd: "
            + self.fmt(
                r.choice(
                    (
                        "{navn} er en glad og nysgerrig {dreng}, men har det svært i større grupper.",
                        "{navn} er stille og forsigtig og har brug for tydelige voksne.",
                        "{navn} har et stort fravær og halter fagligt bagefter.",
                    )
                ),
                dreng="dreng" if self.child.person.sex == "M" else "pige",
            )
            + "\nForældrekompetencer: "
            + r.choice(
                (
                    "Forældrene er kærlige, men har svært ved at skabe struktur og forudsigelighed.",
                    "Mor er ressourcestærk, men presset af egen psykisk sårbarhed.",
                    "Forældrenes konflikter fylder meget og tager opmærksomheden fra barnet.",
                )
            )
            + "\nFamilie og netværk: "
            + r.choice(
                (
                    "Familien har et støttende netværk i bedsteforældrene.",
                    "Familien har et sparsomt netværk og økonomiske problemer.",
                    "Familien bor trangt og har skiftet bolig tre gange på to år.",
                )
            )
        )
        conclusion = ""
        if done is not None:
            conclusion = r.choice(
                (
                    "Undersøgelsen viser, at der er behov for særlig støtte. Det vurderes, at støtten bedst gives i hjemmet.",
                    "Undersøgelsen viser, at barnets behov ikke kan dækkes i hjemmet. Der indstilles til anbringelse uden for hjemmet.",
                    "Undersøgelsen viser, at der er behov for støtte til forældrene og et tættere samarbejde med netværket.",
                )
            )
        a = Assessment(
            id=self.ctx.uid(),
            case_id=self.case_id,
            aware_on=aware,
            started_on=started,
            status=status or (AssessmentStatus.AFSLUTTET if done else AssessmentStatus.IGANG),
            plan_text=self.fmt(
                "Undersøgelsen gennemføres efter ICS og afsluttes senest fire måneder efter, at "
                "kommunen blev opmærksom på barnets behov. Der holdes børnesamtale, hjemmebesøg og "
                "netværksmøde, og der indhentes oplysninger fra {inst} og egen læge."
            ),
            sources=sources[0].upper() + sources[1:] + ".",
            no_home_visit_reason=reason,
            summary=summary,
            conclusion=conclusion,
            completed_on=done,
        )
        self.add(a)
        self.note(started, "Børnefaglig undersøgelse påbegyndt", a.plan_text)
        upto = done or self.today
        if home_visit:
            self.home_visit(self.between(started, upto))
        self.child_conversation(self.between(started, upto))
        if done is not None:
            self.note(
                done,
                "Børnefaglig undersøgelse afsluttet",
                summary + "\n\nKonklusion: " + conclusion,
            )
        return a

    def intervention(
        self,
        decided: date,
        *,
        placement: bool = False,
        step: int | None = None,
        end: date | None = None,
    ) -> Intervention:
        r = self.rng
        start = min(decided + timedelta(days=r.randint(0, 14)), self.today + timedelta(days=10))
        if placement:
            basis = LegalBasis.BL47 if r.random() < 0.25 else LegalBasis.BL46
            kind = r.choice(("netvaerk", "pleje", "opholdssted", "institution"))
            place_word = r.choice(_PLACE_WORDS)
            title, provider, stp = {
                "netvaerk": (
                    "Anbringelse i netværksplejefamilie",
                    f"Netværksplejefamilie ({(self.grandparent.label if self.grandparent else 'moster').lower()})",
                    5,
                ),
                "pleje": (
                    "Anbringelse i plejefamilie",
                    f"Plejefamilien {self.fake.last_name()}",
                    5,
                ),
                "opholdssted": ("Anbringelse på opholdssted", f"Opholdsstedet {place_word}", 6),
                "institution": (
                    "Anbringelse på døgninstitution",
                    f"Døgninstitutionen {place_word}",
                    6,
                ),
            }[kind]
            ref = (
                "Barnets Lov § 47 (uden samtykke)"
                if basis is LegalBasis.BL47
                else "Barnets Lov § 46 (med samtykke)"
            )
            self.placement_place = provider
            if kind == "pleje":
                for label, sex in (("Plejemor", "K"), ("Plejefar", "M")):
                    p = self.person(
                        self.fake.first_name_male()
                        if sex == "M"
                        else self.fake.first_name_female(),
                        provider.split()[-1],
                        _years_before(self.today, r.randint(35, 60))
                        - timedelta(days=r.randint(0, 360)),
                        sex,
                        phone=self.fake.phone_number(),
                    )
                    self.member(p, PartyRole.PLEJEFAMILIE, label)
                    self.relate(
                        p,
                        self.child.person,
                        RelationKind.ANDEN,
                        RelationQuality.TAET,
                        (0.0, -2.5 if sex == "K" else -3.0),
                    )
            iv = Intervention(
                id=self.ctx.uid(),
                case_id=self.case_id,
                title=title,
                legal_basis=basis,
                legal_reference=ref,
                staircase_step=step or stp,
                provider=provider,
                decided_on=decided,
                start_on=start,
                end_on=end,
                is_placement=True,
            )
            self.placement = iv
        else:
            options = [s for s in _SUPPORT if step is None or s[3] == step]
            title, basis, ref, stp, provider = r.choice(options)
            iv = Intervention(
                id=self.ctx.uid(),
                case_id=self.case_id,
                title=title,
                legal_basis=basis,
                legal_reference=ref,
                staircase_step=stp,
                provider=provider,
                decided_on=decided,
                start_on=start,
                end_on=end,
                is_placement=False,
                assessed_on=decided,
            )
        # Most indsatser get their 3-month assessment and one-year evaluation on time.
        iv.assessed_on = None
        review = start + timedelta(days=r.randint(55, 88))
        if review < self.today and (end is None or review <= end) and r.random() < 0.85:
            iv.assessed_on = review
        evaluation = start + timedelta(days=r.randint(320, 362))
        if evaluation < self.today and (end is None or evaluation <= end) and r.random() < 0.85:
            iv.evaluated_on = evaluation
        self.add(iv)
        views = (
            f"{self.w['navn_s']} synspunkter er indhentet ved børnesamtale."
            if self.age >= 4
            else (
                "Barnet er for lille til en samtale; barnets perspektiv er belyst ved observation."
            )
        )
        self.note(
            decided,
            "Afgørelse sendt",
            f"Afgørelse om {iv.title.lower()} efter {iv.legal_reference} er sendt til "
            f"forældremyndighedsindehaveren med begrundelse og klagevejledning. {views}",
        )
        return iv

    def goals(self, base: date, n: int) -> list[dict[str, Any]]:
        age = max(self.age, 0)
        fitting = [g for g in _GOALS if g[3] <= age <= g[4]]
        chosen = self.rng.sample(fitting, k=min(n, len(fitting)))
        return [
            {
                "id": self.ctx.uid(),
                "text": self.fmt(text),
                "ics_dimension": dim,
                "measure": measure,
                "due_on": add_months(base, self.rng.choice((3, 6, 6, 12))).isoformat(),
            }
            for text, dim, measure, _lo, _hi in chosen
        ]

    def plan(
        self,
        decided: date,
        *,
        approved: date | None,
        kind: PlanKind | None = None,
        version: int = 1,
        status: PlanStatus | None = None,
    ) -> Plan:
        if kind is None:
            kind = PlanKind.BARNETS_PLAN if decided.year >= 2024 else PlanKind.HANDLEPLAN
        base = approved or self.today
        purpose = self.fmt(
            self.rng.choice(
                (
                    "Formålet med indsatsen er, at {navn} får en stabil hverdag med voksne, der kan "
                    "passe på {ham}, og at forældrene bliver bedre til at aflæse {hans} behov.",
                    "Formålet er at sikre {navn_s} trivsel og udvikling, så {han} kan blive i "
                    "hjemmet med støtte, og at netværket bliver en fast del af hverdagen.",
                    "Formålet er at give {navn} en tryg opvækst uden for hjemmet med god kontakt "
                    "til familien og en skolegang, der passer til {hans} behov.",
                )
            )
        )
        if kind is PlanKind.UNGEPLAN:
            purpose = self.fmt(
                "Ungeplanen skal forberede {navn} på voksenlivet: uddannelse eller job, bolig, "
                "økonomi og et netværk, der kan bære efter det fyldte 18. år."
            )
        p = Plan(
            id=self.ctx.uid(),
            case_id=self.case_id,
            kind=kind,
            version=version,
            status=status or (PlanStatus.GAELDENDE if approved else PlanStatus.KLADDE),
            decision_on=decided,
            approved_on=approved,
            purpose=purpose,
            goals=self.goals(base, self.rng.randint(2, 4)),
            responsible=self.worker.name,
            review_on=add_months(base, 3 if self.age <= 6 else 6),
        )
        self.add(p)
        if approved is not None:
            label = {PlanKind.UNGEPLAN: "Ungeplan", PlanKind.HANDLEPLAN: "Handleplan"}.get(
                kind, "Barnets plan"
            )
            self.note(
                approved,
                f"{label} godkendt",
                f"{label} (version {version}) er godkendt og sendt til "
                + ("den unge. " if self.age >= 18 else "forældrene. ")
                + purpose,
            )
        return p

    def follow_ups(
        self, plan: Plan, start: date, every: int, *, current_due: date | None, level: float
    ) -> float:
        """Completed runs of the four-step opfølgning since ``start``, then the open one. Only
        the last few runs are recorded: older history stays in the previous case system (and
        a 5,000-case demo stays small). The last completed run makes a new plan version."""
        r = self.rng
        due = add_months(start, 3)
        recorded_from = add_months(self.today, -4 * every)
        last: FollowUp | None = None
        while due < self.today - timedelta(days=20) and (
            current_due is None or due < current_due - timedelta(days=20)
        ):
            level = min(9.5, level + r.uniform(-0.5, 1.2))
            if due >= recorded_from:
                last = self.follow_up(plan, due, done=True, level=level)
            due = add_months(due, every)
        if last is not None and last.written_plan_on is not None:
            revised = self.plan(
                plan.decision_on or start,
                approved=last.written_plan_on,
                kind=plan.kind,
                version=plan.version + 1,
            )
            plan.status = PlanStatus.ERSTATTET
            last.evidence = {**last.evidence, "written_plan": {"plan_id": revised.id}}
            plan = revised
        if add_months(start, 3) < recorded_from:
            self.note(
                recorded_from,
                "Tidligere forløb",
                "Opfølgninger før denne dato er journaliseret i det tidligere fagsystem.",
            )
        self.follow_up(plan, current_due or due, done=False, level=level)
        return level

    def follow_up(self, plan: Plan, due: date, *, done: bool, level: float) -> FollowUp:
        r, w = self.rng, self.w
        done_, skipped, waiting = StepStatus.UDFOERT, StepStatus.SPRUNGET_OVER, StepStatus.AFVENTER
        evidence: dict[str, Any] = {}
        past = due <= self.today
        # How far an open run has come: nothing, the conversation, or also the meeting.
        reached = 4 if done else (r.choice((0, 1, 2)) if past else r.choice((0, 0, 1)))
        talk_on = self.ctx.workday(min(due - timedelta(days=r.randint(3, 14)), self.today))
        conv_status, conv_on = waiting, None
        if reached >= 1:
            m = (
                self.supervision(talk_on, level)
                if self.placed_now
                else self.child_conversation(talk_on)
            )
            if m is not None:
                conv_status = done_
                conv_on = m.held_at.date() if m.held_at else talk_on
                evidence["child_conversation"] = {"meeting_id": m.id, "text": m.notes[:200]}
            else:
                conv_status = skipped
                evidence["child_conversation"] = {
                    "reason": f"{w['navn']} er under 4 år; samtale er ikke mulig. Barnets "
                    "perspektiv er belyst ved observation under hjemmebesøg."
                }
        meet_status, meet_on = waiting, None
        if reached >= 2:
            meet_on = self.ctx.workday(min(talk_on + timedelta(days=r.randint(1, 7)), self.today))
            scores = ", ".join(
                f"mål {i + 1}: {r.choice(('opfyldt', 'delvist opfyldt', 'ikke opfyldt'))}"
                for i in range(len(plan.goals))
            )
            m = self.meeting(
                MeetingKind.HANDLEPLANSMOEDE,
                meet_on,
                notes=f"Handleplansmøde. Målene blev gennemgået ({scores}). Indsatstrappen blev "
                "drøftet, og det blev vurderet, at det nuværende trin fortsat er det rette.",
                location="Rådhuset",
                attendees=[self.attendee(None)]
                + [self.attendee(p) for p in self.parents()]
                + [self.attendee(p) for p in self.professionals[:1]],
            )
            self.scales(m, level)
            meet_on = m.held_at.date() if m.held_at else meet_on
            meet_status = done_
            evidence["meeting"] = {"meeting_id": m.id, "goal_scores": scores}
        plan_status, plan_on = waiting, None
        hearing, sent, deadline, comments = waiting, None, None, ""
        decided, decision, next_due = None, "", None
        if reached >= 4:
            plan_on = meet_on and min(meet_on + timedelta(days=r.randint(2, 10)), self.today)
            plan_status = done_
            evidence["written_plan"] = {"plan_id": plan.id}
            sent = plan_on
            if sent is not None:
                deadline = sent + timedelta(days=14)
            if r.random() < 0.1:
                hearing = skipped
                evidence["hearing"] = {
                    "reason": "Forældrene har på mødet tilkendegivet, at de er enige, og har givet afkald på partshøring."
                }
            else:
                hearing = done_
                comments = r.choice(
                    (
                        "Ingen bemærkninger.",
                        f"{w['mor']} er enig i planen, men ønsker flere timer til familiebehandling.",
                        f"{w['far']} er uenig i beskrivelsen af samværet og har sendt skriftlige bemærkninger.",
                    )
                )
                evidence["hearing"] = {"comments_received_on": (deadline or self.today).isoformat()}
            decided = min((deadline or self.today) + timedelta(days=r.randint(0, 5)), self.today)
            decision = r.choices(
                (
                    "Indsatsen fortsætter uændret.",
                    "Indsatsen fortsætter med justerede mål.",
                    "Indsatsen suppleres med netværksmøder hver anden måned.",
                    "Det vurderes, at indsatsen kan nedtrappes ved næste opfølgning.",
                ),
                weights=(5, 4, 2, 1),
            )[0]
            next_due = add_months(due, 3 if self.age <= 6 else 6)
            self.note(
                decided,
                "Opfølgning afsluttet",
                f"Opfølgningen er gennemført. {decision} Næste opfølgning {_dk(next_due)}.",
            )
        run = FollowUp(
            id=self.ctx.uid(),
            case_id=self.case_id,
            plan_id=plan.id,
            due_on=due,
            child_conversation=conv_status,
            child_conversation_on=conv_on,
            meeting=meet_status,
            meeting_on=meet_on,
            written_plan=plan_status,
            written_plan_on=plan_on,
            hearing=hearing,
            hearing_sent_on=sent if hearing is done_ else None,
            hearing_deadline=deadline if hearing is done_ else None,
            hearing_comments=comments,
            evidence=evidence,
            decided_on=decided,
            decision=decision,
            next_due_on=next_due,
        )
        self.late.append(run)
        return run

    def supervision(self, d: date, level: float) -> Meeting:
        r, w = self.rng, self.w
        alone = r.random() < 0.8
        family = "familie" in self.placement_place.lower()
        adult = "plejemor" if family else "kontaktpædagogen"
        staff = "Plejefamilien" if family else "Personalet"
        text = (
            f"Tilsynsbesøg hos {self.placement_place or 'anbringelsesstedet'}. "
            + (
                f"Samtale med {w['navn']} alene på {w['hans']} værelse. "
                if alone
                else f"Samtalen foregik med {adult} til stede efter {w['navn_s']} eget ønske. "
            )
            + r.choice(
                (
                    f"{w['Han']} fortæller, at {w['han']} er faldet godt til og har fået en god ven.",
                    f"{w['Han']} savner sin mor og vil gerne have flere samvær.",
                    f"{w['Han']} er glad for skolen, men synes, at reglerne om skærmtid er for strenge.",
                )
            )
            + f" {staff} beskriver en positiv udvikling."
        )
        m = self.meeting(
            MeetingKind.TILSYNSBESOEG,
            d,
            notes=text,
            location=self.placement_place,
            attendees=[self.attendee(None), self.attendee(self.child)],
            child_alone=alone,
        )
        self.scales(m, level)
        self.note(d, "Tilsynsbesøg", text, after=m.held_at)
        return m

    def resource_agreement(self, signed: date, followed: date | None) -> None:
        if self.resource is None:
            return
        rp, w = self.resource, self.w
        parent = self.parents()[0]
        parties = [
            {
                "person_id": parent.person.id,
                "name": parent.person.full_name,
                "role": "Forældremyndighedsindehaver",
                "signed_on": signed.isoformat(),
            },
            {
                "person_id": rp.person.id,
                "name": rp.person.full_name,
                "role": "Ressourceperson",
                "signed_on": signed.isoformat(),
            },
            {
                "person_id": None,
                "name": self.worker.name,
                "role": "Rådgiver",
                "signed_on": signed.isoformat(),
            },
        ]
        if self.age > 15:
            parties.append(
                {
                    "person_id": self.child.person.id,
                    "name": self.child.person.full_name,
                    "role": "Den unge",
                    "signed_on": signed.isoformat(),
                }
            )
        text = (
            f"{rp.person.full_name} ({rp.label.lower()}) er ressourceperson for {w['navn']}. "
            f"{rp.person.first_name} ser {w['navn']} mindst en gang om ugen, kan kontaktes af "
            f"{w['navn']} døgnet rundt og deltager i netværksmøderne. Aftalen følges op efter 3 "
            "måneder og derefter mindst en gang om året."
        )
        self.add(
            Agreement(
                id=self.ctx.uid(),
                case_id=self.case_id,
                kind=AgreementKind.RESSOURCEPERSONAFTALE,
                title=f"Ressourcepersonaftale — {rp.person.full_name}",
                text=text,
                parties=parties,
                signed_on=signed,
                last_follow_up_on=followed,
            )
        )
        self.note(signed, "Ressourcepersonaftale underskrevet", text)

    def safety_plan(self, signed: date) -> None:
        parent = self.parents()[0]
        helper = self.resource or self.grandparent
        parties = [
            {
                "person_id": parent.person.id,
                "name": parent.person.full_name,
                "role": "Forældremyndighedsindehaver",
                "signed_on": signed.isoformat(),
            },
            {
                "person_id": None,
                "name": self.worker.name,
                "role": "Rådgiver",
                "signed_on": signed.isoformat(),
            },
        ]
        if helper is not None:
            parties.append(
                {
                    "person_id": helper.person.id,
                    "name": helper.person.full_name,
                    "role": helper.label,
                    "signed_on": signed.isoformat(),
                }
            )
        self.add(
            Agreement(
                id=self.ctx.uid(),
                case_id=self.case_id,
                kind=AgreementKind.SIKKERHEDSPLAN,
                title="Sikkerhedsplan",
                text=self.fmt(
                    "Hvis der opstår en konflikt i hjemmet, ringer {mor} til netværket, og {navn} "
                    "kan altid overnatte hos en aftalt voksen. Ingen voksne drikker alkohol, når de "
                    "har ansvaret for {navn}."
                ),
                parties=parties,
                signed_on=signed,
            )
        )

    # -- stages ---------------------------------------------------------------------

    def build(self) -> None:
        self.build_family()
        self.level = self.rng.uniform(3, 6)
        stage_rows: dict[CaseStage, Callable[[], None]] = {
            CaseStage.UNDERRETNING: self.stage_underretning,
            CaseStage.VURDERING: self.stage_vurdering,
            CaseStage.UNDERRETNINGSMOEDE: self.stage_underretningsmoede,
            CaseStage.UNDERSOEGELSE: self.stage_undersoegelse,
            CaseStage.AFGOERELSE: self.stage_afgoerelse,
            CaseStage.HANDLEPLAN: self.stage_handleplan,
            CaseStage.OPFOELGNING: self.stage_opfoelgning,
            CaseStage.TILSYN: self.stage_tilsyn,
            CaseStage.EFTERVAERN: self.stage_eftervaern,
            CaseStage.AFSLUTTET: self.stage_afsluttet,
        }
        stage_rows[self.stage]()
        self.team_review()
        self.notes.sort(key=lambda n: n.written_at)
        self.ensure_draft()

    def team_review(self) -> None:
        """Cases about 0–6-year-olds are reviewed by the teamkoordinator every 8 weeks (the 2019
        note); most demo cases have a recent review recorded, some are overdue."""
        small = self.unborn or (self.born is not None and self.age <= 6)
        if not small or self.stage is CaseStage.AFSLUTTET or self.rng.random() > 0.8:
            return
        day = max(self.opened, self.today - timedelta(days=self.rng.randint(3, 50)))
        self.add(
            DeadlineAck(
                id=self.ctx.uid(),
                case_id=self.case_id,
                rule="teamkoordinator_8_uger",
                subject_id=None,
                kind=DeadlineAckKind.KVITTERET,
                reason="Sagen er gennemgået med teamkoordinator.",
                acknowledged_at=self.ctx.ts(day),
            )
        )

    def open_case(self, opened: date) -> None:
        if self.born is not None:
            opened = max(opened, self.born)
        self.opened = opened
        self.case = Case(
            id=self.case_id,
            case_id=self.case_id,
            case_number=self.ctx.case_number(opened),
            child_id=self.child.person.id,
            stage=self.stage,
            assigned_to=self.worker.user_id,
            team=self.worker.team,
            district=self.rng.choice(self.worker.districts),
            opened_on=opened,
        )
        self.rows.insert(0, self.case)

    def ensure_draft(self) -> None:
        """Early cases, and a share of the rest, have the newest note still as a draft."""
        want = (self.stage in _EARLY and self.variant == 0) or self.rng.random() < 0.35
        if want and self.notes and self.stage is not CaseStage.AFSLUTTET:
            last = self.notes[-1]
            last.finalised_at = None
            last.body += "\n\n[Udkast — mangler gennemlæsning]"

    def stage_underretning(self) -> None:
        r = self.rng
        hours = {0: r.randint(50, 60), 1: r.randint(3, 10)}.get(self.variant, r.randint(2, 70))
        received = self.ctx.anchor - timedelta(hours=hours)
        assessed = self.variant > 1 and hours > 20 and r.random() < 0.6
        first = received.date()
        if r.random() < 0.3 and not self.unborn:
            self.earlier_notifications(first, r.randint(1, 3))
        self.open_case(
            min(
                [first]
                + [
                    n.received_at.date()
                    for n in self.rows
                    if isinstance(n, Notification) and n.received_at is not None
                ]
            )
        )
        self.notification(
            received,
            assessed=assessed,
            outcome=r.choice((ScreeningOutcome.UNDERSOEGELSE, ScreeningOutcome.RAAD_OG_VEJLEDNING)),
            receipt=assessed,
        )

    def stage_vurdering(self) -> None:
        r = self.rng
        days = 9 if self.variant == 0 else r.randint(1, 8)
        received = self.ctx.ts(self.ctx.ago(days))
        self.open_case(received.date())
        # Variant 0: a professional's notification nine days ago, still without a receipt.
        self.notification(
            received,
            outcome=None,
            receipt=self.variant != 0 and r.random() < 0.7,
            professional=self.variant == 0,
        )
        self.note(
            received.date() + timedelta(days=1),
            f"Telefonsamtale med {self.w['mor']}",
            self.fmt(
                "{mor} ringede efter at have fået brev om underretningen. Hun er ked af den, men vil "
                "gerne samarbejde. Vi aftalte et møde på rådhuset."
            ),
        )

    def stage_underretningsmoede(self) -> None:
        r = self.rng
        received = self.ctx.ts(self.ctx.ago(r.randint(5, 25)))
        self.open_case(received.date())
        n = self.notification(
            received,
            outcome=ScreeningOutcome.UNDERSOEGELSE
            if r.random() < 0.4
            else ScreeningOutcome.RAAD_OG_VEJLEDNING,
        )
        notifier = n.notifier_name or "underretteren"
        notes = (
            f"Dialogmøde med forældrene og {notifier}"
            + (f" ({n.notifier_organisation})" if n.notifier_organisation else "")
            + ". Bekymringen i underretningen blev gennemgået, og forældrene gav deres syn på sagen."
        )
        held = self.variant != 0 and r.random() < 0.5
        d = self.ctx.ago(r.randint(0, 3)) if held else self.today + timedelta(days=r.randint(1, 10))
        d = max(d, received.date())
        self.meeting(
            MeetingKind.UNDERRETNINGSMOEDE,
            d,
            planned=not held,
            notes=notes if held else "",
            location="Rådhuset, mødelokale 1",
            attendees=[self.attendee(None)] + [self.attendee(p) for p in self.parents()],
        )
        if held:
            self.note(d, "Underretningsmøde", notes)

    def stage_undersoegelse(self) -> None:
        r = self.rng
        # Days since the municipality became aware: 4.2 months (overdue), 3.9 (due soon), else less.
        days = {0: 128, 1: 118, 2: 137}.get(self.variant, r.randint(10, 100))
        if self.unborn:
            days = r.randint(10, 60)
        aware = self.ctx.ago(days)
        received = self.ctx.ts(aware)
        self.open_case(aware)
        self.notification(received)
        status = AssessmentStatus.FORELOEBIG if self.variant == 2 else AssessmentStatus.IGANG
        a = self.assessment(
            aware, done=None, status=status, home_visit=self.variant != 1 and r.random() < 0.8
        )
        if status is AssessmentStatus.FORELOEBIG:
            a.preliminary_on = add_months(aware, 4)
            self.note(
                a.preliminary_on,
                "Foreløbig vurdering",
                "Undersøgelsen kunne ikke afsluttes inden for fire måneder, fordi udtalelsen fra børne- og ungdomspsykiatrien endnu ikke foreligger. Der er lavet en foreløbig vurdering, og undersøgelsen afsluttes snarest.",
            )
        if not self.unborn and r.random() < 0.5:
            self.network_meeting(self.between(a.started_on, self.today), r.uniform(3, 6))
        if self.variant == 0 and r.random() < 0.5:
            self.note(
                self.today,
                "Sparring med teamleder",
                "Sagen er drøftet med teamleder, fordi fristen for undersøgelsen er overskredet. Der udarbejdes foreløbig vurdering.",
            )

    def decided_history(self, decided: date) -> tuple[date, Assessment]:
        """Notification, a finished assessment and the decision on ``decided``."""
        r = self.rng
        done = decided - timedelta(days=r.randint(3, 20))
        aware = done - timedelta(days=r.randint(40, 115))
        if self.born is not None:
            aware = max(aware, self.born + timedelta(days=14))
        self.open_case(aware)
        self.notification(self.ctx.ts(aware))
        a = self.assessment(aware, done=max(done, aware + timedelta(days=20)))
        return aware, a

    def stage_afgoerelse(self) -> None:
        r = self.rng
        decided = self.ctx.ago(r.randint(0, 25))
        self.decided_history(decided)
        self.intervention(decided, step=r.choice((2, 3, 3, 4)))
        if r.random() < 0.4:
            self.plan(decided, approved=None)

    def stage_handleplan(self) -> None:
        r = self.rng
        days = {0: 97, 1: 85}.get(self.variant, r.randint(25, 80))
        decided = self.ctx.ago(days)
        self.decided_history(decided)
        iv = self.intervention(decided, step=r.choice((3, 3, 4, 5)))
        approved = (
            None
            if self.variant in (0, 1) or r.random() < 0.4
            else min(decided + timedelta(days=r.randint(20, 60)), self.today)
        )
        self.plan(decided, approved=approved)
        if self.age >= 16:
            self.plan(decided, approved=None, kind=PlanKind.UNGEPLAN)
        self.meeting(
            MeetingKind.HANDLEPLANSMOEDE,
            self.today + timedelta(days=r.randint(2, 20)),
            planned=True,
            location="Rådhuset",
            attendees=[self.attendee(None)] + [self.attendee(p) for p in self.parents()],
        )
        if iv.start_on <= self.today:
            self.note(iv.start_on, "Indsats iværksat", f"{iv.title} er startet hos {iv.provider}.")

    def stage_opfoelgning(self) -> None:
        r = self.rng
        max_days = max(150, (self.today - (self.born or self.today)).days - 160)
        start = self.ctx.ago(r.randint(120, min(1100, max_days)))
        decided = start - timedelta(days=r.randint(0, 14))
        self.decided_history(decided)
        iv = self.intervention(decided, step=r.choice((2, 3, 3, 4, 4, 5)))
        iv.start_on = start
        every = 3 if self.age <= 6 else 6
        self.case.follow_up_every_months = every
        level = r.uniform(2.5, 5)
        plan = self.plan(
            decided, approved=min(decided + timedelta(days=r.randint(20, 70)), self.today)
        )
        current = {
            0: self.ctx.ago(r.randint(25, 40)),
            1: self.today + timedelta(days=r.randint(4, 9)),
        }.get(self.variant)
        if self.rng.random() < 0.6:
            self.network_meeting(self.between(start, self.today), level)
        level = self.follow_ups(plan, start, every, current_due=current, level=level)
        if self.age >= 16:
            self.plan(
                decided,
                approved=min(start + timedelta(days=30), self.today),
                kind=PlanKind.UNGEPLAN,
            )
        if self.resource is not None:
            signed = self.between(start, self.today - timedelta(days=30))
            followed = (
                None
                if self.variant == 0
                else (
                    signed + timedelta(days=90)
                    if signed + timedelta(days=90) <= self.today
                    else None
                )
            )
            self.resource_agreement(signed, followed)
        if r.random() < 0.3:
            self.safety_plan(self.between(start, self.today))
        for _ in range(r.choice((0, 0, 1, 2))):
            self.notification(
                self.ctx.ts(self.between(start, self.today - timedelta(days=1))),
                outcome=ScreeningOutcome.SAMMENLAGT,
                new_colleague=True,
            )

    def stage_tilsyn(self) -> None:
        r = self.rng
        max_days = max(200, (self.today - (self.born or self.today)).days - 200)
        start = self.ctx.ago(r.randint(200, min(2500, max_days)))
        decided = start - timedelta(days=r.randint(0, 10))
        self.decided_history(decided)
        self.intervention(decided, placement=True)
        if self.placement is not None:
            self.placement.start_on = start
        # Follow-up conversations with the child happen at tilsyn visits; the variant-0 case is
        # seen at the town hall instead and has had only one tilsyn visit this year (§156 stk. 5).
        self.placed_now = self.variant != 0
        every = 6
        self.case.follow_up_every_months = every
        level = r.uniform(3, 6)
        plan = self.plan(
            decided,
            approved=min(decided + timedelta(days=r.randint(10, 60)), self.today),
            kind=PlanKind.HANDLEPLAN if decided.year < 2024 else PlanKind.BARNETS_PLAN,
        )
        self.follow_ups(plan, start, every, current_due=None, level=level)
        if self.age >= 16:
            self.plan(
                decided,
                approved=min(
                    max(start, add_months(self.born or start, 16 * 12)) + timedelta(days=60),
                    self.today,
                ),
                kind=PlanKind.UNGEPLAN,
            )
        # §156 stk. 5: two tilsyn visits a year. The variant-0 case had only one this year.
        visits = 1 if self.variant == 0 else r.choice((2, 2, 3))
        for i in range(visits):
            d = self.ctx.ago(20 + i * r.randint(100, 160))
            if d > start:
                self.supervision(d, level)
        self.meeting(
            MeetingKind.TILSYNSBESOEG,
            self.today + timedelta(days=r.randint(5, 60)),
            planned=True,
            location=self.placement_place,
        )
        if self.resource is not None and r.random() < 0.5:
            self.resource_agreement(self.between(start, self.today), None)

    def stage_eftervaern(self) -> None:
        r = self.rng
        born = self.born or self.today
        eighteen = add_months(born, 18 * 12)
        placed = eighteen - timedelta(days=r.randint(400, 1800))
        decided = placed - timedelta(days=r.randint(0, 10))
        self.decided_history(decided)
        self.intervention(decided, placement=True, end=eighteen - timedelta(days=1))
        if self.placement is not None:
            self.placement.start_on = placed
        ev_decided = eighteen - timedelta(days=r.randint(180, 240))
        title, step = r.choice(
            (
                ("Efterværn: fast kontaktperson", 3),
                ("Efterværn: fortsat ophold på anbringelsesstedet", 5),
                ("Efterværn: udslusningsbolig med støtte", 4),
            )
        )
        iv = Intervention(
            id=self.ctx.uid(),
            case_id=self.case_id,
            title=title,
            legal_basis=LegalBasis.BL114,
            legal_reference="Barnets Lov § 114",
            staircase_step=step,
            provider=self.placement_place if step == 5 else "Kontaktpersonkorpset",
            decided_on=ev_decided,
            start_on=eighteen,
            end_on=add_months(born, 23 * 12) - timedelta(days=1),
        )
        self.add(iv)
        self.note(
            ev_decided,
            "Afgørelse om efterværn",
            self.fmt(
                f"Der er truffet afgørelse om {title.lower()} fra det fyldte 18. år. {{navn}} har selv ønsket støtten og er inddraget i ungeplanen."
            ),
        )
        plan = self.plan(
            ev_decided, approved=ev_decided + timedelta(days=30), kind=PlanKind.UNGEPLAN
        )
        self.case.follow_up_every_months = 6
        self.follow_ups(plan, eighteen, 6, current_due=None, level=r.uniform(5, 7))

    def stage_afsluttet(self) -> None:
        r = self.rng
        max_days = max(150, (self.today - (self.born or self.today)).days - 200)
        closed = self.ctx.ago(r.randint(10, min(400, max_days - 100)))
        start = closed - timedelta(days=r.randint(120, 600))
        if self.born is not None:
            start = max(start, self.born + timedelta(days=60))
        decided = start - timedelta(days=r.randint(0, 14))
        self.decided_history(decided)
        iv = self.intervention(decided, step=r.choice((2, 3, 3, 4)), end=closed)
        iv.start_on = start
        plan = self.plan(decided, approved=decided + timedelta(days=30))
        self.follow_up(plan, closed - timedelta(days=15), done=True, level=7.5)
        self.case.closed_on = closed
        self.note(
            closed,
            "Sagen afsluttes",
            self.fmt(
                "Indsatsen er ophørt. Målene i barnets plan er i det væsentlige opfyldt, og {navn} "
                "trives ifølge {inst}. Forældrene er orienteret om, at de altid kan henvende sig igen. "
                "Sagen afsluttes."
            ),
        )


# -- writing ------------------------------------------------------------------------------


def _write(session: Session, builders: Sequence[_CaseBuilder], counts: Counter[str]) -> None:
    """Three flushes per batch of cases, in foreign-key order (persons, then the case rows,
    then rows pointing at plans and meetings); the tracker adds outbox and audit rows."""
    phases: tuple[list[Base], ...] = ([], [], [])
    for b in builders:
        phases[0].extend(b.persons)
        phases[1].extend(b.rows)
        phases[1].extend(b.notes)
        phases[2].extend(b.late)
    for rows in phases:
        session.add_all(rows)
        session.flush()
        for row in rows:
            counts[type(row).__tablename__] += 1
    for b in builders:
        if b.correction:
            _correct(session, b, counts)


def _correct(session: Session, builder: _CaseBuilder, counts: Counter[str]) -> None:
    """A correction of a finalised note goes through the service layer, as the app does it."""
    finals = [n for n in builder.notes if n.finalised_at is not None and n.title == "Hjemmebesøg"]
    finals = finals or [n for n in builder.notes if n.finalised_at is not None]
    if not finals:
        return
    original = finals[0]
    day = _dk(original.written_at.date())
    if original.title == "Hjemmebesøg":
        body = (
            f"I notatet om hjemmebesøget af {day} står der, at besøget var anmeldt. Det er ikke "
            "korrekt: besøget var uanmeldt. Notatet rettes hermed."
        )
    else:
        body = (
            f"I notatet »{original.title}« af {day} er der en fejl i oplysningerne om, hvem der "
            "deltog. Forældrene deltog begge. Notatet rettes hermed."
        )
    # The demo's notes follow its own "today", not the real clock.
    at = min(original.written_at + timedelta(days=1), builder.ctx.anchor - timedelta(minutes=5))
    note = services.correct_note(
        session,
        original,
        f"Rettelse til journalnotat af {day}",
        body,
        written_at=at,
        note_id=builder.ctx.uid(),
    )
    services.update(
        session, note, author=builder.worker.username, finalised_at=at + timedelta(minutes=5)
    )
    counts["journal_note"] += 1


def _staff(session: Session, vault: Vault, ctx: _Ctx, counts: Counter[str]) -> None:
    """A handful of caseworkers and team leads; the vault's own user is one of the caseworkers.
    A vault that already has caseworkers keeps its staff, and the new cases go to them."""
    r = ctx.rng
    users = session.scalars(select(User).order_by(User.username)).all()
    if any(u.role is UserRole.RAADGIVER for u in users):
        teams = dict(_TEAMS)
        all_districts = tuple(dict.fromkeys(d for _t, ds in _TEAMS for d in ds))
        for u in users:
            own = tuple(r.sample(teams.get(u.team, all_districts), k=1))
            staff = _Staff(u.id, u.username, u.display_name, u.team or _TEAMS[0][0], own)
            if u.role is UserRole.RAADGIVER:
                ctx.caseworkers.append(staff)
            elif u.role is UserRole.TEAMLEDER:
                ctx.leads.append(staff)
        return
    taken = {u.username for u in users}
    wanted: list[tuple[str, str, UserRole, int]] = []
    if vault.user:
        wanted.append(
            (
                vault.user,
                settings.get(vault, settings.DISPLAY_NAME) or vault.user,
                UserRole.RAADGIVER,
                0,
            )
        )
    for i in range(6 - len(wanted)):
        wanted.append(("", ctx.name(), UserRole.RAADGIVER, (i + 1) % len(_TEAMS)))
    for i in range(2):
        wanted.append(("", ctx.name(), UserRole.TEAMLEDER, i))
    new: list[User] = []
    for given, name, role, team_no in wanted:
        initials = "".join(part[0] for part in name.split()[:3]).lower()
        username, n = given or initials, 1
        while username in taken:
            n += 1
            username = f"{initials}{n}"
        taken.add(username)
        team, districts = _TEAMS[team_no]
        user = User(
            id=ctx.uid(),
            username=username,
            display_name=name,
            initials=initials.upper(),
            role=role,
            team=team,
        )
        new.append(user)
        staff = _Staff(
            user.id, username, name, team, tuple(r.sample(districts, k=r.choice((1, 2))))
        )
        (ctx.caseworkers if role is UserRole.RAADGIVER else ctx.leads).append(staff)
    session.add_all(new)
    session.flush()
    counts["user"] += len(new)


def _plan_stages(rng: random.Random, cases: int) -> list[CaseStage]:
    """Every stage at least once (from ten cases), a second case in the stages whose deadline
    variants the demo must show, the rest weighted like a real caseload."""
    base = list(CaseStage)
    if cases > len(base):
        base += list(_EXTRA_STAGES)
    plan = base[:cases]
    stages, weights = list(_STAGE_WEIGHTS), list(_STAGE_WEIGHTS.values())
    plan += rng.choices(stages, weights=weights, k=max(0, cases - len(plan)))
    rng.shuffle(plan)
    return plan


def generate(
    vault: Vault,
    *,
    cases: int = 60,
    seed: int = 1,
    today: date | None = None,
    now: datetime | None = None,
) -> DemoSummary:
    """Fill ``vault`` with ``cases`` invented cases. The same ``seed`` and ``today`` give the same
    rows (ids included) in an empty vault; a vault that already holds cases gets new ones.

    Nothing that happened lies after ``now`` (default: the real moment): "today" is the Danish
    date of ``now``, and what happened today happened before ``now`` (so a demo made at 00:05
    has no event at 05:00). A past ``today`` alone means noon of that day (Danish time);
    ``today`` must not lie after the real date (the service layer refuses future dates)."""
    real_now = datetime.now(UTC)
    if now is None:
        if today is not None and today < local_date(real_now):
            now = datetime.combine(today, time(12, 0), DK).astimezone(UTC)
        else:
            now = real_now
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    today = today or local_date(now)
    if today > local_date(real_now) or now > real_now + timedelta(minutes=1):
        raise ValidationError("validation.future_date", field="today")
    if today != local_date(now):
        raise ValueError("today must be the Danish date of now")
    if cases < 0:
        raise ValueError("cases must not be negative")
    with vault.session() as session:
        before_changes = session.scalar(select(func.count()).select_from(ChangeEntry)) or 0
        before_audit = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        used_numbers = set(session.scalars(select(Case.case_number)))
        used_cpr = {c for c in session.scalars(select(Person.cpr)) if c}
    # A second run into the same vault must not reuse the first run's ids.
    rng = random.Random(f"{seed}:{len(used_numbers)}" if used_numbers else seed)
    fake = Faker("da_DK")
    fake.seed_instance(seed)
    ctx = _Ctx(rng=rng, fake=fake, today=today, anchor=now.astimezone(UTC))
    ctx.used_numbers, ctx.used_cpr = used_numbers, used_cpr
    ctx.schools = [f"{w}skolen" for w in _SCHOOL_WORDS] + [f"{fake.city()} Skole" for _ in range(6)]
    ctx.daycares = [f"Børnehuset {w}" for w in _DAYCARE_WORDS]
    ctx.clinics = [
        "Sundhedsplejen",
        "Svangreambulatoriet",
        "Børne- og ungdomspsykiatrien",
        "Skadestuen",
        "Egen læge",
    ]
    ctx.pending_notifiers = [
        (NotifierKind.FAGPERSON, NotifierSector.SKOLE),
        (NotifierKind.FAGPERSON, NotifierSector.DAGTILBUD),
        (NotifierKind.FAGPERSON, NotifierSector.SUNDHED),
        (NotifierKind.FAGPERSON, NotifierSector.POLITI),
        (NotifierKind.FAGPERSON, NotifierSector.SOCIALFORVALTNING),
        (NotifierKind.FAGPERSON, NotifierSector.ANDEN),
        (NotifierKind.BORGER, NotifierSector.FAMILIE),
        (NotifierKind.BORGER, NotifierSector.NABO),
        (NotifierKind.ANONYM, None),
    ]
    counts: Counter[str] = Counter()
    with vault.session() as session:
        _staff(session, vault, ctx, counts)

    stages = _plan_stages(rng, cases)
    seen: Counter[CaseStage] = Counter()
    variants = []
    for s in stages:
        variants.append(seen[s])
        seen[s] += 1
    # The special children: one or two unborn, two without a CPR number, corrected notes.
    unborn = [
        i
        for i, s in enumerate(stages)
        if s in (CaseStage.VURDERING, CaseStage.UNDERRETNINGSMOEDE) and variants[i] >= 1
    ][:1]
    unborn += [
        i for i, s in enumerate(stages) if s is CaseStage.UNDERSOEGELSE and variants[i] >= 3
    ][:1]
    if not unborn:
        unborn = [i for i, s in enumerate(stages) if s in _EARLY][:1]
    no_cpr = [
        i for i, s in enumerate(stages) if s in _EARLY[1:] + _DECIDED[:2] and i not in unborn
    ][:2]
    corrections = [
        i
        for i, s in enumerate(stages)
        if s in (CaseStage.UNDERSOEGELSE, CaseStage.OPFOELGNING) and variants[i] == 0
    ]

    for start in range(0, cases, BATCH):
        with vault.session() as session:
            builders = []
            for i in range(start, min(start + BATCH, cases)):
                builder = _CaseBuilder(
                    ctx,
                    stages[i],
                    variants[i],
                    unborn=i in unborn,
                    no_cpr=i in no_cpr,
                    correction=i in corrections,
                )
                builder.build()
                builders.append(builder)
            _write(session, builders, counts)

    _settle_history(vault, ctx, now, counts)

    with vault.session() as session:
        counts["change_entry"] = (
            session.scalar(select(func.count()).select_from(ChangeEntry)) or 0
        ) - before_changes
        counts["audit_event"] = (
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        ) - before_audit
    from models.deadlines.service import all_deadlines

    with vault.reading() as session:
        statuses = Counter(d.status for d in all_deadlines(session, now))
    return DemoSummary(
        seed=seed,
        today=today,
        cases=cases,
        tables=dict(sorted(counts.items())),
        stages={s: seen[s] for s in CaseStage if seen[s]},
        deadlines={s: statuses[s] for s in DeadlineStatus if statuses[s]},
    )


#: Of the open deadlines, at most this share is left overdue (the most recent ones), so red in
#: the lists means something; older misses were met on time and the note says so.
OVERDUE_SHARE = 0.08
#: Only deadlines that ran out within this many days may stay overdue.
RECENT_OVERDUE_DAYS = 45
_MET_NOTES = (
    "Fristen er overholdt. Opfølgningen er gennemført som aftalt, og referatet ligger i sagen.",
    "Gennemført til tiden. Forældrene og barnet er orienteret, og næste skridt er aftalt.",
    "Opgaven er udført inden fristen; samarbejdspartnerne har fået besked.",
)


def _settle_history(vault: Vault, ctx: _Ctx, now: datetime, counts: Counter[str]) -> None:
    """A municipality that works: a deadline that ran out long ago was met on time. For each,
    a journal note written before the deadline, and the deadline marked met by that note (a
    ``DeadlineAck`` "opfyldt"). A handful of recent misses stay overdue."""
    from models.deadlines.service import all_deadlines, meet_deadline

    with vault.reading() as session:
        deadlines = all_deadlines(session, now)
        assignee = dict(
            session.execute(
                select(Case.id, User.username).join(User, User.id == Case.assigned_to)
            ).all()
        )
    open_ = [d for d in deadlines if d.is_open and d.status != DeadlineStatus.MANGLER]
    overdue = sorted(
        (d for d in open_ if d.status == DeadlineStatus.OVERSKREDET and d.due is not None),
        key=lambda d: (d.due, d.rule, d.subject_id or ""),
        reverse=True,
    )
    keep = max(1, int(OVERDUE_SHARE * len(open_)))
    recent = now - timedelta(days=RECENT_OVERDUE_DAYS)
    kept = [d for d in overdue if d.due is not None and d.due >= recent][:keep]
    settle = [d for d in overdue if d not in kept]
    if not settle:
        return
    with vault.session() as session:
        for d in settle:
            assert d.due is not None
            earliest = d.trigger or d.due - timedelta(days=14)
            span = max(0.0, (d.due - earliest).total_seconds())
            written = min(
                d.due - timedelta(hours=2), earliest + timedelta(seconds=span * ctx.rng.random())
            )
            written = max(written, earliest)
            case = session.get(Case, d.case_id)
            if case is None:
                continue
            note = JournalNote(
                id=ctx.uid(),
                case_id=case.id,
                title=f"{d.title} – gennemført",
                body=ctx.rng.choice(_MET_NOTES),
                author=assignee.get(case.id, vault.user),
                written_at=written,
                finalised_at=written + timedelta(minutes=ctx.rng.randint(10, 90)),
                kind=NoteKind.NOTAT,
            )
            session.add(note)
            session.flush()
            meet_deadline(session, case.id, d.rule, d.subject_id, "journal_note", note.id, now=now)
            counts["journal_note"] += 1
            counts["deadline_ack"] += 1


__all__ = ["ICS_DIMENSIONS", "DemoSummary", "generate"]
