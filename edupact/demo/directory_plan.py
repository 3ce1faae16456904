"""What the demo contains, decided in memory before anything is written.

The two seed documents are transcribed by hand (``seed_000``, ``seed_004``); everything else is
drawn from ``random.Random(2017)``, so every run plans exactly the same records and the loader
only has to insert those that are missing. Places are referred to by their natural key
(country, level, code, valid_from); organisations and people by a stable plan key.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

import jdatetime
import phonenumbers

from edupact.accounts.models import Role
from edupact.core.calendars import Calendar
from edupact.directory.models import AdminUnit, Country, Organisation, Partnership, Person
from edupact.directory.places import VN_REFORM, ascii_name

from . import vocabulary as V

Kind = Organisation.Kind
Level = AdminUnit.Level
SEED_000_DAY = dt.date(2017, 4, 9)  # 1396/01/20
SEED_000_START = dt.date(2016, 9, 22)  # 1 Mehr 1395, the school year before the meeting
SEED_004_DAY = dt.date(2023, 4, 11)
SEED_004_START = dt.date(2021, 1, 1)
KANOON_FORMED = dt.date(2017, 5, 6)  # 16 Ordibehesht 1396, after decision 2 of seed 000

TEHRAN = (Country.IRAN, Level.PROVINCE, "23", None)
HCMC = (Country.VIETNAM, Level.PROVINCE, "79", VN_REFORM)


@dataclass(frozen=True)
class Size:
    staffed_districts: tuple[int, ...]
    d9_schools: int
    other_schools: dict
    office_staff: tuple[int, int]
    school_staff: tuple[int, int]
    province_staff: int
    secretariat_experts: int
    social_bankers: int
    kanoon_members: int
    communes: int
    vn_schools: int
    vn_school_staff: tuple[int, int]
    doet_officers: int
    city_association_staff: int


SIZES = {
    "full": Size(
        staffed_districts=tuple(range(1, 20)),
        d9_schools=40,
        other_schools={1: 5, 2: 5, 5: 5, 6: 5},
        office_staff=(28, 48),
        school_staff=(5, 15),
        province_staff=40,
        secretariat_experts=8,
        social_bankers=12,
        kanoon_members=100,
        communes=30,
        vn_schools=40,
        vn_school_staff=(14, 30),
        doet_officers=55,
        city_association_staff=15,
    ),
    "small": Size(
        staffed_districts=(9, 5),
        d9_schools=6,
        other_schools={5: 2},
        office_staff=(4, 6),
        school_staff=(3, 5),
        province_staff=4,
        secretariat_experts=2,
        social_bankers=2,
        kanoon_members=15,
        communes=4,
        vn_schools=5,
        vn_school_staff=(4, 7),
        doet_officers=5,
        city_association_staff=3,
    ),
}


@dataclass
class OrgSpec:
    key: str
    parent: str | None
    kind: str
    country: str
    name: str
    i18n: dict = field(default_factory=dict)
    place: tuple | None = None  # natural key of an AdminUnit
    phone: str = ""
    address: str = ""


@dataclass
class HamletSpec:
    commune: tuple
    name: str
    kind: str
    en: str


@dataclass
class PersonSpec:
    key: str
    home: str
    family_name: str
    given_name: str = ""
    middle_name: str = ""
    honorific: str = ""
    name_order: str = Person.NameOrder.GIVEN_FIRST
    sex: str = ""
    birth_year: int | None = None
    id_kind: str = ""
    national_id: str = ""
    phone: str = ""
    bank_account: str = ""


@dataclass
class PositionSpec:
    person: str
    org: str
    title: str
    i18n: dict
    start: dt.date
    end: dt.date | None = None


@dataclass
class PartnershipSpec:
    kind: str
    name: str
    i18n: dict
    signed_on: dt.date
    start: dt.date
    end: dt.date | None
    summary: str
    source: str
    members: list[tuple[str, str]]  # (org key, role)
    participants: list[tuple[str, str, bool]]  # (person key, org key, signatory)


@dataclass
class UserSpec:
    username: str
    role: str | None
    org: str | None
    person: str | None
    language: str
    calendar: str
    sees: str
    superuser: bool = False


@dataclass
class Plan:
    orgs: list[OrgSpec] = field(default_factory=list)
    hamlets: list[HamletSpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)
    positions: list[PositionSpec] = field(default_factory=list)
    partnerships: list[PartnershipSpec] = field(default_factory=list)
    users: list[UserSpec] = field(default_factory=list)

    def org(self, key, parent, kind, country, name, en="", other="", other_lang="", **kw):
        i18n = {"en": en} if en else {}
        if other:
            i18n[other_lang] = other
        self.orgs.append(OrgSpec(key, parent, kind, country, name, i18n, **kw))
        return key

    def hold(self, person: PersonSpec, org: str, title: tuple, start: dt.date, end=None):
        self.positions.append(PositionSpec(person.key, org, title[0], dict(title[1]), start, end))


# ---- identifiers ---------------------------------------------------------------------------


def iran_check_digit(nine: str) -> str:
    """The tenth digit of an Iranian national code (edupact.core.identifiers)."""
    s = sum(int(nine[i]) * (10 - i) for i in range(9)) % 11
    return str(s if s < 2 else 11 - s)


def resalat_iban(rng: random.Random) -> str:
    """A Sheba number at Resalat bank (bank code 070) with correct ISO 7064 check digits."""
    bban = "070" + "".join(rng.choice("0123456789") for _ in range(19))
    number = int(bban + "1827" + "00")  # "IR00" moved to the end, I=18, R=27
    return f"IR{98 - number % 97:02d}{bban}"


class Identities:
    """Unique, valid national codes, CCCDs and phone numbers from one random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ids: set[str] = set()
        self.phones: set[str] = set()

    def _digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def iran_code(self) -> str:
        while True:
            prefixes = (
                V.IR_CODE_PREFIXES_TEHRAN if self.rng.random() < 0.8 else V.IR_CODE_PREFIXES_OTHER
            )
            nine = self.rng.choice(prefixes) + self._digits(6)
            code = nine + iran_check_digit(nine)
            if len(set(code)) > 1 and code not in self.ids:
                self.ids.add(code)
                return code

    def cccd(self, birth_year: int, sex: str) -> str:
        century = 0 if birth_year < 2000 else 2
        digit = century + (1 if sex == Person.Sex.FEMALE else 0)
        while True:
            code = f"079{digit}{birth_year % 100:02d}{self._digits(6)}"
            if code not in self.ids:
                self.ids.add(code)
                return code

    def _phone(self, make, region: str) -> str:
        while True:
            number = make()
            parsed = phonenumbers.parse(number, region)
            if number not in self.phones and phonenumbers.is_valid_number(parsed):
                self.phones.add(number)
                return number

    def iran_mobile(self) -> str:
        return self._phone(
            lambda: "+98" + self.rng.choice(V.IR_MOBILE_PREFIXES) + self._digits(7), "IR"
        )

    def tehran_landline(self) -> str:
        return self._phone(
            lambda: "+9821" + self.rng.choice(["66", "44", "88", "22", "77"]) + self._digits(6),
            "IR",
        )

    def vn_mobile(self) -> str:
        return self._phone(
            lambda: "+84" + self.rng.choice(V.VN_MOBILE_PREFIXES) + self._digits(7), "VN"
        )

    def hcmc_landline(self) -> str:
        return self._phone(lambda: "+8428" + "3" + self._digits(7), "VN")


