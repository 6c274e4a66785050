"""A small county to test against: two townships, three grids, a user of every role, a place per grid.

    county 青山县 330799
    ├── township T1 城关镇 330799001 ── village V1 ── grids G1 (m1), G1b (m1b)   admin town1, inspector insp1
    └── township T2 青山镇 330799002 ── village V2 ── grid  G2 (m2)               admin town2
    county admin: county, county inspector: inspc
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from server.auth import tokens
from server.auth.models import User
from server.auth.scope import SYSTEM
from server.auth.service import hash_password
from server.org import service as org
from server.org.models import Area
from server.places.models import Place

PASSWORD = "correct-horse-1"


@functools.lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


def box(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@dataclass
class World:
    app: Any
    areas: dict[str, Area] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)

    def token(self, username: str) -> str:
        user = self.users[username]
        cfg = self.app.extensions["gridpatrol.config"]
        return tokens.issue_access_token(cfg, user.id, user.role, self.app.extensions["gridpatrol.clock"]())

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"}


def add_user(session: Any, username: str, role: str, *areas: Area, phone: str | None = "13812345678") -> User:
    user = User(username=username, display_name=f"测试{username}", role=role, phone=phone,
                password_hash=password_hash(), areas=list(areas))
    session.add(user)
    session.flush()
    return user


def build_world(app: Any, session: Any) -> World:
    w = World(app)
    a = w.areas
    a["C"] = org.create_county(session, code="330799", name="青山县", boundary=box(120.0, 29.0, 120.4, 29.4))
    a["T1"] = org.create_area(session, SYSTEM, parent_id=a["C"].id, code="330799001", name="城关镇",
                              boundary=box(120.0, 29.0, 120.2, 29.4))
    a["T2"] = org.create_area(session, SYSTEM, parent_id=a["C"].id, code="330799002", name="青山镇",
                              boundary=box(120.2, 29.0, 120.4, 29.4))
    a["V1"] = org.create_area(session, SYSTEM, parent_id=a["T1"].id, code="330799001001", name="东溪村")
    a["V2"] = org.create_area(session, SYSTEM, parent_id=a["T2"].id, code="330799002001", name="西岭村")
    a["G1"] = org.create_area(session, SYSTEM, parent_id=a["V1"].id, code="330799001001001", name="东溪村第1网格",
                              boundary=box(120.0, 29.0, 120.1, 29.4))
    a["G1b"] = org.create_area(session, SYSTEM, parent_id=a["V1"].id, code="330799001001002", name="东溪村第2网格",
                               boundary=box(120.1, 29.0, 120.2, 29.4))
    a["G2"] = org.create_area(session, SYSTEM, parent_id=a["V2"].id, code="330799002001001", name="西岭村第1网格",
                              boundary=box(120.2, 29.0, 120.4, 29.4))
    u = w.users
    u["county"] = add_user(session, "county", "county_admin", a["C"])
    u["inspc"] = add_user(session, "inspc", "inspector", a["C"])
    u["town1"] = add_user(session, "town1", "township_admin", a["T1"])
    u["town2"] = add_user(session, "town2", "township_admin", a["T2"])
    u["insp1"] = add_user(session, "insp1", "inspector", a["T1"])
    u["m1"] = add_user(session, "m1", "member", a["G1"])
    u["m1b"] = add_user(session, "m1b", "member", a["G1b"])
    u["m2"] = add_user(session, "m2", "member", a["G2"])
    p = w.places
    for key, grid, lng in (("P1", "G1", 120.05), ("P1b", "G1b", 120.15), ("P2", "G2", 120.3)):
        p[key] = Place(natural_key=f"na:{key}", name=f"测试{key}五金厂", sector="industry_trade", risk_level="general",
                       address=f"{key}路1号", lat=29.2, lng=lng, area_id=a[grid].id, contact_name="李四",
                       contact_phone="13900001111")
        session.add(p[key])
    session.commit()
    return w
