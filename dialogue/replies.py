"""Fixed replies in both languages: disclosure, refusals, handoff, order status.

These are not generated: they carry no product claims except order facts,
which come straight from the orders table.
"""

from __future__ import annotations

from dialogue.orders import OrderView

_TEXTS: dict[str, dict[str, str]] = {
    "disclosure": {
        "en": "Hi! I'm the shop's AI assistant. I answer from the shop's catalog and policies; "
        "type “human” at any time to talk to a person.",
        "zh": "您好！我是本店的 AI 客服助手，回答均来自本店的商品资料和政策。"
        "随时输入“人工”即可转接人工客服。",
    },
    "too_long": {
        "en": "Sorry, that message is too long for me ({size} characters; the limit is {limit}). "
        "Could you shorten it?",
        "zh": "抱歉，消息太长了（{size} 字，上限 {limit} 字），能简短一些吗？",
    },
    "empty": {"en": "Could you type your question?", "zh": "请输入您的问题。"},
    "no_facts": {
        "en": "The shop's information doesn't say, so I won't guess. "
        "Would you like me to pass this to a colleague?",
        "zh": "本店资料里没有这方面的信息，我不想乱猜。需要为您转接人工客服吗？",
    },
    "handoff": {
        "en": "I've asked a colleague to join; they will reply here shortly. "
        "Your conversation so far is shared with them.",
        "zh": "已为您转接人工客服，同事稍后会在这里回复您，之前的对话记录已同步给他们。",
    },
    "waiting": {
        "en": "A colleague will reply here shortly.",
        "zh": "人工客服稍后会在这里回复您。",
    },
    "order_need_identity": {
        "en": "To keep orders private I need to confirm it's yours: please send the order "
        "number together with the email address used for the order.",
        "zh": "为保护订单隐私，需要先确认身份：请发送订单号以及下单时使用的邮箱。",
    },
    "order_not_found": {
        "en": "I couldn't find an order with that number for you. Please check the number "
        "and the email on the order, or ask for a human.",
        "zh": "没有找到与您身份匹配的这个订单号，请核对订单号和下单邮箱，或转人工客服。",
    },
    "model_down": {
        "en": "I'm having trouble composing an answer right now; here is what the shop's "
        "information says.",
        "zh": "我暂时无法组织回答，以下是本店资料中的相关信息。",
    },
    "no_match": {
        "en": "I couldn't find products matching that in the shop. Could you tell me more "
        "(category, budget, features)?",
        "zh": "店里没有找到符合条件的商品，能再说说您的需求吗（品类、预算、功能）？",
    },
    "greeting": {
        "en": "How can I help you today? Ask me about a product, an order or our policies.",
        "zh": "请问有什么可以帮您？商品、订单、售后政策都可以问我。",
    },
    "reco_intro": {
        "en": "Here are some options from the shop:",
        "zh": "为您挑选了以下商品：",
    },
}

_STATUS = {
    "pending": ("awaiting payment", "待付款"),
    "paid": ("paid, being prepared", "已付款，备货中"),
    "shipped": ("shipped", "已发货"),
    "delivered": ("delivered", "已签收"),
    "cancelled": ("cancelled", "已取消"),
    "returned": ("returned", "已退货"),
    "refunded": ("refunded", "已退款"),
}


def reply(key: str, lang: str, **values: object) -> str:
    texts = _TEXTS[key]
    return texts.get(lang, texts["en"]).format(**values)


def order_status(order: OrderView, lang: str) -> str:
    en_status, zh_status = _STATUS.get(order.status, (order.status, order.status))
    money = f"{order.total:.2f} {order.currency}".strip()
    if lang == "zh":
        text = f"订单 {order.order_id}（{order.created_at:%Y-%m-%d}，{money}）状态：{zh_status}。"
        if order.tracking_number:
            text += f"物流：{order.carrier} {order.tracking_number}"
            text += f"，预计 {order.eta} 送达。" if order.eta else "。"
        return text
    text = f"Order {order.order_id} ({order.created_at:%Y-%m-%d}, {money}) is {en_status}."
    if order.tracking_number:
        text += f" Tracking: {order.carrier} {order.tracking_number}"
        text += f", expected {order.eta}." if order.eta else "."
    return text
