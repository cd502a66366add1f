# ruff: noqa: E501  (hand-written product copy reads better unwrapped)
"""Apparel / Women: dresses, knitwear, tops, outerwear."""

from __future__ import annotations

from catalog.demo.spec import Entry, Family, Item, Variant

CATEGORY = "Apparel / Women"

ENTRIES: list[Entry] = [
    Family(
        "Linen Lane",
        {
            "type": "dress",
            "material": "100% linen, pre-washed",
            "length_cm": 118,
            "fit": "relaxed",
            "pockets": "yes",
            "care": "machine wash cold, gentle cycle",
        },
        "Linen Lane Washed Linen Midi Dress, {v}",
        "Linen Lane 水洗亚麻中长连衣裙，{v}",
        "A relaxed midi dress in pre-washed linen, 118 cm long, with side pockets and a tie waist, in {v}. Pre-washing keeps shrinkage under 2%. Machine wash cold on a gentle cycle; linen creases, which is part of its charm.",
        "宽松中长款连衣裙，水洗亚麻面料，裙长 118 厘米，侧边有口袋，腰部可系带，{v}。预洗处理，缩水率低于 2%。冷水轻柔模式机洗；亚麻易皱，这是它的自然质感。",
        ("Q: 能机洗吗? A: 可以，冷水轻柔模式，避免烘干。",),
        (
            Variant(
                "AW-9001",
                "sage green, size S",
                "鼠尾草绿 S 码",
                329,
                14,
                {"color": "green", "size": "S"},
            ),
            Variant(
                "AW-9002",
                "sage green, size M",
                "鼠尾草绿 M 码",
                329,
                9,
                {"color": "green", "size": "M"},
            ),
            Variant(
                "AW-9003",
                "terracotta red, size M",
                "陶土红 M 码",
                329,
                0,
                {"color": "red", "size": "M"},
                ("The terracotta is more orange-brown than red in daylight.",),
            ),
            Variant(
                "AW-9004",
                "natural white, size L",
                "本白色 L 码",
                329,
                11,
                {"color": "white", "size": "L"},
                ("Q: 白色透吗? A: 本白色略透，建议搭配肤色内衣或衬裙。",),
            ),
        ),
    ),
    Family(
        "Linen Lane",
        {
            "type": "cardigan",
            "material": "70% wool, 30% cashmere",
            "fit": "regular",
            "buttons": "mother-of-pearl",
            "sizes": "S-L",
            "care": "hand wash cold, dry flat",
        },
        "Linen Lane Wool-Cashmere Cardigan ({v})",
        "Linen Lane 羊毛羊绒开衫（{v}）",
        "A soft V-neck cardigan knitted from 70% wool and 30% cashmere with mother-of-pearl buttons. Colour: {v}; sizes S to L. Hand wash cold and dry flat to keep its shape.",
        "V 领开衫，70% 羊毛与 30% 羊绒混纺，软糯亲肤，贝母纽扣。颜色：{v}；S 至 L 码。冷水手洗，平铺晾干以保持版型。",
        ("Q: 起球吗? A: 羊绒混纺难免轻微起球，用毛球修剪器处理即可。",),
        (
            Variant("AW-9005", "oatmeal", "燕麦色", 699, 12, {"color": "beige"}),
            Variant("AW-9006", "camel", "驼色", 699, 6, {"color": "camel"}),
            Variant(
                "AW-9007",
                "red",
                "正红色",
                729,
                3,
                {"color": "red"},
                ("正红色过年穿很喜庆，颜色正不偏橙。",),
            ),
        ),
    ),
    Item(
        "AW-9008",
        "Linen Lane",
        259,
        40,
        {
            "type": "blouse",
            "material": "100% mulberry silk, 16 momme",
            "color": "ivory",
            "sizes": "S-XL",
            "care": "hand wash cold or dry clean",
        },
        "Linen Lane Mulberry Silk Blouse (Ivory)",
        "Linen Lane 桑蚕丝衬衫（象牙白）",
        "A 16-momme mulberry silk blouse with a relaxed fit and covered buttons. Ivory, sizes S to XL. Hand wash cold with silk detergent or dry clean; iron on low on the reverse side.",
        "16 姆米桑蚕丝衬衫，宽松版型，包扣设计。象牙白，S 至 XL 码。用真丝洗涤剂冷水手洗或干洗；反面低温熨烫。",
        (
            "Q: Is it see-through? A: Slightly, in bright light; a camisole underneath is recommended.",
        ),
    ),
    Family(
        "Linen Lane",
        {
            "type": "wool coat",
            "material": "80% wool, 20% polyamide",
            "length_cm": 110,
            "lining": "viscose",
            "fit": "oversized",
            "care": "dry clean only",
        },
        "Linen Lane Long Wool Coat ({v})",
        "Linen Lane 长款羊毛大衣（{v}）",
        "An oversized 110 cm long coat in a dense 80% wool blend, lined in viscose, with deep pockets. Colour and size: {v}. Dry clean only.",
        "廓形长款大衣，80% 羊毛混纺厚实面料，衣长 110 厘米，粘胶纤维内衬，深口袋。颜色尺码：{v}。仅可干洗。",
        ("Q: 160 的个子会显矮吗? A: 衣长 110 厘米，160 左右穿到小腿中部，搭配短靴比例更好。",),
        (
            Variant(
                "AW-9009", "camel, size S", "驼色 S 码", 1299, 7, {"color": "camel", "size": "S"}
            ),
            Variant(
                "AW-9010", "camel, size M", "驼色 M 码", 1299, 4, {"color": "camel", "size": "M"}
            ),
            Variant(
                "AW-9011",
                "charcoal grey, size M",
                "炭灰色 M 码",
                1299,
                10,
                {"color": "grey", "size": "M"},
            ),
        ),
    ),
    Item(
        "AW-9012",
        "Linen Lane",
        189,
        65,
        {
            "type": "leggings",
            "material": "75% nylon, 25% elastane",
            "rise": "high",
            "pocket": "side phone pocket",
            "color": "black",
            "sizes": "XS-XL",
            "care": "machine wash cold",
        },
        "Linen Lane High-Rise Leggings with Pockets (Black)",
        "Linen Lane 高腰口袋瑜伽裤（黑色）",
        "High-rise leggings in a squat-proof nylon and elastane blend with side pockets that fit a phone. Black, sizes XS to XL. Machine wash cold; no fabric softener.",
        "高腰打底裤，锦纶氨纶面料，深蹲不透，两侧口袋可放手机。黑色，XS 至 XL 码。冷水机洗，不要使用柔顺剂。",
        ("Squat-proof as promised and the phone pocket doesn't bounce when running.",),
    ),
]
