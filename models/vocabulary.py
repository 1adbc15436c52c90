"""The domain's controlled vocabularies (stages, roles, kinds), with the Danish terms the
caseworker knows. The values are stable codes stored in the vault and in exported documents."""

from __future__ import annotations

from enum import StrEnum


class CaseStage(StrEnum):
    """Lifecycle stage of a case (sag), DOMAIN.md's lifecycle table."""

    UNDERRETNING = "underretning"
    VURDERING = "vurdering"
    UNDERRETNINGSMOEDE = "underretningsmoede"
    UNDERSOEGELSE = "undersoegelse"
    AFGOERELSE = "afgoerelse"
    HANDLEPLAN = "handleplan"
    OPFOELGNING = "opfoelgning"
    TILSYN = "tilsyn"
    EFTERVAERN = "eftervaern"
    AFSLUTTET = "afsluttet"


STAGE_LABELS: dict[CaseStage, str] = {
    CaseStage.UNDERRETNING: "Underretning modtaget",
    CaseStage.VURDERING: "Indledende vurdering",
    CaseStage.UNDERRETNINGSMOEDE: "Underretningsmøde",
    CaseStage.UNDERSOEGELSE: "Børnefaglig undersøgelse",
    CaseStage.AFGOERELSE: "Afgørelse om indsats",
    CaseStage.HANDLEPLAN: "Barnets plan / handleplan",
    CaseStage.OPFOELGNING: "Opfølgning",
    CaseStage.TILSYN: "Tilsyn (anbragt)",
    CaseStage.EFTERVAERN: "Efterværn",
    CaseStage.AFSLUTTET: "Afsluttet",
}


class PartyRole(StrEnum):
    """A person's role in a case (sagspart)."""

    BARN = "barn"
    FORAELDREMYNDIGHED = "foraeldremyndighedsindehaver"
    FORAELDER = "foraelder"
    SOESKENDE = "soeskende"
    BEDSTEFORAELDER = "bedsteforaelder"
    RESSOURCEPERSON = "ressourceperson"
    NETVAERKSPERSON = "netvaerksperson"
    FAGPERSON = "fagperson"
    PLEJEFAMILIE = "plejefamilie"
    #: An interpreter at conversations and meetings: part of the case's people, not a party.
    TOLK = "tolk"


PARTY_ROLE_LABELS: dict[PartyRole, str] = {
    PartyRole.BARN: "Barn",
    PartyRole.FORAELDREMYNDIGHED: "Forældremyndighedsindehaver",
    PartyRole.FORAELDER: "Forælder",
    PartyRole.SOESKENDE: "Søskende",
    PartyRole.BEDSTEFORAELDER: "Bedsteforælder",
    PartyRole.RESSOURCEPERSON: "Ressourceperson",
    PartyRole.NETVAERKSPERSON: "Netværksperson",
    PartyRole.FAGPERSON: "Fagperson",
    PartyRole.PLEJEFAMILIE: "Plejefamilie",
    PartyRole.TOLK: "Tolk",
}


class RelationKind(StrEnum):
    FORAELDER_BARN = "foraelder_barn"
    PARTNER = "partner"
    TIDLIGERE_PARTNER = "tidligere_partner"
    SOESKENDE = "soeskende"
    BEDSTEFORAELDER_BARNEBARN = "bedsteforaelder_barnebarn"
    VEN = "ven"
    FAGLIG = "faglig"
    ANDEN = "anden"


class RelationQuality(StrEnum):
    TAET = "taet"
    GOD = "god"
    SVAG = "svag"
    KONFLIKT = "konflikt"
    BRUDT = "brudt"


class NotifierKind(StrEnum):
    """Who sent an underretning: a professional (skærpet underretningspligt) or a citizen."""

    FAGPERSON = "fagperson"
    BORGER = "borger"
    ANONYM = "anonym"


class NotifierSector(StrEnum):
    SKOLE = "skole"
    DAGTILBUD = "dagtilbud"
    SUNDHED = "sundhed"
    POLITI = "politi"
    SOCIALFORVALTNING = "socialforvaltning"
    FAMILIE = "familie"
    NABO = "nabo"
    ANDEN = "anden"


class ScreeningOutcome(StrEnum):
    """Result of the 24-hour assessment (indledende vurdering)."""

    AKUT = "akut"
    UNDERSOEGELSE = "undersoegelse"
    RAAD_OG_VEJLEDNING = "raad_og_vejledning"
    INGEN_FORANSTALTNING = "ingen_foranstaltning"
    SAMMENLAGT = "sammenlagt"


