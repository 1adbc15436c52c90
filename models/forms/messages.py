"""Danish text for the codes of ``models.forms``: what is wrong with a definition file (for
``feltmappe forms check`` and the developer adding a form), and what is wrong with an answer
(for the form renderer, the documents and the service layer's refusals). No Qt here, so the
command line, the renderer and the PDFs say the same thing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_DEFINITION: dict[str, str] = {
    "form.toml_syntax": "Ugyldig TOML: {detail}.",
    "form.encoding": "Filen er ikke tekst i UTF-8.",
    "form.unreadable": "Filen kan ikke læses ({detail}).",
    "form.no_folder": "Mappen findes ikke.",
    "form.unknown_key": "Ukendt nøgle »{key}«. Mulige: {known}.",
    "form.missing_key": "Nøglen »{key}« mangler.",
    "form.missing_label": "Teksten (»{key}«) mangler; alle afsnit, felter og valg skal have en.",
    "form.empty": "»{key}« er tom.",
    "form.bad_value_type": "Skal være {expected}, ikke {given}.",
    "form.bad_id": (
        "Id'et »{value}« er ugyldigt: brug små bogstaver a-z, tal og _ (ingen æ, ø, å), "
        "og start med et bogstav."
    ),
    "form.duplicate_id": "Id'et »{id}« er brugt før i filen.",
    "form.bad_version": "Versionen skal være et helt tal fra 1 ({value}).",
    "form.unknown_field_type": "Ukendt felttype »{value}«. Mulige: {known}.",
    "form.unknown_dimension": "Ukendt ICS-dimension »{value}« (se ics.toml).",
    "form.unknown_side": "Ukendt side af ICS-trekanten »{value}« (se ics.toml).",
    "form.unknown_vocabulary": "Ukendt ordliste »{value}«. Mulige: {known}.",
    "form.unknown_vocabulary_value": "Ordlisten »{vocabulary}« har ingen værdi »{value}«.",
    "form.choices_and_vocabulary": "Angiv enten »choices« eller »vocabulary«, ikke begge.",
    "form.only_without_vocabulary": "»only« kan kun bruges sammen med »vocabulary«.",
    "form.missing_choices": "Et valgfelt skal have »choices« eller »vocabulary«.",
    "form.unknown_condition_field": (
        "»show_if« henviser til feltet »{value}«, som ikke findes før dette felt."
    ),
    "form.condition_field_type": (
        "»show_if« kan kun se på ja/nej- og valgfelter (»{value}« er {type})."
    ),
    "form.bad_condition_value": "Feltet »{field}« kan ikke have værdien »{value}«.",
    "form.nested_group": "En gruppe kan ikke ligge i en gruppe.",
    "form.bad_range": "Ugyldigt interval ({low}–{high}).",
    "form.bad_number": "Tallet skal være mindst 1 ({value}).",
    "form.bad_reason_when": '»reason_when« skal være "yes" eller "no" (ikke »{value}«).',
    "form.per_dimension_without_side": "»per_dimension« kræver »ics_side« på afsnittet.",
    "form.unknown_table": "Ukendt tabel »{value}«. Mulige: {known}.",
    "form.unknown_column": "Tabellen »{table}« har ingen kolonne »{value}« her. Mulige: {known}.",
    "form.column_type": "Kolonnen »{value}« kan ikke udfyldes fra et felt af typen {type}.",
    "form.column_vocabulary": "Kolonnen »{value}« kræver valg fra ordlisten »{vocabulary}«.",
    "form.column_without_record": (
        "»column« kræver en »[record]« i skemaet og kan ikke bruges inde i en gruppe."
    ),
    "form.file_name": (
        "Filen skal hedde {id}.toml (nyeste version) eller {id}.v{version}.toml (ældre version)."
    ),
    "form.duplicate_version": "Skemaet {id} version {version} findes også i {other}.",
    "form.version_not_newest": (
        "{id}.toml skal være den nyeste version; {other} har en nyere. Omdøb den gamle til "
        "{id}.v{version}.toml."
    ),
}


def _fmt(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if value is True:
        return "ja"
    if value is False:
        return "nej"
    return value


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def definition_text(code: str, params: Mapping[str, Any]) -> str:
    """Danish text for a problem of a definition file."""
    template = _DEFINITION.get(code)
    if template is None:
        return f"Fejl i skemaet ({code})."
    return template.format_map(_Params({k: _fmt(v) for k, v in params.items()}))


_ANSWER: dict[str, str] = {
    "validation.required": "Feltet skal udfyldes.",
    "validation.too_long": "Teksten er for lang (højst {maximum} tegn).",
    "validation.future_date": "Datoen ligger i fremtiden.",
    "form.bad_value": "Svaret har en forkert form ({expected}).",
    "form.bad_date": "Ugyldig dato; skriv den som dd.mm.åååå.",
    "form.bad_datetime": "Ugyldigt tidspunkt; angiv dato og klokkeslæt.",
    "form.unknown_choice": "»{value}« er ikke et af valgene.",
    "form.out_of_range": "Vælg et tal fra {minimum} til {maximum}.",
    "form.reason_required": "Skriv begrundelsen ({reason_label}).",
    "form.unknown_person": "Personen er ikke part i sagen.",
    "form.unknown_dimension": "Ukendt ICS-dimension.",
    "form.too_few_items": "Tilføj mindst {minimum}.",
    "form.too_many_items": "Højst {maximum}.",
    "form.unknown_field": "Skemaet har intet felt »{field}«.",
}


def answer_text(code: str, params: Mapping[str, Any] | None = None) -> str:
    """Danish text for a problem of an answer (``models.forms.answers.AnswerProblem``)."""
    template = _ANSWER.get(code)
    if template is None:
        return f"Ugyldigt svar ({code})."
    return template.format_map(_Params({k: _fmt(v) for k, v in (params or {}).items()}))


def error_text(code: str, params: Mapping[str, Any]) -> str:
    """Danish text for the expected errors of ``models.forms`` (codes ``form.*``)."""
    if code == "form.definition":
        text = f"Fejl i skemafilen {params.get('file', '')}"
        if params.get("key"):
            text += f", nøglen {params['key']}"
        return f"{text}: {params.get('problem', '')}"
    if code == "form.not_found":
        version = params.get("version")
        which = f"{params.get('form_id', '')}" + (f" version {version}" if version else "")
        return f"Skemaet {which} findes ikke i denne version af Feltmappe."
    if code == "form.incomplete":
        lines = [f"  {m}" for m in params.get("missing", [])]
        lines += [f"  {p}" for p in params.get("problems", [])]
        return "Skemaet kan ikke afsluttes endnu. Mangler eller skal rettes:\n" + "\n".join(lines)
    if code == "form.not_stored":
        return "Svarene på dette skema kan endnu ikke gemmes i sagen."
    if code == "form.corrupt_answers":
        return (
            "Svarene på skemaet kan ikke læses (de er beskadiget). Resten af sagen kan bruges; "
            "kontakt IT."
        )
    if code == "form.other_form":
        return _other_form(params)
    return answer_text(code, params)


#: The row a form is kept on, with its article, by table and by meeting kind.
_RECORDS = {
    "notification": "en underretning",
    "assessment": "en børnefaglig undersøgelse",
    "meeting": "et møde",
}
_MEETINGS = {
    "netvaerksmoede": "et netværksmøde",
    "handleplansmoede": "et handleplansmøde",
    "underretningsmoede": "et underretningsmøde",
    "hjemmebesoeg": "et hjemmebesøg",
    "boernesamtale": "en børnesamtale",
    "tilsynsbesoeg": "et tilsynsbesøg",
}


def _other_form(params: Mapping[str, Any]) -> str:
    """A form that does not fit its row (``OtherForm``): which form was expected, which found."""
    found_id, expected_id = params.get("form_id"), params.get("expected_id")
    same = found_id is not None and found_id == expected_id

    def name(title: Any, form_id: Any, version: Any) -> str:
        text = f"»{title or form_id or '?'}«"
        return f"{text} version {version}" if same and version is not None else text

    found = name(params.get("found"), found_id, params.get("version"))
    expected = name(params.get("expected"), expected_id, params.get("expected_version"))
    kind = params.get("kind")
    record = _MEETINGS.get(str(kind)) if kind else None
    record = record or _RECORDS.get(str(params.get("table")), "posten")
    if params.get("reason") == "answers":
        return (
            f"Forkert skema: forventede skemaet {expected}, men posten indeholder allerede svar "
            f"på skemaet {found}."
        )
    if not params.get("expected"):
        return f"Forkert skema: {record} udfyldes ikke i et skema, men her er skemaet {found}."
    return f"Forkert skema: forventede skemaet {expected} til {record}, men fandt skemaet {found}."
