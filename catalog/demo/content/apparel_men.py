# ruff: noqa: E501  (hand-written product copy reads better unwrapped)
"""Apparel / Men: shirts, knitwear, outerwear, trousers."""

from __future__ import annotations

from catalog.demo.spec import Entry, Family, Item, Variant

CATEGORY = "Apparel / Men"

ENTRIES: list[Entry] = [
    Family(
        "Northloom",
        {
            "type": "t-shirt",
            "material": "100% combed cotton, 220 g/m²",
            "fit": "regular",
            "care": "machine wash cold, do not tumble dry",
        },
        "Northloom Heavyweight Cotton T-Shirt, {v}",
        "Northloom 重磅纯棉短袖 T 恤，{v}",
        "A 220 g/m² combed-cotton crew-neck T-shirt that holds its shape wash after wash, in {v}. Regular fit: chest 108 cm on size L. Machine wash cold inside out; do not tumble dry, as cotton may shrink up to 3%.",
        "220 克重精梳棉圆领 T 恤，多次洗涤不变形，{v}。常规版型：L 码胸围 108 厘米。冷水反面机洗；不要烘干，纯棉可能缩水约 3%。",
        ("Q: 身高 175、体重 70 公斤穿什么码? A: 建议 L 码；喜欢宽松可以选 XL。",),
        (
            Variant(
                "AM-8001", "white, size M", "白色 M 码", 99, 60, {"color": "white", "size": "M"}
            ),
            Variant(
                "AM-8002", "white, size L", "白色 L 码", 99, 45, {"color": "white", "size": "L"}
            ),
            Variant(
                "AM-8003", "black, size L", "黑色 L 码", 99, 0, {"color": "black", "size": "L"}
            ),
            Variant(
                "AM-8004", "black, size XL", "黑色 XL 码", 99, 12, {"color": "black", "size": "XL"}
            ),
        ),
    ),
    Family(
        "Northloom",
        {
            "type": "oxford shirt",
            "material": "100% cotton oxford",
            "fit": "slim",
            "collar": "button-down",
            "care": "machine wash 30 °C, warm iron",
        },
        "Northloom Slim-Fit Oxford Shirt, {v}",
        "Northloom 修身牛津纺衬衫，{v}",
        "A slim-fit button-down oxford shirt in soft washed cotton, {v}. Works with a suit or with jeans. Machine wash at 30 °C and iron while slightly damp.",
        "修身款牛津纺扣领衬衫，水洗棉柔软亲肤，{v}。配西装或牛仔裤都合适。30 °C 机洗，微潮时熨烫效果最好。",
        (
            "Q: Is the slim fit tight around the stomach? A: It tapers at the waist; if you are between sizes, size up.",
        ),
        (
            Variant(
                "AM-8005",
                "light blue, size M",
                "浅蓝色 M 码",
                199,
                30,
                {"color": "light blue", "size": "M"},
            ),
            Variant(
                "AM-8006",
                "light blue, size L",
                "浅蓝色 L 码",
                199,
                22,
                {"color": "light blue", "size": "L"},
            ),
            Variant(
                "AM-8007", "white, size L", "白色 L 码", 199, 18, {"color": "white", "size": "L"}
            ),
        ),
    ),
    Item(
        "AM-8008",
        "Northloom",
        599,
        16,
        {
            "type": "sweater",
            "material": "100% merino wool, 18.5 micron",
            "fit": "regular",
            "color": "navy",
            "sizes": "S-XXL",
            "care": "hand wash cold or wool cycle, dry flat",
        },
        "Northloom Merino Wool Crew-Neck Sweater (Navy)",
        "Northloom 美利奴羊毛圆领毛衣（藏青）",
        "A fine-gauge crew-neck sweater knitted from 18.5-micron merino wool: warm, breathable and not itchy. Navy, sizes S to XXL. Hand wash cold or use the wool cycle, then dry flat.",
        "细针圆领毛衣，采用 18.5 微米美利奴羊毛编织，保暖透气不扎人。藏青色，S 至 XXL 码。冷水手洗或洗衣机羊毛程序，平铺晾干。",
        (
            "Q: 扎不扎? A: 18.5 微米细羊毛，贴身穿基本不扎。",
            "Wore it directly on skin all winter, no itch, and it doesn't smell after a few days.",
        ),
    ),
    Family(
        "Northloom",
        {
            "type": "down jacket",
            "fill": "90% white duck down, 650 fill power",
            "fill_weight_g": 180,
            "shell": "nylon, DWR water-repellent",
            "color": "black",
            "packable": "yes",
        },
        "Northloom Packable Down Jacket, {v}",
        "Northloom 可收纳轻薄羽绒服，{v}",
        "A lightweight jacket filled with 180 g of 90% white duck down at 650 fill power, comfortable to about -5 °C with a layer underneath. The DWR-coated shell shrugs off light rain. Packs into its own pocket. {v}.",
        "轻薄羽绒服，填充 180 克 90% 白鸭绒，蓬松度 650，内搭一件约可应对 -5 °C。面料有 DWR 防泼水涂层，可抵挡小雨。可收纳进自身口袋。{v}。",
        ("Q: 北方冬天够穿吗? A: 这款是轻薄款，北方严寒建议作为内胆或选加厚款。",),
        (
            Variant("AM-8009", "Black, size L", "黑色 L 码", 499, 25, {"size": "L"}),
            Variant("AM-8010", "Black, size XL", "黑色 XL 码", 499, 8, {"size": "XL"}),
        ),
    ),
    Family(
        "Northloom",
        {
            "type": "chinos",
            "material": "98% cotton, 2% elastane",
            "fit": "tapered",
            "color": "khaki",
            "care": "machine wash 30 °C",
        },
        "Northloom Stretch Chinos (Khaki), Waist {v}",
        "Northloom 弹力休闲裤（卡其色），腰围 {v}",
        "Tapered chinos in a cotton twill with 2% elastane for easy movement. Khaki, waist {v}, inseam 78 cm, finished hem. Machine wash at 30 °C.",
        "锥形休闲裤，棉斜纹面料含 2% 氨纶，活动自如。卡其色，腰围 {v}，内长 78 厘米，已锁边。30 °C 机洗。",
        ("Q: 能改裤长吗? A: 本店不提供改裤长服务，内长 78 厘米，适合身高 170 至 180 厘米。",),
        (
            Variant(
                "AM-8011",
                "31 inches (79 cm)",
                "31 寸（79 厘米）",
                259,
                20,
                {"waist_in": 31, "inseam_cm": 78},
            ),
            Variant(
                "AM-8012",
                "33 inches (84 cm)",
                "33 寸（84 厘米）",
                259,
                0,
                {"waist_in": 33, "inseam_cm": 78},
            ),
        ),
    ),
    Item(
        "AM-8013",
        "Northloom",
        899,
        5,
        {
            "type": "rain jacket",
            "material": "3-layer nylon membrane",
            "waterproof_mm": 20000,
            "breathability_g": 15000,
            "hood": "adjustable",
            "color": "olive",
            "sizes": "M-XXL",
        },
        "Northloom 3-Layer Waterproof Shell Jacket (Olive)",
        "Northloom 三层防水冲锋衣（橄榄绿）",
        "A 3-layer waterproof shell rated at 20,000 mm with 15,000 g breathability and fully taped seams. Adjustable hood fits over a cap; pit zips for ventilation. Olive, sizes M to XXL.",
        "三层压胶冲锋衣，防水指数 20000 毫米，透湿 15000 克，全压胶接缝。可调节帽子可罩住帽檐；腋下拉链透气。橄榄绿，M 至 XXL 码。",
        ("Kept me dry through a full day of rain on the trail.",),
    ),
]
