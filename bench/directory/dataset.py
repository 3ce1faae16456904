"""A realistic directory for benchmarks, generated in memory and inserted in bulk.

Organisations form a tree: two ministries (Iran, Vietnam) → provincial education
departments → district offices → schools, kanoons and learning centres.  One province
(Tehran) is made large on purpose: its subtree holds about half of the organisations and
people, so that a provincial secretariat sees half the data.  Primary keys are assigned
here, so the materialised ``path`` can be computed before ``bulk_create``.

People carry Persian (given name first) or Vietnamese (family name first) names with
realistic frequencies; ``sort_key`` and ``search_key`` are computed exactly as
``Person.save()`` computes them (``check_keys`` compares with the real method).
"""

import datetime as dt
import functools
import random
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from edupact.core.text import normalise, search_key

SEED = 20251121

IR_PROVINCES = [
    "تهران", "اصفهان", "خراسان رضوی", "فارس", "آذربایجان شرقی", "خوزستان", "مازندران",
    "البرز", "کرمان", "آذربایجان غربی", "گیلان", "سیستان و بلوچستان", "کرمانشاه", "گلستان",
    "هرمزگان", "لرستان", "همدان", "کردستان", "مرکزی", "قم", "اردبیل", "قزوین", "یزد",
    "زنجان", "بوشهر", "چهارمحال و بختیاری", "خراسان شمالی", "کهگیلویه و بویراحمد", "سمنان",
    "خراسان جنوبی", "ایلام",
]
VN_PROVINCES = [
    "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh",
    "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên",
    "Phú Thọ", "Bắc Ninh", "Hưng Yên", "Hải Phòng", "Ninh Bình", "Quảng Trị", "Đà Nẵng",
    "Quảng Ngãi", "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "Thành phố Hồ Chí Minh",
    "Đồng Nai", "Tây Ninh", "Cần Thơ", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "An Giang",
]

# Persian names; a few family names carry a ZWNJ, as they are written.
FA_GIVEN_MALE = ["محمد", "علی", "حسین", "رضا", "مهدی", "امیر", "حسن", "سعید", "مصطفی",
                 "جواد", "احمد", "مجید", "حمید", "علیرضا", "محمدرضا", "امیرحسین",
                 "ابوالفضل", "یاسین", "سجاد", "عباس", "کیان", "آرش", "بهنام", "پویا"]
FA_GIVEN_FEMALE = ["فاطمه", "زهرا", "مریم", "زینب", "معصومه", "سارا", "نرگس", "مهسا",
                   "الهام", "لیلا", "ریحانه", "نازنین", "کوثر", "سمیرا", "طاهره", "شیرین",
                   "هانیه", "فرشته", "پریسا", "آزاده", "نگار", "ترانه", "یاسمن", "مینا"]
FA_FAMILY = ["محمدی", "حسینی", "احمدی", "رضایی", "موسوی", "کریمی", "جعفری", "صادقی",
             "رحیمی", "هاشمی", "قاسمی", "حیدری", "ابراهیمی", "نوری", "کاظمی", "مرادی",
             "اکبری", "عباسی", "سلیمانی", "حسن\u200cزاده", "طاهری", "زارعی", "عزیزی",
             "بهرامی", "یوسفی", "نجفی", "قربانی", "شریفی", "امیری", "ملکی", "علی\u200cپور",
             "محمدی\u200cنژاد", "کریم\u200cخانی", "فراهانی", "تهرانی", "شیرازی", "اصفهانی",
             "میرزایی", "نظری", "خلیلی", "پورمحمدی", "سبحانی", "دهقان", "باقری", "فتحی"]
FA_HONORIFIC = {"male": "آقای", "female": "خانم"}

# Vietnamese: family names with their approximate shares of the population.
VN_FAMILY = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 3),
             ("Huỳnh", 2), ("Phan", 4.5), ("Vũ", 2), ("Võ", 2), ("Đặng", 2.1), ("Bùi", 2),
             ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5),
             ("Đinh", 0.6), ("Trịnh", 0.5), ("Mai", 0.4), ("Lương", 0.4), ("Tạ", 0.3),
             ("Cao", 0.3), ("Lâm", 0.3), ("Đoàn", 0.3), ("Quách", 0.2), ("Kiều", 0.1)]
