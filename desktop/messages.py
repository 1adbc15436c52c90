"""Danish text for every expected error code raised in models/ and sync/. One place, used by the
GUI (one error path) and the command line alike. No Qt here."""

from __future__ import annotations

from typing import Any

from models.errors import FeltmappeError

PASSPHRASE_REASONS = {
    "too_short": "Adgangsfrasen skal være på mindst {min_length} tegn.",
    "edge_whitespace": "Adgangsfrasen må ikke starte eller slutte med mellemrum.",
    "too_few_distinct": "Adgangsfrasen skal bestå af flere forskellige tegn.",
    "too_guessable": (
        "Adgangsfrasen er for let at gætte. Brug fx fire-fem tilfældige ord med bindestreg imellem."
    ),
}

VAULT_CORRUPT = {
    "key_file": "Nøglefilen (vault.key) er beskadiget eller ikke en Feltmappe-nøglefil.",
    "key_missing": "Nøglefilen (vault.key) mangler, så databasen kan ikke åbnes.",
    "database_missing": "Databasen (vault.db) mangler i profilmappen.",
    "database": "Filen er ikke en Feltmappe-database, eller den er beskadiget.",
    "not_a_vault": "Filen er ikke en Feltmappe-database.",
}

VALIDATION = {
    "validation.required": "Feltet skal udfyldes.",
    "validation.future_date": "Datoen ligger i fremtiden.",
    "validation.too_long": "Teksten er for lang til at blive gemt.",
    "validation.end_before_start": "Slutdatoen ligger før startdatoen.",
    "validation.unknown_field": "Ukendt felt.",
    "validation.unborn_with_birth": "Et ufødt barn kan ikke have CPR-nummer eller fødselsdato.",
    "validation.relation_self": "En person kan ikke have en relation til sig selv.",
    "cpr.birth_date_mismatch": "Fødselsdatoen passer ikke med CPR-nummeret.",
    "journal.correct_draft": "Kun et afsluttet notat kan rettes med et nyt notat; ret kladden direkte.",
}

#: A required field that needs more than "Feltet skal udfyldes." to say what to do.
REQUIRED_FIELDS = {
    "role": "Vælg personens rolle i sagen (fx forælder, tolk eller fagperson).",
}

CPR_REASONS = {
    "format": "CPR-nummeret skal skrives som DDMMÅÅ-XXXX (10 cifre).",
    "date": "CPR-nummeret indeholder ikke en gyldig fødselsdato.",
}

WARNINGS = {
    "cpr.modulus11": (
        "Bemærk: CPR-nummeret opfylder ikke modulus 11-kontrollen. Det er tilladt (CPR-kontoret "
        "udsteder numre uden kontrolciffer siden 2007), men tjek at det er tastet rigtigt."
    ),
    "export.unencrypted": (
        "Advarsel: filen er ikke krypteret og indeholder personoplysninger (CPR). Opbevar den "
        "sikkert, og slet den, når den ikke længere skal bruges."
    ),
    "export.unencrypted_stdout": (
        "Advarsel: udtrækket er ikke krypteret og indeholder personoplysninger (CPR). Gemmes det "
        "i en fil, så opbevar den sikkert, og slet den, når den ikke længere skal bruges."
    ),
}


SYNC_ERRORS = {
    "sync": "Synkroniseringen mislykkedes. Ændringerne er gemt på computeren og sendes senere.",
    "sync.offline": (
        "Den centrale server kan ikke nås. Ændringerne er gemt på computeren og sendes ved "
        "næste synkronisering."
    ),
    "sync.auth_failed": (
        "Den centrale server genkender ikke denne computer. Forbind den til serveren igen."
    ),
    "sync.bad_credentials": "Forkert brugernavn eller adgangskode til den centrale server.",
    "sync.device_revoked": "Enheden er spærret af administratoren. Data på computeren er slettet.",
    "sync.upgrade_required": (
        "Opdater Feltmappe: den centrale server kræver en nyere version. Dine ændringer er sendt."
    ),
    "sync.refused": "Den centrale server afviste forespørgslen. Ændringerne er gemt på computeren.",
    "sync.not_connected": "Computeren er ikke forbundet til en central server.",
    "sync.conflict_unknown": "Konflikten findes ikke længere.",
    "sync.insecure_url": (
        "Serverens adresse skal begynde med https://. Sagsdata sendes aldrig ukrypteret; "
        "http:// bruges kun til en server på denne computer."
    ),
    "sync.certificate": (
        "Serverens certifikat kunne ikke bekræftes, så der blev ikke sendt noget. Tjek adressen, "
        "eller bed IT om kommunens CA-certifikat, og forbind computeren igen med det. "
        "Ændringerne er gemt på computeren."
    ),
    "sync.ca_file": "CA-certifikatet kan ikke læses. Angiv en PEM-fil med kommunens CA-certifikat.",
}