def mehr_first(jalali_year: int) -> dt.date:
    """1 Mehr, when the Iranian school year starts, as a Gregorian date."""
    return jdatetime.date(jalali_year, 7, 1).togregorian()


# ---- the seeds -----------------------------------------------------------------------------

SEED_000_SUMMARY = (
    "1. در جلسه‌ای با حضور کلیه مدیران منطقه، با دعوت از دبیر انجمن و مدیر گروه آموزش و پرورش، "
    "مدیران مدارس برای هدایت منابع به بانک قرض‌الحسنه رسالت توجیه و تشویق شوند.\n"
    "2. در اولین فرصت کانون کارکنان آموزش و پرورش منطقه 9 و کارکنان مدارس تابعه منطقه 9 "
    "تشکیل شود.\n"
    "3. تمهیدات لازم برای آموزش سواد مالی به دانش‌آموزان، معلمان و اولیای آنان فراهم شود."
)
SEED_004_SUMMARY = (
    "Phối hợp đẩy mạnh tuyên truyền về khuyến học, khuyến tài, xây dựng xã hội học tập; xây dựng "
    "các văn bản và cơ chế chính sách thúc đẩy học tập suốt đời; củng cố và nâng cao chất lượng "
    "hoạt động của Trung tâm học tập cộng đồng; xây dựng tiêu chí và tăng cường kiểm tra, đánh "
    "giá, xếp loại các mô hình học tập; phát triển hội viên và tổ chức Hội; nâng cao năng lực "
    "hoạt động khuyến học, khuyến tài, xây dựng xã hội học tập; triển khai kế hoạch từng năm và "
    "tổ chức sơ kết công tác phối hợp."
)


