"""Words the synthetic demo data is made of: names, school namesakes and job titles.

Persian uses Persian ی and ک and ZWNJ (U+200C) where it is written; digits are ASCII, as
stored. Titles are (title, {language: translation}) in the organisation's own language.
"""

ZWNJ = "\u200c"


def _words(text: str) -> list[str]:
    return text.split()


# ---- Persian names -------------------------------------------------------------------------

FA_MALE = _words("""
محمد علی حسین رضا مهدی حسن احمد امیر سعید مجید حمید مسعود محمود مصطفی مرتضی جواد عباس
ابراهیم اسماعیل یوسف کاظم ناصر بهروز فرهاد بهزاد کامران داوود سجاد محسن وحید هادی امید سینا
پویا آرش بابک کیوان فرشید هومن میلاد علیرضا محمدرضا غلامرضا حمیدرضا امیرحسین محمدحسین
محمدعلی ابوالفضل یاسر روح‌الله عبدالله نعمت‌الله فتح‌الله حبیب‌الله مهران پیمان شهرام کوروش
داریوش رامین سامان نیما بهنام اکبر اصغر منصور جعفر صادق تقی نادر قاسم ایرج منوچهر فریدون
جمشید سیاوش مازیار رسول اسدالله حمزه مجتبی میثم احسان
""")

FA_FEMALE = _words("""
فاطمه زهرا مریم معصومه زینب سمیه مهناز مینا نرگس لیلا الهام سارا نازنین شیرین پروین فرشته
اعظم اشرف طاهره طیبه راضیه مرضیه منصوره سکینه صدیقه ناهید ژیلا شهلا مهسا نیلوفر آزاده الناز
بهاره رویا سحر سپیده سیمین فریبا فرزانه هانیه هدی مژگان نسرین نسترن کبری محبوبه عاطفه ریحانه
یاسمن پریسا پریا ساناز شبنم شهناز فهیمه ملیحه منیژه مهین ثریا افسانه آمنه کوثر حدیث فائزه صبا
ستاره عفت زهره مهری ماندانا
""")

FA_FAMILY = _words("""
محمدی حسینی احمدی رضایی موسوی کریمی هاشمی جعفری قاسمی رحیمی صادقی اکبری حیدری عباسی کاظمی
نوری مرادی یوسفی ابراهیمی محمودی شریفی سلیمانی باقری امیری زارعی نجفی طاهری سبحانی کرمانی
شیرازی تهرانی اصفهانی قزوینی رستمی بهرامی فرهادی نادری میرزایی افشار خسروی ملکی رحمانی صالحی
فتحی قربانی جلالی زمانی کاظمیان علوی طباطبایی منصوری حسن‌زاده علیزاده قلی‌پور حسین‌پور رضازاده
محمدپور اکبرپور نیک‌نام نیک‌پور خدابنده دهقان کشاورز آهنگر نجار زرگر صفایی وفایی شجاعی کریمیان
رحیمیان بابایی غفاری انصاری فاضلی معتمدی مقدم پاکزاد شکوهی یزدانی ایزدی مهدوی اسدی بیگی
پورمحمدی عسگری نظری ولی‌پور کمالی جمالی سعیدی وحیدی حمیدی مختاری اسلامی طالبی ترابی نیکخواه
روحانی ثابتی قنبری آقایی فرجی کیانی بهشتی شاکری سلطانی
""")

# Birth-registration prefixes of Iranian national codes: mostly Tehran (001–008).
IR_CODE_PREFIXES_TEHRAN = ["001", "002", "003", "004", "005", "006", "007", "008"]
IR_CODE_PREFIXES_OTHER = [
    "045",
    "127",
    "128",
    "272",
    "273",
    "371",
    "372",
    "432",
    "459",
    "499",
    "590",
    "591",
    "640",
    "650",
    "679",
]
IR_MOBILE_PREFIXES = [
    "912",
    "919",
    "935",
    "936",
    "937",
    "938",
    "939",
    "901",
    "902",
    "903",
    "990",
    "991",
    "921",
    "922",
]

