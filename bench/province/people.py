"""Random residents of a synthetic province: Vietnamese names, birth years, ward sizes.

Pure functions of a seeded random stream; nothing here touches the database.
"""

import unicodedata
from bisect import bisect
from itertools import accumulate
from random import Random

# --- Vietnamese names (family name first). Weights are rough shares in per cent.
FAMILY_NAMES = {
    "Nguyễn": 31,
    "Trần": 11,
    "Lê": 9.5,
    "Phạm": 6,
    "Phan": 4.5,
    "Huỳnh": 4,  # southern spelling of Hoàng
    "Hoàng": 2.5,
    "Võ": 3.5,  # southern spelling of Vũ
    "Vũ": 2,
    "Đặng": 2,
    "Bùi": 2,
    "Đỗ": 1.5,
    "Hồ": 1.5,
    "Ngô": 1.3,
    "Dương": 1.1,
    "Trương": 1.2,
    "Lý": 0.8,
    "Đinh": 0.7,
    "Lâm": 0.7,
    "Đoàn": 0.6,
    "Mai": 0.5,
    "Châu": 0.5,
    "Lương": 0.5,
    "Cao": 0.5,
    "Hà": 0.5,
    "Trịnh": 0.5,
    "Tô": 0.4,
    "Lưu": 0.4,
    "Tạ": 0.3,
    "Quách": 0.3,
    "Thái": 0.3,
    "Kiều": 0.2,
    "La": 0.2,
}


def _words(text: str) -> list[str]:
    """The NFC words of a space-separated list."""
    return unicodedata.normalize("NFC", text).split()


# North of Huế people write Hoàng and Vũ rather than Huỳnh and Võ.
NORTHERN_FAMILY_SWAP = {"Huỳnh": 1, "Hoàng": 5.5, "Võ": 1, "Vũ": 4.5}
MALE_MIDDLE = _words(
    "Văn Hữu Đức Minh Quốc Thanh Công Hoàng Ngọc Xuân Gia Quang Thành Anh Trọng Duy Bảo "
    "Đình Nhật Tấn"
)
FEMALE_MIDDLE = _words(
    "Ngọc Thu Thanh Kim Thùy Mỹ Phương Bảo Hồng Minh Khánh Hoài Diễm Thúy Bích Tuyết Ánh "
    "Lan Hải Quỳnh"
)
MALE_GIVEN = _words(
    "Anh Bình Cường Dũng Đức Hải Hiếu Hoàng Hùng Huy Khánh Khoa Long Minh Nam Nghĩa Phong "
    "Phúc Quang Sơn Tài Thắng Thành Thịnh Toàn Trung Tuấn Việt Vinh Bảo Đạt Hưng Kiên Lâm "
    "Lộc Tâm Tùng Quân Khôi Hiển Phát Tín Nhân Thiện Hậu"
)
FEMALE_GIVEN = _words(
    "Anh Chi Dung Giang Hà Hạnh Hằng Hiền Hoa Hồng Hương Huyền Lan Liên Linh Loan Mai My "
    "Nga Ngân Ngọc Nhung Oanh Phương Quyên Tâm Thảo Thủy Trang Trinh Tuyết Uyên Vân Vy "
    "Yến Xuân Nhi Hân Thư Diệp Thoa Lệ Duyên Thắm"
)

# --- How residents take courses. Citizen courses in tree order, cycled if more.
# Chance that an active resident of activity 1.0 enrols, and that an enrolment is
# finished, in a ward of factor 1.0.
CITIZEN_POPULARITY = (0.50, 0.42, 0.30, 0.36, 0.33, 0.20)
CITIZEN_COMPLETION = (0.20, 0.152, 0.105, 0.147, 0.126, 0.105)
ACTIVE_SHARE = 0.64  # residents who enrol in anything at all (ward factor 1.0)
# Steps done by an unfinished learner: 0, 1, 2, ... (truncated to the course).
PREFIX_WEIGHTS = (0.8, 1.3, 1.1, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2)


class Picker:
    """Weighted choice with one random() and a bisect."""

    def __init__(self, rng: Random, weights: dict):
        self.rng = rng
        self.items = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def __call__(self):
        return self.items[bisect(self.cumulative, self.rng.random() * self.total)]


class Names:
    """Vietnamese full names: family, one or two middle names, given name; NFC."""

    def __init__(self, rng: Random, *, northern: bool):
        family = dict(FAMILY_NAMES)
        if northern:
            family.update(NORTHERN_FAMILY_SWAP)
        self.rng = rng
        self.family = Picker(rng, {unicodedata.normalize("NFC", k): v for k, v in family.items()})
        self.male_middle, self.female_middle = MALE_MIDDLE, FEMALE_MIDDLE
        self.male_given, self.female_given = MALE_GIVEN, FEMALE_GIVEN
        self.thi, self.van = (
            unicodedata.normalize("NFC", "Thị"),
            unicodedata.normalize("NFC", "Văn"),
        )

    def __call__(self, *, female: bool, birth_year: int | None) -> str:
        rng = self.rng
        older = birth_year is not None and birth_year < 1975
        if female:
            first = self.thi if rng.random() < (0.8 if older else 0.4) else None
            middles, given = self.female_middle, self.female_given
            second_share = 0.35
        else:
            first = self.van if rng.random() < (0.55 if older else 0.2) else None
            middles, given = self.male_middle, self.male_given
            second_share = 0.15
        parts = [self.family()]
        if first is None:
            parts.append(rng.choice(middles))
        else:
            parts.append(first)
            if rng.random() < second_share:
                parts.append(rng.choice(middles))
        name = rng.choice(given)
        if name == parts[-1]:  # "Thanh Thanh" is rare; pick again once
            name = rng.choice(given)
        parts.append(name)
        return " ".join(parts)


def birth_year_weights() -> dict:
    """Adults 18-86; fewer of the oldest, as in the population and on phones."""
    weights = {}
    for year in range(1940, 2009):
        if year < 1960:
            weights[year] = 0.25 + 0.35 * (year - 1940) / 19
        elif year < 1975:
            weights[year] = 0.8
        elif year < 2000:
            weights[year] = 1.0
        else:
            weights[year] = 0.85
    return weights


def ward_sizes(rng: Random, wards: int, residents: int) -> list[int]:
    """Uneven, lognormal: at 300,000 residents from ~300 to ~5,000 a ward."""
    weights = [min(max(rng.lognormvariate(0, 0.6), 0.2), 3.3) for _ in range(wards)]
    total = sum(weights)
    exact = [weight * residents / total for weight in weights]
    sizes = [int(value) for value in exact]
    by_remainder = sorted(range(wards), key=lambda i: exact[i] - sizes[i], reverse=True)
    for index in by_remainder[: residents - sum(sizes)]:
        sizes[index] += 1
    return sizes


def prefix_picker(rng: Random, steps: int):
    return Picker(rng, dict(enumerate(PREFIX_WEIGHTS[:steps])))