SCREENING_OUTCOME_LABELS: dict[ScreeningOutcome, str] = {
    ScreeningOutcome.AKUT: "Akut handling",
    ScreeningOutcome.UNDERSOEGELSE: "Børnefaglig undersøgelse",
    ScreeningOutcome.RAAD_OG_VEJLEDNING: "Råd og vejledning",
    ScreeningOutcome.INGEN_FORANSTALTNING: "Ingen yderligere handling",
    ScreeningOutcome.SAMMENLAGT: "Lagt sammen med en anden underretning",
}


class AssessmentStatus(StrEnum):
    IGANG = "igang"
    FORELOEBIG = "foreloebig_vurdering"
    AFSLUTTET = "afsluttet"


class PlanKind(StrEnum):
    HANDLEPLAN = "handleplan"
    BARNETS_PLAN = "barnets_plan"
    UNGEPLAN = "ungeplan"


class PlanStatus(StrEnum):
    KLADDE = "kladde"
    GAELDENDE = "gaeldende"
    ERSTATTET = "erstattet"


class StepStatus(StrEnum):
    """Status of one of the four opfølgning steps."""

    AFVENTER = "afventer"
    UDFOERT = "udfoert"
    SPRUNGET_OVER = "sprunget_over"


class MeetingKind(StrEnum):
    NETVAERKSMOEDE = "netvaerksmoede"
    HANDLEPLANSMOEDE = "handleplansmoede"
    UNDERRETNINGSMOEDE = "underretningsmoede"
    HJEMMEBESOEG = "hjemmebesoeg"
    BOERNESAMTALE = "boernesamtale"
    TILSYNSBESOEG = "tilsynsbesoeg"


MEETING_KIND_LABELS: dict[MeetingKind, str] = {
    MeetingKind.NETVAERKSMOEDE: "Netværksmøde",
    MeetingKind.HANDLEPLANSMOEDE: "Handleplansmøde",
    MeetingKind.UNDERRETNINGSMOEDE: "Underretningsmøde",
    MeetingKind.HJEMMEBESOEG: "Hjemmebesøg",
    MeetingKind.BOERNESAMTALE: "Børnesamtale",
    MeetingKind.TILSYNSBESOEG: "Tilsynsbesøg",
}


class ScaleKind(StrEnum):
    TRIVSELSLINEAL = "trivselslineal"
    SIKKERHEDSSKALA = "sikkerhedsskala"


class LegalBasis(StrEnum):
    """Barnets Lov paragraphs an indsats is decided under."""

    BL32 = "bl32"
    BL46 = "bl46"
    BL47 = "bl47"
    BL114 = "bl114"
    ANDEN = "anden"


class AgreementKind(StrEnum):
    RESSOURCEPERSONAFTALE = "ressourcepersonaftale"
    SIKKERHEDSPLAN = "sikkerhedsplan"
    SAMARBEJDSAFTALE = "samarbejdsaftale"


class DeadlineAckKind(StrEnum):
    KVITTERET = "kvitteret"
    UNDTAGET = "undtaget"
    #: Met by a row the user points at (a note, a meeting, a document): ``met_by_table/_id``.
    OPFYLDT = "opfyldt"


DEADLINE_ACK_KIND_LABELS: dict[DeadlineAckKind, str] = {
    DeadlineAckKind.KVITTERET: "Kvitteret",
    DeadlineAckKind.UNDTAGET: "Undtaget",
    DeadlineAckKind.OPFYLDT: "Opfyldt",
}


#: What a deadline can be marked met by (``DeadlineAck.met_by_table``), as in "opfyldt ved …".
MET_BY_LABELS: dict[str, str] = {
    "journal_note": "journalnotat",
    "meeting": "møde",
    "notification": "vurdering af underretning",
    "assessment": "børnefaglig undersøgelse",
    "plan": "handleplan",
    "agreement": "aftale",
}


class NoteKind(StrEnum):
    """What a journal note records."""

    NOTAT = "notat"
    SAMTALE = "samtale"
    TELEFON = "telefon"
    MOEDE = "moede"
    HJEMMEBESOEG = "hjemmebesoeg"
    BOERNESAMTALE = "boernesamtale"
    SKRIFTLIG = "skriftlig"


