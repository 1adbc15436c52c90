"""The child and the people around it: parents with or without custody, siblings, grandparents
(the genogram's third generation), resource and network persons, professionals."""

from __future__ import annotations

from datetime import date, timedelta

from models.demo import texts
from models.demo.base import BuilderBase
from models.demo.common import genitive, years_before
from models.schema import Person
from models.vocabulary import CaseStage, PartyRole, RelationKind, RelationQuality


class FamilyBuilder(BuilderBase):
    def child_age(self) -> int:
        r = self.rng
        if self.stage is CaseStage.EFTERVAERN:
            return r.randint(18, 22)
        if self.stage is CaseStage.TILSYN:
            return r.choice((16, 17)) if r.random() < 0.35 else r.randint(3, 15)
        if self.stage in (CaseStage.OPFOELGNING, CaseStage.HANDLEPLAN):
            return r.choice((16, 17)) if r.random() < 0.25 else r.randint(2, 15)
        if self.stage is CaseStage.AFSLUTTET:
            return r.randint(2, 19)
        if self.stage is CaseStage.AFGOERELSE:
            return r.randint(1, 17)
        # New cases: many small children (the 0–6 focus of the 2019 note), one infant for sure.
        if self.variant == 1 or r.random() < 0.3:
            return r.randint(0, 2) if self.variant != 1 else r.choice((0, 1))
        return r.randint(3, 17)

    def build_family(self) -> None:
        r, fake, today, ctx = self.rng, self.fake, self.today, self.ctx
        family_name = fake.last_name()
        address = ctx.address()
        if self.unborn:
            self.age = -1
            born: date | None = None
            expected: date | None = today + timedelta(days=r.randint(20, 150))
            sex: str | None = None
            first = ""
        else:
            self.age = self.child_age()
            born = years_before(today, self.age) - timedelta(days=r.randint(1, 360))
            expected = None
            sex = r.choice(("M", "K"))
            first = ctx.first_name(sex)
        self.born = born
        # Numbers issued since October 2007 need not pass modulus 11.
        mod11 = born is None or born < date(2007, 10, 1) or r.random() > 0.2
        child = self.person(
            first,
            family_name,
            born,
            sex,
            with_cpr=not self.no_cpr,
            mod11=mod11,
            address=address if self.stage is not CaseStage.EFTERVAERN else "",
            unborn=self.unborn,
            expected=expected,
            note=texts.text("places.no_cpr_note") if self.no_cpr else "",
        )
        if self.stage is CaseStage.EFTERVAERN:
            child.address = ctx.address()
            child.phone = fake.phone_number()
        label = "Det ufødte barn" if self.unborn else "Barnet" if self.age < 18 else "Den unge"
        self.child = self.member(child, PartyRole.BARN, label)
        ref = born or today
        adult = self.stage is CaseStage.EFTERVAERN

        # Parents: custody shared, with the mother alone, or (rarely) with the father.
        mother_born = years_before(ref, r.randint(19, 40)) - timedelta(days=r.randint(0, 360))
        mother = self.person(
            fake.first_name_female(),
            family_name if r.random() < 0.6 else fake.last_name(),
            mother_born,
            "K",
            address=address,
            phone=fake.phone_number(),
            email=fake.safe_email(),
        )
        together = r.random() < 0.4
        custody = r.choices(("both", "mother", "father"), weights=(55, 38, 7))[0]
        if together:
            custody = "both"
        father: Person | None = None
        if r.random() < 0.93 or together:
            father_born = years_before(ref, r.randint(20, 46)) - timedelta(days=r.randint(0, 360))
            father = self.person(
                fake.first_name_male(),
                family_name,
                father_born,
                "M",
                address=address if together else ctx.address(),
                phone=fake.phone_number(),
                email=fake.safe_email(),
            )
        elif custody == "father":
            custody = "mother"
        mother_custody = not adult and custody in ("both", "mother")
        father_custody = not adult and father is not None and custody in ("both", "father")
        self.mother = self.member(mother, PartyRole.FORAELDER, "Mor", custody=mother_custody)
        self.father = (
            self.member(father, PartyRole.FORAELDER, "Far", custody=father_custody)
            if father is not None
            else None
        )
        q = RelationQuality
        self.relate(
            mother,
            child,
            RelationKind.FORAELDER_BARN,
            r.choice((q.TAET, q.GOD, q.GOD, q.SVAG, q.KONFLIKT)),
            (-1.0, 1.0),
        )
        if father is not None:
            self.relate(
                father,
                child,
                RelationKind.FORAELDER_BARN,
                r.choice((q.TAET, q.GOD, q.SVAG, q.SVAG, q.KONFLIKT, q.BRUDT)),
                (1.0, 1.0),
            )
            if together:
                self.relate(
                    mother,
                    father,
                    RelationKind.PARTNER,
                    r.choice((q.GOD, q.KONFLIKT, q.SVAG)),
                    (0.0, 1.0),
                )
            else:
                self.relate(
                    mother,
                    father,
                    RelationKind.TIDLIGERE_PARTNER,
                    r.choice((q.KONFLIKT, q.BRUDT, q.SVAG)),
                    (0.0, 1.0),
                    note=texts.text("places.relation_separated") if r.random() < 0.5 else "",
                )
        self.siblings(family_name, address, mother, father)
        self.grandparents(mother, father)
        self.network()
        self.professionals_around()

        pron = {"M": ("han", "ham", "hans"), "K": ("hun", "hende", "hendes")}.get(
            sex or "", ("det", "det", "dets")
        )
        name = first if not self.unborn else "det ufødte barn"
        self.w = {
            "navn": name,
            "navn_s": genitive(name),
            "han": pron[0],
            "Han": pron[0].capitalize(),
            "ham": pron[1],
            "hans": pron[2],
            "mor": mother.first_name,
            "far": father.first_name if father is not None else "far",
            "inst": self.inst or "skolen",
            "raadgiver": self.worker.name,
        }

    def siblings(
        self, family_name: str, address: str, mother: Person, father: Person | None
    ) -> None:
        r, q, child = self.rng, RelationQuality, self.child.person
        for i in range(r.choice((0, 0, 1, 1, 1, 2, 2, 3))):
            s_sex = r.choice(("M", "K"))
            offset = r.randint(-8, 8) or 2
            s_age = (0 if self.age < 0 else self.age) + offset
            if s_age < 0 or s_age > 25:
                continue
            s_born = years_before(self.today, s_age) - timedelta(days=r.randint(1, 360))
            older = offset > 0
            label = (
                ("Storebror" if older else "Lillebror")
                if s_sex == "M"
                else ("Storesøster" if older else "Lillesøster")
            )
            half = father is not None and r.random() < 0.25
            sib = self.person(
                self.ctx.first_name(s_sex),
                family_name,
                s_born,
                s_sex,
                address=address if s_age < 18 else "",
            )
            self.member(sib, PartyRole.SOESKENDE, ("Halv" + label.lower()) if half else label)
            self.relate(
                child,
                sib,
                RelationKind.SOESKENDE,
                r.choice((q.TAET, q.GOD, q.GOD, q.KONFLIKT)),
                (-2.0 - i, 2.0) if older else (2.0 + i, 2.0),
            )
            self.relate(mother, sib, RelationKind.FORAELDER_BARN, None, (-1.0, 1.0))

    def grandparents(self, mother: Person, father: Person | None) -> None:
        r, q, fake, child = self.rng, RelationQuality, self.fake, self.child.person
        grand_sides = [("Mormor", "K", mother), ("Morfar", "M", mother)]
        if father is not None:
            grand_sides += [("Farmor", "K", father), ("Farfar", "M", father)]
        self.grandparent = None
        for label, g_sex, parent in r.sample(grand_sides, k=r.choice((0, 1, 1, 2, 2))):
            g_born = years_before(parent.birth_date or self.today, r.randint(20, 35)) - timedelta(
                days=r.randint(0, 360)
            )
            if g_born.year < 1937:
                continue
            gp = self.person(
                self.ctx.first_name(g_sex),
                parent.last_name if g_sex == "M" else fake.last_name(),
                g_born,
                g_sex,
                address=self.ctx.address(),
                phone=fake.phone_number(),
            )
            m = self.member(gp, PartyRole.BEDSTEFORAELDER, label)
            self.grandparent = self.grandparent or m
            x = -1.5 if label.startswith("Mor") else 1.5
            self.relate(
                gp,
                parent,
                RelationKind.FORAELDER_BARN,
                r.choice((q.TAET, q.GOD, q.SVAG, q.KONFLIKT)),
                (x, 0.0),
            )
            self.relate(
                gp,
                child,
                RelationKind.BEDSTEFORAELDER_BARNEBARN,
                r.choice((q.TAET, q.TAET, q.GOD, q.SVAG)),
                (x, 0.0),
            )

    def network(self) -> None:
        """Resource and network persons (the first one a ressourceperson)."""
        r, q, fake = self.rng, RelationQuality, self.fake
        family = texts.texts("places.resource_family")
        male = texts.texts("places.resource_male")
        either = texts.texts("places.resource_either")
        self.resource = None
        for i in range(r.choice((0, 1, 1, 2))):
            label = r.choice(texts.texts("places.resource_labels"))
            rp_sex = "M" if label in male else r.choice(("M", "K")) if label in either else "K"
            rp = self.person(
                self.ctx.first_name(rp_sex),
                fake.last_name(),
                years_before(self.today, r.randint(25, 65)) - timedelta(days=r.randint(0, 360)),
                rp_sex,
                with_cpr=label in family,
                phone=fake.phone_number(),
            )
            role = PartyRole.RESSOURCEPERSON if i == 0 else PartyRole.NETVAERKSPERSON
            m = self.member(rp, role, label)
            if role is PartyRole.RESSOURCEPERSON:
                self.resource = m
            kind = RelationKind.ANDEN if label in family else RelationKind.VEN
            self.relate(
                rp, self.child.person, kind, r.choice((q.TAET, q.GOD, q.GOD)), (-3.0 + 2 * i, -1.5)
            )

    def professionals_around(self) -> None:
        """The child's daycare, school or education, health visitor, doctor."""
        r = self.rng
        self.professionals = []
        self.inst = ""
        age = self.age
        if age <= 0:
            self.inst = "Svangreambulatoriet" if age < 0 else "Sundhedsplejen"
            self.professional("Jordemoder" if age < 0 else "Sundhedsplejerske", "K", self.inst)
        elif age <= 5:
            self.inst = r.choice(self.ctx.daycares)
            self.professional("Pædagog", r.choice(("M", "K", "K")), self.inst)
            if age <= 2:
                self.professional("Sundhedsplejerske", "K", "Sundhedsplejen")
        elif age <= 16:
            self.inst = r.choice(self.ctx.schools)
            self.professional("Klasselærer", r.choice(("M", "K")), self.inst)
            if r.random() < 0.4:
                self.professional("Skolepædagog", r.choice(("M", "K")), self.inst)
        elif age <= 17:
            self.inst = r.choice(texts.texts("places.youth_education"))
            self.professional(
                "UU-vejleder", r.choice(("M", "K")), "Ungdommens Uddannelsesvejledning"
            )
        else:
            self.inst = r.choice(texts.texts("places.adult_places"))
            self.professional("Kontaktperson", r.choice(("M", "K")), "Kontaktpersonkorpset")
        if age > 0 and r.random() < 0.3:
            self.professional(
                "Egen læge", r.choice(("M", "K")), f"Lægerne {self.fake.street_name()}"
            )

    def professional(self, label: str, sex: str, organisation: str) -> None:
        fake = self.fake
        p = self.person(
            self.ctx.first_name(sex),
            fake.last_name(),
            None,
            None,
            phone=fake.phone_number(),
            email=fake.safe_email(),
        )
        m = self.member(p, PartyRole.FAGPERSON, label, organisation=organisation)
        self.professionals.append(m)
        self.relate(
            p,
            self.child.person,
            RelationKind.FAGLIG,
            self.rng.choice((RelationQuality.GOD, RelationQuality.GOD, RelationQuality.SVAG)),
            (3.0, -1.0 - len(self.professionals)),
        )
