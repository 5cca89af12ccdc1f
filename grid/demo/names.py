"""Synthetic but plausible Chinese names, phone numbers and resident ID numbers.

Everything takes the caller's ``random.Random`` so a seed gives the same people every time.
Surnames are weighted roughly as they are common (王、李、张 first); given names are one or two
characters drawn from pools that lean male, female or neutral, as real naming does.
"""

from __future__ import annotations

import random

from backend.pii import id_check_digit

# (surname, weight): the commonest surnames carry most of the population, then a long tail.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72),
    ("李", 71),
    ("张", 68),
    ("刘", 55),
    ("陈", 47),
    ("杨", 32),
    ("黄", 25),
    ("赵", 21),
    ("吴", 20),
    ("周", 19),
    ("徐", 15),
    ("孙", 15),
    ("马", 13),
    ("朱", 13),
    ("胡", 12),
    ("郭", 12),
    ("何", 12),
    ("高", 11),
    ("林", 11),
    ("罗", 11),
    ("郑", 10),
    ("梁", 10),
    ("谢", 8),
    ("宋", 8),
    ("唐", 8),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 7),
    ("彭", 7),
    ("曾", 7),
    ("肖", 6),
    ("田", 6),
    ("董", 6),
    ("袁", 6),
    ("潘", 5),
    ("于", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("余", 5),
    ("杜", 5),
    ("叶", 5),
    ("程", 5),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("姚", 4),
    ("卢", 4),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 5),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 4),
    ("贾", 3),
    ("夏", 3),
    ("韦", 3),
    ("付", 3),
    ("方", 3),
    ("白", 3),
    ("邹", 3),
    ("孟", 3),
    ("熊", 3),
    ("秦", 3),
    ("邱", 3),
    ("江", 3),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 2),
    ("黎", 2),
    ("贺", 2),
    ("顾", 2),
    ("毛", 2),
    ("郝", 2),
    ("龚", 2),
    ("邵", 2),
    ("万", 2),
    ("钱", 2),
    ("严", 2),
    ("覃", 2),
    ("武", 2),
    ("戴", 2),
    ("莫", 1),
    ("孔", 1),
    ("向", 2),
    ("汤", 1),
    ("冉", 2),
    ("欧阳", 1),
    ("司马", 1),
    ("上官", 1),
    ("诸葛", 1),
)
_SURNAME_NAMES = tuple(s for s, _ in SURNAMES)
_SURNAME_WEIGHTS = tuple(w for _, w in SURNAMES)

MALE_CHARS = "伟强军磊洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林峰建国志文博晨"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲桂英兰燕萍红梅琳雪婷倩颖慧佳琪欣怡悦瑶蓉晶洁丹"
NEUTRAL_CHARS = "子思雨天一嘉安清心若可欣宏春秋晓金玉海云月诗家"

# Mobile prefixes in use on the mainland (中国移动、联通、电信、广电), all matching 1[3-9]x.
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "176", "177", "180", "181",
    "182", "183", "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip


def surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_NAMES, weights=_SURNAME_WEIGHTS)[0]


def given_name(rng: random.Random, gender: str) -> str:
    """One or two characters; about a third of given names are single, as in the census."""
    own = MALE_CHARS if gender == "男" else FEMALE_CHARS
    first = rng.choice(own if rng.random() < 0.6 else NEUTRAL_CHARS)
    if rng.random() < 0.3:
        return first
    second = rng.choice(own)
    return first + second if second != first else first + rng.choice(NEUTRAL_CHARS)


def person_name(rng: random.Random, gender: str, family: str | None = None) -> str:
    return (family or surname(rng)) + given_name(rng, gender)


class IdentityMaker:
    """Unique phone numbers and valid ID numbers (GB 11643 with check digit) for one seed."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._phones: set[str] = set()
        self._ids: set[str] = set()

    def phone(self) -> str:
        while True:
            number = self._rng.choice(PHONE_PREFIXES) + f"{self._rng.randrange(10**8):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def id_number(self, region: str, birth_year: int, gender: str) -> str:
        """18 digits: 6-digit region, birth date, sequence (odd for men), check digit."""
        rng = self._rng
        while True:
            month = rng.randint(1, 12)
            day = rng.randint(1, 28)
            sequence = rng.randrange(500) * 2 + (1 if gender == "男" else 0)
            first17 = f"{region}{birth_year:04d}{month:02d}{day:02d}{sequence:03d}"
            number = first17 + id_check_digit(first17)
            if number not in self._ids:
                self._ids.add(number)
                return number
