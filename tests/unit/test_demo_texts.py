"""The demo's Danish texts live in resources/demo/*.toml, not in Python (issue #11): every file
loads through importlib.resources, every template names only fields the generator fills in,
every text is used, the modules stay small, and Faker is loaded only to generate a demo."""

from __future__ import annotations

import ast
import string
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from models import demo
from models.deadlines.calendar import DK
from models.deadlines.rules import RULES
from models.demo import texts
from models.keyfile import KdfParams
from models.vault import Vault
from models.vocabulary import LegalBasis, NoteKind, NotifierSector, ScreeningOutcome
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "models" / "demo"

#: The case's words (BuilderBase.w) and the named extras the generator passes.
FIELDS = {
    *("navn", "navn_s", "han", "Han", "ham", "hans", "mor", "far", "inst", "raadgiver"),
    *("fravaer", "termin", "afsender", "resume", "underretter", "organisation", "teamleder"),
    *("ikke_akut", "afgoerelse", "hjemmet", "barnet", "sted", "tilstede", "citat", "foraelder"),
    *("hjaelper", "fagperson", "udvikling", "foraeldre", "netvaerk", "dreng", "konklusion"),
    *("indsats", "hjemmel", "synspunkter", "leverandoer", "plan", "version", "modtager"),
    *("formaal", "slaegtning", "efternavn", "nr", "vurdering", "vurderinger", "naeste"),
    *("ressourceperson", "relation", "fornavn", "samtale", "udsagn", "personale", "voksen"),
    *("dato", "titel"),
}


#: Texts a demo may not need: which deadlines ran out long ago depends on the seed (frister),
#: fallbacks for a vault without team leads or a placement without a name, screening outcomes
#: the demo never draws (akut, also in the underretning form's answers), and a correction of a
#: note other than a home visit.
RARE = (
    "underretning.assessed.lead_fallback",
    "underretning.outcomes.",
    "skemaer.underretning.next_steps.akut",
    "skemaer.underretning.danger",
    "skemaer.underretning.acute",
    "tilsyn.supervision.place_fallback",
    "journal.correction.other",
)


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every value that is not a table, with its dotted path (lists of tables by index)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, f"{path}.{key}")
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, inner in enumerate(value):
            yield from _leaves(inner, f"{path}[{i}]")
    else:
        yield path, value


def _strings() -> Iterator[tuple[str, str]]:
    for name in texts.files():
        for path, value in _leaves(texts.load(name), name):
            for s in value if isinstance(value, list) else [value]:
                if isinstance(s, str):
                    yield path, s


def test_every_text_file_loads_from_the_package() -> None:
    assert set(texts.files()) >= {
        "places",
        "underretning",
        "undersoegelse",
        "handleplan",
        "opfoelgning",
        "tilsyn",
        "journal",
        "frister",
        "skemaer",
    }
    for name in texts.files():
        assert texts.load(name), name


def test_templates_name_only_fields_the_generator_fills_in() -> None:
    unknown = {
        (path, field)
        for path, s in _strings()
        for _, field, _, _ in string.Formatter().parse(s)
        if field is not None and field not in FIELDS
    }
    assert unknown == set()


def test_every_vocabulary_value_has_its_text() -> None:
    sectors = {s.value for s in NotifierSector} | {"anonym"}
    assert set(texts.get("underretning.by_sector")) == sectors
    assert all(texts.texts(f"underretning.by_sector.{s}") for s in sectors)
    assert set(texts.get("underretning.outcomes")) == {o.value for o in ScreeningOutcome}
    for goal in texts.records("handleplan.goals"):
        assert goal["ics_dimension"] in demo.ICS_DIMENSIONS
        assert goal["min_age"] <= goal["max_age"]
    for support in texts.records("handleplan.support"):
        LegalBasis(support["legal_basis"])
    # Every deadline rule can be met in the demo's history, by a note of a real type.
    assert set(texts.load("frister")) == set(RULES)
    for rule in RULES:
        NoteKind(texts.get(f"frister.{rule}.kind"))
        assert texts.text(f"frister.{rule}.title") and texts.text(f"frister.{rule}.body")


def test_a_missing_text_is_named() -> None:
    with pytest.raises(KeyError, match=r"underretning\.findes_ikke"):
        texts.text("underretning.findes_ikke")


def test_every_text_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 60-case demo reads every text (a text no code reads is dead, like dead code)."""
    used: set[str] = set()
    real_get = texts.get

    def recording(path: str) -> Any:
        used.add(path)
        return real_get(path)

    monkeypatch.setattr(texts, "get", recording)
    # 29 March 00:05 (the night summer time begins) and a November morning.
    for seed, now in (
        (42, datetime.combine(date(2026, 3, 29), time(0, 5), DK)),
        (7, datetime.combine(date(2026, 11, 20), time(9, 0), DK)),
    ):
        v = Vault.create(
            tmp_path / f"profil{seed}", PASSPHRASE, user="demo.raadgiver", kdf=KdfParams.fast()
        )
        try:
            demo.generate(v, cases=60, seed=seed, now=now)
        finally:
            v.close()
    unused = set()
    for name in texts.files():
        for path, _ in _leaves(texts.load(name), name):
            top = path.split("[")[0]
            if name == "frister" or any(top.startswith(r) for r in RARE):
                continue
            if not any(top == u or top.startswith(u + ".") for u in used):
                unused.add(path)
    assert not unused, sorted(unused)


# -- the code ------------------------------------------------------------------------------


def _constants(tree: ast.Module) -> Iterator[ast.Constant]:
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node


def test_no_danish_prose_in_the_python_modules() -> None:
    prose = [
        f"{path.name}:{node.lineno}"
        for path in sorted(PACKAGE.glob("*.py"))
        for node in _constants(ast.parse(path.read_text(encoding="utf-8")))
        if len(str(node.value).split()) >= 6
        and (any(c in str(node.value) for c in "æøåÆØÅ") or str(node.value).strip().endswith("."))
    ]
    assert prose == []


def test_no_module_is_over_800_lines() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.glob("*.py")}
    assert len(sizes) >= 8
    assert max(sizes.values()) <= 800, sizes


def test_faker_is_imported_only_by_the_demo_generator() -> None:
    importers = []
    for top in ("models", "sync", "desktop"):
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                if any(n.split(".")[0] == "faker" for n in names):
                    importers.append(path.relative_to(ROOT).as_posix())
    # generator.py imports it inside generate(); common.py only for type checking.
    assert "models/demo/generator.py" in importers
    assert all(p.startswith("models/demo/") for p in importers), importers


def test_importing_the_demo_package_does_not_load_faker() -> None:
    code = "import sys, models.demo, desktop.cli; print('faker' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
