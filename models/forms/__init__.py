"""ICS forms as data (DESIGN.md "Forms as data", docs/forms.md): the typed definitions, the
loader that checks a definition file, the registry of packaged forms and their versions,
answer validation and completeness, and the service functions that save and finalise answers.
Qt-free; the desktop's renderer and the PDF documents build on it."""

from __future__ import annotations

from models.forms.answers import (
    AnswerProblem,
    Missing,
    SectionProgress,
    is_answered,
    missing_for_finalise,
    section_progress,
    validate_answers,
    visible_fields,
)
from models.forms.display import NOT_ANSWERED, display_answer
from models.forms.errors import (
    CorruptAnswers,
    FormIncomplete,
    FormNotStored,
    MisplacedAnswers,
    OtherForm,
)
from models.forms.loader import FormDefinitionError, FormProblem
from models.forms.registry import (
    FormLibrary,
    FormNotFound,
    all_forms,
    check_folder,
    default_library,
    ics_triangle,
    load_form,
)
from models.forms.types import (
    Choice,
    Condition,
    Field,
    FieldType,
    Form,
    IcsDimension,
    IcsSide,
    IcsTriangle,
    Record,
    Section,
    YesNo,
)

__all__ = [
    "NOT_ANSWERED",
    "AnswerProblem",
    "Choice",
    "Condition",
    "CorruptAnswers",
    "Field",
    "FieldType",
    "Form",
    "FormDefinitionError",
    "FormIncomplete",
    "FormLibrary",
    "FormNotFound",
    "FormNotStored",
    "FormProblem",
    "IcsDimension",
    "IcsSide",
    "IcsTriangle",
    "MisplacedAnswers",
    "Missing",
    "OtherForm",
    "Record",
    "Section",
    "SectionProgress",
    "YesNo",
    "all_forms",
    "check_folder",
    "default_library",
    "display_answer",
    "ics_triangle",
    "is_answered",
    "load_form",
    "missing_for_finalise",
    "section_progress",
    "validate_answers",
    "visible_fields",
]
