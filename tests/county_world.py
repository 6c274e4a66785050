"""A second county beside the small county of tests/factories.py, in the same database:

    county 白水县 330800 (east of 青山县, not touching it)
    └── township BT 白水镇 330800001 ── village BV 南塘村 ── grids BG1 (mb1), BG2 (mb2)   admin townb, inspector inspb
    county admin: countyb
"""
from __future__ import annotations

from typing import Any

from server.auth.scope import SYSTEM
from server.org import service as org
from server.places.models import Place
from tests.factories import World, add_user, box


def add_second_county(session: Any, w: World) -> World:
    a = w.areas
    a["B"] = org.create_county(session, code="330800", name="白水县", boundary=box(121.0, 29.0, 121.4, 29.4))
    a["BT"] = org.create_area(session, SYSTEM, parent_id=a["B"].id, code="330800001", name="白水镇",
                              boundary=box(121.0, 29.0, 121.4, 29.4))
    a["BV"] = org.create_area(session, SYSTEM, parent_id=a["BT"].id, code="330800001001", name="南塘村")
    a["BG1"] = org.create_area(session, SYSTEM, parent_id=a["BV"].id, code="330800001001001", name="南塘村第1网格",
                               boundary=box(121.0, 29.0, 121.2, 29.4))
    a["BG2"] = org.create_area(session, SYSTEM, parent_id=a["BV"].id, code="330800001001002", name="南塘村第2网格",
                               boundary=box(121.2, 29.0, 121.4, 29.4))
    u = w.users
    u["countyb"] = add_user(session, "countyb", "county_admin", a["B"])
    u["townb"] = add_user(session, "townb", "township_admin", a["BT"])
    u["inspb"] = add_user(session, "inspb", "inspector", a["BT"])
    u["mb1"] = add_user(session, "mb1", "member", a["BG1"])
    u["mb2"] = add_user(session, "mb2", "member", a["BG2"])
    for key, grid, lng in (("PB1", "BG1", 121.1), ("PB2", "BG2", 121.3)):
        w.places[key] = Place(natural_key=f"na:{key}", name=f"白水{key}纸箱厂", sector="industry_trade",
                              risk_level="general", address=f"白水{key}路8号", lat=29.2, lng=lng,
                              area_id=a[grid].id, contact_name="王五", contact_phone="13900002222")
        session.add(w.places[key])
    session.commit()
    return w
