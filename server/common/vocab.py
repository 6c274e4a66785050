"""The domain's fixed vocabularies: sectors (行业领域) and risk levels (风险分级), code → Chinese label."""
from __future__ import annotations

SECTORS: dict[str, str] = {
    "fire": "消防",
    "road_traffic": "道路交通",
    "hazardous_chemicals": "危化品",
    "town_gas": "城镇燃气",
    "mines": "非煤矿山",
    "construction": "建筑施工",
    "self_built_houses": "自建房",
    "rental_housing": "居住出租房",
    "industry_trade": "工贸",
    "fireworks": "烟花爆竹",
    "confined_spaces": "有限空间",
    "combustible_dust": "粉尘涉爆",
    "special_equipment": "特种设备",
}

# 分级管控: 重大/较大/一般/低, shown red/orange/yellow/blue
RISK_LEVELS: dict[str, str] = {
    "major": "重大",
    "high": "较大",
    "general": "一般",
    "low": "低",
}
RISK_COLOURS = {"major": "red", "high": "orange", "general": "yellow", "low": "blue"}


def code_for(vocabulary: dict[str, str], value: str) -> str | None:
    """Accept either the code or the Chinese label (spreadsheets from townships use the labels)."""
    value = value.strip()
    if value in vocabulary:
        return value
    for code, label in vocabulary.items():
        if label == value:
            return code
    return None
