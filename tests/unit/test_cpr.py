"""CPR numbers as DOMAIN.md ("People and data") states them: real dates, the century rule,
modulus 11 as a warning only, and persons without CPR or not yet born."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from desktop.messages import error_text, warning_text
from models import services
from models.cpr import Cpr, century, mask, modulus11, parse_cpr
from models.errors import InvalidCpr, ValidationError
from models.schema import ChangeEntry, Person
from models.vault import Vault


def expected_year(seventh: int, yy: int) -> int:
    """DOMAIN.md's century rule, written out independently of models.cpr."""
    if seventh in (0, 1, 2, 3):
        return 1900 + yy
    if seventh in (4, 9):
        return (2000 if yy <= 36 else 1900) + yy
    return (2000 if yy <= 57 else 1800) + yy


# -- real dates -----------------------------------------------------------------------


def test_day_that_does_not_exist_is_refused() -> None:
    with pytest.raises(InvalidCpr) as exc:
        parse_cpr("310299-1234")
    assert exc.value.params["reason"] == "date"


def test_29_february_2000_is_a_leap_day() -> None:
    cpr = parse_cpr("290200-4001")
    assert cpr.birth_date == date(2000, 2, 29)


def test_29_february_1900_does_not_exist() -> None:
    # 7th digit 0 puts year 00 in the 1900s, and 1900 was not a leap year.
    with pytest.raises(InvalidCpr) as exc:
        parse_cpr("290200-0001")
    assert exc.value.params["reason"] == "date"


@pytest.mark.parametrize("text", ["001090-1234", "011390-1234", "320190-1234", "010090-1234"])
def test_impossible_day_or_month_is_refused(text: str) -> None:
    with pytest.raises(InvalidCpr) as exc:
        parse_cpr(text)
    assert exc.value.params["reason"] == "date"


# -- the century rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seventh", "yy", "year"),
    [
        *[(d, yy, 1900 + yy) for d in (0, 1, 2, 3) for yy in (0, 36, 37, 57, 58, 99)],
        *[(d, 0, 2000) for d in (4, 9)],
        *[(d, 36, 2036) for d in (4, 9)],
        *[(d, 37, 1937) for d in (4, 9)],
        *[(d, 99, 1999) for d in (4, 9)],
        *[(d, 0, 2000) for d in (5, 6, 7, 8)],
        *[(d, 57, 2057) for d in (5, 6, 7, 8)],
        *[(d, 58, 1858) for d in (5, 6, 7, 8)],
        *[(d, 99, 1899) for d in (5, 6, 7, 8)],
    ],
)
def test_century_from_seventh_digit_and_year(seventh: int, yy: int, year: int) -> None:
    assert century(seventh, yy) + yy == year
    cpr = parse_cpr(f"0101{yy:02d}-{seventh}123")
    assert cpr.birth_date == date(year, 1, 1)


# -- modulus 11 -------------------------------------------------------------------------


def test_modulus11_check() -> None:
    assert modulus11("0707614005")
    assert not modulus11("0707614006")
    assert parse_cpr("070761-4005").modulus11_ok
    assert not parse_cpr("070761-4006").modulus11_ok


def test_modulus11_failure_is_a_warning_and_the_person_is_stored(vault: Vault) -> None:
    with vault.session() as s:
        person, warnings = services.create_person(s, "Emil", "Hansen", cpr="070761-4006")
        person_id = person.id
    assert warnings == ["cpr.modulus11"]
    assert "modulus 11" in warning_text("cpr.modulus11")
    with vault.session() as s:
        stored = s.get(Person, person_id)
        assert stored is not None
        assert stored.cpr == "070761-4006"
        assert stored.birth_date == date(1961, 7, 7)


def test_valid_modulus11_gives_no_warning(vault: Vault) -> None:
    with vault.session() as s:
        person, warnings = services.create_person(s, "Emil", cpr="0707614005")
    assert warnings == []
    assert person.cpr == "070761-4005"


# -- format -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["070761-4005", "0707614005", " 070761 4005 ", "07 07 61-4005", "070761\u00a04005"]
)
def test_hyphen_optional_and_spaces_tolerated(text: str) -> None:
    assert parse_cpr(text).number == "070761-4005"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "070761-400",
        "070761-40055",
        "070761--4005",
        "0707-614005",
        "07076a-4005",
        "070761/4005",
        "٠٧٠٧٦١٤٠٠٥",  # Arabic-Indic digits are digits to Python's \d, not to the CPR office
        "070761-4005\n0",
    ],
)
def test_bad_format_is_refused_with_reason_format(text: str) -> None:
    with pytest.raises(InvalidCpr) as exc:
        parse_cpr(text)
    assert exc.value.params["reason"] == "format"
    assert exc.value.code == "cpr.invalid"


def test_sex_from_last_digit() -> None:
    assert parse_cpr("070761-4005").sex == "M"
    assert parse_cpr("070761-4006").sex == "K"
    assert parse_cpr("070761-4000").sex == "K"
    assert parse_cpr("070761-4009").sex == "M"


