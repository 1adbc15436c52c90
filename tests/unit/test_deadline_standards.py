"""Deadline settings: the law is the floor, local standards are data, every rule is documented.

A municipality file or a user's ``frister.toml`` may make a legal deadline stricter, never
looser; unknown keys, wrong types and absurd values are refused with a code the desktop turns
into Danish text."""

from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import pytest

from desktop.messages import error_text
from models.deadlines import rules
from models.deadlines.standards import (
    BOUNDS,
    LEGAL_CALENDAR,
    LEGAL_LIMITS,
    DeadlineSettingError,
    Standards,
    apply,
    load,
    municipalities,
)
from models.errors import ValidationError

# -- the law is the floor -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "looser", "rule", "legal"),
    [
        ("assessment_months", 5, "undersoegelse_4_maaneder", 4),
        ("notifier_receipt_workdays", 7, "kvittering_underretter", 6),
        ("notification_assessment_hours", 48, "underretning_24_timer", 24),
        ("supervision_visits_per_year", 1, "tilsyn_2_om_aaret", 2),
        ("youth_support_decision_months_before_18", 5, "ungestoette_18_aar", 6),
        ("plan_months", 4, "barnets_plan_3_maaneder", 3),
        ("first_follow_up_months", 4, "foerste_opfoelgning", 3),
    ],
)
def test_a_setting_looser_than_the_law_is_refused_naming_the_rule(
    setting: str, looser: int, rule: str, legal: int
) -> None:
    with pytest.raises(DeadlineSettingError) as caught:
        apply(Standards(), {setting: looser})
    assert caught.value.code == "deadline.setting_looser_than_law"
    assert caught.value.params == {
        "setting": setting,
        "rule": rule,
        "legal": legal,
        "given": looser,
    }


@pytest.mark.parametrize("setting", sorted(LEGAL_LIMITS))
def test_every_legal_limit_is_refused_one_step_looser_and_accepted_at_the_limit(
    setting: str,
) -> None:
    rule, limit, kind = LEGAL_LIMITS[setting]
    looser = limit + 1 if kind == "max" else limit - 1
    with pytest.raises(DeadlineSettingError) as caught:
        apply(Standards(), {setting: looser})
    assert caught.value.code == "deadline.setting_looser_than_law"
    assert caught.value.params["rule"] == rule
    assert getattr(apply(Standards(), {setting: limit}), setting) == limit


@pytest.mark.parametrize(
    ("setting", "stricter"),
    [
        ("assessment_months", 3),
        ("notifier_receipt_workdays", 5),
        ("notification_assessment_hours", 12),
        ("supervision_visits_per_year", 4),
        ("youth_support_decision_months_before_18", 9),
    ],
)
def test_a_stricter_setting_is_accepted(setting: str, stricter: int) -> None:
    std = apply(Standards(), {setting: stricter})
    assert getattr(std, setting) == stricter
    # nothing else moved
    assert {k: v for k, v in asdict(std).items() if k != setting} == {
        k: v for k, v in asdict(Standards()).items() if k != setting
    }


def test_the_defaults_are_the_law() -> None:
    defaults = Standards()
    for setting, (_rule, limit, _kind) in LEGAL_LIMITS.items():
        assert getattr(defaults, setting) == limit, setting
    assert apply(Standards(), asdict(defaults)) == defaults


def test_the_calendar_defaults_are_the_law() -> None:
    """Barnets Lov §138, stk. 1 counts hverdage with the law's calendar: every calendar setting
    is known, and its default is the law's value (a municipality's closing days are on top)."""
    settings = {f.name for f in fields(Standards)}
    for setting, legal in LEGAL_CALENDAR.items():
        assert setting in settings, setting
        assert getattr(Standards(), setting) == legal, setting


def test_local_standards_have_no_legal_floor() -> None:
    """The law names no number for partshøring or follow-up intervals: any sane value goes."""
    std = apply(Standards(), {"hearing_days": 21, "follow_up_months": 12, "team_review_weeks": 0})
    assert (std.hearing_days, std.follow_up_months, std.team_review_weeks) == (21, 12, 0)


# -- unknown keys, wrong types, absurd values -----------------------------------------------------


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(DeadlineSettingError) as caught:
        apply(Standards(), {"assesment_months": 3})
    assert caught.value.code == "deadline.setting_unknown"
    assert caught.value.params == {"setting": "assesment_months"}


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("assessment_months", "3"),
        ("assessment_months", True),  # a bool is not a number of months
        ("hearing_days", 14.0),
        ("soon_days", None),
        ("closed_on_optional_holidays", 1),
        ("closed_on_optional_holidays", "false"),
        ("municipality", 7),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(setting: str, value: Any) -> None:
    with pytest.raises(DeadlineSettingError) as caught:
        apply(Standards(), {setting: value})
    assert caught.value.code == "deadline.setting_type"
    assert caught.value.params == {"setting": setting}