#: Why the central store rejected (or did not apply) one change, per mutation.
SYNC_REASONS = {
    "sync.unknown_table": "Serveren kender ikke denne slags oplysninger (en nyere version?).",
    "sync.unknown_field": "Serveren kender ikke et af felterne (en nyere version?).",
    "sync.bad_value": "En værdi er ugyldig eller mangler.",
    "sync.unknown_code": (
        "Serveren kender ikke en af værdierne (den er måske nyere end serveren). "
        "Ændringen er gemt på computeren."
    ),
    "sync.too_long": "En tekst er længere, end serveren tillader.",
    "sync.mutation_id_reused": (
        "Serveren har allerede modtaget en anden ændring med samme nummer. Send ændringen igen."
    ),
    "sync.unknown_row": "Posten findes ikke på serveren.",
    "sync.no_access": "Du har ikke adgang til sagen på serveren (den er ikke tildelt dig).",
    "sync.case_mismatch": "Ændringen hører til en anden sag end posten på serveren.",
    "sync.case_missing": "Ændringen mangler sin sag.",
    "sync.read_only": "Oplysningerne kan kun ændres på serveren.",
    "sync.server_error": "Serveren kunne ikke gemme ændringen. Prøv igen senere.",
    "sync.note_forked": (
        "Notatet var afsluttet på serveren; din version er gemt som en ny kladde."
    ),
    "sync.conflict": "Feltet er ændret både her og på serveren. Vælg hvilken værdi der gælder.",
    "sync.server_managed": "Oplysningerne styres af serveren og sendes ikke herfra.",
    "sync.already_resolved": "Konflikten var allerede løst.",
}


def sync_reason_text(code: str) -> str:
    """Danish text for the reason the central store gave for one change."""
    if not code:
        return "Ingen begrundelse."
    return SYNC_REASONS.get(code, f"Serveren afviste ændringen ({code}).")


def warning_text(code: str) -> str:
    return WARNINGS.get(code, code)


def error_text(err: FeltmappeError) -> str:
    """The Danish message for an expected error."""
    code, p = err.code, err.params
    if code == "vault.wrong_passphrase":
        return "Forkert adgangsfrase. Prøv igen."
    if code == "vault.not_found":
        return f"Der findes ingen Feltmappe-profil i {p.get('path', 'mappen')}."
    if code == "vault.exists":
        return f"Der findes allerede en Feltmappe-profil i {p.get('path', 'mappen')}."
    if code == "vault.corrupt":
        detail = VAULT_CORRUPT.get(str(p.get("what")), "Profilen er beskadiget.")
        return f"{detail} Filen er ikke ændret."
    if code == "vault.too_new":
        return (
            "Profilen er gemt af en nyere version af Feltmappe. Opdatér programmet; "
            "profilen er ikke ændret."
        )
    if code == "vault.locked":
        return "Feltmappe er låst. Lås op med din adgangsfrase."
    if code == "passphrase.weak":
        reasons = [
            PASSPHRASE_REASONS.get(r, r).format(min_length=p.get("min_length", 10))
            for r in p.get("reasons", [])
        ]
        return "Adgangsfrasen er ikke stærk nok. " + " ".join(reasons)
    if code == "passphrase.mismatch":
        return "De to adgangsfraser er ikke ens."
    if code == "unexpected":
        return "Der opstod en uventet fejl. Intet er gemt af den seneste ændring; prøv igen."
    if code == "disk.full":
        return "Disken er fuld. Intet er gemt af den seneste ændring; frigør plads og prøv igen."
    if code == "cpr.invalid":
        return CPR_REASONS.get(str(p.get("reason")), "Ugyldigt CPR-nummer.")
    if code == "not_found":
        return f"Findes ikke: {p.get('row_id', '')}".strip()
    if code == "record.immutable":
        return "Et afsluttet journalnotat kan ikke ændres. Skriv et rettelsesnotat i stedet."
    if code == "record.hard_delete":
        return "Poster kan ikke slettes permanent; de markeres som slettet."
    if code == "import.invalid":
        return import_problems_text(p.get("problems", []), total=p.get("total"))
    if code.startswith("deadline."):
        return deadline_text(code, p)
    if code.startswith("document."):
        return document_text(code, p)
    if code.startswith("settings."):
        return settings_text(code, p)
    if code.startswith("form."):
        from models.forms.messages import error_text as form_error_text

        return form_error_text(code, p)
    if code == "validation.required" and str(p.get("field")) in REQUIRED_FIELDS:
        return REQUIRED_FIELDS[str(p.get("field"))]
    if code in VALIDATION:
        return VALIDATION[code] + _where(p)
    if code == "sync" or code.startswith("sync."):
        return sync_error_text(code, p)
    return f"Fejl: {code}"


def sync_error_text(code: str, p: dict[str, Any]) -> str:
    if code == "sync.too_many_attempts":
        return (
            "For mange forkerte forsøg med adgangskoden. Vent "
            f"{wait_text(int(p.get('seconds', 60)))}, og prøv igen."
        )
    if code == "sync.refused" and p.get("error"):
        return f"{SYNC_ERRORS[code]} ({p['error']})"
    if code in SYNC_ERRORS:
        return SYNC_ERRORS[code]
    if code in SYNC_REASONS:
        return SYNC_REASONS[code]
    return SYNC_ERRORS["sync"]