VN_MIDDLE_MALE = [("Văn", 40), ("Đức", 8), ("Minh", 10), ("Quốc", 6), ("Hữu", 7),
                  ("Thanh", 6), ("Xuân", 4), ("Công", 5), ("Ngọc", 4), ("Hoàng", 4),
                  ("Anh", 3), ("Trọng", 3)]
VN_MIDDLE_FEMALE = [("Thị", 50), ("Ngọc", 8), ("Thu", 6), ("Thanh", 6), ("Kim", 5),
                    ("Phương", 5), ("Minh", 4), ("Hồng", 5), ("Bảo", 3), ("Mai", 3),
                    ("Diệu", 2), ("Khánh", 3)]
VN_GIVEN_MALE = ["Anh", "Hùng", "Dũng", "Minh", "Tuấn", "Nam", "Hải", "Long", "Sơn",
                 "Thắng", "Khánh", "Phúc", "Quang", "Trung", "Hiếu", "Đạt", "Huy", "Bình",
                 "Cường", "Tùng", "Việt", "Lộc", "Thịnh", "Kiên"]
VN_GIVEN_FEMALE = ["Hương", "Lan", "Linh", "Hà", "Thảo", "Trang", "Phương", "Hoa", "Ngọc",
                   "Mai", "Hằng", "Nhung", "Yến", "Thủy", "Vân", "Nga", "Oanh", "Châu",
                   "Trâm", "Uyên", "Giang", "Hạnh", "Loan", "Diệp"]
VN_HONORIFIC = ["TS.", "ThS.", "PGS. TS.", "CN."]

TITLES = {
    "IR": [("معلم", "Teacher"), ("مدیر", "Principal"), ("معاون آموزشی", "Deputy"),
           ("دبیر کانون", "Kanoon secretary"), ("کارشناس", "Officer")],
    "VN": [("Giáo viên", "Teacher"), ("Hiệu trưởng", "Principal"),
           ("Phó hiệu trưởng", "Deputy"), ("Chuyên viên", "Officer"),
           ("Chủ nhiệm", "Head")],
}

LEAF_KINDS = {
    "IR": [("school", "دبستان", 5), ("school", "دبیرستان", 3), ("kanoon", "کانون", 2)],
    "VN": [("school", "Trường Tiểu học", 4), ("school", "Trường THCS", 3),
           ("school", "Trường THPT", 1), ("learning_centre", "Trung tâm học tập cộng đồng", 2)],
}
COUNTRY_FIELDS = {
    "IR": {"language": "fa", "calendar": "jalali", "currency": "IRR", "time_zone": "Asia/Tehran"},
    "VN": {"language": "vi", "calendar": "gregorian", "currency": "VND",
           "time_zone": "Asia/Ho_Chi_Minh"},
}


@dataclass
class Org:
    pk: int
    name: str
    kind: str
    country: str
    parent: "Org | None"
    path: str = ""
    children: list = field(default_factory=list)

    def __post_init__(self):
        self.path = (self.parent.path if self.parent else "") + f"{self.pk:06d}."


