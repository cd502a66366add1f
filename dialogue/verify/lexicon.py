"""The words claims are recognised by, in Chinese and English.

Kept apart from the extraction logic so a shop can see, in one place, which
phrases make a sentence a price, stock, policy or attribute claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# --- prices -----------------------------------------------------------------
# A bare number right after one of these is a price ("售价299", "price is 299").
PRICE_CUE_RE = re.compile(
    r"(?:\bprice[ds]?\b|\bpriced\b|\bcosts?\b|\bcosting\b|\bsells? for\b|\bselling for\b|"
    r"\bretails? (?:for|at)\b|售价|价格|价钱|定价|卖|只要|仅需|仅售|只需|"
    r"现价|原价|到手价|折后)[^0-9,，。.;；!?！？]{0,12}$",
    re.IGNORECASE,
)
# An amount in an order's clause is the order's (a total, a refund), not a product's price.
ORDER_CUE_RE = re.compile(
    r"\b(?:order|orders|total|amount|paid|charged|invoice)\b|订单|合计|总价|总额|实付|金额|已付",
    re.IGNORECASE,
)
# "It's free", "免费": a price of zero unless the clause is about a policy (free shipping).
# "latex free", "free standing", "free play" are not prices.
FREE_RE = re.compile(
    r"\bfree of charge\b|\bfor free\b|\bat no (?:extra )?cost\b|"
    r"\b(?:is|it's|are|be|was|costs? nothing,?)\s+(?:completely\s+|totally\s+|entirely\s+)?free\b"
    r"(?=\s*(?:[.,!?;。，！？]|$|for\b|now\b|today\b|with\b))|免费|不要钱|白送",
    re.IGNORECASE,
)
# A price stated as a bound or an estimate cannot be repaired to the exact catalog value.
BOUND_RE = re.compile(
    r"\b(?:under|below|less than|more than|over|above|about|around|approximately|roughly|"
    r"up to|at least|at most|from|starting at|nearly|almost|within)\b|不到|低于|以内|以下|以上|"
    r"超过|左右|大约|约|起|不超过|至少|最多|将近|差不多",
    re.IGNORECASE,
)
COMPARATIVE_RE = re.compile(
    r"\b(?:cheaper|pricier|more expensive|less expensive|off|discount|save|saving|difference|"
    r"than|extra|additional|plus|per|each)\b|便宜|贵|差价|省|优惠|折|比|多花|少花|每",
    re.IGNORECASE,
)

# "A is cheaper than B", "A比B便宜", "the cheapest": checked against catalog prices.
CHEAPEST_RE = re.compile(
    r"\b(?:cheapest|least expensive|lowest[- ]priced|most affordable)\b|最便宜|最实惠|最低价",
    re.IGNORECASE,
)
PRICIEST_RE = re.compile(r"\b(?:most expensive|priciest|costliest)\b|最贵", re.IGNORECASE)
CHEAPER_RE = re.compile(
    r"\b(?:cheaper|less expensive|lower[- ]priced|more affordable)\b|便宜|实惠", re.IGNORECASE
)
PRICIER_RE = re.compile(
    r"\b(?:pricier|more expensive|higher[- ]priced|costlier)\b|昂贵|(?<![宝珍])贵(?![公司重姓宾])",
    re.IGNORECASE,
)
# Price and stock talk no catalog field can confirm: promotions, popularity, scarcity.
UNCHECKABLE_RE = re.compile(
    r"\b(?:on sale|discount(?:ed|s)?|promotions?|promo|coupons?|bargain|clearance|"
    r"best[- ]?sellers?|best-selling|selling fast|sells? out fast|limited stock|low stock|"
    r"limited[- ]time)\b|打折|折扣|特价|促销|优惠|限时|秒杀|热销|爆款|库存紧张|快卖完|抢购|清仓",
    re.IGNORECASE,
)

# --- stock ------------------------------------------------------------------
_EN_ONES = "one|two|three|four|five|six|seven|eight|nine"
_NUM = (
    r"(\d+(?:\.\d+)?(?![\d.])(?:万|千)?|[零〇一二两三四五六七八九十百千万]+|"
    rf"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(?:{_EN_ONES}))?|"
    rf"{_EN_ONES}|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|"
    r"nineteen)(?![a-z-]))"
)
STOCK_COUNT_RES = (
    re.compile(rf"\bonly {_NUM}(?: \w+)? (?:left|remaining|in stock|available)\b", re.I),
    re.compile(
        rf"(?<![\w.]){_NUM} (?:units? |pieces? |items? |pcs )?(?:left|remaining|in stock)\b", re.I
    ),
    re.compile(rf"\bstock (?:is |of |level is |count is |: ?){_NUM}\b", re.I),
    re.compile(
        rf"(?:库存|现货|仅剩|只剩|还剩|剩余|剩下)(?:还)?(?:[:：]?\s*){_NUM}\s*(?:件|个|台|只|套|份|支|瓶|盒|双|条|张|本|包|部|把)"
    ),
    re.compile(rf"(?:库存|仅剩|只剩|还剩|剩余)(?:[:：]?\s*){_NUM}"),
)
STOCK_OUT_RE = re.compile(
    r"\b(?:out of stock|out-of-stock|sold out|sold-out|"
    r"(?:unavailable|not available|no longer available|(?:is|are)(?:n't| not)(?: currently)? "
    r"available)(?! (?:in|for|on|at|to|with|from|as)\b)|"
    r"(?:is|are)(?:n't| not)(?: currently)? in stock|"
    r"not (?:currently )?in stock|no stock|backordered|back-ordered)\b|"
    r"缺货|售罄|无货|没货|没有货|卖完|卖光|断货|没有现货|暂无现货|暂无库存|无库存|没有库存|"
    r"已下架|库存为0|库存为零",
    re.IGNORECASE,
)
STOCK_IN_RE = re.compile(
    r"\b(?:in stock|in-stock|available now|currently available|ready to ship|"
    r"(?:(?<=\bis )|(?<=\bare ))available"
    r"(?! (?:in|for|on|at|to|with|from|as|colou?rs?|sizes?)\b))\b|"
    r"有现货|现货|有货|库存充足|有库存|在售|可以下单|可下单",
    re.IGNORECASE,
)
STOCK_PHRASES: dict[tuple[str, bool], str] = {
    ("en", True): "in stock",
    ("en", False): "out of stock",
    ("zh", True): "有货",
    ("zh", False): "缺货",
}

# --- negation ---------------------------------------------------------------
# Checked in the few words (or characters) before a term, inside its clause.
_EN_NEGATIONS_TEXT = "not no never without lack lacks lacking neither nor cannot non none nothing"
EN_NEGATIONS = frozenset(_EN_NEGATIONS_TEXT.split())
ZH_NEGATION_RE = re.compile(r"不|没|无|非|未|别|缺少|并非")
# Words that hold a negation character or word without negating what follows them.
NOT_NEGATIONS_RE = re.compile(
    r"无线|不锈钢|无绳|不粘|无麸质|无理由|不含|无论|不仅|不但|不管|无需|不错|非常|无忧|不同|不少|不断|"
    r"没错|\bnot only\b|\bnot just\b|\bno doubt\b|\bno matter\b|\bnon-stick\b|"
    r"\bno questions asked\b",
    re.IGNORECASE,
)
# Words between a negation and its term that keep the negation: "not fully waterproof".
EN_NEGATION_WINDOW = 4
ZH_NEGATION_WINDOW = 4

# --- yes/no answers that a repair makes wrong --------------------------------
# "No" answers only when punctuation or a pronoun follows it: in "no problems with rust"
# it is the statement's own negation, and cutting it would turn the statement round.
LEADING_ANSWER_RE = re.compile(
    r"^\s*(?:(?:yes|yeah|yep|correct|right|sure|indeed|exactly|nope)\b[,!.]?\s*|"
    r"no(?:\s*[,!.;:]\s*|\s*$|\s+(?=(?:it|it's|its|they|they're|this|that|these|those|"
    r"i|you|we|he|she|there|not|but|sorry|unfortunately)\b))|"
    r"(?:是的|对的|没错|对|不是|不对)[，,！!。]?\s*)",
    re.IGNORECASE,
)

# --- policy topics ----------------------------------------------------------
# Not "charge" among fees: "takes 30 minutes to charge" is about a battery.
_TOPIC_WORDS = {
    "returns": "return, returns, refund, refunds, exchange, 退货, 退款, 退换, 换货, 无理由, 退",
    "shipping": (
        "shipping, ship, ships, shipped, dispatch, dispatched, delivery, deliver, "
        "delivered, postage, courier, freight, 运费, 包邮, 配送, 发货, 快递, 送达, 物流, 邮费"
    ),
    "warranty": "warranty, guarantee, guaranteed, 保修, 质保, 保固, 维修",
    "payment": "payment, pay, installment, installments, 分期, 付款, 支付, 货到付款",
    "fees": "fee, fees, surcharge, deposit, 手续费, 费用, 押金, 服务费",
    "price_protection": "price protection, price match, 保价, 价保",
}
POLICY_TOPICS: dict[str, tuple[str, ...]] = {
    topic: tuple(w.strip() for w in words.split(",")) for topic, words in _TOPIC_WORDS.items()
}
_TOPIC_RES = {
    topic: re.compile(
        "|".join((rf"\b{re.escape(w)}\b" if w.isascii() else re.escape(w)) for w in words),
        re.IGNORECASE,
    )
    for topic, words in POLICY_TOPICS.items()
}


def topics_in(text: str) -> frozenset[str]:
    return frozenset(t for t, rx in _TOPIC_RES.items() if rx.search(text))


# --- attribute and policy terms ----------------------------------------------
Scope = Literal["product", "policy"]


@dataclass(frozen=True)
class Term:
    """A yes/no property: its id, the slot it fills (a colour is one of many), its forms."""

    id: str
    forms: tuple[str, ...]
    slot: str = ""  # "color", "material": another value of the same slot contradicts
    scope: Scope = "product"


def _t(term_id: str, *forms: str, slot: str = "", scope: Scope = "product") -> Term:
    return Term(term_id, forms, slot, scope)


BUILTIN_TERMS: tuple[Term, ...] = (
    _t("waterproof", "waterproof", "water-proof", "防水"),
    _t(
        "water_resistant",
        "water resistant",
        "water-resistant",
        "splash proof",
        "splashproof",
        "防泼水",
        "防溅水",
    ),
    _t("dustproof", "dustproof", "dust-proof", "防尘"),
    _t("wireless_charging", "wireless charging", "qi charging", "无线充电", "无线充"),
    _t(
        "fast_charging",
        "fast charging",
        "quick charge",
        "quick charging",
        "fast charge",
        "快充",
        "快速充电",
        "闪充",
    ),
    _t("bluetooth", "bluetooth", "蓝牙"),
    _t("wifi", "wi-fi", "wifi", "无线网络"),
    _t(
        "noise_cancelling",
        "noise cancelling",
        "noise canceling",
        "noise cancellation",
        "anc",
        "降噪",
        "主动降噪",
    ),
    _t("foldable", "foldable", "folding", "collapsible", "可折叠", "折叠"),
    _t("rechargeable", "rechargeable", "可充电"),
    _t(
        "dishwasher_safe",
        "dishwasher safe",
        "dishwasher-safe",
        "可用洗碗机",
        "可放洗碗机",
        "洗碗机清洗",
    ),
    _t("microwave_safe", "microwave safe", "microwave-safe", "可微波", "可用微波炉", "微波炉加热"),
    _t("bpa_free", "bpa free", "bpa-free", "不含双酚a", "无双酚a"),
    _t("touchscreen", "touchscreen", "touch screen", "触摸屏", "触屏"),
    _t("usb_c", "usb-c", "usb c", "type-c", "type c"),
    _t("adjustable", "adjustable", "可调节", "可调"),
    _t("magnetic", "magnetic", "magsafe", "磁吸"),
    _t("backlit", "backlit", "backlight", "背光"),
    _t("non_stick", "non-stick", "nonstick", "不粘"),
    _t("cordless", "cordless", "无绳"),
    _t("organic", "organic", "有机"),
    _t("vegan", "vegan", "纯素"),
    _t("gluten_free", "gluten-free", "gluten free", "无麸质"),
    _t("red", "red", "红色", slot="color"),
    _t("blue", "blue", "蓝色", slot="color"),
    _t("navy", "navy", "藏青色", "藏蓝色", slot="color"),
    _t("green", "green", "绿色", slot="color"),
    _t("black", "black", "黑色", slot="color"),
    _t("white", "white", "白色", slot="color"),
    _t("yellow", "yellow", "黄色", slot="color"),
    _t("pink", "pink", "粉色", "粉红色", slot="color"),
    _t("purple", "purple", "violet", "紫色", slot="color"),
    _t("grey", "grey", "gray", "灰色", slot="color"),
    _t("silver", "silver", "银色", slot="color"),
    _t("gold", "gold", "golden", "金色", slot="color"),
    _t("orange", "orange", "橙色", slot="color"),
    _t("brown", "brown", "棕色", "咖啡色", slot="color"),
    _t("beige", "beige", "米色", slot="color"),
    _t("cotton", "cotton", "纯棉", "棉质", slot="material"),
    _t("leather", "leather", "真皮", "皮革", slot="material"),
    _t("plastic", "plastic", "塑料", slot="material"),
    _t("aluminium", "aluminium", "aluminum", "铝合金", "铝", slot="material"),
    _t("stainless_steel", "stainless steel", "stainless", "不锈钢", slot="material"),
    _t("wood", "wood", "wooden", "木质", "实木", slot="material"),
    _t("glass", "glass", "玻璃", slot="material"),
    _t("silicone", "silicone", "硅胶", slot="material"),
    _t("ceramic", "ceramic", "陶瓷", slot="material"),
    _t(
        "free_shipping",
        "free shipping",
        "free delivery",
        "ships free",
        "包邮",
        "免运费",
        "免邮",
        "免费配送",
        "免费送货",
        scope="policy",
    ),
    _t(
        "no_reason_returns",
        "no questions asked",
        "no-questions-asked",
        "无理由退货",
        "无理由退换",
        scope="policy",
    ),
    _t("cash_on_delivery", "cash on delivery", "pay on delivery", "货到付款", scope="policy"),
    _t("installments", "installments", "instalments", "分期付款", "分期", scope="policy"),
    _t("invoice", "invoice", "invoices", "发票", scope="policy"),
    _t("price_protection", "price protection", "price match", "保价", "价保", scope="policy"),
)
# Attribute keys that hold a slot's value.
SLOT_KEYS: dict[str, frozenset[str]] = {
    "color": frozenset({"color", "colour", "colors", "colours", "颜色", "色彩", "colorway"}),
    "material": frozenset({"material", "materials", "材质", "材料", "fabric", "面料"}),
}
TRUE_VALUES = frozenset({"true", "yes", "y", "1", "是", "有", "支持", "可以", "能", "√"})
FALSE_VALUES = frozenset(
    {"false", "no", "n", "0", "否", "无", "不支持", "不可以", "不能", "没有", "none", "×"}
)