NOTE_KIND_LABELS: dict[NoteKind, str] = {
    NoteKind.NOTAT: "Notat",
    NoteKind.SAMTALE: "Samtale",
    NoteKind.TELEFON: "Telefonsamtale",
    NoteKind.MOEDE: "Møde",
    NoteKind.HJEMMEBESOEG: "Hjemmebesøg",
    NoteKind.BOERNESAMTALE: "Børnesamtale",
    NoteKind.SKRIFTLIG: "Mail eller brev",
}


class AuditAction(StrEnum):
    """What happened to a case, for the access log (logning)."""

    VIST = "vist"
    OPRETTET = "oprettet"
    AENDRET = "aendret"
    SLETTET = "slettet"
    UDSKREVET = "udskrevet"
    EKSPORTERET = "eksporteret"
    IMPORTERET = "importeret"


AUDIT_ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.VIST: "Vist",
    AuditAction.OPRETTET: "Oprettet",
    AuditAction.AENDRET: "Ændret",
    AuditAction.SLETTET: "Slettet",
    AuditAction.UDSKREVET: "Udskrevet",
    AuditAction.EKSPORTERET: "Eksporteret",
    AuditAction.IMPORTERET: "Importeret",
}


class UserRole(StrEnum):
    RAADGIVER = "raadgiver"
    TEAMLEDER = "teamleder"
    ADMIN = "admin"


#: Danish names of the columns people meet in messages (a conflict, a rejected change, a form
#: error); a column not listed is shown by its name.
FIELD_LABELS: dict[str, str] = {
    "title": "overskrift",
    "body": "tekst",
    "district": "distrikt",
    "team": "team",
    "stage": "fase",
    "assigned_to": "rådgiver",
    "opened_on": "oprettet",
    "closed_on": "afsluttet",
    "first_name": "fornavn",
    "last_name": "efternavn",
    "birth_date": "fødselsdato",
    "expected_date": "terminsdato",
    "cpr": "CPR-nummer",
    "address": "adresse",
    "phone": "telefon",
    "email": "e-mail",
    "note": "bemærkning",
    "notes": "noter",
    "role": "rolle",
    "has_custody": "forældremyndighed",
    "party_rights": "partsrettigheder",
    "start_on": "startdato",
    "end_on": "slutdato",
    "due_on": "frist",
    "summary": "resumé",
    "decision": "afgørelse",
    "purpose": "formål",
    "location": "sted",
    "deleted_at": "slettet",
    "follow_up_every_months": "opfølgningsinterval",
    # Every other column of a synced table, so no message shows a column's code name.
    "acknowledged_at": "tidspunkt for markering",
    "action_items": "aftalte opgaver",
    "answers": "svar",
    "approved_on": "godkendt",
    "assessed_at": "vurderet",
    "assessed_on": "vurderet",
    "assessed_with_new_colleague": "vurderet med ny kollega",
    "attendees": "deltagere",
    "author": "forfatter",
    "aware_on": "kommunen blev opmærksom",
    "base_value": "fælles værdi",
    "case_id": "sag",
    "case_number": "sagsnummer",
    "child_alone": "barnet set alene",
    "child_conversation": "samtale med barnet",
    "child_conversation_on": "dato for samtale med barnet",
    "child_id": "barn",
    "client_user": "ændret af (her)",
    "client_value": "din værdi",
    "comment": "kommentar",
    "completed_on": "afsluttet",
    "concerns_abuse": "mistanke om overgreb",
    "conclusion": "konklusion",
    "corrects_id": "retter notat",
    "decided_on": "besluttet",
    "decided_at": "besluttet",
    "decision_on": "afgørelsesdato",
    "detected_at": "opdaget",
    "display_name": "navn",
    "evaluated_on": "evalueret",
    "home_visit_on": "dato for hjemmebesøget",
    "evidence": "dokumentation",
    "feedback_sent_on": "tilbagemelding sendt",
    "field": "felt",
    "finalised_at": "afsluttet",
    "form_id": "skema",
    "form_version": "skemaversion",
    "from_person_id": "fra person",
    "goals": "mål",
    "hearing": "partshøring",
    "hearing_comments": "bemærkninger fra partshøring",
    "hearing_deadline": "frist for partshøring",
    "hearing_sent_on": "partshøring sendt",
    "held_at": "afholdt",
    "id": "id",
    "initials": "initialer",
    "is_placement": "anbringelse",
    "is_simple": "simpel undersøgelse",
    "kind": "type",
    "last_follow_up_on": "senest fulgt op",
    "legal_basis": "lovgrundlag",
    "legal_reference": "lovhenvisning",
    "meeting": "handleplansmøde",
    "meeting_id": "møde",
    "meeting_on": "dato for møde",
    "met_by_id": "opfyldt ved",
    "met_by_table": "opfyldt ved (type)",
    "next_due_on": "næste frist",
    "no_home_visit_reason": "begrundelse for intet hjemmebesøg",
    "not_held_reason": "begrundelse for aflysning",
    "notifier_kind": "underretter",
    "notifier_name": "underretters navn",
    "notifier_organisation": "underretters arbejdssted",
    "notifier_sector": "underretters område",
    "outcome": "udfald",
    "notification_id": "underretning",
    "parties": "parter",
    "person_id": "person",
    "plan_id": "handleplan",
    "plan_text": "undersøgelsesplan",
    "planned_at": "planlagt",
    "pos_x": "placering (vandret)",
    "pos_y": "placering (lodret)",
    "preliminary_on": "foreløbig vurdering",
    "provider": "leverandør",
    "quality": "kvalitet",
    "rated_at": "vurderet",
    "rated_by_person_id": "vurderet af",
    "rated_by_role": "vurderet af (rolle)",
    "reason": "begrundelse",
    "receipt_sent_on": "kvittering sendt",
    "received_at": "modtaget",
    "resolution": "valg",
    "resolved_at": "afgjort",
    "resolved_by": "afgjort af",
    "responsible": "ansvarlig",
    "rev": "version",
    "review_on": "revideres",
    "row_id": "række",
    "rule": "frist",
    "scale": "skala",
    "server_user": "ændret af (serveren)",
    "server_value": "serverens værdi",
    "sex": "køn",
    "signed_on": "underskrevet",
    "signs_of_safety": "Signs of Safety",
    "sources": "kilder",
    "staircase_step": "trin på indsatstrappen",
    "started_on": "startet",
    "status": "status",
    "subject_id": "gælder",
    "table_name": "tabel",
    "text": "tekst",
    "to_person_id": "til person",
    "unborn": "ufødt",
    "updated_at": "ændret",
    "updated_by": "ændret af",
    "username": "brugernavn",
    "value": "værdi",
    "version": "version",
    "written_at": "skrevet",
    "written_plan": "skriftlig handleplan",
    "written_plan_on": "dato for skriftlig handleplan",
}