# ---- Vietnamese names ----------------------------------------------------------------------

# Family names with rough frequencies (per mille) in the south.
VI_FAMILY = {
    "Nguyễn": 380,
    "Trần": 110,
    "Lê": 95,
    "Phạm": 70,
    "Huỳnh": 40,
    "Hoàng": 20,
    "Phan": 45,
    "Võ": 39,
    "Vũ": 10,
    "Đặng": 21,
    "Bùi": 20,
    "Đỗ": 14,
    "Hồ": 13,
    "Ngô": 13,
    "Dương": 10,
    "Lý": 5,
    "Trương": 10,
    "Đinh": 6,
    "Lâm": 8,
    "Mai": 5,
    "Tô": 3,
    "Châu": 4,
    "Tạ": 3,
    "Lương": 4,
    "Đoàn": 5,
    "Cao": 4,
    "La": 2,
    "Thái": 3,
    "Quách": 2,
    "Kiều": 2,
}
VI_MIDDLE_MALE = _words("""
Văn Văn Văn Hữu Đức Minh Quốc Thanh Công Hoàng Anh Gia Tuấn Quang Thành Ngọc Xuân Tấn Trọng Bảo
Phước Hoài Nhật Thiên""")
VI_MIDDLE_FEMALE = _words("""
Thị Thị Thị Ngọc Thanh Thu Kim Hồng Minh Phương Bích Mỹ Thùy Như Bảo Hoài Diễm Tuyết Cẩm Hải
Khánh""")
VI_GIVEN_MALE = _words("""
Anh Bảo Bình Cường Dũng Đạt Đức Hải Hiếu Hoàng Hùng Huy Khang Khánh Khoa Kiên Long Lộc Minh Nam
Nghĩa Nhân Phong Phúc Phương Quân Quang Sơn Tài Tâm Thái Thắng Thành Thiện Thịnh Toàn Trí Trung
Tuấn Tùng Việt Vinh Vũ Hưng Lâm Duy Hậu Tín Phát Nhật Hòa Lợi Tú Sang Tiến
""")
VI_GIVEN_FEMALE = _words("""
Anh Châu Chi Diễm Dung Duyên Giang Hà Hạnh Hằng Hiền Hoa Hồng Hương Huyền Khánh Lan Liên Linh
Loan Mai My Nga Ngân Ngọc Nhung Như Oanh Phương Quyên Quỳnh Tâm Thảo Thanh Thu Thủy Trang Trâm
Trinh Tú Tuyết Uyên Vân Vy Xuân Yến Hân Nhi Thư Hoa Lệ Nguyệt
""")
VN_MOBILE_PREFIXES = ["90", "91", "93", "94", "96", "97", "98"]

# ---- Organisations -------------------------------------------------------------------------

FA_SCHOOL_NAMESAKES = """
شهید بهشتی|شهید مطهری|فردوسی|سعدی|حافظ|ابن سینا|فارابی|خواجه نصیر|رازی|
علامه طباطبایی|شهید رجایی|شهید باهنر|پروین اعتصامی|امام رضا|نور|اندیشه|فرهنگ|
دانش|مهر|امید|بهار|آزادی|کوثر|فرزانگان|سلمان فارسی|عطار|نظامی|مولوی|خیام|بوعلی|
شهید چمران|شهید همت|فجر|هدایت|ملاصدرا|شیخ بهایی|امیرکبیر|قائم‌مقام|دهخدا|
دکتر معین|نیما|شهریار|کمال‌الملک|رودکی|جامی|ابوریحان|خوارزمی|شهید مدرس|طالقانی|
هفده شهریور|دانشوران|ستارگان|مبین|سپهر|نیکان|رشد|اسوه|ایثار
""".replace("\n", "").split("|")

