"""The forms the app knows: every definition file of a folder (``resources/forms`` by
default, read with importlib.resources so the frozen app and the source tree take the same
path), checked together, by id and version.

Versions: ``<id>.toml`` holds a form's current version; when a form changes in a way that
alters its questions, the old file is kept as ``<id>.v<N>.toml`` (N its ``version``) and the
new one gets the next number. Answers carry the form id and version they were written to, so
they always open with the definition they were written for (docs/forms.md, decision 0011)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from models.errors import FeltmappeError
from models.forms.loader import ICS_FILE, FormDefinitionError, FormProblem, read_form, read_ics
from models.forms.types import Form, IcsTriangle

PACKAGE = "resources.forms"

_OLD_NAME = re.compile(r"^(?P<id>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)$")


class FormNotFound(FeltmappeError):
    """No form ``form_id`` (in ``version``, when given) is known."""

    code = "form.not_found"


def _folder(folder: Traversable | Path | str | None) -> Traversable:
    if folder is None:
        return resources.files(PACKAGE)
    return Path(folder) if isinstance(folder, str) else folder


def _definition_files(folder: Traversable) -> list[Traversable]:
    return sorted(
        (p for p in folder.iterdir() if p.name.endswith(".toml") and p.name != ICS_FILE),
        key=lambda p: p.name,
    )


def packaged_ics() -> IcsTriangle:
    """The ICS triangle shipped with the app."""
    return _packaged_ics()


@cache
def _packaged_ics() -> IcsTriangle:
    triangle, problems = read_ics(resources.files(PACKAGE).joinpath(ICS_FILE))
    if triangle is None:
        raise FormDefinitionError(problems)
    return triangle


class FormLibrary:
    """The checked forms of one folder, every version of each."""

    def __init__(self, forms: Iterable[Form], ics: IcsTriangle) -> None:
        self.ics = ics
        self._forms = {(f.id, f.version): f for f in forms}

    @classmethod
    def from_folder(cls, folder: Traversable | Path | str | None = None) -> FormLibrary:
        """Every form of ``folder`` (the packaged forms by default); ``FormDefinitionError``
        with every problem when any file is broken."""
        forms, ics, problems = _read_folder(_folder(folder))
        if problems:
            raise FormDefinitionError(problems)
        assert ics is not None
        return cls(forms, ics)

    def form(self, form_id: str, version: int | None = None) -> Form:
        """Form ``form_id`` in ``version`` (its newest when None)."""
        if version is None:
            versions = self.versions(form_id)
            if not versions:
                raise FormNotFound(form_id=form_id)
            version = versions[-1]
        found = self._forms.get((form_id, version))
        if found is None:
            raise FormNotFound(form_id=form_id, version=version)
        return found

    def versions(self, form_id: str) -> list[int]:
        return sorted(v for i, v in self._forms if i == form_id)

    def forms(self) -> list[Form]:
        """The newest version of every form, by id."""
        return [self.form(i) for i in sorted({i for i, _ in self._forms})]

    def every_version(self) -> list[Form]:
        return [self._forms[k] for k in sorted(self._forms)]


def _read_folder(
    folder: Traversable,
) -> tuple[list[Form], IcsTriangle | None, list[FormProblem]]:
    problems: list[FormProblem] = []
    ics_file = folder.joinpath(ICS_FILE)
    if ics_file.is_file():
        ics, found = read_ics(ics_file)
        problems += found
    else:
        ics = packaged_ics()  # a folder of extra forms uses the shipped triangle
    if ics is None:
        return [], None, problems
    forms: list[Form] = []
    for source in _definition_files(folder):
        form, found = read_form(source, ics)
        problems += found
        if form is not None:
            problems += _name_problems(source.name, form)
            forms.append(form)
    problems += _version_problems(forms)
    return forms, ics, problems


def _name_problems(name: str, form: Form) -> list[FormProblem]:
    stem = name.removesuffix(".toml")
    if stem == form.id:
        return []
    old = _OLD_NAME.match(stem)
    if old and old["id"] == form.id and int(old["version"]) == form.version:
        return []
    return [
        FormProblem(
            name, "id", "form.file_name", {"id": form.id, "version": form.version, "name": name}
        )
    ]


def _version_problems(forms: list[Form]) -> list[FormProblem]:
    problems: list[FormProblem] = []
    seen: dict[tuple[str, int], Form] = {}
    for form in forms:
        key = (form.id, form.version)
        if key in seen:
            problems.append(
                FormProblem(
                    form.source,
                    "version",
                    "form.duplicate_version",
                    {"id": form.id, "version": form.version, "other": seen[key].source},
                )
            )
        seen[key] = form
    for form in forms:
        if form.source == f"{form.id}.toml":
            newer = [f for f in forms if f.id == form.id and f.version > form.version]
            if newer:
                problems.append(
                    FormProblem(
                        form.source,
                        "version",
                        "form.version_not_newest",
                        {"id": form.id, "version": form.version, "other": newer[0].source},
                    )
                )
    return problems


def check_folder(folder: Traversable | Path | str | None = None) -> list[FormProblem]:
    """Every problem of the definition files in ``folder`` (the packaged forms by default);
    an empty list when all is well. What ``feltmappe forms check`` prints."""
    source = _folder(folder)
    if isinstance(source, Path) and not source.is_dir():
        return [FormProblem(str(source), "", "form.no_folder", {})]
    return _read_folder(source)[2]


@cache
def default_library() -> FormLibrary:
    """The packaged forms, read once."""
    return FormLibrary.from_folder()


def load_form(form_id: str, version: int | None = None) -> Form:
    """A packaged form by id, in ``version`` (the newest when None): answers written to an
    older version are opened with that version."""
    return default_library().form(form_id, version)


def all_forms() -> list[Form]:
    """The newest version of every packaged form."""
    return default_library().forms()


def ics_triangle() -> IcsTriangle:
    return packaged_ics()
