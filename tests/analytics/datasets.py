"""Small shops whose every expected figure is worked out by hand in the tests that use them."""

from __future__ import annotations

from datetime import datetime

from tests.analytics.builder import ShopBuilder, at


def service_shop() -> ShopBuilder:
    """Eight conversations in 2-8 March 2026 (UTC), one before, one after.

    A  c1 web en  Mar 2 10:00-10:05  confirmed resolved, CSAT 5, thumbs up       track_order
    K  c6 web en  Mar 2 08:00-08:01  confirmed resolved                         check_refund_policy
    B  c2 web zh  Mar 3 09:00-09:02  failed check + thumbs down; c2 back at 20:00 get_refund
    C  c2 tg  zh  Mar 3 20:00-20:30  handed off, closed resolved by staff, CSAT 2 get_refund, other
    D  c3 web en  Mar 5 23:50-Mar 6 00:20 (spans midnight), CSAT 4              product_question
    F  v1 web en  Mar 7 12:00-12:01  visitor, no customer              greeting, delivery_options
    E  c3 web en  Mar 8 10:00-10:03                                             product_question
    G  c4 web en  Mar 8 22:00-22:05  (its 24 h window is open at Mar 9 12:00)   track_order
    H  c5 web en  Mar 1 10:00        before the range
    I  c1 web en  Mar 9 08:00        after the range: A's same-topic return      track_order
    """
    b = ShopBuilder()
    for cid in range(1, 7):
        b.customer(cid)

    def conv(cid: str, start: datetime, end: datetime, **kw: object) -> None:
        b.conversation(cid, start, end=end, **kw)  # type: ignore[arg-type]

    conv("A", at(2, 10), at(2, 10, 5), customer=1, resolved=True, csat=5)
    b.turn("A", at(2, 10), "user", "where is my parcel", intent="track_order")
    b.turn("A", at(2, 10).replace(second=4), "assistant", "on its way", thumbs="up")

    conv("K", at(2, 8), at(2, 8, 1), customer=6, resolved=True)
    b.turn("K", at(2, 8), "user", "return policy?", intent="check_refund_policy")
    b.turn("K", at(2, 8).replace(second=3), "assistant", "7 days", cites=["returns.en.md#x"])

    conv("B", at(3, 9), at(3, 9, 2), customer=2, lang="zh")
    b.turn("B", at(3, 9), "user", "我要退款", intent="get_refund")
    b.turn("B", at(3, 9).replace(second=10), "assistant", "...", failed_checks=1, thumbs="down")

    conv("C", at(3, 20), at(3, 20, 30), customer=2, channel="telegram", lang="zh",
         handed_off=True, resolved=True, csat=2, closed=at(3, 20, 30))  # fmt: skip
    b.turn("C", at(3, 20), "user", "退款呢", intent="get_refund")
    b.turn("C", at(3, 20).replace(second=6), "assistant", "转人工")
    b.turn("C", at(3, 20, 1), "user", "在吗", intent="other")
    b.turn("C", at(3, 20, 10), "staff", "您好")

    conv("D", at(5, 23, 50), at(6, 0, 20), customer=3, csat=4)
    b.turn("D", at(5, 23, 50), "user", "battery life?", intent="product_question")
    b.turn("D", at(5, 23, 50).replace(second=30), "assistant", "40 h", cites=["S1#attributes"])
    b.turn("D", at(6, 0, 10), "user", "and weight?", intent="product_question")
    b.turn("D", at(6, 0, 10).replace(second=8), "assistant", "254 g", cites=["S1#attributes"])

    conv("F", at(7, 12), at(7, 12, 1), user="v1")
    b.turn("F", at(7, 12), "user", "hi", intent="greeting")
    b.turn("F", at(7, 12).replace(second=2), "assistant", "hello")
    b.turn("F", at(7, 12).replace(second=30), "user", "shipping cost?", intent="delivery_options")
    b.turn("F", at(7, 12).replace(second=33), "assistant", "free", cites=["shipping.en.md#x"])

    conv("E", at(8, 10), at(8, 10, 3), customer=3)
    b.turn("E", at(8, 10), "user", "is it in stock?", intent="product_question")
    b.turn("E", at(8, 10).replace(second=20), "assistant", "yes", cites=["S1#stock"])

    conv("G", at(8, 22), at(8, 22, 5), customer=4)
    b.turn("G", at(8, 22), "user", "where is it", intent="track_order")
    b.turn("G", at(8, 22).replace(second=5), "assistant", "shipped")

    conv("H", at(1, 10), at(1, 10, 1), customer=5)
    b.turn("H", at(1, 10), "user", "hello", intent="greeting")
    conv("I", at(9, 8), at(9, 8, 1), customer=1)
    b.turn("I", at(9, 8), "user", "still not here", intent="track_order")
    return b


SERVICE_AS_OF = at(9, 12)