# (name prefix, share of women on the staff, "primary"/"secondary"/"technical", non-government)
FA_SCHOOL_TYPES = [
    ("دبستان پسرانه", 0.6, "primary", False),
    ("دبستان دخترانه", 1.0, "primary", False),
    ("دبستان غیردولتی پسرانه", 0.6, "primary", True),
    ("دبستان غیردولتی دخترانه", 1.0, "primary", True),
    ("دبیرستان دوره اول پسرانه", 0.1, "secondary", False),
    ("دبیرستان دوره اول دخترانه", 1.0, "secondary", False),
    ("دبیرستان دوره دوم پسرانه", 0.1, "secondary", False),
    ("دبیرستان دوره دوم دخترانه", 1.0, "secondary", False),
    ("دبیرستان غیردولتی دخترانه", 1.0, "secondary", True),
    ("هنرستان فنی و حرفه‌ای پسرانه", 0.05, "technical", False),
]

TEHRAN_STREETS = {
    9: [
        "خیابان آزادی",
        "خیابان استاد معین",
        "خیابان دامپزشکی",
        "خیابان شمشیری",
        "خیابان هاشمی",
        "مهرآباد جنوبی",
        "خیابان سپهر",
        "خیابان دکتر هوشیار",
        "خیابان امامزاده",
        "خیابان شهید دستغیب",
    ],
    1: ["خیابان شریعتی", "خیابان دربند", "خیابان نیاوران", "خیابان پاسداران"],
    2: ["خیابان ستارخان", "خیابان شهرآرا", "خیابان پاتریس لومومبا", "خیابان فرحزادی"],
    5: ["بلوار اشرفی اصفهانی", "خیابان پونک", "بلوار فردوس", "خیابان سازمان برنامه"],
    6: ["خیابان فاطمی", "خیابان کارگر شمالی", "خیابان ولیعصر", "خیابان یوسف‌آباد"],
}
TEHRAN_STREETS_DEFAULT = ["خیابان انقلاب", "خیابان کارگر", "خیابان آزادی", "بزرگراه رسالت"]

VI_SCHOOL_TYPES = [
    # (prefix, English, share of women, teacher kind)
    ("Trường Mầm non", "Kindergarten", 0.97, "preschool"),
    ("Trường Tiểu học", "Primary School", 0.8, "primary"),
    ("Trường Trung học cơ sở", "Lower Secondary School", 0.7, "lower"),
    ("Trường Trung học phổ thông", "Upper Secondary School", 0.6, "upper"),
]
VI_NAMESAKES = """
Lê Quý Đôn|Nguyễn Du|Trần Phú|Nguyễn Thị Minh Khai|Lê Hồng Phong|Trần Đại Nghĩa|Nguyễn Trãi|
Lý Thường Kiệt|Trần Hưng Đạo|Võ Thị Sáu|Nguyễn Khuyến|Chu Văn An|Phan Bội Châu|Phan Châu Trinh|
Nguyễn Đình Chiểu|Trương Vĩnh Ký|Lê Lợi|Hai Bà Trưng|Bùi Thị Xuân|Nguyễn Bỉnh Khiêm|
Huỳnh Thúc Kháng|Lương Thế Vinh|Đinh Tiên Hoàng|Ngô Quyền|Quang Trung|Nguyễn Văn Trỗi|Lê Văn Tám|
Kim Đồng|Võ Trường Toản|Nguyễn Hiền|Mạc Đĩnh Chi|Tô Hiến Thành|Hùng Vương|Lê Thánh Tông|
Nguyễn Chí Thanh|Phạm Ngũ Lão|Yết Kiêu|Hoàng Hoa Thám|Nguyễn An Ninh|Trần Quốc Toản|
Nguyễn Thái Học|Đoàn Thị Điểm|Hồ Xuân Hương|Lê Anh Xuân|Trưng Vương|Nguyễn Hữu Thọ|
Trần Văn Ơn|Võ Văn Tần|Phan Đăng Lưu|Nguyễn Văn Cừ
""".replace("\n", "").split("|")
VI_KINDERGARTEN_NAMES = [
    "Hoa Sen",
    "Sơn Ca",
    "Họa Mi",
    "Hoa Mai",
    "Vành Khuyên",
    "Búp Sen Hồng",
    "Tuổi Thơ",
    "Bé Ngoan",
    "Hoa Hồng",
    "Măng Non",
    "Hoa Lan",
    "Rạng Đông",
]
VI_STREETS = [
    "Nguyễn Văn Linh",
    "Lê Văn Việt",
    "Phạm Văn Đồng",
    "Cách Mạng Tháng Tám",
    "Hai Bà Trưng",
    "Nguyễn Thị Thập",
    "Quang Trung",
    "Lê Văn Sỹ",
    "Tỉnh lộ 10",
    "Hương lộ 2",
    "Trường Chinh",
    "Âu Cơ",
    "Lũy Bán Bích",
    "Kha Vạn Cân",
    "Đỗ Xuân Hợp",
    "Huỳnh Tấn Phát",
    "Nguyễn Ảnh Thủ",
    "Lê Trọng Tấn",
]
VI_HAMLET_NAMES = [
    "Ấp Chợ",
    "Ấp Mới",
    "Ấp Tân Lập",
    "Ấp Trung",
    "Ấp Đông",
    "Ấp Tây",
    "Ấp Bắc",
    "Ấp Nam",
    "Ấp Bàu Tre",
    "Ấp Phước Hưng",
    "Ấp Bình Thới",
    "Ấp Tân Thới",
    "Ấp Xóm Đình",
    "Ấp Giồng",
]

