# ruff: noqa: E501  (hand-written product copy reads better unwrapped)
"""Apparel / Shoes: running shoes, sneakers, boots, slippers."""

from __future__ import annotations

from catalog.demo.spec import Entry, Family, Item, Variant

CATEGORY = "Apparel / Shoes"

ENTRIES: list[Entry] = [
    Family(
        "Stridewell",
        {
            "type": "running shoes",
            "drop_mm": 8,
            "midsole": "nitrogen-infused foam",
            "upper": "engineered mesh",
            "weight_g": 245,
            "gender": "unisex",
        },
        "Stridewell Cloudpace Running Shoes, {v}",
        "Stridewell 云步跑鞋，{v}",
        "Neutral daily trainers with a nitrogen-infused foam midsole, 8 mm drop and a breathable engineered-mesh upper, weighing 245 g in EU 42. {v}. They fit true to size; wide feet should go half a size up.",
        "中性缓震日常跑鞋，充氮发泡中底，8 毫米落差，透气工程网面，42 码单只重 245 克。{v}。尺码标准；脚宽建议大半码。",
        ("Q: 平时穿 42 码，买多大? A: 正常选 42；脚背高或脚宽选 42.5。",),
        (
            Variant(
                "AS-1101",
                "black/white, EU 41",
                "黑白色 41 码",
                599,
                10,
                {"color": "black", "size_eu": 41},
            ),
            Variant(
                "AS-1102",
                "black/white, EU 42",
                "黑白色 42 码",
                599,
                16,
                {"color": "black", "size_eu": 42},
            ),
            Variant(
                "AS-1103",
                "black/white, EU 43",
                "黑白色 43 码",
                599,
                0,
                {"color": "black", "size_eu": 43},
            ),
            Variant(
                "AS-1104",
                "flame red, EU 42",
                "火焰红 42 码",
                629,
                4,
                {"color": "red", "size_eu": 42},
                ("The red colourway is limited; cushioning is the same as the black one.",),
            ),
        ),
    ),
    Item(
        "AS-1105",
        "Stridewell",
        899,
        9,
        {
            "type": "trail running shoes",
            "drop_mm": 6,
            "outsole": "4 mm lugs, sticky rubber",
            "waterproof": "waterproof membrane",
            "weight_g": 310,
            "gender": "unisex",
        },
        "Stridewell Ridge Waterproof Trail Shoes",
        "Stridewell Ridge 防水越野跑鞋",
        "Trail shoes with a waterproof breathable membrane, 4 mm lugs on sticky rubber and a rock plate under the forefoot. 310 g in EU 42, 6 mm drop. Good for wet mountain paths; warmer than mesh shoes in summer.",
        "越野跑鞋，防水透气内膜，4 毫米大底齿纹，高抓地橡胶，前掌带防石板。42 码重 310 克，6 毫米落差。适合湿滑山路；夏天比网面鞋闷热。",
        ("Q: 能涉水吗? A: 防水内膜可应对浅水和雨天，但水没过鞋口就会进水。",),
    ),
    Family(
        "Stridewell",
        {
            "type": "canvas sneakers",
            "upper": "12 oz cotton canvas",
            "outsole": "vulcanised rubber",
            "insole": "removable memory foam",
            "care": "hand wash, air dry",
            "gender": "unisex",
        },
        "Stridewell Classic Canvas Low-Top Sneakers, {v}",
        "Stridewell 经典低帮帆布鞋，{v}",
        "Low-top sneakers in 12 oz cotton canvas on a vulcanised rubber sole, with a removable memory-foam insole. {v}. Hand wash with a soft brush and air dry away from the sun to avoid yellowing.",
        "低帮帆布鞋，12 盎司棉帆布鞋面，硫化橡胶底，可拆卸记忆棉鞋垫。{v}。用软刷手洗，阴凉处自然晾干，避免暴晒发黄。",
        ("Q: 偏大还是偏小? A: 帆布鞋偏大半码，平时 38 的可以选 37.5。",),
        (
            Variant(
                "AS-1106", "white, EU 37", "白色 37 码", 189, 28, {"color": "white", "size_eu": 37}
            ),
            Variant(
                "AS-1107", "white, EU 39", "白色 39 码", 189, 34, {"color": "white", "size_eu": 39}
            ),
            Variant(
                "AS-1108", "navy, EU 42", "藏青色 42 码", 189, 13, {"color": "navy", "size_eu": 42}
            ),
        ),
    ),
    Item(
        "AS-1109",
        "Stridewell",
        1099,
        6,
        {
            "type": "chelsea boots",
            "upper": "full-grain leather",
            "outsole": "Goodyear-welted rubber",
            "lining": "leather",
            "color": "dark brown",
            "sizes_eu": "39-45",
            "gender": "men",
        },
        "Stridewell Goodyear-Welted Leather Chelsea Boots",
        "Stridewell 固特异工艺真皮切尔西靴",
        "Chelsea boots in dark brown full-grain leather, Goodyear-welted so the rubber sole can be replaced by a cobbler. Leather lining, elastic side panels and a pull tab. EU 39 to 45; allow a week or two to break in.",
        "深棕色头层牛皮切尔西靴，固特异沿条工艺，橡胶鞋底磨损后可由修鞋师更换。真皮内里，两侧松紧带，后跟提拉环。39 至 45 码；需要一两周磨合。",
        ("Q: 需要保养吗? A: 每月用皮革护理油保养一次，淋雨后阴干，不要用吹风机。",),
    ),
    Family(
        "Stridewell",
        {
            "type": "slippers",
            "upper": "wool felt",
            "sole": "non-slip TPR",
            "lining": "fleece",
            "care": "spot clean",
        },
        "Stridewell Wool Felt House Slippers, {v}",
        "Stridewell 羊毛毡居家拖鞋，{v}",
        "Warm house slippers with a wool-felt upper, fleece lining and a non-slip TPR sole quiet on wooden floors. {v}. Spot clean only; do not machine wash.",
        "保暖居家拖鞋，羊毛毡鞋面，抓绒内里，TPR 防滑鞋底，踩木地板没有噪音。{v}。局部擦洗，不可机洗。",
        ("Very warm, my feet no longer freeze on the tiles in winter.",),
        (
            Variant(
                "AS-1110",
                "grey, EU 36-37",
                "灰色 36-37 码",
                79,
                50,
                {"color": "grey", "size_eu": "36-37"},
            ),
            Variant(
                "AS-1111",
                "grey, EU 42-43",
                "灰色 42-43 码",
                79,
                38,
                {"color": "grey", "size_eu": "42-43"},
            ),
        ),
    ),
]