def seed_000(plan: Plan) -> dict[str, PersonSpec]:
    """Tehran, 1396/01/20: the District 9 office meets the association and Resalat bank."""
    IR = Country.IRAN
    plan.org(
        "ir.ministry",
        None,
        Kind.MINISTRY,
        IR,
        "وزارت آموزش و پرورش",
        "Ministry of Education (Iran)",
        "Bộ Giáo dục Iran",
        "vi",
    )
    plan.org(
        "ir.tehran",
        "ir.ministry",
        Kind.EDUCATION_DEPARTMENT,
        IR,
        "اداره کل آموزش و پرورش شهر تهران",
        "General Directorate of Education, Tehran City",
        "Sở Giáo dục thành phố Tehran",
        "vi",
        place=TEHRAN,
    )
    for n in range(1, 20):
        plan.org(
            f"ir.d{n}",
            "ir.tehran",
            Kind.EDUCATION_OFFICE,
            IR,
            f"اداره آموزش و پرورش منطقه {n} تهران",
            f"Tehran District {n} Education Office",
            f"Phòng Giáo dục khu vực {n}, Tehran",
            "vi",
            place=TEHRAN,
        )
    plan.org(
        "ir.association",
        None,
        Kind.ASSOCIATION,
        IR,
        "انجمن حامیان فرهنگ قرض‌الحسنه و کارآفرینی اجتماعی",
        "Association of Supporters of Qard al-Hasan Culture and Social Entrepreneurship",
        "Hội Ủng hộ Văn hóa cho vay không lãi và Khởi nghiệp xã hội",
        "vi",
    )
    plan.org(
        "ir.secretariat",
        "ir.association",
        Kind.SECRETARIAT,
        IR,
        "دبیرخانه استان تهران",
        "Tehran Provincial Secretariat",
        "Văn phòng Hội tỉnh Tehran",
        "vi",
        place=TEHRAN,
    )
    plan.org(
        "ir.bank",
        None,
        Kind.BANK,
        IR,
        "بانک قرض‌الحسنه رسالت",
        "Resalat Qard al-Hasan Bank",
        "Ngân hàng cho vay không lãi Resalat",
        "vi",
    )
    plan.org(
        "ir.bank.education",
        "ir.bank",
        Kind.BANK_GROUP,
        IR,
        "گروه آموزش و پرورش",
        "Education Group",
        "Nhóm Giáo dục",
        "vi",
        place=TEHRAN,
    )
    plan.org(
        "ir.kanoon",
        "ir.secretariat",
        Kind.KANOON,
        IR,
        "کانون کارکنان آموزش و پرورش منطقه 9",
        "Kanoon of District 9 education staff",
        "Câu lạc bộ tương trợ (kanoon) cán bộ giáo dục khu vực 9",
        "vi",
        place=TEHRAN,
    )

    def person(key, home, honorific, family, given="", sex=Person.Sex.MALE):
        spec = PersonSpec(f"seed000.{key}", home, family, given, honorific=honorific, sex=sex)
        plan.people.append(spec)
        return spec

    F = Person.Sex.FEMALE
    p = {
        "hafezi": person("hafezi", "ir.bank.education", "آقای", "حافظی"),
        "fallah": person("fallah", "ir.bank.education", "آقای", "فلاح"),
        "jazani": person("jazani", "ir.secretariat", "خانم", "جزنی", "زهرا", F),
        "ms_hafezi": person("ms_hafezi", "ir.secretariat", "خانم", "حافظی", sex=F),
        "mohseni": person("mohseni", "ir.d9", "آقای", "محسنی‌نسب", "علی اکبر"),
        "shadlou": person("shadlou", "ir.d9", "آقای", "شادلو"),
        "sarlak": person("sarlak", "ir.d9", "آقای", "سرلک"),
        "tavakoli": person("tavakoli", "ir.d9", "خانم", "توکلی", sex=F),
    }
    start = SEED_000_START
    plan.hold(
        p["hafezi"],
        "ir.bank.education",
        V.fa(
            "مدیر آموزش و پرورش گروه بانکداری اجتماعی",
            "Education manager, Social Banking Group",
            "Giám đốc mảng giáo dục, Nhóm Ngân hàng xã hội",
        ),
        start,
    )
    plan.hold(
        p["hafezi"],
        "ir.secretariat",
        V.fa(
            "دبیر انجمن حامیان فرهنگ قرض‌الحسنه و کارآفرینی اجتماعی استان تهران",
            "Secretary of the Association of Supporters of Qard al-Hasan Culture and Social "
            "Entrepreneurship, Tehran Province",
            "Thư ký Hội Ủng hộ Văn hóa cho vay không lãi và Khởi nghiệp xã hội tỉnh Tehran",
        ),
        start,
    )
    plan.hold(p["fallah"], "ir.bank.education", V.FA_SOCIAL_BANKER, start)
    plan.hold(p["jazani"], "ir.secretariat", V.FA_ASSOCIATION_EXPERT, start)
    plan.hold(p["ms_hafezi"], "ir.secretariat", V.FA_ASSOCIATION_EXPERT, start)
    plan.hold(p["mohseni"], "ir.d9", V.fa_district_head(9), start)
    plan.hold(p["shadlou"], "ir.d9", V.FA_DISTRICT_DEPUTIES[3], start)
    plan.hold(
        p["sarlak"],
        "ir.d9",
        V.fa(
            "مسوول امور رفاه و پشتیبانی",
            "Head of welfare and support affairs",
            "Phụ trách phúc lợi và hậu cần",
        ),
        start,
    )
    plan.hold(
        p["tavakoli"],
        "ir.d9",
        V.fa(
            "کارشناس مدارس غیرانتفاعی منطقه 9",
            "Non-profit schools expert, District 9",
            "Chuyên viên trường ngoài công lập, khu vực 9",
        ),
        start,
    )

    plan.partnerships.append(
        PartnershipSpec(
            kind=Partnership.Kind.JOINT_MEETING,
            name="نشست آموزش و پرورش منطقه 9، انجمن حامیان و بانک رسالت",
            i18n={
                "en": "Joint meeting of District 9 Education, the Supporters' Association and "
                "Resalat Bank",
                "vi": "Cuộc họp chung giữa Phòng Giáo dục khu vực 9, Hội Ủng hộ và Ngân hàng "
                "Resalat",
            },
            signed_on=SEED_000_DAY,
            start=SEED_000_DAY,
            end=None,
            summary=SEED_000_SUMMARY,
            source="seed 000",
            members=[
                ("ir.d9", "میزبان"),
                ("ir.secretariat", "برگزارکننده"),
                ("ir.bank.education", "برگزارکننده"),
            ],
            participants=[
                ("seed000.hafezi", "ir.secretariat", False),
                ("seed000.fallah", "ir.bank.education", False),
                ("seed000.jazani", "ir.secretariat", True),
                ("seed000.ms_hafezi", "ir.secretariat", False),
                ("seed000.mohseni", "ir.d9", False),
                ("seed000.shadlou", "ir.d9", False),
                ("seed000.sarlak", "ir.d9", False),
                ("seed000.tavakoli", "ir.d9", False),
            ],
        )
    )
    return p


