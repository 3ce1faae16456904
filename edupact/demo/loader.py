"""Write a demo ``Plan``: insert what is missing, leave everything that exists alone.

Natural keys make a second run a no-op: places by (country, level, code, valid_from) and
hamlets by (commune, name); organisations by (parent, name); synthetic people by their
national identifier, seed people by (home organisation, honorific, names); positions by
(person, organisation, title, start); partnerships by (kind, date, name); users by username.
Rows are inserted in bulk, a few statements per batch.
"""

from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from edupact.accounts.models import RoleGrant
from edupact.core.text import normalise
from edupact.directory.models import (
    AdminUnit,
    Organisation,
    Participant,
    Partnership,
    PartnershipMember,
    Person,
    Position,
)
from edupact.directory.places import load_places, translated_search_key, unit_key
from edupact.evaluation.services import load_frameworks

from .bulk import BATCH, bulk_create_organisations, bulk_create_people
from .directory_plan import Plan, build_plan
from .evaluation import load_demo as load_evaluation_demo
from .fund_rounds import load_rounds_demo
from .funds import load_funds_demo
from .rotating import load_rotating_demo

CHUNK = 500  # ids per IN (…) query


@dataclass
class DemoUser:
    username: str
    password: str
    role: str
    organisation: str
    sees: str
    note: str = ""


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Loader:
    def __init__(self, plan: Plan, password: str):
        self.plan = plan
        self.password = password
        self.counts: Counter = Counter()
        self.units: dict[tuple, AdminUnit] = {}
        self.orgs: dict[str, Organisation] = {}
        self.people: dict[str, Person] = {}
        self.accounts: list[DemoUser] = []

    def run(self) -> Counter:
        for name, value in load_places().items():
            if name.endswith("created"):
                self.counts["places" if name.startswith("units") else "successions"] += value
            else:
                self.counts["places updated"] += value
        with transaction.atomic():
            self.load_units()
            self.load_hamlets()
            self.load_organisations()
            self.load_people()
            self.load_positions()
            self.load_partnerships()
            self.load_users()
        for name, value in load_frameworks().items():
            if name in ("created", "updated", "revised"):
                self.counts[f"frameworks {name}"] += value
        self.counts.update(load_evaluation_demo())  # targets, 2023–2025 assessments, rollups
        self.counts.update(load_funds_demo())  # the District 9 kanoon's fund, 1396/02–1397/01
        self.counts.update(load_rounds_demo())  # its mutual-help fund: priority, lottery, committee
        self.counts.update(load_rotating_demo())  # its staff lottery fund, 8 draws from 1396/02
        return self.counts

    # -- places ------------------------------------------------------------------------------

    def load_units(self):
        keys = {o.place for o in self.plan.orgs if o.place} | {h.commune for h in self.plan.hamlets}
        codes = {k[2] for k in keys}
        for unit in AdminUnit.objects.filter(code__in=codes):
            self.units[unit_key(unit)] = unit
        missing = keys - set(self.units)
        if missing:
            raise RuntimeError(f"Places missing after load_places: {sorted(missing)[:3]}")

    def load_hamlets(self):
        communes = {h.commune for h in self.plan.hamlets}
        ids = [self.units[c].pk for c in communes]
        have = {
            (u.parent_id, u.name)
            for u in AdminUnit.objects.filter(parent_id__in=ids, level=AdminUnit.Level.HAMLET)
        }
        new = []
        for h in self.plan.hamlets:
            commune = self.units[h.commune]
            if (commune.pk, normalise(h.name)) in have:
                continue
            unit = AdminUnit(
                country=commune.country,
                level=AdminUnit.Level.HAMLET,
                kind=h.kind,
                code="",
                name=h.name,
                name_i18n={"en": h.en},
                parent=commune,
                valid_from=commune.valid_from,
            )
            translated_search_key(unit)
            new.append(unit)
        AdminUnit.objects.bulk_create(new, batch_size=BATCH)
        self.counts["hamlets"] += len(new)

    # -- organisations -----------------------------------------------------------------------

    def load_organisations(self):
        existing = {(o.parent_id, o.name): o for o in Organisation.objects.all()}
        remaining = list(self.plan.orgs)
        while remaining:
            ready = [s for s in remaining if s.parent is None or s.parent in self.orgs]
            if not ready:
                raise RuntimeError(f"Organisations without a parent: {remaining[0].key}")
            new = []
            for spec in ready:
                parent = self.orgs.get(spec.parent)
                found = existing.get((parent.pk if parent else None, normalise(spec.name)))
                if found is not None:
                    self.orgs[spec.key] = found
                    continue
                org = Organisation(
                    kind=spec.kind,
                    parent=parent,
                    country=spec.country,
                    name=spec.name,
                    name_i18n=spec.i18n,
                    admin_unit=self.units.get(spec.place) if spec.place else None,
                    phone=spec.phone,
                    address=spec.address,
                )
                self.orgs[spec.key] = org
                new.append(org)
            bulk_create_organisations(new)
            self.counts["organisations"] += len(new)
            done = {s.key for s in ready}
            remaining = [s for s in remaining if s.key not in done]

    # -- people ------------------------------------------------------------------------------

    def load_people(self):
        specs = self.plan.people
        by_id: dict[tuple, Person] = {}
        national = [s.national_id for s in specs if s.national_id]
        for chunk in _chunks(national):
            for p in Person.objects.filter(national_id__in=chunk):
                by_id[(p.id_kind, p.national_id)] = p
        homes = [self.orgs[s.home].pk for s in specs if not s.national_id]
        by_name = {
            (p.home_organisation_id, p.honorific, p.family_name, p.given_name): p
            for p in Person.objects.filter(home_organisation_id__in=homes, national_id="")
        }
        new = []
        for s in specs:
            home = self.orgs[s.home]
            if s.national_id:
                found = by_id.get((s.id_kind, s.national_id))
                if found is not None and found.family_name != normalise(s.family_name):
                    self.counts["people skipped (identifier taken)"] += 1
                    continue
            else:
                found = by_name.get(
                    (
                        home.pk,
                        normalise(s.honorific),
                        normalise(s.family_name),
                        normalise(s.given_name),
                    )
                )
            if found is not None:
                self.people[s.key] = found
                continue
            person = Person(
                honorific=s.honorific,
                family_name=s.family_name,
                middle_name=s.middle_name,
                given_name=s.given_name,
                name_order=s.name_order,
                sex=s.sex,
                birth_year=s.birth_year,
                id_kind=s.id_kind,
                national_id=s.national_id,
                phone=s.phone,
                bank_account=s.bank_account,
                home_organisation=home,
            )
            self.people[s.key] = person
            new.append(person)
        bulk_create_people(new)
        self.counts["people"] += len(new)

    def load_positions(self):
        org_ids = {o.pk for o in self.orgs.values()}
        have = set(
            Position.objects.filter(organisation_id__in=org_ids).values_list(
                "person_id", "organisation_id", "title", "start"
            )
        )
        new = []
        for s in self.plan.positions:
            person = self.people.get(s.person)
            if person is None:
                continue
            org = self.orgs[s.org]
            if (person.pk, org.pk, s.title, s.start) in have:
                continue
            have.add((person.pk, org.pk, s.title, s.start))
            new.append(
                Position(
                    person=person,
                    organisation=org,
                    title=s.title,
                    title_i18n=s.i18n,
                    start=s.start,
                    end=s.end,
                )
            )
        Position.objects.bulk_create(new, batch_size=BATCH)
        self.counts["positions"] += len(new)

    # -- partnerships ------------------------------------------------------------------------

    def load_partnerships(self):
        specs = self.plan.partnerships
        have = {
            (p.kind, p.signed_on, p.name): p
            for p in Partnership.objects.filter(signed_on__in={s.signed_on for s in specs})
        }
        rows, new = [], []
        for s in specs:
            found = have.get((s.kind, s.signed_on, normalise(s.name)))
            if found is None:
                found = Partnership(
                    kind=s.kind,
                    name=s.name,
                    name_i18n=s.i18n,
                    signed_on=s.signed_on,
                    start=s.start,
                    end=s.end,
                    summary=s.summary,
                    source=s.source,
                )
                translated_search_key(found)
                new.append(found)
            rows.append((s, found))
        Partnership.objects.bulk_create(new, batch_size=BATCH)
        self.counts["partnerships"] += len(new)

        ids = [p.pk for _, p in rows]
        members = set(
            PartnershipMember.objects.filter(partnership_id__in=ids).values_list(
                "partnership_id", "organisation_id"
            )
        )
        participants = set(
            Participant.objects.filter(partnership_id__in=ids).values_list(
                "partnership_id", "person_id"
            )
        )
        new_members, new_participants = [], []
        for s, partnership in rows:
            for org_key, role in s.members:
                org = self.orgs[org_key]
                if (partnership.pk, org.pk) not in members:
                    members.add((partnership.pk, org.pk))
                    new_members.append(
                        PartnershipMember(partnership=partnership, organisation=org, role=role)
                    )
            for person_key, org_key, signatory in s.participants:
                person = self.people.get(person_key)
                if person is None or (partnership.pk, person.pk) in participants:
                    continue
                participants.add((partnership.pk, person.pk))
                new_participants.append(
                    Participant(
                        partnership=partnership,
                        person=person,
                        organisation=self.orgs[org_key],
                        signatory=signatory,
                    )
                )
        PartnershipMember.objects.bulk_create(new_members, batch_size=BATCH)
        Participant.objects.bulk_create(new_participants, batch_size=BATCH)
        self.counts["partnership members"] += len(new_members)
        self.counts["participants"] += len(new_participants)

    # -- users -------------------------------------------------------------------------------

    def load_users(self):
        User = get_user_model()
        for spec in self.plan.users:
            org = self.orgs.get(spec.org) if spec.org else None
            person = self.people.get(spec.person) if spec.person else None
            user = User.objects.filter(username=spec.username).first()
            note = ""
            if user is None:
                if person is not None and User.objects.filter(person=person).exists():
                    person = None  # already someone else's account
                user = User(
                    username=spec.username,
                    person=person,
                    language=spec.language,
                    calendar=spec.calendar,
                    is_superuser=spec.superuser,
                    is_staff=spec.superuser,
                    email=f"{spec.username}@demo.edupact.invalid",
                )
                user.set_password(self.password)
                user.save()
                self.counts["users"] += 1
            elif not user.check_password(self.password):
                note = "password changed since the demo created it"
            if spec.role and org is not None:
                _, created = RoleGrant.objects.get_or_create(
                    user=user, role=spec.role, organisation=org
                )
                self.counts["role grants"] += created
            label = org.name if org is not None else "—"
            if user.person_id:
                label = f"{label} ({user.person.full_name})"
            self.accounts.append(
                DemoUser(
                    spec.username, self.password, spec.role or "superuser", label, spec.sees, note
                )
            )


def load_demo(size: str = "full", password: str = "edupact-demo-2017") -> Loader:
    loader = Loader(build_plan(size), password)
    loader.run()
    return loader
