"""Bilingual words for slots: colours and common shop categories, English and Chinese.

The catalog's own vocabulary decides what is returned; these tables only let a
shopper's word reach a catalog word written in the other language or spelling.
"""

from __future__ import annotations

# canonical colour -> how shoppers write it
COLORS: dict[str, tuple[str, ...]] = {
    "black": ("black", "黑色", "黑的", "黑款", "纯黑"),
    "white": ("white", "白色", "白的", "白款", "纯白"),
    "red": ("red", "红色", "红的", "红款", "大红"),
    "blue": ("blue", "蓝色", "蓝的", "蓝款"),
    "navy": ("navy", "navy blue", "藏青", "藏青色", "深蓝", "深蓝色", "海军蓝"),
    "green": ("green", "绿色", "绿的", "绿款"),
    "yellow": ("yellow", "黄色", "黄的"),
    "pink": ("pink", "粉色", "粉红", "粉红色", "粉的"),
    "purple": ("purple", "violet", "紫色", "紫的"),
    "grey": ("grey", "gray", "灰色", "灰的", "深空灰"),
    "brown": ("brown", "棕色", "咖啡色", "褐色"),
    "orange": ("orange", "橙色", "橘色", "橘黄色"),
    "silver": ("silver", "银色", "银白色"),
    "gold": ("gold", "golden", "金色", "土豪金"),
    "rose gold": ("rose gold", "玫瑰金"),
    "beige": ("beige", "cream", "米色", "米白色", "奶白色"),
    "khaki": ("khaki", "卡其色", "卡其"),
    "transparent": ("transparent", "clear", "透明", "透明色"),
}

# Attribute names a catalog may use for colour and size.
COLOR_ATTRIBUTE_NAMES = ("color", "colour", "颜色", "顏色")
SIZE_ATTRIBUTE_NAMES = ("size", "尺码", "尺寸", "码数")

# Chinese size words and the letter sizes they stand for.
ZH_SIZES: dict[str, str] = {
    "加加大号": "XXL",
    "加大号": "XL",
    "特大号": "XL",
    "大号": "L",
    "中号": "M",
    "小号": "S",
}

# Groups of words for the same kind of product, English and Chinese. A catalog
# category that is any member of a group is matched by every other member.
CATEGORY_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("headphones", "headphone", "earphones", "earbuds", "headset", "耳机", "蓝牙耳机"),
    ("phone", "phones", "smartphone", "smartphones", "mobile phone", "cell phone", "手机"),
    ("laptop", "laptops", "notebook computer", "笔记本电脑", "笔记本", "电脑"),
    ("tablet", "tablets", "ipad", "平板", "平板电脑"),
    ("camera", "cameras", "相机", "照相机", "摄像头"),
    ("speaker", "speakers", "音箱", "音响", "蓝牙音箱"),
    ("watch", "watches", "smartwatch", "手表", "智能手表"),
    ("charger", "chargers", "充电器", "充电头"),
    ("power bank", "power banks", "充电宝", "移动电源"),
    ("television", "tv", "tvs", "电视", "电视机"),
    ("keyboard", "keyboards", "键盘"),
    ("mouse", "mice", "鼠标"),
    ("monitor", "monitors", "显示器"),
    ("kitchen", "厨房", "厨具"),
    ("appliances", "appliance", "家电", "电器"),
    ("vacuum", "vacuum cleaner", "vacuums", "吸尘器"),
    ("blender", "blenders", "料理机", "搅拌机", "破壁机"),
    ("coffee maker", "coffee machine", "咖啡机"),
    ("kettle", "kettles", "电水壶", "烧水壶", "水壶"),
    ("rice cooker", "电饭煲", "电饭锅"),
    ("air fryer", "空气炸锅"),
    ("furniture", "家具"),
    ("bedding", "床上用品", "床品", "四件套"),
    ("lamp", "lamps", "lighting", "台灯", "灯具"),
    ("skincare", "skin care", "护肤", "护肤品"),
    ("makeup", "cosmetics", "彩妆", "化妆品"),
    ("lipstick", "lipsticks", "口红", "唇膏"),
    ("moisturizer", "face cream", "面霜", "乳液"),
    ("sunscreen", "sunblock", "防晒", "防晒霜"),
    ("shampoo", "洗发水"),
    ("perfume", "fragrance", "香水"),
    ("clothing", "clothes", "apparel", "服装", "衣服"),
    ("shoes", "shoe", "sneakers", "鞋", "鞋子", "运动鞋"),
    ("dress", "dresses", "连衣裙", "裙子"),
    ("jacket", "jackets", "coat", "coats", "外套", "夹克"),
    ("t-shirt", "t-shirts", "tee", "tshirt", "t恤", "短袖"),
    ("jeans", "牛仔裤"),
    ("bag", "bags", "handbag", "backpack", "包包", "背包", "手提包", "双肩包"),
    ("snacks", "snack", "零食"),
    ("tea", "茶叶", "绿茶", "红茶"),
    ("coffee", "咖啡"),
    ("food", "食品", "吃的"),
    ("toys", "toy", "玩具"),
    ("sports", "sport", "运动", "户外"),
)