# ---- Titles --------------------------------------------------------------------------------

FA_ORDINALS = ["اول", "دوم", "سوم", "چهارم", "پنجم", "ششم"]
FA_SUBJECTS = [
    ("ریاضی", "Mathematics", "Toán"),
    ("ادبیات فارسی", "Persian literature", "Văn học Ba Tư"),
    ("زبان انگلیسی", "English", "Tiếng Anh"),
    ("عربی", "Arabic", "Tiếng Ả Rập"),
    ("علوم تجربی", "Science", "Khoa học tự nhiên"),
    ("مطالعات اجتماعی", "Social studies", "Nghiên cứu xã hội"),
    ("فیزیک", "Physics", "Vật lý"),
    ("شیمی", "Chemistry", "Hóa học"),
    ("زیست‌شناسی", "Biology", "Sinh học"),
    ("تربیت بدنی", "Physical education", "Giáo dục thể chất"),
    ("دینی و قرآن", "Religious studies and Quran", "Giáo dục tôn giáo"),
    ("کار و فناوری", "Work and technology", "Công nghệ"),
]
FA_WORKSHOPS = [
    ("برق", "Electrical workshop", "thực hành điện"),
    ("کامپیوتر", "Computer workshop", "thực hành tin học"),
    ("حسابداری", "Accounting", "kế toán"),
    ("مکانیک خودرو", "Car mechanics", "cơ khí ô tô"),
]


def t(title: str, en: str, third: str, third_lang: str) -> tuple[str, dict]:
    return title, {"en": en, third_lang: third}


def fa(title: str, en: str, vi: str) -> tuple[str, dict]:
    return t(title, en, vi, "vi")


def vi(title: str, en: str, fa_: str) -> tuple[str, dict]:
    return t(title, en, fa_, "fa")


FA_PRINCIPAL = fa("مدیر", "Principal", "Hiệu trưởng")
FA_SCHOOL_DEPUTIES = [
    fa("معاون آموزشی", "Deputy principal (teaching)", "Phó hiệu trưởng phụ trách chuyên môn"),
    fa(
        "معاون پرورشی",
        "Deputy principal (student affairs)",
        "Phó hiệu trưởng phụ trách công tác học sinh",
    ),
    fa("معاون اجرایی", "Deputy principal (administration)", "Phó hiệu trưởng phụ trách hành chính"),
]
FA_SCHOOL_SUPPORT = [
    fa("مشاور", "School counsellor", "Giáo viên tư vấn học đường"),
    fa("مربی بهداشت", "School health educator", "Nhân viên y tế học đường"),
    fa("مربی پرورشی", "Student activities educator", "Giáo viên phụ trách hoạt động ngoại khóa"),
    fa("کارمند دفتری", "Office clerk", "Nhân viên văn phòng"),
]


