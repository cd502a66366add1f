"""Wording of the demo conversations: shopper questions and assistant answers, zh and en.

`{product}` is a product title, `{order}` an order id. Knowledge-gap questions
are things the demo shop's documents do not answer, phrased several ways so the
dashboard has real groups to find.
"""

from __future__ import annotations

# intent -> (share of conversations, policy document cited, en questions, zh questions)
INTENTS: dict[str, tuple[float, str, tuple[str, ...], tuple[str, ...]]] = {
    "product_question": (0.22, "", (
        "Does the {product} come with a warranty?",
        "What is the battery life of the {product}?",
        "Is the {product} in stock?",
        "How big is the {product}?",
        "Can you tell me more about the {product}?",
    ), (
        "{product}有保修吗？",
        "{product}续航多久？",
        "{product}有现货吗？",
        "{product}尺寸多大？",
        "介绍一下{product}",
    )),
    "recommendation": (0.16, "", (
        "Can you recommend something like the {product}?",
        "I need a gift under 500 yuan, any ideas?",
        "What would you suggest for a beginner?",
        "Show me something similar to the {product}",
    ), (
        "有没有类似{product}的推荐？",
        "500 元以内送礼买什么好？",
        "新手适合买哪款？",
        "给我推荐几款和{product}差不多的",
    )),
    "compare": (0.05, "", (
        "What's the difference between these two?",
        "Which is better value, the {product} or the other one?",
    ), (
        "这两款有什么区别？",
        "{product}和另一款哪个更划算？",
    )),
    "track_order": (0.15, "faq", (
        "Where is my order {order}?",
        "My parcel {order} hasn't arrived yet",
        "Can you check order {order}?",
    ), (
        "我的订单{order}到哪了？",
        "订单{order}还没收到",
        "帮我查一下{order}的物流",
    )),
    "delivery_period": (0.07, "shipping", (
        "How long does delivery take?",
        "When will my order arrive?",
    ), (
        "多久能到货？",
        "一般几天能收到？",
    )),
    "get_refund": (0.05, "returns", (
        "I want a refund for order {order}",
        "How do I return the {product}?",
    ), (
        "订单{order}我想退款",
        "{product}怎么退货？",
    )),
    "check_refund_policy": (0.06, "returns", (
        "What is your return policy?",
        "Can I return an opened item?",
    ), (
        "退货政策是什么？",
        "拆封了还能退吗？",
    )),
    "check_payment_methods": (0.04, "payment", (
        "Which payment methods do you accept?",
        "Can I pay in instalments?",
    ), (
        "支持哪些支付方式？",
        "可以分期付款吗？",
    )),
    "change_shipping_address": (0.03, "faq", (
        "I need to change the address for {order}",
    ), (
        "订单{order}的地址要改一下",
    )),
    "cancel_order": (0.03, "faq", (
        "Please cancel order {order}",
    ), (
        "帮我取消订单{order}",
    )),
    "complaint": (0.03, "", (
        "The {product} arrived damaged, this is unacceptable",
        "Very disappointed with the delivery",
    ), (
        "{product}收到就是坏的，太差了",
        "物流太慢了，很不满意",
    )),
    "contact_human_agent": (0.04, "", (
        "Can I talk to a person?",
        "I want a human agent",
    ), (
        "转人工",
        "我要找人工客服",
    )),
    "greeting": (0.02, "", ("Hi", "Hello there"), ("你好", "在吗")),
}  # fmt: skip

# Questions the demo shop cannot answer: each group's variants, en then zh.
GAP_QUESTIONS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("Do you ship to Hong Kong?", "do you ship to hongkong", "Shipping to Hong Kong possible?"),
     ("能寄到香港吗？", "可以发香港吗", "寄香港要多久")),
    (("Is there a student discount?", "student discount?", "Any discount for students?"),
     ("有学生优惠吗？", "学生有优惠吗", "学生优惠怎么领")),
    (("Can I get a VAT special invoice?", "do you issue VAT invoices",
      "VAT special invoice please"),
     ("能开增值税专用发票吗？", "可以开增值税专票吗", "能开专用发票吗")),
    (("Do you have a physical store in Shanghai?", "store in shanghai?",
      "Where is your shop in Shanghai"),
     ("上海有实体店吗？", "上海有线下门店吗", "线下店在上海哪里")),
    (("Can I pick up the order myself?", "self pickup possible?",
      "Can I collect my order in person"),
     ("可以自提吗？", "能到店自提吗", "支持自提吗")),
    (("Do you offer engraving?", "can you engrave my name", "Is engraving available?"),
     ("可以刻字吗？", "能免费刻字吗", "支持定制刻字吗")),
)  # fmt: skip
GAP_SHARE = 0.07

ANSWERS_EN = {
    "cards": "Here are a few that fit: {product} is a good place to start.",
    "product": "The {product}: here are the details from its product page.",
    "order": "Order {order} is on its way; the tracking details are below.",
    "policy": "Here is what our policy says.",
    "sorry": "Sorry, I could not find that in the shop's information. Let me get a colleague.",
    "human": "Connecting you with a colleague now.",
    "hello": "Hello! How can I help?",
    "staff": "Hi, this is {name} from customer service. Let me look into it.",
    "follow": "Thanks, that helps.",
}
ANSWERS_ZH = {
    "cards": "为您找到几款合适的：可以先看看{product}。",
    "product": "{product}：以下是商品页上的信息。",
    "order": "订单{order}正在配送中，物流信息如下。",
    "policy": "我们的政策是这样规定的。",
    "sorry": "抱歉，店铺资料里没有找到答案，我帮您转人工。",
    "human": "正在为您转接人工客服。",
    "hello": "您好！有什么可以帮您？",
    "staff": "您好，我是客服{name}，马上为您处理。",
    "follow": "好的，谢谢。",
}
FOLLOW_UPS_EN = ("Thanks!", "Is it in stock?", "How much is shipping?", "OK, got it")
FOLLOW_UPS_ZH = ("谢谢！", "有现货吗？", "运费多少？", "好的，知道了")

FAMILY = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu")
GIVEN = ("Wei", "Fang", "Min", "Jing", "Lei", "Yan", "Tao", "Ling", "Hui", "Jun", "Anna", "Tom")
STAFF = ("Xiao Lin", "Amy", "Lao Zhou")
