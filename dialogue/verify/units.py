"""Units and currencies in Chinese and English, normalised to one base unit a dimension.

`1.5 kg` and `1500 g` are the same claim; `30 days` and `30天` too. Months and
years share a dimension (a year is twelve months) but are kept apart from days:
"one month" is not reliably "30 days" in a returns policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    symbol: str  # canonical display symbol
    dimension: str
    factor: float  # value in the dimension's base unit


_UNITS: dict[str, tuple[str, str, float, tuple[str, ...]]] = {
    # key: (symbol, dimension, factor, surface forms; ASCII forms match case-insensitively)
    "mg": ("mg", "mass", 0.001, ("mg", "milligram", "milligrams", "毫克")),
    "g": ("g", "mass", 1.0, ("gram", "grams", "gramme", "grammes", "克")),
    "kg": ("kg", "mass", 1000.0, ("kg", "kgs", "kilogram", "kilograms", "千克", "公斤")),
    "jin": ("斤", "mass", 500.0, ("斤",)),
    "lb": ("lb", "mass", 453.592, ("lb", "lbs", "pound", "pounds")),
    "oz": ("oz", "mass", 28.3495, ("oz", "ounce", "ounces")),
    "mm": ("mm", "length", 1.0, ("mm", "millimeter", "millimeters", "millimetre", "毫米")),
    "cm": ("cm", "length", 10.0, ("cm", "centimeter", "centimeters", "centimetre", "厘米", "公分")),
    "m": ("m", "length", 1000.0, ("meter", "meters", "metre", "metres", "米")),
    "km": ("km", "length", 1e6, ("km", "kilometer", "kilometers", "kilometre", "公里", "千米")),
    "in": ("in", "length", 25.4, ("inch", "inches", "英寸", "寸")),
    "ft": ("ft", "length", 304.8, ("ft", "foot", "feet")),
    "ml": ("ml", "volume", 1.0, ("ml", "milliliter", "milliliters", "millilitre", "毫升")),
    "l": ("L", "volume", 1000.0, ("liter", "liters", "litre", "litres", "升")),
    "floz": ("fl oz", "volume", 29.5735, ("fl oz", "fl. oz", "fluid ounce", "fluid ounces")),
    "gal": ("gal", "volume", 3785.41, ("gal", "gallon", "gallons")),
    "mah": ("mAh", "charge", 1.0, ("mah", "毫安时", "毫安")),
    "ah": ("Ah", "charge", 1000.0, ("ah",)),
    "wh": ("Wh", "energy", 1.0, ("wh",)),
    "kwh": ("kWh", "energy", 1000.0, ("kwh",)),
    "w": ("W", "power", 1.0, ("watt", "watts", "瓦")),
    "kw": ("kW", "power", 1000.0, ("kw", "kilowatt", "kilowatts", "千瓦")),
    "v": ("V", "voltage", 1.0, ("volt", "volts", "伏")),
    "a": ("A", "current", 1.0, ("amp", "amps", "ampere", "amperes")),
    "hz": ("Hz", "frequency", 1.0, ("hz", "赫兹")),
    "khz": ("kHz", "frequency", 1e3, ("khz",)),
    "mhz": ("MHz", "frequency", 1e6, ("mhz",)),
    "ghz": ("GHz", "frequency", 1e9, ("ghz",)),
    # decimal prefixes, as storage is sold
    "kb": ("KB", "data", 1e-6, ("kb",)),
    "mb": ("MB", "data", 1e-3, ("mb",)),
    "gb": ("GB", "data", 1.0, ("gb",)),
    "tb": ("TB", "data", 1000.0, ("tb",)),
    "s": ("s", "time", 1 / 3600, ("sec", "secs", "second", "seconds", "秒", "秒钟")),
    "min": ("min", "time", 1 / 60, ("min", "mins", "minute", "minutes", "分钟")),
    "h": ("h", "time", 1.0, ("hr", "hrs", "hour", "hours", "小时", "个小时", "钟头")),
    "d": ("days", "time", 24.0, ("day", "days", "天", "日")),
    "wk": ("weeks", "time", 168.0, ("week", "weeks", "周", "星期", "个星期")),
    "mo": ("months", "calendar", 1.0, ("month", "months", "个月")),
    "yr": ("years", "calendar", 12.0, ("yr", "yrs", "year", "years", "年")),
    "pct": ("%", "percent", 1.0, ("%", "percent", "per cent", "pct")),
    "degc": ("°C", "temperature", 1.0, ("°c", "℃", "摄氏度")),
}
# Single letters are units only right after a digit and in this exact case ("5g", "20W").
_CASED: dict[str, str] = {"g": "g", "W": "w", "w": "w", "V": "v", "v": "v", "A": "a", "h": "h"}
_CASED.update({"m": "m", "L": "l", "l": "l", '"': "in", "″": "in", "'": "ft", "′": "ft"})

UNITS: dict[str, Unit] = {k: Unit(sym, dim, f) for k, (sym, dim, f, _) in _UNITS.items()}

_SURFACE: dict[str, str] = {}
for _key, (_sym, _dim, _f, _forms) in _UNITS.items():
    for _form in _forms:
        _SURFACE[_form.lower()] = _key
# Words that name a unit only inside an attribute key ("width_in", "weight_g").
KEY_ONLY_UNITS: dict[str, str] = {"in": "in", "g": "g", "w": "w", "v": "v", "h": "h", "m": "m"}
KEY_ONLY_UNITS.update({"l": "l", "d": "d", "mo": "mo", "yr": "yr", "a": "a"})

_forms_sorted = sorted(_SURFACE, key=len, reverse=True)
_ascii_forms = [f for f in _forms_sorted if f.isascii()]
_cjk_forms = [f for f in _forms_sorted if not f.isascii()]
# A unit right after a number: ASCII units may follow a space or hyphen ("5 hours", "30-day")
# and must end at a word boundary ("5 minutes", not "5 mini"); CJK units follow directly.
UNIT_RE = re.compile(
    r"(?:[ -]?(?P<ascii>"
    + "|".join(re.escape(f) for f in _ascii_forms)
    + r")(?![A-Za-z])|\s?(?P<cjk>"
    + "|".join(re.escape(f) for f in _cjk_forms)
    + "))",
    re.IGNORECASE,
)
# A backslash may precede an inch mark in scraped text (3\\" for 3").
CASED_UNIT_RE = re.compile(
    r" ?(?:\\(?=\"))?(?P<cased>[gWwVvAhmLl\"″'′])(?:(?![A-Za-z0-9])|(?=[x×]\s?\d))"
)


def unit_key(surface: str) -> str | None:
    """The key into UNITS for a unit as written ("kg", "小时", "20W"'s "W"), None if not a unit."""
    return _SURFACE.get(surface.lower()) or _CASED.get(surface)


def unit_from_key(key_word: str) -> str | None:
    """The unit key an attribute key ends with ("capacity_mah" -> "mah", "width_in" -> "in")."""
    word = key_word.lower()
    return _SURFACE.get(word) or KEY_ONLY_UNITS.get(word)


# Currencies: a sign before the number, or a word after it.
CURRENCY_SIGNS: dict[str, frozenset[str]] = {
    "us$": frozenset({"USD"}),
    "hk$": frozenset({"HKD"}),
    "rmb": frozenset({"CNY"}),
    "cny": frozenset({"CNY"}),
    "usd": frozenset({"USD"}),
    "eur": frozenset({"EUR"}),
    "gbp": frozenset({"GBP"}),
    "jpy": frozenset({"JPY"}),
    "¥": frozenset({"CNY", "JPY"}),
    "$": frozenset({"USD", "CAD", "AUD", "HKD", "SGD", "NZD", "TWD"}),
    "€": frozenset({"EUR"}),
    "£": frozenset({"GBP"}),
}
CURRENCY_WORDS: dict[str, frozenset[str]] = {
    "元人民币": frozenset({"CNY"}),
    "块钱": frozenset({"CNY"}),
    "人民币": frozenset({"CNY"}),
    "元": frozenset({"CNY"}),
    "块": frozenset({"CNY"}),
    "美元": frozenset({"USD"}),
    "美金": frozenset({"USD"}),
    "欧元": frozenset({"EUR"}),
    "英镑": frozenset({"GBP"}),
    "日元": frozenset({"JPY"}),
    "yuan": frozenset({"CNY"}),
    "rmb": frozenset({"CNY"}),
    "cny": frozenset({"CNY"}),
    "usd": frozenset({"USD"}),
    "dollars": CURRENCY_SIGNS["$"],
    "dollar": CURRENCY_SIGNS["$"],
    "bucks": CURRENCY_SIGNS["$"],
    "euros": frozenset({"EUR"}),
    "euro": frozenset({"EUR"}),
    "eur": frozenset({"EUR"}),
    "pounds sterling": frozenset({"GBP"}),
    "gbp": frozenset({"GBP"}),
    "yen": frozenset({"JPY"}),
    "jpy": frozenset({"JPY"}),
}
_signs = sorted(CURRENCY_SIGNS, key=len, reverse=True)
# A sign right before the number ("¥299", "US$ 39.99", "RMB299").
CURRENCY_PREFIX_RE = re.compile(
    r"(?:" + "|".join(re.escape(s) for s in _signs) + r")\s?$", re.IGNORECASE
)
_words = sorted(CURRENCY_WORDS, key=len, reverse=True)
CURRENCY_SUFFIX_RE = re.compile(
    r"\s?(?:"
    + "|".join(re.escape(w) + (r"(?![A-Za-z])" if w.isascii() else "") for w in _words)
    + ")",
    re.IGNORECASE,
)
CURRENCY_DISPLAY = {"CNY": "¥", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$"}


def currency_code(text: str) -> str:
    """A catalog currency field ("CNY", "rmb", "¥", "元") as an ISO code ("" if unknown)."""
    raw = text.strip().lower()
    if not raw:
        return ""
    codes = CURRENCY_SIGNS.get(raw) or CURRENCY_WORDS.get(raw)
    if codes and len(codes) == 1:
        return next(iter(codes))
    if raw == "¥":
        return "CNY"
    if raw == "$":
        return "USD"
    return raw.upper()


def format_number(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return str(round(value))
    return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:.2f}"


def format_price(value: float, currency: str) -> str:
    """ "¥299", "$39.99", or "299 XYZ" for currencies without a sign."""
    code = currency_code(currency)
    sign = CURRENCY_DISPLAY.get(code)
    number = format_number(value)
    if sign:
        return f"{sign}{number}"
    return f"{number} {code}".strip()
