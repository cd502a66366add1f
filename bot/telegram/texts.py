"""Everything the Telegram bot says on its own, in both languages.

Answers come from the dialogue manager; these are the bot's fixed lines: the
welcome with the AI disclosure and privacy notice, help, button labels, the
account-linking flow.
"""

from __future__ import annotations

LANGS = ("zh", "en")

_TEXTS: dict[str, dict[str, str]] = {
    "welcome": {
        "en": "Hello! I'm the shop's AI assistant: I answer questions about products, "
        "recommend items and look up your orders, using only the shop's own catalog and "
        "policies. I can make mistakes; send /human at any time to reach a person.",
        "zh": "您好！我是本店的 AI 客服助手，可以解答商品问题、推荐商品、查询订单，"
        "回答只依据本店的商品资料和政策。我也可能出错，随时发送 /human 即可转人工客服。",
    },
    "privacy": {
        "en": "Privacy: your messages are stored with this shop so that staff can help you and "
        "to improve the service; they are not shared with third parties. Send /reset to start "
        "a new conversation.",
        "zh": "隐私说明：您的消息由本店保存，用于客服跟进和改进服务，不会提供给第三方。"
        "发送 /reset 可开始新的对话。",
    },
    "choose_lang": {"en": "Please choose a language:", "zh": "请选择语言："},
    "lang_set": {
        "en": "English it is. Ask me anything about the shop's products or your orders.",
        "zh": "已切换为中文。请问有什么可以帮您？可以问商品或订单相关的问题。",
    },
    "help": {
        "en": 'Just type your question, e.g. "wireless earbuds under 300" or "where is my '
        'order?".\n/lang: change language\n/link: link your orders to this Telegram account\n'
        "/human: talk to a person\n/reset: start a new conversation",
        "zh": "直接输入问题即可，例如“300 元以内的无线耳机”或“我的订单到哪了？”。\n"
        "/lang 切换语言\n/link 把订单关联到这个 Telegram 账号\n/human 转人工客服\n"
        "/reset 开始新的对话",
    },
    "reset": {
        "en": "Started a new conversation. How did the last one go?",
        "zh": "已开始新的对话。上一次的服务您满意吗？",
    },
    "reset_empty": {"en": "Started a new conversation.", "zh": "已开始新的对话。"},
    "human_request": {"en": "I'd like to talk to a human agent, please.", "zh": "我要转人工客服。"},
    "details_request": {"en": "Tell me more about this product.", "zh": "详细介绍一下这款商品。"},
    "similar_request": {"en": "Show me products like this one.", "zh": "有没有和这款类似的商品？"},
    "order_request": {"en": "Where is my order?", "zh": "我的订单到哪了？"},
    "apology": {
        "en": "Sorry, I could not answer that just now. Please try again, or send /human.",
        "zh": "抱歉，现在无法回答这个问题。请稍后再试，或发送 /human 转人工客服。",
    },
    "thanks": {"en": "Thanks for the feedback!", "zh": "感谢您的反馈！"},
    "text_only": {
        "en": "I can only read text messages for now; please type your question.",
        "zh": "目前只能阅读文字消息，请用文字输入您的问题。",
    },
    "expired": {"en": "This button has expired.", "zh": "这个按钮已失效。"},
    "sources": {"en": "Sources: ", "zh": "来源："},
    "staff_label": {"en": "{name} (staff)", "zh": "{name}（人工客服）"},
    # linking a Telegram account to the shop's customer record
    "link_private_only": {
        "en": "For your privacy, please link your account in a private chat with me.",
        "zh": "为保护隐私，请在与我的私聊中关联账号。",
    },
    "link_ask_order": {
        "en": "To link your orders to this Telegram account, send the number of one of your "
        "orders (or /cancel).",
        "zh": "要把订单关联到这个 Telegram 账号，请发送您的任一订单号（发送 /cancel 取消）。",
    },
    "link_ask_email": {
        "en": "Thanks. Now the email address used for that order:",
        "zh": "好的，请再发送下这个订单时使用的邮箱：",
    },
    "link_bad_email": {
        "en": "That doesn't look like an email address; please try again (or /cancel).",
        "zh": "邮箱格式不对，请重新输入（或发送 /cancel 取消）。",
    },
    "link_confirm": {
        "en": "Link this Telegram account to the customer of order {order_id} ({email})? "
        "You won't be asked again.",
        "zh": "确认把这个 Telegram 账号关联到订单 {order_id}（{email}）的客户吗？"
        "关联后无需再次验证。",
    },
    "link_done": {
        "en": 'Linked. You can ask about your orders here any time, e.g. "where is my order?".',
        "zh": "关联成功。之后可以随时在这里查询订单，例如“我的订单到哪了？”。",
    },
    "link_failed": {
        "en": "That order number and email don't match our records, so nothing was linked.",
        "zh": "订单号和邮箱与记录不符，未能关联。",
    },
    "link_throttled": {
        "en": "Too many attempts. Please try again later, or send /human.",
        "zh": "尝试次数过多，请稍后再试，或发送 /human 转人工客服。",
    },
    "link_confirm_pending": {
        "en": "Please confirm with the buttons above (or /cancel).",
        "zh": "请用上面的按钮确认（或发送 /cancel 取消）。",
    },
    "link_cancelled": {"en": "Cancelled.", "zh": "已取消。"},
    "link_offer": {
        "en": "Link your orders to Telegram so I can look them up",
        "zh": "关联订单，之后可直接查询",
    },
    "already_linked": {
        "en": "This Telegram account is already linked to your orders.",
        "zh": "这个 Telegram 账号已经关联了您的订单。",
    },
    # buttons
    "btn_details": {"en": "Details", "zh": "详情"},
    "btn_similar": {"en": "More like this", "zh": "相似商品"},
    "btn_shop": {"en": "Open in shop", "zh": "去店铺看看"},
    "btn_link": {"en": "🔗 Link my orders", "zh": "🔗 关联订单"},
    "btn_yes": {"en": "Yes, link", "zh": "确认关联"},
    "btn_no": {"en": "No", "zh": "取消"},
    "in_stock": {"en": "In stock", "zh": "有货"},
    "out_of_stock": {"en": "Out of stock", "zh": "缺货"},
}


def text(key: str, lang: str, **values: object) -> str:
    """The line `key` in `lang` (English when the language is unknown)."""
    texts = _TEXTS[key]
    line = texts.get(lang, texts["en"])
    return line.format(**values) if values else line


def lang_of(code: str | None) -> str:
    """Telegram's IETF language code ("zh-hans", "en-US") to kefu's "zh" / "en"."""
    return "zh" if (code or "").lower().startswith("zh") else "en"