@pytest.mark.parametrize(
    ("setting", "value", "low", "high"),
    [
        ("assessment_months", -1, 0, 1000),
        ("hearing_days", 1001, 0, 1000),
        ("soon_days", 91, 0, 90),
        ("small_children_max_age", 18, 0, 17),
        ("supervision_visits_per_year", 0, 1, 52),
        ("supervision_visits_per_year", 53, 1, 52),
    ],
)
def test_a_value_out_of_range_is_refused(setting: str, value: int, low: int, high: int) -> None:
    with pytest.raises(DeadlineSettingError) as caught:
        apply(Standards(), {setting: value})
    assert caught.value.code == "deadline.setting_range"
    assert caught.value.params == {"setting": setting, "low": low, "high": high}


def test_a_refused_override_changes_nothing() -> None:
    base = Standards()
    with pytest.raises(DeadlineSettingError):
        apply(base, {"hearing_days": 10, "assessment_months": 5})
    assert base == Standards()


# -- bundled municipality files and the user's overrides ------------------------------------------


def test_the_bundled_municipalities() -> None:
    assert {"standard", "slagelse", "halsnaes"} <= set(municipalities())


@pytest.mark.parametrize("name", ["standard", "slagelse", "halsnaes"])
def test_every_bundled_municipality_file_loads(name: str) -> None:
    std = load(name)
    assert isinstance(std, Standards)
    assert apply(Standards(), asdict(std)) == std  # within the law and the bounds


def test_every_municipality_file_found_loads() -> None:
    for name in municipalities():
        load(name)


def test_municipality_files_set_their_names_and_local_standards() -> None:
    assert load().municipality == "Standard"
    slagelse = load("slagelse")
    assert slagelse.municipality == "Slagelse"
    assert (slagelse.intervention_assessment_months, slagelse.intervention_evaluation_months) == (
        3,
        12,
    )
    halsnaes = load("Halsnaes")  # the name is not case-sensitive
    assert halsnaes.municipality == "Halsnæs"
    assert (halsnaes.team_review_weeks, halsnaes.notification_meeting_days) == (8, 14)