def seed_004(plan: Plan) -> dict[str, PersonSpec]:
    """Ho Chi Minh City, 11/4/2023: DOET and the city Hội Khuyến học sign a 2022–2030 plan."""
    VN = Country.VIETNAM
    plan.org(
        "vn.ministry",
        None,
        Kind.MINISTRY,
        VN,
        "Bộ Giáo dục và Đào tạo",
        "Ministry of Education and Training",
        "وزارت آموزش و پرورش ویتنام",
        "fa",
    )
    plan.org(
        "vn.doet",
        "vn.ministry",
        Kind.EDUCATION_DEPARTMENT,
        VN,
        "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        "Ho Chi Minh City Department of Education and Training",
        "اداره کل آموزش و پرورش شهر هوشی‌مین",
        "fa",
        place=HCMC,
    )
    plan.org(
        "vn.khuyenhoc",
        None,
        Kind.ASSOCIATION,
        VN,
        "Hội Khuyến học Việt Nam",
        "Vietnam Association for Promoting Learning",
        "انجمن ترویج یادگیری ویتنام",
        "fa",
    )
    plan.org(
        "vn.khuyenhoc.hcmc",
        "vn.khuyenhoc",
        Kind.ASSOCIATION,
        VN,
        "Hội Khuyến học Thành phố Hồ Chí Minh",
        "Ho Chi Minh City Association for Promoting Learning",
        "انجمن ترویج یادگیری شهر هوشی‌مین",
        "fa",
        place=HCMC,
    )

    def person(key, home, honorific, family, middle, given, sex):
        spec = PersonSpec(
            f"seed004.{key}",
            home,
            family,
            given,
            middle,
            honorific,
            Person.NameOrder.FAMILY_FIRST,
            sex,
        )
        plan.people.append(spec)
        return spec

    M, F = Person.Sex.MALE, Person.Sex.FEMALE
    p = {
        "hien": person("hien", "vn.khuyenhoc", "PGS. TS.", "Trương", "Thị", "Hiền", F),
        "can": person("can", "vn.khuyenhoc.hcmc", "Ông", "Nguyễn", "Huy", "Cận", M),
        "hieu": person("hieu", "vn.doet", "TS.", "Nguyễn", "Văn", "Hiếu", M),
        "bac": person("bac", "vn.khuyenhoc.hcmc", "Ông", "Hồ", "Phú", "Bạc", M),
    }
    start = SEED_004_START
    plan.hold(
        p["hien"],
        "vn.khuyenhoc",
        V.vi(
            "Phó Chủ tịch Trung ương Hội Khuyến học Việt Nam",
            "Vice-president, Central Committee of the Vietnam Association for Promoting Learning",
            "نایب‌رئیس کمیته مرکزی انجمن ترویج یادگیری ویتنام",
        ),
        start,
    )
    plan.hold(
        p["can"],
        "vn.khuyenhoc",
        V.vi(
            "Ủy viên Thường vụ Trung ương Hội Khuyến học Việt Nam",
            "Member of the Standing Committee, Central Committee of the Vietnam Association for "
            "Promoting Learning",
            "عضو هیئت دائمی کمیته مرکزی انجمن ترویج یادگیری ویتنام",
        ),
        start,
    )
    plan.hold(
        p["can"],
        "vn.khuyenhoc.hcmc",
        V.vi(
            "Chủ tịch Hội Khuyến học Thành phố",
            "President, Ho Chi Minh City Association for Promoting Learning",
            "رئیس انجمن ترویج یادگیری شهر هوشی‌مین",
        ),
        start,
    )
    plan.hold(
        p["hieu"],
        "vn.doet",
        V.vi(
            "Bí thư Đảng ủy, Giám đốc Sở Giáo dục và Đào tạo, Phó Trưởng ban Thường trực Ban Chỉ "
            "đạo Xây dựng xã hội học tập Thành phố",
            "Party Secretary and Director of the Department of Education and Training; Standing "
            "Deputy Head of the City Steering Committee for Building a Learning Society",
            "دبیر کمیته حزب و مدیرکل اداره آموزش و پرورش؛ معاون دائمی کمیته راهبری ساختن جامعه "
            "یادگیرنده شهر",
        ),
        start,
    )
    plan.hold(
        p["bac"],
        "vn.khuyenhoc.hcmc",
        V.vi(
            "Phó Chủ tịch Hội Khuyến học Thành phố",
            "Vice-president, Ho Chi Minh City Association for Promoting Learning",
            "نایب‌رئیس انجمن ترویج یادگیری شهر هوشی‌مین",
        ),
        start,
    )

    plan.partnerships.append(
        PartnershipSpec(
            kind=Partnership.Kind.COORDINATION_PLAN,
            name="Kế hoạch phối hợp giữa Sở Giáo dục và Đào tạo và Hội Khuyến học Thành phố "
            "giai đoạn 2022 – 2030",
            i18n={
                "en": "Coordination plan between the Department of Education and Training and "
                "the City Association for Promoting Learning, 2022–2030",
                "fa": "برنامه هماهنگی اداره کل آموزش و پرورش و انجمن ترویج یادگیری شهر، 2022–2030",
            },
            signed_on=SEED_004_DAY,
            start=dt.date(2022, 1, 1),
            end=dt.date(2030, 12, 31),
            summary=SEED_004_SUMMARY,
            source="seed 004",
            members=[
                ("vn.doet", "Bên ký kết"),
                ("vn.khuyenhoc.hcmc", "Bên ký kết"),
                ("vn.khuyenhoc", "Khách mời"),
            ],
            participants=[
                ("seed004.hieu", "vn.doet", True),
                ("seed004.can", "vn.khuyenhoc.hcmc", True),
                ("seed004.hien", "vn.khuyenhoc", False),
                ("seed004.bac", "vn.khuyenhoc.hcmc", False),
            ],
        )
    )
    return p