def wait_text(seconds: int) -> str:
    """ "1 sekund", "40 sekunder", "3 minutter" (rounded up)."""
    if seconds < 60:
        return "1 sekund" if seconds == 1 else f"{seconds} sekunder"
    minutes = -(-seconds // 60)
    return "1 minut" if minutes == 1 else f"{minutes} minutter"


def _where(params: dict[str, object]) -> str:
    """ " (underretninger, feltet »modtaget«)" — which row kind and field, when known, in Danish."""
    from models.vocabulary import FIELD_LABELS, TABLE_LABELS

    table, field = params.get("table"), params.get("field")
    if not table or not field:
        return ""
    name = FIELD_LABELS.get(str(field), str(field))
    return f" ({TABLE_LABELS.get(str(table), str(table))}, feltet »{name}«)"


def deadline_text(code: str, p: dict[str, Any]) -> str:
    """Deadline settings (the law is the floor) and deadline acknowledgements."""
    from models.deadlines.standards import LEGAL_LIMITS, municipalities

    setting = p.get("setting", "")
    if code == "deadline.setting_looser_than_law":
        kind = LEGAL_LIMITS.get(setting, ("", 0, "max"))[2]
        bound = "højst" if kind == "max" else "mindst"
        return (
            f"Indstillingen {setting} må ikke gøre lovens frist løsere "
            f"(regel {p.get('rule', '')}: {bound} {p.get('legal', '')}, "
            f"angivet {p.get('given', '')})."
        )
    if code == "deadline.setting_unknown":
        return f"Ukendt fristindstilling: {setting}."
    if code == "deadline.setting_type":
        expected = {
            "municipality": "en tekst",
            "closed_on_optional_holidays": "true eller false",
        }.get(setting, "et helt tal")
        return f"Indstillingen {setting} skal være {expected}."
    if code == "deadline.setting_range":
        return (
            f"Indstillingen {setting} skal ligge mellem {p.get('low', '')} og {p.get('high', '')}."
        )
    if code == "deadline.settings_file":
        return (
            f"Fristindstillingerne i {p.get('source', 'filen')} kan ikke læses "
            f"({p.get('detail', '')}). Ret filen og prøv igen."
        )
    if code == "deadline.unknown_municipality":
        return (
            f"Der findes ingen fristindstillinger for kommunen »{p.get('municipality', '')}«. "
            f"Kendte: {', '.join(municipalities())}."
        )
    if code == "deadline.unknown_rule":
        return f"Ukendt frist: {p.get('rule', '')}."
    if code == "deadline.met_by_unknown":
        return "Vælg hvad fristen blev opfyldt ved (et journalnotat, et møde eller et dokument)."
    if code == "deadline.met_by_missing":
        return "Det valgte notat, møde eller dokument findes ikke (længere) i sagen."
    return "Fristindstillingen er ugyldig."


def document_text(code: str, p: dict[str, Any]) -> str:
    if code == "document.unknown":
        return "Ukendt dokument. Mulige: " + ", ".join(p.get("known", [])) + "."
    if code == "document.none":
        return f"Sag {p.get('case', '')} har intet at lave »{p.get('document', '')}« fra."
    if code == "document.choose":
        return "Sagen har flere; vælg én med --id:\n  " + "\n  ".join(p.get("choices", []))
    return f"Fejl: {code}"


def settings_text(code: str, p: dict[str, Any]) -> str:
    """``name``: how the setting is called (a form's label); else "Indstillingen <key>"."""
    key = p.get("field", "")
    name = p.get("name") or f"Indstillingen {key}"
    limits = ""
    if p.get("minimum") is not None and p.get("maximum") is not None:
        limits = f" mellem {p['minimum']} og {p['maximum']} {p.get('unit', '')}".rstrip()
    if code == "settings.unknown":
        known = p.get("known")
        return f"Ukendt indstilling: {key}." + (
            f" Kendte indstillinger: {', '.join(known)}." if known else ""
        )
    if code == "settings.type" and p.get("kind") == "int":
        return f"{name} skal være et helt tal{limits}."
    if code == "settings.type" and p.get("kind") == "bool":
        return f"{name} skal være ja eller nej."
    if code == "settings.type":
        return f"{name} har en forkert type."
    if code == "settings.range":
        return f"{name} skal ligge{limits}."
    if code == "settings.choice":
        return f"{name} skal være en af: {', '.join(p.get('choices', []))}."
    return f"{name} er ugyldig."


def import_problems_text(
    problems: list[tuple[str, str]], limit: int = 5, total: int | None = None
) -> str:
    """``total`` counts every problem found when ``problems`` holds only the first of them."""
    lines = [f"  {path or '(dokumentet)'}: {msg}" for path, msg in problems[:limit]]
    more = (total or len(problems)) - limit
    if more > 0:
        lines.append(f"  … og {more} problem(er) mere")
    return "Filen kan ikke importeres; intet er importeret.\n" + "\n".join(lines)