@dataclass
class Plan:
    """What was generated: the tree and the organisations the role users are granted on."""

    orgs: list[Org]
    leaves: list[Org]
    ir_root: Org
    vn_root: Org
    tehran: Org
    school: Org  # a Vietnamese school for the principal and the member
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def plan_tree(n_orgs: int, rng: random.Random) -> Plan:
    """The organisation tree, ``n_orgs`` nodes, Tehran about half of it."""
    seq = iter(range(1, 10**7))
    orgs: list[Org] = []

    def add(name, kind, country, parent):
        org = Org(next(seq), name, kind, country, parent)
        orgs.append(org)
        if parent:
            parent.children.append(org)
        return org

    ir_root = add("وزارت آموزش و پرورش", "ministry", "IR", None)
    vn_root = add("Bộ Giáo dục và Đào tạo", "ministry", "VN", None)
    departments = [add(f"اداره کل آموزش و پرورش استان {p}", "education_department", "IR", ir_root)
                   for p in IR_PROVINCES]
    departments += [add(f"Sở Giáo dục và Đào tạo {p}", "education_department", "VN", vn_root)
                    for p in VN_PROVINCES]
    tehran, others = departments[0], departments[1:]
    n_offices = max(2 * len(departments), n_orgs // 30)
    remaining = n_orgs - len(orgs) - n_offices
    if remaining < n_offices:
        raise SystemExit(f"--orgs {n_orgs} is too small for this tree (at least ~6000)")
    # Half the offices (so half of everything below) are Tehran's.
    per_dept = {tehran.pk: n_offices // 2}
    rest = n_offices - n_offices // 2
    for i, d in enumerate(others):
        per_dept[d.pk] = rest // len(others) + (1 if i < rest % len(others) else 0)
    offices = []
    for d in departments:
        for n in range(1, per_dept[d.pk] + 1):
            if d.country == "IR":
                name = f"اداره آموزش و پرورش ناحیه {n} {d.name.split('استان ')[-1]}"
            else:
                province = d.name.removeprefix("Sở Giáo dục và Đào tạo ")
                name = f"Phòng Giáo dục khu vực {n} – {province}"
            offices.append(add(name, "education_office", d.country, d))
    leaves = []
    for i in range(remaining):
        office = offices[i % len(offices)]
        kinds = LEAF_KINDS[office.country]
        kind, prefix, _ = rng.choices(kinds, weights=[k[2] for k in kinds])[0]
        if office.country == "IR":
            name = f"{prefix} {rng.choice(FA_GIVEN_MALE + FA_GIVEN_FEMALE)} {i + 1}"
        else:
            name = f"{prefix} {rng.choice(VN_GIVEN_MALE + VN_GIVEN_FEMALE)} số {i + 1}"
        leaves.append(add(name, kind, office.country, office))
    hanoi_schools = [o for o in leaves if o.kind == "school"
                     and o.parent.parent.pk == departments[len(IR_PROVINCES)].pk]
    return Plan(orgs, leaves, ir_root, vn_root, tehran, hanoi_schools[0])


def _weighted(pairs):
    names = [p[0] for p in pairs]
    weights = [p[1] for p in pairs]
    return names, weights


def _zipf(names, s=0.8):
    return names, [1 / (r + 1) ** s for r in range(len(names))]


def iran_national_code(n: int) -> str:
    """A valid Iranian national code (check digit) built from a serial number."""
    body = f"{n:09d}"[-9:]
    total = sum(int(d) * (10 - i) for i, d in enumerate(body))
    r = total % 11
    return body + str(r if r < 2 else 11 - r)


def person_rows(n_people: int, plan: Plan, rng: random.Random):
    """Yield dicts of Person fields, keys computed as ``Person.save()`` does."""
    ir_family = _zipf(FA_FAMILY)
    vn_family = _weighted(VN_FAMILY)
    vn_mid = {"male": _weighted(VN_MIDDLE_MALE), "female": _weighted(VN_MIDDLE_FEMALE)}
    # 92% in schools/kanoons, the rest in offices and departments.
    upper = [o for o in plan.orgs if o.kind in ("education_office", "education_department")]
    for pk in range(1, n_people + 1):
        home = rng.choice(plan.leaves) if rng.random() < 0.92 else rng.choice(upper)
        sex = "female" if rng.random() < 0.55 else "male"
        birth_year = rng.randint(1955, 2004)
        if home.country == "IR":
            given = rng.choice(FA_GIVEN_FEMALE if sex == "female" else FA_GIVEN_MALE)
            family = rng.choices(*ir_family)[0]
            middle = ""
            order = "given_first"
            honorific = FA_HONORIFIC[sex] if rng.random() < 0.3 else ""
            phone = f"+989{rng.randint(10, 39)}{rng.randint(0, 9999999):07d}"
            id_kind, national_id = "ir_national_code", iran_national_code(pk)
        else:
            family = rng.choices(*vn_family)[0]
            middle = rng.choices(*vn_mid[sex])[0]
            given = rng.choice(VN_GIVEN_FEMALE if sex == "female" else VN_GIVEN_MALE)
            order = "family_first"
            honorific = rng.choice(VN_HONORIFIC) if rng.random() < 0.1 else ""
            phone = f"+849{rng.randint(0, 9)}{rng.randint(0, 9999999):07d}"
            century_sex = (0 if birth_year < 2000 else 2) + (1 if sex == "female" else 0)
            id_kind = "vn_cccd"
            national_id = f"001{century_sex}{birth_year % 100:02d}{pk:06d}"[-12:]
        if rng.random() < 0.2:
            phone = ""
        email = f"user{pk}@example.{'ir' if home.country == 'IR' else 'vn'}" \
            if rng.random() < 0.3 else ""
        honorific, family, middle, given = map(normalise, (honorific, family, middle, given))
        yield {
            "id": pk, "honorific": honorific, "family_name": family, "middle_name": middle,
            "given_name": given, "name_order": order, "sex": sex, "birth_year": birth_year,
            "id_kind": id_kind, "national_id": national_id, "phone": phone, "email": email,
            "home_organisation_id": home.pk,
            **keys(family, middle, given, order, phone, email),
        }


def keys(family: str, middle: str, given: str, order: str, phone: str, email: str) -> dict:
    """``sort_key`` and ``search_key`` as ``Person.save()`` sets them.

    ``search_key`` folds character by character and collapses spaces, so the key of
    "name phone email" is the keys of the parts joined by spaces: the name part, drawn
    from a few hundred combinations, is cached.  ``check_keys`` proves the equality.
    """
    if order == "family_first":
        sort_order = (given, family, middle)
        full = (family, middle, given)
    else:
        sort_order = (family, given, middle)
        full = (given, middle, family)
    full_name = " ".join(p for p in full if p)
    return {
        "sort_key": _key(" ".join(p for p in sort_order if p))[:300],
        "search_key": " ".join(p for p in (_key(full_name), _fold(phone), _fold(email))
                               if p)[:400],
    }


_key = functools.lru_cache(maxsize=None)(search_key)


def _fold(value: str) -> str:
    """``search_key`` of an ASCII string (phones, e-mail addresses) is just lower case."""
    return " ".join(value.lower().split()) if value.isascii() else search_key(value)


def check_keys(samples: list[dict]) -> None:
    """Save a few people through ``Person.save()`` (rolled back) and compare the keys."""
    from edupact.directory.models import Person

    with transaction.atomic():
        for row in samples:
            skip = ("id", "sort_key", "search_key", "national_id")
            p = Person(**{k: v for k, v in row.items() if k not in skip})
            p.save()
            if (p.sort_key, p.search_key) != (row["sort_key"], row["search_key"]):
                raise AssertionError(f"keys differ from Person.save(): {row} vs "
                                     f"{p.sort_key!r}/{p.search_key!r}")
        transaction.set_rollback(True)


RAW_TYPES = {"CharField", "IntegerField", "PositiveSmallIntegerField", "BigAutoField",
             "ForeignKey", "BooleanField", "BigIntegerField", "EmailField"}


def insert(model, rows: list[dict], chunk: int = 20_000) -> None:
    """Insert rows set-wise, bypassing model instances: COPY on PostgreSQL, ``executemany``
    of one prepared INSERT on SQLite.  Unset fields take the model's defaults."""
    fields = [f for f in model._meta.concrete_fields]
    defaults = {f.attname: f.get_default() for f in fields}
    convert = [None if f.get_internal_type() in RAW_TYPES
               else functools.partial(_prep, f) for f in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    names = [f.attname for f in fields]
    with connection.cursor() as cursor:
        for i in range(0, len(rows), chunk):
            data = []
            for row in rows[i:i + chunk]:
                values = {**defaults, **row}
                data.append(tuple(values[n] if c is None else c(values[n])
                                  for n, c in zip(names, convert, strict=True)))
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for values in data:
                        copy.write_row(values)
            else:
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", data)


def _prep(field, value):
    return None if value is None else field.get_db_prep_save(value, connection)


def load(n_orgs: int, n_people: int, log=print) -> Plan:
    """Insert the organisations, people, positions and role users; returns the plan."""
    from django.core.management.color import no_style

    from edupact.accounts.models import Role, RoleGrant, User
    from edupact.directory.models import Organisation, Person, Position

    rng = random.Random(SEED)
    t0 = time.perf_counter()
    plan = plan_tree(n_orgs, rng)
    now = timezone.now()

    def org_row(o: Org) -> dict:
        name = normalise(o.name)
        return {"id": o.pk, "name": name, "kind": o.kind,
                "parent_id": o.parent.pk if o.parent else None, "path": o.path,
                "depth": o.path.count(".") - 1, "country": o.country,
                "search_key": search_key(name)[:400], **COUNTRY_FIELDS[o.country]}

    with transaction.atomic():
        insert(Organisation, [org_row(o) for o in plan.orgs])
    plan.timings["organisations"] = time.perf_counter() - t0
    log(f"  {len(plan.orgs)} organisations in {plan.timings['organisations']:.1f} s")

    t1 = time.perf_counter()
    rows = list(person_rows(n_people, plan, rng))
    plan.timings["people_generate"] = time.perf_counter() - t1
    check_keys(rows[:100] + rows[-100:])
    t2 = time.perf_counter()
    with transaction.atomic():
        insert(Person, [{**r, "created_at": now} for r in rows])
    plan.timings["people_insert"] = time.perf_counter() - t2
    log(f"  {len(rows)} people: generated in {plan.timings['people_generate']:.1f} s, "
        f"inserted in {plan.timings['people_insert']:.1f} s")

    # Positions: a fifth of the people hold one, mostly in their home organisation,
    # a quarter of those elsewhere in the same country (a teacher of another school).
    t3 = time.perf_counter()
    by_country = {"IR": [o for o in plan.leaves if o.country == "IR"],
                  "VN": [o for o in plan.leaves if o.country == "VN"]}
    country_of = {o.pk: o.country for o in plan.orgs}
    positions = []
    for r in rows:
        if rng.random() >= 0.2:
            continue
        country = country_of[r["home_organisation_id"]]
        org = r["home_organisation_id"] if rng.random() < 0.75 else \
            rng.choice(by_country[country]).pk
        title, title_en = rng.choice(TITLES[country])
        start = dt.date(rng.randint(2005, 2024), rng.randint(1, 12), 1)
        end = start + dt.timedelta(days=rng.randint(365, 3650)) if rng.random() < 0.3 else None
        positions.append({"id": len(positions) + 1, "person_id": r["id"],
                          "organisation_id": org, "title": title,
                          "title_i18n": {"en": title_en}, "start": start, "end": end})
    with transaction.atomic():
        insert(Position, positions)
    plan.timings["positions"] = time.perf_counter() - t3
    log(f"  {len(positions)} positions in {plan.timings['positions']:.1f} s")

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Organisation, Person, Position]):
            cursor.execute(sql)

    # Role users; staff users are people too (their own record is in scope).
    path_of = {o.pk: o.path for o in plan.orgs}

    def person_in(org: Org, nth: int = 0) -> int:
        inside = (r["id"] for r in rows if path_of[r["home_organisation_id"]].startswith(org.path))
        return [pid for _, pid in zip(range(nth + 1), inside, strict=False)][nth]

    grants = {
        "admin": (Role.PLATFORM_ADMIN, plan.ir_root, None),
        "secretariat": (Role.SECRETARIAT, plan.tehran, person_in(plan.tehran.children[0])),
        "principal": (Role.PRINCIPAL, plan.school, person_in(plan.school)),
        "member": (Role.MEMBER, plan.school, person_in(plan.school, 1)),
    }
    for name, (role, org, person_id) in grants.items():
        user = User(username=f"bench-{name}", person_id=person_id)
        user.set_unusable_password()
        user.save()
        RoleGrant.objects.create(user=user, role=role, organisation_id=org.pk)

    t4 = time.perf_counter()
    analyse()
    plan.timings["analyse"] = time.perf_counter() - t4
    plan.timings["total"] = time.perf_counter() - t0
    plan.counts = {"organisations": len(plan.orgs), "people": len(rows),
                   "positions": len(positions)}
    return plan


def analyse() -> None:
    """Planner statistics, as a running server's autovacuum (PostgreSQL) or a periodic
    ``PRAGMA optimize`` (SQLite) would have them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