def test_masking() -> None:
    assert parse_cpr("0707614005").masked == "070761-XXXX"
    assert mask("070761-4005") == "070761-XXXX"
    assert mask(None) == ""
    assert mask("") == ""


def test_danish_messages_for_invalid_cpr() -> None:
    fmt = error_text(InvalidCpr(reason="format", field="cpr"))
    assert "DDMMÅÅ-XXXX" in fmt
    assert "gyldig fødselsdato" in error_text(InvalidCpr(reason="date", field="cpr"))
    assert error_text(InvalidCpr(reason="ukendt")) == "Ugyldigt CPR-nummer."
    assert "Fødselsdatoen passer ikke" in error_text(
        ValidationError("cpr.birth_date_mismatch", field="birth_date")
    )
    assert "Et ufødt barn" in error_text(
        ValidationError("validation.unborn_with_birth", field="unborn")
    )


# -- properties -------------------------------------------------------------------------


@st.composite
def real_cpr(draw: st.DrawFn) -> tuple[str, int]:
    serial = draw(st.integers(0, 9999))
    yy = draw(st.integers(0, 99))
    year = expected_year(serial // 1000, yy)
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    return f"{day:02d}{month:02d}{yy:02d}{serial:04d}", year


@given(real_cpr(), st.booleans())
def test_any_real_date_and_serial_parses(case: tuple[str, int], hyphen: bool) -> None:
    digits, year = case
    text = f"{digits[:6]}-{digits[6:]}" if hyphen else digits
    cpr = parse_cpr(text)
    assert cpr.birth_date.strftime("%d%m%y") == digits[:6]
    assert cpr.birth_date.year == year
    assert cpr.number == f"{digits[:6]}-{digits[6:]}"
    assert cpr.sex == ("M" if int(digits[9]) % 2 else "K")
    assert cpr.modulus11_ok == modulus11(digits)


@given(real_cpr())
def test_parse_is_idempotent_on_canonical_form(case: tuple[str, int]) -> None:
    first = parse_cpr(case[0])
    assert parse_cpr(first.number) == first
    assert isinstance(first, Cpr)


@given(st.text(min_size=10, max_size=10) | st.text(alphabet="0123456789- ", max_size=13))
def test_random_text_raises_only_invalid_cpr(text: str) -> None:
    try:
        cpr = parse_cpr(text)
    except InvalidCpr as exc:
        assert exc.params["reason"] in ("format", "date")
    else:
        assert len(cpr.number) == 11
        assert cpr.number.replace("-", "").isascii()


# -- persons without CPR, unborn children -------------------------------------------------


def test_person_without_cpr_can_be_recorded(vault: Vault) -> None:
    with vault.session() as s:
        person, warnings = services.create_person(s, "Mor", "Jensen")
    assert warnings == []
    assert person.cpr is None
    assert person.birth_date is None


def test_unborn_child_can_be_recorded(vault: Vault) -> None:
    with vault.session() as s:
        person, _ = services.create_person(s, "", unborn=True, expected_date=date(2030, 5, 1))
        person_id = person.id
    with vault.session() as s:
        stored = s.get(Person, person_id)
        assert stored is not None
        assert stored.unborn
        assert stored.expected_date == date(2030, 5, 1)
        assert stored.cpr is None
        assert stored.first_name == "Ufødt barn"


def test_unborn_child_with_cpr_is_refused(vault: Vault) -> None:
    with pytest.raises(ValidationError) as exc, vault.session() as s:
        services.create_person(s, "Baby", cpr="070761-4005", unborn=True)
    assert exc.value.code == "validation.unborn_with_birth"
    with vault.session() as s:
        assert s.scalars(select(Person)).all() == []
        assert s.scalars(select(ChangeEntry)).all() == []


def test_birth_date_contradicting_cpr_is_refused(vault: Vault) -> None:
    with pytest.raises(ValidationError) as exc, vault.session() as s:
        services.create_person(s, "Emil", cpr="070761-4005", birth_date=date(1961, 7, 8))
    assert exc.value.code == "cpr.birth_date_mismatch"
    with vault.session() as s:
        person, _ = services.create_person(
            s, "Emil", cpr="070761-4005", birth_date=date(1961, 7, 7)
        )
    assert person.sex == "M"


def test_cpr_with_future_birth_date_is_refused(vault: Vault) -> None:
    # 7th digit 5 and year 57 mean 2057.
    with pytest.raises(ValidationError) as exc, vault.session() as s:
        services.create_person(s, "Emil", cpr="010157-5001")
    assert exc.value.code == "validation.future_date"


def test_invalid_cpr_through_the_service_is_refused(vault: Vault) -> None:
    with pytest.raises(InvalidCpr) as exc, vault.session() as s:
        services.create_person(s, "Emil", cpr="310299-1234")
    assert exc.value.params["reason"] == "date"
