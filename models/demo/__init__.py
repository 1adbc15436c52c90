"""Demo data: fills a vault with invented but realistic Danish child-welfare cases, for trying the
app, for screenshots and for benchmarks. Every person is made up (Faker, ``da_DK``, loaded only
when a demo is generated); the Danish texts live in ``resources/demo/*.toml``.

Deterministic: the same ``seed`` and ``today`` give the same rows with the same ids, so a demo
vault can be rebuilt and a benchmark repeated. All dates are relative to the moment of
generation, nothing lies after it, history was mostly on time, and a handful of deadlines are
overdue or due soon so that alerts have something to show.

One module per part: ``common`` (the run's context), ``base`` and ``family`` (the case and its
people), one per stage (``underretning``, ``undersoegelse``, ``handleplan``, ``opfoelgning``,
``tilsyn``), ``answers`` (the ICS forms' answers on their rows), ``builder``, ``history`` (deadlines met on time) and ``generator``."""

from models.demo.common import ICS_DIMENSIONS
from models.demo.generator import generate
from models.demo.summary import DemoSummary

__all__ = ["ICS_DIMENSIONS", "DemoSummary", "generate"]