# ---- synthetic Tehran ----------------------------------------------------------------------


class Tehran:
    def __init__(self, plan: Plan, size: Size, rng: random.Random, ids: Identities):
        self.plan, self.size, self.rng, self.ids = plan, size, rng, ids
        self.d9_staff: list[PersonSpec] = []  # District 9 office and school staff
        self.d9_teachers: list[PersonSpec] = []
        self.d9_principals: dict[str, PersonSpec] = {}  # school key → principal
        self.d9_experts: list[PersonSpec] = []
        self.bankers: list[PersonSpec] = []

    def person(self, home: str, sex: str | None = None, women: float = 0.5) -> PersonSpec:
        rng = self.rng
        sex = sex or (Person.Sex.FEMALE if rng.random() < women else Person.Sex.MALE)
        given = rng.choice(V.FA_FEMALE if sex == Person.Sex.FEMALE else V.FA_MALE)
        spec = PersonSpec(
            key="",
            home=home,
            family_name=rng.choice(V.FA_FAMILY),
            given_name=given,
            sex=sex,
            birth_year=rng.randint(1958, 1994),
            id_kind=Person.IdKind.IR_NATIONAL_CODE,
            national_id=self.ids.iran_code(),
            phone=self.ids.iran_mobile(),
        )
        spec.key = spec.national_id
        self.plan.people.append(spec)
        return spec

    def start(self) -> dt.date:
        return mehr_first(self.rng.randint(1378, 1395))

    def build(self):
        size, plan, rng = self.size, self.plan, self.rng
        for n in range(1, 20):
            if n in size.staffed_districts:
                self.district_office(n)
        for _ in range(size.province_staff):
            person = self.person("ir.tehran")
            plan.hold(person, "ir.tehran", rng.choice(V.FA_EXPERTS), self.start())
        for i in range(size.secretariat_experts):
            person = self.person("ir.secretariat", women=0.6)
            title = V.FA_KANOON_LIAISON if i == 0 else V.FA_ASSOCIATION_EXPERT
            plan.hold(person, "ir.secretariat", title, mehr_first(rng.randint(1392, 1395)))
        for _ in range(size.social_bankers):
            person = self.person("ir.bank.education", women=0.4)
            plan.hold(
                person, "ir.bank.education", V.FA_SOCIAL_BANKER, mehr_first(rng.randint(1392, 1395))
            )
            self.bankers.append(person)
        namesakes = list(V.FA_SCHOOL_NAMESAKES)
        schools = [(9, i) for i in range(size.d9_schools)]
        schools += [(d, i) for d, count in size.other_schools.items() for i in range(count)]
        used: set[tuple[int, str]] = set()
        for district, i in schools:
            while True:
                school_type = rng.choice(V.FA_SCHOOL_TYPES)
                name = f"{school_type[0]} {rng.choice(namesakes)}"
                if (district, name) not in used:
                    used.add((district, name))
                    break
            self.school(district, i, name, school_type)
        self.kanoon()
        self.memoranda()

    def district_office(self, n: int):
        plan, rng = self.plan, self.rng
        key = f"ir.d{n}"
        if n != 9:  # District 9's head and deputies are the people of seed 000
            plan.hold(self.person(key, women=0.2), key, V.fa_district_head(n), self.start())
        deputies = V.FA_DISTRICT_DEPUTIES if n != 9 else V.FA_DISTRICT_DEPUTIES[:3]
        for title in deputies:
            plan.hold(self.person(key, women=0.3), key, title, self.start())
        for _ in range(rng.randint(*self.size.office_staff)):
            person = self.person(key, women=0.55)
            plan.hold(person, key, rng.choice(V.FA_EXPERTS), self.start())
            if n == 9:
                self.d9_staff.append(person)
                self.d9_experts.append(person)

    def school(self, district: int, i: int, name: str, school_type: tuple):
        plan, rng = self.plan, self.rng
        prefix, women, stage, _private = school_type
        key = f"ir.d{district}.school{i}"
        street = rng.choice(V.TEHRAN_STREETS.get(district, V.TEHRAN_STREETS_DEFAULT))
        plan.org(
            key,
            f"ir.d{district}",
            Kind.SCHOOL,
            Country.IRAN,
            name,
            place=TEHRAN,
            phone=self.ids.tehran_landline(),
            address=f"تهران، {street}، پلاک {rng.randint(1, 240)}",
        )
        principal = self.person(key, women=women)
        plan.hold(principal, key, V.FA_PRINCIPAL, self.start())
        staff = [principal]
        count = rng.randint(*self.size.school_staff)
        for j in range(count):
            person = self.person(key, women=women)
            if j == 0:
                title = V.FA_SCHOOL_DEPUTIES[0]
            elif j == 1 and count > 6:
                title = rng.choice(V.FA_SCHOOL_DEPUTIES[1:])
            elif rng.random() < 0.15:
                title = rng.choice(V.FA_SCHOOL_SUPPORT)
            elif stage == "primary":
                title = V.fa_primary_teacher(rng.randint(1, 6))
            elif stage == "technical" and rng.random() < 0.5:
                title = V.fa_workshop_teacher(rng.choice(V.FA_WORKSHOPS))
            else:
                title = V.fa_subject_teacher(rng.choice(V.FA_SUBJECTS))
            plan.hold(person, key, title, self.start())
            staff.append(person)
            if district == 9 and title[1]["en"].endswith("teacher"):
                self.d9_teachers.append(person)
        if district == 9:
            self.d9_principals[key] = principal
            self.d9_staff.extend(staff)

    def kanoon(self):
        """Decision 2 of seed 000: the kanoon of District 9 office and school staff."""
        rng, plan = self.rng, self.plan
        count = min(self.size.kanoon_members, len(self.d9_staff))
        members = rng.sample(self.d9_staff, count)
        titles = [V.FA_KANOON_LEADER, *V.FA_KANOON_OFFICERS]
        # The demo member user is a teacher who joined the kanoon as a plain member.
        teachers = [t for t in self.d9_teachers if t not in members[: len(titles)]]
        self.member = next((t for t in teachers if t in members), teachers[0] if teachers else None)
        if self.member is not None and self.member not in members and count > len(titles):
            members[-1] = self.member
        for i, person in enumerate(members):
            title = titles[i] if i < len(titles) else V.FA_KANOON_MEMBER
            start = KANOON_FORMED + dt.timedelta(days=0 if i < len(titles) else rng.randint(0, 300))
            plan.hold(person, "ir.kanoon", title, start)
            if rng.random() < 0.85:
                person.bank_account = resalat_iban(rng)
        self.kanoon_leader = members[0] if members else None

    def memoranda(self):
        """Decision 1 of seed 000: schools agree to direct their resources to the bank."""
        rng, plan = self.rng, self.plan
        schools = {o.key: o for o in plan.orgs}
        for key, principal in self.d9_principals.items():
            if rng.random() > 0.75 or not self.bankers:
                continue
            signed = dt.date(2017, 5, 1) + dt.timedelta(days=rng.randint(0, 300))
            banker = rng.choice(self.bankers)
            name = schools[key].name
            plan.partnerships.append(
                PartnershipSpec(
                    kind=Partnership.Kind.MEMORANDUM,
                    name=f"تفاهم‌نامه هدایت منابع {name} با بانک قرض‌الحسنه رسالت",
                    i18n={},
                    signed_on=signed,
                    start=signed,
                    end=signed.replace(year=signed.year + 2),
                    summary="هدایت منابع مدرسه به حساب‌های قرض‌الحسنه بانک رسالت، معرفی کارکنان "
                    "برای عضویت در کانون و برگزاری کارگاه سواد مالی برای دانش‌آموزان، "
                    "معلمان و اولیا.",
                    source="synthetic",
                    members=[
                        (key, "مدرسه"),
                        ("ir.bank.education", "بانک"),
                        ("ir.secretariat", "انجمن"),
                    ],
                    participants=[
                        (principal.key, key, True),
                        (banker.key, "ir.bank.education", True),
                    ],
                )
            )


