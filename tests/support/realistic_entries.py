"""A seeded generator of ordinary support entries, drawn from realistic per-category distributions.

The figures follow the reports the domain brief quotes and the programmes' usual norms: rice relief
10–30 kg per person (15 kg per person per month, for one to two months) and, one time in three, Tết
rice of 2–5 kg per person ("gạo tết 30 hộ 120 khẩu 300kg"), 2–6 persons per poor household, rice at
12.000–20.000 đ/kg; gift packages 300.000 đ–1 triệu, one time in ten 1–2 triệu (a province's gift to
war-merit families); houses 20–40 triệu (repair) or 40–80 triệu (new build: xóa nhà tạm 60 triệu, nhà đại
đoàn kết 40–80); preferential loans 20–100 triệu per household (association funds 20–50, NHCSXH up to 100);
latrines and water works 6–20
triệu; study costs 300.000 đ–1,35 triệu per pupil; electricity 46.000–140.000 đ per household and
payment; livestock 1–3 head per household at 2–6 triệu a head; cash and goods 200.000 đ–1 triệu a time;
training 15–60 participants a session; health care 200.000 đ (a visit to the sick) to 3 triệu (hospital
fees) a person. Sizes (households, pupils…) are log-uniform: most distributions are small, a few
reach a whole commune. A figure that is optional in the catalogue is left out one time in five.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from decimal import Decimal

from bot.domain.records.plausibility import Figures


def _size(rng: random.Random, low: int, high: int) -> int:
    return max(low, round(math.exp(rng.uniform(math.log(low), math.log(high)))))


def _money(amount: float, step: int = 1000) -> int:
    return max(step, round(amount / step) * step)


def _maybe(rng: random.Random, value: int | None) -> int | None:
    return value if rng.random() >= 0.2 else None


def _rice(rng: random.Random) -> Figures:
    households = _size(rng, 1, 150)
    persons = max(households, round(households * rng.uniform(2, 6)))
    kg = round(persons * (rng.uniform(2, 5) if rng.random() < 1 / 3 else rng.uniform(10, 30)))
    value = _money(kg * rng.uniform(12_000, 20_000))
    return Figures(households=_maybe(rng, households), persons=_maybe(rng, persons), quantity=Decimal(kg),
                   value=_maybe(rng, value))


def _gift(rng: random.Random) -> Figures:
    gifts = _size(rng, 1, 400)
    households = max(1, round(gifts / rng.uniform(1, 2)))
    each = rng.uniform(1_000_000, 2_000_000) if rng.random() < 0.1 else rng.uniform(300_000, 1_000_000)
    value = gifts * _money(each, 50_000)
    return Figures(households=_maybe(rng, households), quantity=Decimal(gifts), value=_maybe(rng, value))


def _housing(rng: random.Random) -> Figures:
    houses = _size(rng, 1, 8)
    each = rng.uniform(40e6, 80e6) if rng.random() < 0.5 else rng.uniform(20e6, 40e6)
    return Figures(households=_maybe(rng, houses), quantity=Decimal(houses),
                   value=_maybe(rng, _money(houses * each, 1_000_000)))


def _loan(rng: random.Random) -> Figures:
    households = _size(rng, 1, 40)
    return Figures(households=households, value=_money(households * rng.uniform(20e6, 100e6), 1_000_000))


def _sanitation(rng: random.Random) -> Figures:
    works = _size(rng, 1, 25)
    return Figures(households=_maybe(rng, works), quantity=Decimal(works),
                   value=_maybe(rng, _money(works * rng.uniform(6e6, 20e6), 100_000)))


def _education(rng: random.Random) -> Figures:
    pupils = _size(rng, 1, 400)
    return Figures(persons=pupils, value=_money(pupils * rng.uniform(300_000, 1_350_000)))


def _electricity(rng: random.Random) -> Figures:
    households = _size(rng, 3, 300)
    return Figures(households=households, value=_money(households * rng.uniform(46_000, 140_000)))


def _livelihood(rng: random.Random) -> Figures:
    households = _size(rng, 1, 30)
    head = max(households, round(households * rng.uniform(1, 3)))
    return Figures(households=_maybe(rng, households), quantity=Decimal(head), quantity_unit="head",
                   value=_maybe(rng, _money(head * rng.uniform(2e6, 6e6), 100_000)))


def _cash_goods(rng: random.Random) -> Figures:
    times = _size(rng, 1, 200)
    return Figures(quantity=Decimal(times), quantity_unit="time",
                   value=_money(times * rng.uniform(200_000, 1_000_000), 10_000))


def _health_care(rng: random.Random) -> Figures:
    people = _size(rng, 1, 200)
    return Figures(persons=people, value=_maybe(rng, _money(people * rng.uniform(200_000, 3_000_000), 10_000)))


def _training(rng: random.Random) -> Figures:
    sessions = _size(rng, 1, 6)
    return Figures(quantity=Decimal(sessions), persons=round(sessions * rng.uniform(15, 60)))


GENERATORS: dict[str, Callable[[random.Random], Figures]] = {
    "rice": _rice, "gift": _gift, "housing": _housing, "loan": _loan, "sanitation": _sanitation,
    "education": _education, "electricity": _electricity, "livelihood": _livelihood, "cash_goods": _cash_goods,
    "training": _training, "health_care": _health_care,
}
"""Every category of the catalogue that has a ratio (health insurance and labour record one figure)."""