def fa_primary_teacher(grade: int) -> tuple[str, dict]:
    return fa(
        f"آموزگار پایه {FA_ORDINALS[grade - 1]}", f"Grade {grade} teacher", f"Giáo viên lớp {grade}"
    )


def fa_subject_teacher(subject: tuple) -> tuple[str, dict]:
    return fa(f"دبیر {subject[0]}", f"{subject[1]} teacher", f"Giáo viên {subject[2]}")


def fa_workshop_teacher(workshop: tuple) -> tuple[str, dict]:
    return fa(f"هنرآموز {workshop[0]}", f"{workshop[1]} instructor", f"Giáo viên {workshop[2]}")


def fa_district_head(number: int) -> tuple[str, dict]:
    return fa(
        f"رئیس آموزش و پرورش منطقه {number}",
        f"Head of Education, District {number}",
        f"Trưởng phòng Giáo dục khu vực {number}",
    )


FA_DISTRICT_DEPUTIES = [
    fa(
        "معاون آموزش ابتدایی",
        "Deputy head, primary education",
        "Phó trưởng phòng phụ trách giáo dục tiểu học",
    ),
    fa(
        "معاون آموزش متوسطه",
        "Deputy head, secondary education",
        "Phó trưởng phòng phụ trách giáo dục trung học",
    ),
    fa(
        "معاون پرورشی و فرهنگی",
        "Deputy head, student and cultural affairs",
        "Phó trưởng phòng phụ trách văn hóa và công tác học sinh",
    ),
    fa("معاون پشتیبانی", "Deputy head, support services", "Phó trưởng phòng phụ trách hậu cần"),
]
FA_EXPERTS = [
    fa("کارشناس آموزش ابتدایی", "Primary education expert", "Chuyên viên giáo dục tiểu học"),
    fa("کارشناس آموزش متوسطه", "Secondary education expert", "Chuyên viên giáo dục trung học"),
    fa(
        "کارشناس مدارس غیردولتی",
        "Non-government schools expert",
        "Chuyên viên trường ngoài công lập",
    ),
    fa("کارشناس امور مالی", "Finance expert", "Chuyên viên tài chính"),
    fa("کارشناس امور اداری", "Administrative affairs expert", "Chuyên viên hành chính"),
    fa("کارشناس فناوری اطلاعات", "IT expert", "Chuyên viên công nghệ thông tin"),
    fa("کارشناس روابط عمومی", "Public relations expert", "Chuyên viên quan hệ công chúng"),
    fa("کارشناس مشاوره", "Counselling expert", "Chuyên viên tư vấn học đường"),
    fa("کارشناس ارزشیابی", "Assessment expert", "Chuyên viên khảo thí"),
    fa("کارشناس امور رفاهی", "Welfare expert", "Chuyên viên phúc lợi"),
    fa("کارشناس تربیت بدنی", "Physical education expert", "Chuyên viên giáo dục thể chất"),
    fa("کارشناس سلامت", "School health expert", "Chuyên viên y tế trường học"),
    fa("کارپرداز", "Procurement officer", "Nhân viên mua sắm"),
    fa("کارمند دبیرخانه", "Registry clerk", "Nhân viên văn thư"),
]
FA_ASSOCIATION_EXPERT = fa(
    "کارشناس انجمن استان تهران",
    "Expert, Tehran provincial association",
    "Chuyên viên Hội tỉnh Tehran",
)
FA_KANOON_LIAISON = fa(
    "کارشناس کانون‌ها", "Kanoon liaison expert", "Chuyên viên phụ trách các kanoon"
)
FA_SOCIAL_BANKER = fa(
    "بانکدار اجتماعی گروه آموزش و پرورش",
    "Social banker, Education Group",
    "Cán bộ ngân hàng xã hội, Nhóm Giáo dục",
)
FA_KANOON_LEADER = fa("راهبر کانون", "Kanoon leader", "Trưởng kanoon")
FA_KANOON_OFFICERS = [
    fa("راهنمای کانون", "Kanoon guide", "Người hướng dẫn kanoon"),
    fa("خزانه‌دار کانون", "Kanoon treasurer", "Thủ quỹ kanoon"),
    fa("بازرس کانون", "Kanoon inspector", "Kiểm soát viên kanoon"),
]
FA_KANOON_MEMBER = fa("عضو کانون", "Kanoon member", "Thành viên kanoon")