# ---- synthetic Ho Chi Minh City ------------------------------------------------------------


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _commune_en(name: str, kind: str) -> str:
    """``Phường Sài Gòn`` → ``Sai Gon Ward``; ``Xã Bình Chánh`` → ``Binh Chanh Commune``."""
    first, _, rest = name.partition(" ")
    bare = rest if first.lower() == kind else name
    return f"{ascii_name(bare)} {'Ward' if kind == 'phường' else 'Commune'}"


class HoChiMinhCity:
    def __init__(self, plan: Plan, size: Size, rng: random.Random, ids: Identities):
        self.plan, self.size, self.rng, self.ids = plan, size, rng, ids
        self.commune_keys: list[str] = []
        self.commune_officials: list[PersonSpec] = []

    def person(self, home: str, women: float = 0.5, born=(1965, 2001)) -> PersonSpec:
        rng = self.rng
        female = rng.random() < women
        sex = Person.Sex.FEMALE if female else Person.Sex.MALE
        family = rng.choices(list(V.VI_FAMILY), weights=list(V.VI_FAMILY.values()))[0]
        middle = rng.choice(V.VI_MIDDLE_FEMALE if female else V.VI_MIDDLE_MALE)
        given = rng.choice(V.VI_GIVEN_FEMALE if female else V.VI_GIVEN_MALE)
        birth_year = rng.randint(*born)
        spec = PersonSpec(
            key="",
            home=home,
            family_name=family,
            middle_name=middle,
            given_name=given,
            name_order=Person.NameOrder.FAMILY_FIRST,
            sex=sex,
            birth_year=birth_year,
            id_kind=Person.IdKind.VN_CCCD,
            national_id=self.ids.cccd(birth_year, sex),
            phone=self.ids.vn_mobile(),
        )
        spec.key = spec.national_id
        self.plan.people.append(spec)
        return spec

    def build(self):
        from vietnam_provinces import Ward

        plan, rng, size = self.plan, self.rng, self.size
        VN = Country.VIETNAM
        plan.org(
            "vn.hcmc.committee",
            None,
            Kind.PEOPLES_COMMITTEE,
            VN,
            "Ủy ban nhân dân Thành phố Hồ Chí Minh",
            "Ho Chi Minh City People's Committee",
            "کمیته مردمی شهر هوشی‌مین",
            "fa",
            place=HCMC,
        )
        for _ in range(size.doet_officers):
            person = self.person("vn.doet", women=0.6, born=(1965, 1995))
            plan.hold(person, "vn.doet", rng.choice(V.VI_DOET_OFFICERS), self.start())
        for title in V.VI_DOET_LEADERS[: max(1, size.doet_officers // 10)]:
            person = self.person("vn.doet", women=0.4, born=(1965, 1985))
            plan.hold(person, "vn.doet", title, self.start())
        for i in range(size.city_association_staff):
            person = self.person("vn.khuyenhoc.hcmc", women=0.5, born=(1950, 1990))
            last = size.city_association_staff - 2
            title = V.VI_CITY_ASSOCIATION[0 if i < 3 else 2 if i >= last else 1]
            plan.hold(person, "vn.khuyenhoc.hcmc", title, self.start())

        wards = sorted(
            (
                w
                for w in Ward.iter_all()
                if int(w.province_code) == 79 and w.division_type.value in ("phường", "xã")
            ),
            key=lambda w: int(w.code),
        )
        chosen = sorted(
            rng.sample(wards, min(size.communes, len(wards))), key=lambda w: int(w.code)
        )
        for ward in chosen:
            self.commune(ward)
        self.schools(chosen)

    def start(self) -> dt.date:
        return dt.date(self.rng.randint(2008, 2023), self.rng.randint(1, 12), 1)

    def commune(self, ward):
        plan, rng = self.plan, self.rng
        VN = Country.VIETNAM
        kind = ward.division_type.value
        code = f"{int(ward.code):05d}"
        place = (VN, Level.COMMUNE, code, VN_REFORM)
        name = " ".join(ward.name.split())  # a few names in the package have double spaces
        lower = _lower_first(name)
        en = _commune_en(name, kind)
        pc, branch, clc = f"vn.c{code}.committee", f"vn.c{code}.khuyenhoc", f"vn.c{code}.clc"
        plan.org(
            pc,
            "vn.hcmc.committee",
            Kind.PEOPLES_COMMITTEE,
            VN,
            f"Ủy ban nhân dân {lower}",
            f"People's Committee of {en}",
            place=place,
            phone=self.ids.hcmc_landline(),
        )
        plan.org(
            branch,
            "vn.khuyenhoc.hcmc",
            Kind.BRANCH,
            VN,
            f"Hội Khuyến học {lower}",
            f"{en} Association for Promoting Learning",
            place=place,
        )
        plan.org(
            clc,
            pc,
            Kind.LEARNING_CENTRE,
            VN,
            f"Trung tâm học tập cộng đồng {lower}",
            f"{en} Community Learning Centre",
            place=place,
        )
        self.commune_keys.append(pc)

        hamlet_kind = "khu phố" if kind == "phường" else "ấp"
        count = rng.randint(2, 4)
        if hamlet_kind == "khu phố":
            hamlets = [(f"Khu phố {i}", f"Quarter {i}") for i in range(1, count + 1)]
        else:
            hamlets = [
                (n, f"{ascii_name(n[4:])} Hamlet") for n in rng.sample(V.VI_HAMLET_NAMES, count)
            ]
        for name, hamlet_en in hamlets:
            plan.hamlets.append(HamletSpec(place, name, hamlet_kind, hamlet_en))

        committee = []
        for title in V.VI_COMMITTEE:
            person = self.person(pc, women=0.45, born=(1968, 1995))
            plan.hold(person, pc, title, VN_REFORM)
            committee.append(person)
        self.commune_officials.append(committee[3])  # head of culture and social affairs
        plan.hold(committee[1], clc, V.VI_CLC_DIRECTOR, VN_REFORM)  # held concurrently
        for title in V.VI_CLC_STAFF:
            plan.hold(self.person(clc, women=0.6, born=(1970, 2000)), clc, title, VN_REFORM)
        officers = []
        for title in V.VI_BRANCH:
            person = self.person(branch, women=0.5, born=(1950, 1985))
            plan.hold(person, branch, title, VN_REFORM)
            officers.append(person)
        for name, hamlet_en in hamlets:
            person = self.person(branch, women=0.5, born=(1950, 1990))
            plan.hold(person, branch, V.vi_chapter_head(name, hamlet_en), VN_REFORM)

        signed = VN_REFORM + dt.timedelta(days=rng.randint(30, 150))
        plan.partnerships.append(
            PartnershipSpec(
                kind=Partnership.Kind.COORDINATION_PLAN,
                name=f"Kế hoạch phối hợp giữa Ủy ban nhân dân {lower} và Hội Khuyến học {lower} "
                "giai đoạn 2025 – 2030",
                i18n={
                    "en": f"Coordination plan of the {en} People's Committee and Association for "
                    "Promoting Learning, 2025–2030"
                },
                signed_on=signed,
                start=signed,
                end=dt.date(2030, 12, 31),
                summary="Phối hợp xây dựng xã hội học tập trên địa bàn: tuyên truyền khuyến học, "
                "khuyến tài; củng cố Trung tâm học tập cộng đồng; đánh giá, công nhận các "
                "mô hình học tập hằng năm; phát triển hội viên và chi hội ở khu phố, ấp.",
                source="synthetic",
                members=[(pc, "Bên ký kết"), (branch, "Bên ký kết"), (clc, "Đơn vị thực hiện")],
                participants=[
                    (committee[0].key, pc, True),
                    (officers[0].key, branch, True),
                    (committee[1].key, clc, False),
                ],
            )
        )

    def schools(self, communes):
        plan, rng = self.plan, self.rng
        used: set[str] = set()
        for i in range(self.size.vn_schools):
            ward = communes[i % len(communes)]
            while True:
                prefix, en, women, stage = rng.choice(V.VI_SCHOOL_TYPES)
                namesake = rng.choice(
                    V.VI_KINDERGARTEN_NAMES if stage == "preschool" else V.VI_NAMESAKES
                )
                name = f"{prefix} {namesake}"
                if name not in used:
                    used.add(name)
                    break
            key = f"vn.school{i}"
            code = f"{int(ward.code):05d}"
            plan.org(
                key,
                "vn.doet",
                Kind.SCHOOL,
                Country.VIETNAM,
                name,
                f"{ascii_name(namesake)} {en}",
                place=(Country.VIETNAM, Level.COMMUNE, code, VN_REFORM),
                phone=self.ids.hcmc_landline(),
                address=f"{rng.randint(1, 480)} đường {rng.choice(V.VI_STREETS)}, "
                f"{_lower_first(' '.join(ward.name.split()))}, "
                "Thành phố Hồ Chí Minh",
            )

            def school_start():
                return dt.date(rng.randint(2005, 2024), 9, 5)

            plan.hold(
                self.person(key, women=women, born=(1965, 1985)),
                key,
                V.VI_PRINCIPAL,
                school_start(),
            )
            for _ in range(rng.randint(1, 2)):
                plan.hold(
                    self.person(key, women=women, born=(1968, 1988)),
                    key,
                    V.VI_DEPUTY_PRINCIPAL,
                    school_start(),
                )
            staff = list(V.VI_SCHOOL_STAFF)
            if stage in ("primary", "lower"):
                staff.append(V.VI_PIONEER_LEADER)
            for j in range(rng.randint(*self.size.vn_school_staff)):
                title = (
                    staff[j]
                    if j < len(staff) and rng.random() < 0.5
                    else rng.choice(V.VI_TEACHERS[stage])
                )
                plan.hold(
                    self.person(key, women=women, born=(1966, 2002)), key, title, school_start()
                )


# ---- users ---------------------------------------------------------------------------------


def users(plan: Plan, tehran: Tehran, hcmc: HoChiMinhCity, seeds: dict) -> None:
    J, G = Calendar.JALALI.value, Calendar.GREGORIAN.value

    def user(*args, **kwargs):
        plan.users.append(UserSpec(*args, **kwargs))

    member = tehran.member
    member_home = member.home if member else "ir.d9"
    user("admin", None, None, None, "en", "", "Everything; the Django admin too", superuser=True)
    user(
        "secretariat",
        Role.SECRETARIAT,
        "ir.secretariat",
        seeds["hafezi"].key,
        "fa",
        J,
        "The Tehran secretariat, its kanoon and the kanoon's members (Persian, Jalali)",
    )
    user(
        "district9",
        Role.EDUCATION_OFFICER,
        "ir.d9",
        seeds["mohseni"].key,
        "fa",
        J,
        "District 9 education office, its schools and their staff",
    )
    user(
        "banker",
        Role.SOCIAL_BANKER,
        "ir.bank.education",
        seeds["fallah"].key,
        "fa",
        J,
        "Resalat bank's education group and its memoranda (read only)",
    )
    user(
        "kanoon",
        Role.KANOON_LEADER,
        "ir.kanoon",
        tehran.kanoon_leader.key if tehran.kanoon_leader else None,
        "fa",
        J,
        "The District 9 staff kanoon and its members",
    )
    user(
        "member",
        Role.MEMBER,
        member_home,
        member.key if member else None,
        "fa",
        J,
        "Only their own record: a District 9 teacher and kanoon member",
    )
    user(
        "hcmc",
        Role.EDUCATION_OFFICER,
        "vn.doet",
        seeds["hieu"].key,
        "vi",
        G,
        "Ho Chi Minh City DOET and its schools (Vietnamese)",
    )
    user(
        "khuyenhoc",
        Role.SECRETARIAT,
        "vn.khuyenhoc.hcmc",
        seeds["can"].key,
        "vi",
        G,
        "The city Hội Khuyến học and its commune branches",
    )
    first_commune = hcmc.commune_keys[0] if hcmc.commune_keys else "vn.hcmc.committee"
    official = hcmc.commune_officials[0].key if hcmc.commune_officials else None
    user(
        "commune",
        Role.COMMUNE_OFFICIAL,
        first_commune,
        official,
        "vi",
        G,
        "One commune People's Committee and its community learning centre",
    )
    english = tehran.d9_experts[0].key if tehran.d9_experts else None
    user(
        "english",
        Role.EDUCATION_OFFICER,
        "ir.d9",
        english,
        "en",
        "",
        "District 9 like 'district9', in English",
    )


def build_plan(size: str = "full") -> Plan:
    rng = random.Random(2017)
    ids = Identities(rng)
    plan = Plan()
    seeds = seed_000(plan)
    seeds.update(seed_004(plan))
    tehran = Tehran(plan, SIZES[size], rng, ids)
    tehran.build()
    hcmc = HoChiMinhCity(plan, SIZES[size], rng, ids)
    hcmc.build()
    users(plan, tehran, hcmc, seeds)
    return plan