def test_an_unknown_municipality_is_refused() -> None:
    with pytest.raises(DeadlineSettingError) as caught:
        load("ukendt")
    assert caught.value.code == "deadline.unknown_municipality"
    assert caught.value.params == {"municipality": "ukendt"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "frister.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_users_overrides_come_on_top_of_the_municipality(tmp_path: Path) -> None:
    user = write(
        tmp_path,
        """
        [frister]
        hearing_days = 21
        assessment_months = 3   # stricter than the law: fine
        """,
    )
    std = load("slagelse", user)
    assert (std.hearing_days, std.assessment_months) == (21, 3)
    assert std.municipality == "Slagelse"
    assert std.intervention_assessment_months == 3  # the municipality's own stays


def test_a_missing_user_file_is_no_override(tmp_path: Path) -> None:
    assert load("standard", tmp_path / "frister.toml") == load("standard")


def test_a_looser_legal_value_in_the_users_file_is_refused(tmp_path: Path) -> None:
    user = write(tmp_path, "[frister]\nassessment_months = 5\n")
    with pytest.raises(DeadlineSettingError) as caught:
        load("standard", user)
    assert caught.value.code == "deadline.setting_looser_than_law"
    assert caught.value.params["rule"] == "undersoegelse_4_maaneder"


def test_an_unknown_key_in_the_users_file_is_refused(tmp_path: Path) -> None:
    user = write(tmp_path, "[frister]\nhoering_dage = 10\n")
    with pytest.raises(DeadlineSettingError) as caught:
        load("standard", user)
    assert caught.value.code == "deadline.setting_unknown"


@pytest.mark.parametrize(
    "text",
    [
        "[frister\nhearing_days = 10\n",  # broken table header
        "[frister]\nhearing_days = \n",  # no value
        "frister = 3\n",  # not a table
        "[[frister]]\nhearing_days = 10\n",  # an array of tables
    ],
)
def test_a_malformed_users_file_is_refused(tmp_path: Path, text: str) -> None:
    user = write(tmp_path, text)
    with pytest.raises(DeadlineSettingError) as caught:
        load("standard", user)
    assert caught.value.code == "deadline.settings_file"
    assert caught.value.params["source"] == "frister.toml"


def test_a_users_file_that_is_not_text_is_refused(tmp_path: Path) -> None:
    user = tmp_path / "frister.toml"
    user.write_bytes(b"[frister]\nhearing_days = 10 # \xff\xfe\n")
    with pytest.raises(DeadlineSettingError) as caught:
        load("standard", user)
    assert caught.value.code == "deadline.settings_file"


# -- settings, rules and documentation agree ------------------------------------------------------


def test_every_legal_limit_is_a_setting_of_a_known_rule() -> None:
    settings = {f.name for f in fields(Standards)}
    for setting, (rule, limit, kind) in LEGAL_LIMITS.items():
        assert setting in settings, setting
        assert rule in rules.RULES, rule
        assert kind in ("max", "min"), setting
        low, high = BOUNDS[setting]
        assert low <= limit <= high, setting


def test_every_setting_has_bounds() -> None:
    assert {f.name for f in fields(Standards)} <= set(BOUNDS)


def _rule_names_in(fn: rules.Rule) -> set[str]:
    """The rule names a rule function yields, read from its source (string constants that are
    keys of ``RULES``)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in rules.RULES
    }


CITES = ("Barnets Lov", "Forvaltningsloven", "Local standard", "local standard")


def test_every_rule_function_has_a_docstring_citing_its_source() -> None:
    for fn in rules.ALL_RULES:
        doc = inspect.getdoc(fn) or ""
        assert any(cite in doc for cite in CITES), f"{fn.__name__}: no citation in its docstring"


def test_every_rule_is_produced_by_a_documented_function() -> None:
    produced: dict[str, list[str]] = {}
    for fn in rules.ALL_RULES:
        for rule in _rule_names_in(fn):
            produced.setdefault(rule, []).append(fn.__name__)
    assert set(produced) == set(rules.RULES), set(rules.RULES) ^ set(produced)


def test_every_rule_has_a_danish_title_and_a_legal_basis() -> None:
    for rule, (title, basis) in rules.RULES.items():
        assert title.strip(), rule
        assert basis.startswith(("Barnets Lov", "Forvaltningsloven", "Lokal standard")), rule


# -- Danish messages ----------------------------------------------------------------------------


def text_of(code: str, **params: Any) -> str:
    return error_text(DeadlineSettingError(code, **params))


def test_danish_text_for_a_setting_looser_than_the_law() -> None:
    with pytest.raises(DeadlineSettingError) as caught:
        apply(Standards(), {"assessment_months": 5})
    assert error_text(caught.value) == (
        "Indstillingen assessment_months må ikke gøre lovens frist løsere "
        "(regel undersoegelse_4_maaneder: højst 4, angivet 5)."
    )
    with pytest.raises(DeadlineSettingError) as caught:
        apply(Standards(), {"supervision_visits_per_year": 1})
    assert error_text(caught.value) == (
        "Indstillingen supervision_visits_per_year må ikke gøre lovens frist løsere "
        "(regel tilsyn_2_om_aaret: mindst 2, angivet 1)."
    )


def test_danish_texts_for_the_other_setting_errors() -> None:
    assert text_of("deadline.setting_unknown", setting="hoering_dage") == (
        "Ukendt fristindstilling: hoering_dage."
    )
    assert text_of("deadline.setting_type", setting="hearing_days") == (
        "Indstillingen hearing_days skal være et helt tal."
    )
    assert text_of("deadline.setting_type", setting="closed_on_optional_holidays") == (
        "Indstillingen closed_on_optional_holidays skal være true eller false."
    )
    assert text_of("deadline.setting_type", setting="municipality") == (
        "Indstillingen municipality skal være en tekst."
    )
    assert text_of("deadline.setting_range", setting="soon_days", low=0, high=90) == (
        "Indstillingen soon_days skal ligge mellem 0 og 90."
    )
    assert text_of("deadline.settings_file", source="frister.toml", detail="linje 2") == (
        "Fristindstillingerne i frister.toml kan ikke læses (linje 2). Ret filen og prøv igen."
    )
    assert text_of("deadline.unknown_municipality", municipality="ukendt") == (
        "Der findes ingen fristindstillinger for kommunen »ukendt«. "
        "Kendte: halsnaes, slagelse, standard."
    )
    assert text_of("deadline.setting") == "Fristindstillingen er ugyldig."


def test_danish_texts_for_rule_and_date_errors() -> None:
    err = ValidationError("deadline.unknown_rule", field="rule", rule="ukendt_frist")
    assert error_text(err) == "Ukendt frist: ukendt_frist."
    err = ValidationError("validation.end_before_start", table="intervention", field="end_on")
    assert error_text(err) == "Slutdatoen ligger før startdatoen. (indsatser, feltet »slutdato«)"


def test_every_deadline_error_code_has_danish_text(tmp_path: Path) -> None:
    raised: list[DeadlineSettingError] = []
    for attempt in (
        lambda: apply(Standards(), {"assessment_months": 5}),
        lambda: apply(Standards(), {"x": 1}),
        lambda: apply(Standards(), {"soon_days": "7"}),
        lambda: apply(Standards(), {"soon_days": 91}),
        lambda: load("ukendt"),
        lambda: load("standard", write(tmp_path, "[frister")),
    ):
        with pytest.raises(DeadlineSettingError) as caught:
            attempt()
        raised.append(caught.value)
    for err in raised:
        text = error_text(err)
        assert not text.startswith("Fejl:"), err.code
        assert "{" not in text, text