VI_PRINCIPAL = vi("Hiệu trưởng", "Principal", "مدیر مدرسه")
VI_DEPUTY_PRINCIPAL = vi("Phó Hiệu trưởng", "Deputy principal", "معاون مدرسه")
VI_TEACHERS = {
    "preschool": [vi("Giáo viên mầm non", "Preschool teacher", "مربی پیش‌دبستانی")],
    "primary": [vi("Giáo viên tiểu học", "Primary teacher", "آموزگار")],
}
VI_SUBJECTS = [
    ("Toán", "Mathematics", "ریاضی"),
    ("Ngữ văn", "Literature", "ادبیات"),
    ("Tiếng Anh", "English", "زبان انگلیسی"),
    ("Vật lý", "Physics", "فیزیک"),
    ("Hóa học", "Chemistry", "شیمی"),
    ("Sinh học", "Biology", "زیست‌شناسی"),
    ("Lịch sử", "History", "تاریخ"),
    ("Địa lý", "Geography", "جغرافیا"),
    ("Tin học", "Computer science", "رایانه"),
    ("Giáo dục thể chất", "Physical education", "تربیت بدنی"),
    ("Giáo dục công dân", "Civic education", "آموزش شهروندی"),
]
VI_TEACHERS["upper"] = [
    vi(f"Giáo viên {s}", f"{e} teacher", f"معلم {f}") for s, e, f in VI_SUBJECTS
]
VI_TEACHERS["lower"] = (
    VI_TEACHERS["upper"][:3]
    + [
        vi("Giáo viên Khoa học tự nhiên", "Natural science teacher", "معلم علوم تجربی"),
        vi("Giáo viên Lịch sử và Địa lý", "History and geography teacher", "معلم تاریخ و جغرافیا"),
    ]
    + VI_TEACHERS["upper"][8:]
)
VI_SCHOOL_STAFF = [
    vi("Nhân viên văn thư", "Clerk", "کارمند دفتری"),
    vi("Nhân viên kế toán", "Accountant", "حسابدار"),
    vi("Nhân viên y tế học đường", "School health officer", "مربی بهداشت"),
    vi("Nhân viên thư viện", "Librarian", "کتابدار"),
]
VI_PIONEER_LEADER = vi("Tổng phụ trách Đội", "Young Pioneers leader", "مربی پیشگامان")