#: Danish names of the vault's tables, for summaries and messages.
TABLE_LABELS: dict[str, str] = {
    "user": "brugere",
    "person": "personer",
    "case": "sager",
    "case_party": "sagsparter",
    "relation": "relationer",
    "notification": "underretninger",
    "screening": "indledende vurderinger",
    "assessment": "børnefaglige undersøgelser",
    "plan": "handleplaner",
    "follow_up": "opfølgninger",
    "meeting": "møder",
    "journal_note": "journalnotater",
    "scale_reading": "skalaer",
    "intervention": "indsatser",
    "agreement": "aftaler",
    "deadline_ack": "fristmarkeringer",
    "sync_conflict": "konflikter",
    "audit_event": "logninger",
    "change_entry": "ændringer til synkronisering",
}


#: Danish labels of further vocabularies (timeline, documents).
NOTIFIER_KIND_LABELS: dict[NotifierKind, str] = {
    NotifierKind.FAGPERSON: "Fagperson",
    NotifierKind.BORGER: "Borger",
    NotifierKind.ANONYM: "Anonym",
}

NOTIFIER_SECTOR_LABELS: dict[NotifierSector, str] = {
    NotifierSector.SKOLE: "skole",
    NotifierSector.DAGTILBUD: "dagtilbud",
    NotifierSector.SUNDHED: "sundhed",
    NotifierSector.POLITI: "politi",
    NotifierSector.SOCIALFORVALTNING: "socialforvaltning",
    NotifierSector.FAMILIE: "familie",
    NotifierSector.NABO: "nabo",
    NotifierSector.ANDEN: "anden",
}

LEGAL_BASIS_LABELS: dict[LegalBasis, str] = {
    LegalBasis.BL32: "Barnets Lov §32",
    LegalBasis.BL46: "Barnets Lov §46",
    LegalBasis.BL47: "Barnets Lov §47",
    LegalBasis.BL114: "Barnets Lov §114",
    LegalBasis.ANDEN: "anden hjemmel",
}

PLAN_KIND_LABELS: dict[PlanKind, str] = {
    PlanKind.HANDLEPLAN: "Handleplan",
    PlanKind.BARNETS_PLAN: "Barnets plan",
    PlanKind.UNGEPLAN: "Ungeplan",
}
