"""The case builder: the family, then the rows of the case's stage (each stage in its own
module), the teamkoordinator's review and the newest note perhaps still a draft."""

from __future__ import annotations

from collections.abc import Callable

from models.demo.tilsyn import PlacementBuilder
from models.vocabulary import CaseStage


class CaseBuilder(PlacementBuilder):
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