VI_DOET_LEADERS = [
    vi("Phó Giám đốc Sở", "Deputy Director of the Department", "معاون مدیرکل"),
    vi("Phó Giám đốc Sở", "Deputy Director of the Department", "معاون مدیرکل"),
    vi("Phó Giám đốc Sở", "Deputy Director of the Department", "معاون مدیرکل"),
    vi("Chánh Văn phòng Sở", "Chief of the Department Office", "رئیس دفتر اداره کل"),
    vi(
        "Trưởng phòng Giáo dục Thường xuyên",
        "Head of Continuing Education",
        "رئیس اداره آموزش مداوم",
    ),
]
VI_DOET_OFFICERS = [
    vi(
        "Chuyên viên Phòng Giáo dục Mầm non",
        "Officer, Preschool Education",
        "کارشناس آموزش پیش‌دبستانی",
    ),
    vi(
        "Chuyên viên Phòng Giáo dục Tiểu học", "Officer, Primary Education", "کارشناس آموزش ابتدایی"
    ),
    vi(
        "Chuyên viên Phòng Giáo dục Trung học",
        "Officer, Secondary Education",
        "کارشناس آموزش متوسطه",
    ),
    vi(
        "Chuyên viên Phòng Giáo dục Thường xuyên",
        "Officer, Continuing Education",
        "کارشناس آموزش مداوم",
    ),
    vi(
        "Chuyên viên Phòng Kế hoạch – Tài chính",
        "Officer, Planning and Finance",
        "کارشناس برنامه‌ریزی و مالی",
    ),
    vi("Chuyên viên Phòng Tổ chức cán bộ", "Officer, Personnel", "کارشناس امور کارکنان"),
    vi("Thanh tra viên", "Inspector", "بازرس"),
    vi("Chuyên viên Văn phòng Sở", "Officer, Department Office", "کارشناس دفتر اداره کل"),
]
VI_CITY_ASSOCIATION = [
    vi(
        "Ủy viên Ban Thường vụ Hội Khuyến học Thành phố",
        "Standing committee member, City Association for Promoting Learning",
        "عضو هیئت دائمی انجمن ترویج یادگیری شهر",
    ),
    vi(
        "Ủy viên Ban Chấp hành Hội Khuyến học Thành phố",
        "Executive committee member, City Association for Promoting Learning",
        "عضو هیئت اجرایی انجمن ترویج یادگیری شهر",
    ),
    vi("Chuyên viên Văn phòng Hội", "Officer, Association Office", "کارشناس دفتر انجمن"),
]
VI_COMMITTEE = [
    vi("Chủ tịch Ủy ban nhân dân", "Chairperson of the People's Committee", "رئیس کمیته مردمی"),
    vi(
        "Phó Chủ tịch Ủy ban nhân dân",
        "Vice-chairperson of the People's Committee",
        "نایب‌رئیس کمیته مردمی",
    ),
    vi(
        "Phó Chủ tịch Ủy ban nhân dân",
        "Vice-chairperson of the People's Committee",
        "نایب‌رئیس کمیته مردمی",
    ),
    vi(
        "Trưởng phòng Văn hóa – Xã hội",
        "Head of the Culture and Social Affairs Office",
        "رئیس دفتر فرهنگی و اجتماعی",
    ),
    vi(
        "Chuyên viên Phòng Văn hóa – Xã hội",
        "Officer, Culture and Social Affairs Office",
        "کارشناس دفتر فرهنگی و اجتماعی",
    ),
    vi(
        "Chánh Văn phòng HĐND và UBND",
        "Chief of Office, People's Council and Committee",
        "رئیس دفتر شورا و کمیته مردمی",
    ),
    vi(
        "Chuyên viên Văn phòng HĐND và UBND",
        "Officer, People's Council and Committee Office",
        "کارشناس دفتر شورا و کمیته مردمی",
    ),
]
VI_BRANCH = [
    vi(
        "Chủ tịch Hội Khuyến học",
        "President of the Association for Promoting Learning",
        "رئیس انجمن ترویج یادگیری",
    ),
    vi(
        "Phó Chủ tịch Hội Khuyến học",
        "Vice-president of the Association for Promoting Learning",
        "نایب‌رئیس انجمن ترویج یادگیری",
    ),
    vi("Ủy viên Ban Chấp hành", "Executive committee member", "عضو هیئت اجرایی"),
    vi("Ủy viên Ban Chấp hành", "Executive committee member", "عضو هیئت اجرایی"),
]
VI_CLC_DIRECTOR = vi(
    "Giám đốc Trung tâm học tập cộng đồng",
    "Director of the Community Learning Centre",
    "مدیر مرکز یادگیری اجتماعی",
)
VI_CLC_STAFF = [
    vi(
        "Phó Giám đốc Trung tâm học tập cộng đồng",
        "Deputy director of the Community Learning Centre",
        "معاون مرکز یادگیری اجتماعی",
    ),
    vi(
        "Cán bộ Trung tâm học tập cộng đồng",
        "Community learning centre officer",
        "کارمند مرکز یادگیری اجتماعی",
    ),
]


def vi_chapter_head(hamlet: str, hamlet_en: str) -> tuple[str, dict]:
    return vi(
        f"Chi hội trưởng Chi hội Khuyến học {hamlet}",
        f"Head of the {hamlet_en} chapter of the Association for Promoting Learning",
        f"سرپرست شاخه انجمن ترویج یادگیری {hamlet_en}",
    )
