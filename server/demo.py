"""Demo and scale data: one county with realistic Chinese names, grids that tile it, people and places.

``generate(session, Scale.DEMO)`` seeds the small county that ``./scripts/serve`` shows; ``Scale.COUNTY`` builds the
county-scale data of the benchmarks (25 townships, ~3,000 grids, ~5,000 members, 170,000 places); ``Scale.TINY``
(2 townships, 4 grids, 4 members) is for tests.  Their activity is server/demo_activity.py.  The geometry is
real: townships are Voronoi cells of the county, villages of their township, grids of their village, so grids
tile the county without gaps or overlaps.  Everything is deterministic for a seed.
"""
from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.models import User, UserArea
from server.auth.service import hash_password
from server.common.geo import to_geojson
from server.db import utcnow
from server.org.index import invalidate as invalidate_grid_index
from server.org.models import Area
from server.places import credit_code
from server.places.fields import natural_key
from server.places.models import Place

DEMO_PASSWORD = "gridpatrol-demo"

TOWNSHIP_NAMES = [
    "城关镇", "青山镇", "云溪乡", "白沙街道", "石门镇", "梅岭乡", "桃源镇", "清河街道", "龙泉镇", "柳溪乡",
    "金桥镇", "凤凰街道", "双溪镇", "河西乡", "马鞍镇", "永和镇", "太平乡", "新安街道", "东湖镇", "西山乡",
    "南塘镇", "北岭乡", "长乐镇", "安福乡", "横溪镇", "黄泥岗乡", "大洲镇", "花桥乡", "古城街道", "兰亭镇",
]
VILLAGE_HEADS = ["上", "下", "大", "小", "东", "西", "南", "北", "新", "高", "石", "李家", "王家", "张家", "陈家",
                 "周家", "吴家", "杨家", "桃花", "杏林", "竹园", "枫树", "荷花", "金鸡", "白马", "青龙", "凤鸣"]
VILLAGE_TAILS = ["坞", "塘", "坑", "溪", "岭", "湾", "桥", "山", "岗", "庄", "畈", "垄", "埠", "口", "田"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "建华", "国庆", "海燕", "志强", "晓东", "春梅", "建国", "文斌", "雪梅", "红霞"]
SHOP_WORDS = ["恒达", "兴旺", "鑫源", "永泰", "华光", "顺发", "宏远", "金鼎", "瑞丰", "天成", "利民", "康达", "盛世",
              "万家", "福满", "嘉禾", "同心", "百乐", "长青", "新峰"]
SECTOR_KINDS: dict[str, list[str]] = {
    "fire": ["超市", "宾馆", "KTV", "网吧", "商场", "培训学校", "养老院"],
    "road_traffic": ["客运有限公司", "物流有限公司", "驾驶员培训有限公司"],
    "hazardous_chemicals": ["化工有限公司", "加油站", "危险化学品经营部"],
    "town_gas": ["液化气供应站", "燃气有限公司", "餐馆"],
    "mines": ["石料厂", "矿业有限公司"],
    "construction": ["建筑工程有限公司", "建设工地"],
    "self_built_houses": ["自建房", "农家乐"],
    "rental_housing": ["出租屋", "群租房"],
    "industry_trade": ["机械有限公司", "纺织有限公司", "木业有限公司", "食品有限公司", "五金厂"],
    "fireworks": ["烟花爆竹零售店", "烟花爆竹经营部"],
    "confined_spaces": ["污水处理厂", "酿造有限公司"],
    "combustible_dust": ["家具有限公司", "面粉厂", "铝制品有限公司"],
    "special_equipment": ["电梯维保有限公司", "锅炉房", "起重机械租赁部"],
}
SECTOR_WEIGHTS = {"fire": 22, "road_traffic": 4, "hazardous_chemicals": 3, "town_gas": 9, "mines": 1,
                  "construction": 4, "self_built_houses": 18, "rental_housing": 16, "industry_trade": 13,
                  "fireworks": 2, "confined_spaces": 2, "combustible_dust": 2, "special_equipment": 4}
RISK_WEIGHTS = {"major": 2, "high": 8, "general": 30, "low": 60}
ENTERPRISE_SECTORS = {"road_traffic", "hazardous_chemicals", "town_gas", "mines", "construction", "industry_trade",
                      "fireworks", "confined_spaces", "combustible_dust", "special_equipment"}


@dataclass(frozen=True)
class Scale:
    name: str
    townships: int
    villages_per_township: int
    grids_per_village: int
    members_per_grid: float
    places: int

    @classmethod
    def named(cls, name: str) -> Scale:
        return {"demo": DEMO, "county": COUNTY, "tiny": TINY}[name]


TINY = Scale("tiny", townships=2, villages_per_township=1, grids_per_village=2, members_per_grid=1.0, places=60)
DEMO = Scale("demo", townships=5, villages_per_township=3, grids_per_village=4, members_per_grid=1.5, places=3000)
COUNTY = Scale("county", townships=25, villages_per_township=20, grids_per_village=6, members_per_grid=1.7,
               places=170_000)

COUNTY_CODE = "330799"
COUNTY_NAME = "青山县"
COUNTY_CENTRE = (120.05, 29.30)  # lng, lat: hills of central Zhejiang


def _points_in(poly: Polygon, n: int, rng: random.Random) -> list[Point]:
    minx, miny, maxx, maxy = poly.bounds
    pts: list[Point] = []
    shapely.prepare(poly)
    while len(pts) < n:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if poly.contains(p):
            pts.append(p)
    return pts


def split(poly: Polygon, n: int, rng: random.Random) -> list[Polygon]:
    """``n`` convex cells tiling ``poly`` (Voronoi of random points inside it, clipped to it)."""
    if n <= 1:
        return [poly]
    cells = shapely.voronoi_polygons(MultiPoint(_points_in(poly, n, rng)), extend_to=poly)
    out = []
    for cell in shapely.get_parts(cells):
        clipped = shapely.set_precision(cell.intersection(poly), 1e-7)
        parts = [g for g in shapely.get_parts(clipped) if isinstance(g, Polygon) and g.area > 0]
        if parts:
            out.append(max(parts, key=lambda g: g.area))
    out.sort(key=lambda g: (-g.centroid.y, g.centroid.x))  # north-west first, so numbering reads like a map
    return out


def county_boundary(rng: random.Random, radius_deg: float = 0.28) -> Polygon:
    """A convex, irregular county outline around COUNTY_CENTRE."""
    cx, cy = COUNTY_CENTRE
    angles = sorted(rng.uniform(0, 2 * np.pi) for _ in range(24))
    ring = [(cx + radius_deg * rng.uniform(0.8, 1.1) * np.cos(a) / np.cos(np.radians(cy)),
             cy + radius_deg * rng.uniform(0.8, 1.1) * np.sin(a)) for a in angles]
    return shapely.set_precision(Polygon(ring).convex_hull, 1e-7)


def _village_names(rng: random.Random, n: int, used: set[str]) -> Iterator[str]:
    made = 0
    while made < n:
        name = rng.choice(VILLAGE_HEADS) + rng.choice(VILLAGE_TAILS) + rng.choice(["村", "村", "村", "社区"])
        if name not in used:
            used.add(name)
            made += 1
            yield name


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng: random.Random) -> str:
    return rng.choice(["13", "15", "17", "18", "19"]) + f"{rng.randrange(10**9):09d}"


def make_credit_code(rng: random.Random) -> str:
    body = "91" + COUNTY_CODE + "".join(rng.choice(credit_code.CHARSET) for _ in range(9))
    return body + credit_code.check_character(body)


def _insert_areas(session: Session, rows: list[dict[str, Any]],
                  parents: Sequence[Area | dict[str, Any]]) -> list[dict[str, Any]]:
    ids = session.scalars(insert(Area).returning(Area.id, sort_by_parameter_order=True), rows).all()
    paths = []
    for row, area_id, parent in zip(rows, ids, parents):
        parent_path = parent.path if isinstance(parent, Area) else parent["path"]
        row["id"], row["path"] = area_id, f"{parent_path}{area_id}/"
        paths.append({"id": area_id, "path": row["path"]})
    session.execute(update(Area), paths)
    return rows


def _area_row(level: str, code: str, name: str, parent_id: int, geom: Polygon | None) -> dict[str, Any]:
    now = utcnow()
    row: dict[str, Any] = {"level": level, "code": code, "name": name, "parent_id": parent_id, "path": "",
                           "boundary": None, "created_at": now, "updated_at": now,
                           "min_lng": None, "min_lat": None, "max_lng": None, "max_lat": None}
    if geom is not None:
        row["boundary"] = to_geojson(geom)
        row["min_lng"], row["min_lat"], row["max_lng"], row["max_lat"] = geom.bounds
    return row


@dataclass
class Generated:
    county: Area
    accounts: list[dict[str, str]]
    grids: int
    members: int
    places: int


def generate(session: Session, scale: Scale = DEMO, *, seed: int = 7, with_places: bool = True) -> Generated:
    """Seed one county.  Bulk inserts: the county scale takes seconds, not minutes.  The caller commits."""
    rng = random.Random(seed)
    boundary = county_boundary(rng)
    county = Area(level="county", code=COUNTY_CODE, name=COUNTY_NAME, path="")
    county.boundary = to_geojson(boundary)
    county.min_lng, county.min_lat, county.max_lng, county.max_lat = boundary.bounds
    session.add(county)
    session.flush()
    county.path = f"/{county.id}/"
    session.flush()

    town_geoms = split(boundary, scale.townships, rng)
    towns = _insert_areas(session, [
        _area_row("township", f"{COUNTY_CODE}{i + 1:03d}", TOWNSHIP_NAMES[i % len(TOWNSHIP_NAMES)]
                  + ("" if i < len(TOWNSHIP_NAMES) else str(i // len(TOWNSHIP_NAMES) + 1)), county.id, g)
        for i, g in enumerate(town_geoms)], [county] * len(town_geoms))

    village_rows, village_parents, village_geoms = [], [], []
    for town, geom in zip(towns, town_geoms):
        cells = split(geom, scale.villages_per_township, rng)
        for j, (cell, name) in enumerate(zip(cells, _village_names(rng, len(cells), set()))):
            village_rows.append(_area_row("village", f"{town['code']}{j + 1:03d}", name, town["id"], None))
            village_parents.append(town)
            village_geoms.append(cell)
    villages = _insert_areas(session, village_rows, village_parents)

    grid_rows, grid_parents, grid_geoms = [], [], []
    for village, geom in zip(villages, village_geoms):
        for k, cell in enumerate(split(geom, scale.grids_per_village, rng)):
            grid_rows.append(_area_row("grid", f"{village['code']}{k + 1:03d}", f"{village['name']}第{k + 1}网格",
                                       village["id"], cell))
            grid_parents.append(village)
            grid_geoms.append(cell)
    grids = _insert_areas(session, grid_rows, grid_parents)

    invalidate_grid_index()
    accounts = _people(session, rng, scale, county, towns, grids)
    places = _places(session, rng, scale, grids, grid_geoms) if with_places else 0
    audit.record(session, "demo.seed", "areas", county.id, area_id=county.id,
                 summary={"scale": scale.name, "seed": seed, "grids": len(grids), "places": places})
    session.flush()
    return Generated(county, accounts, len(grids), sum(1 for a in accounts if a["role"] == "member"), places)


def _people(session: Session, rng: random.Random, scale: Scale, county: Area, towns: list[dict[str, Any]],
            grids: list[dict[str, Any]]) -> list[dict[str, str]]:
    # one hash for everyone: argon2 is slow on purpose, and 5,000 members would take minutes to hash one by one
    pw_hash = hash_password(DEMO_PASSWORD)
    now = utcnow()
    users: list[dict[str, Any]] = []
    scopes: list[list[int]] = []
    accounts: list[dict[str, str]] = []

    def add(username: str, role: str, area: dict[str, Any] | Area, extra_areas: Sequence[int] = ()) -> None:
        area_id = area.id if isinstance(area, Area) else area["id"]
        area_name = area.name if isinstance(area, Area) else area["name"]
        users.append({"username": username, "display_name": person_name(rng), "role": role, "phone": mobile(rng),
                      "password_hash": pw_hash, "active": True, "failed_logins": 0, "created_at": now,
                      "updated_at": now})
        scopes.append([area_id, *extra_areas])
        accounts.append({"username": username, "password": DEMO_PASSWORD, "role": role, "area": area_name})

    add("admin", "county_admin", county)
    add("inspector", "inspector", county)
    for i, town in enumerate(towns, start=1):
        add(f"town{i:02d}", "township_admin", town)
    members = int(len(grids) * scale.members_per_grid)
    for m in range(members):
        grid = grids[m % len(grids)]
        add(f"member{m + 1:04d}", "member", grid)
    ids = session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), users).all()
    session.execute(insert(UserArea), [{"user_id": uid, "area_id": a} for uid, areas in zip(ids, scopes) for a in areas])
    return accounts


def place_rows(rng: random.Random, n: int, grids: list[dict[str, Any]], grid_geoms: list[Polygon]) -> Iterator[dict[str, Any]]:
    """``n`` places spread over the grids, each at a point inside its grid; used by the demo and the benchmarks."""
    sectors = list(SECTOR_WEIGHTS)
    weights = list(SECTOR_WEIGHTS.values())
    risks, risk_weights = list(RISK_WEIGHTS), list(RISK_WEIGHTS.values())
    for i in range(n):
        g = i % len(grids)
        grid, geom = grids[g], grid_geoms[g]
        sector = rng.choices(sectors, weights)[0]
        village = grid["name"].split("第")[0]
        kind = rng.choice(SECTOR_KINDS[sector])
        if sector in ("self_built_houses", "rental_housing"):
            name = f"{village}{rng.randrange(1, 300)}号{kind}"
        elif kind.endswith("有限公司"):
            name = f"{COUNTY_NAME}{rng.choice(SHOP_WORDS)}{kind}"
        else:
            name = f"{person_name(rng)[0]}记{kind}" if rng.random() < 0.4 else f"{rng.choice(SHOP_WORDS)}{kind}"
        address = f"{COUNTY_NAME}{village}{rng.randrange(1, 400)}号"
        code = make_credit_code(rng) if sector in ENTERPRISE_SECTORS or kind.endswith("有限公司") else None
        (pt,) = _points_in(geom, 1, rng)
        yield {
            "name": name, "credit_code": code, "sector": sector, "risk_level": rng.choices(risks, risk_weights)[0],
            "address": address, "lat": round(pt.y, 6), "lng": round(pt.x, 6), "area_id": grid["id"],
            "grid_code": grid["code"], "contact_name": person_name(rng), "contact_phone": mobile(rng),
            "natural_key": natural_key(code, name, address),
        }


def _places(session: Session, rng: random.Random, scale: Scale, grids: list[dict[str, Any]],
            grid_geoms: list[Polygon]) -> int:
    now = utcnow()
    seen: set[str] = set()
    batch: list[dict[str, Any]] = []
    count = 0
    for row in place_rows(rng, scale.places, grids, grid_geoms):
        if row["natural_key"] in seen:
            continue
        seen.add(row["natural_key"])
        row.pop("grid_code")
        batch.append(row | {"created_at": now, "updated_at": now})
        if len(batch) == 5000:
            session.execute(insert(Place), batch)
            count += len(batch)
            batch = []
    if batch:
        session.execute(insert(Place), batch)
        count += len(batch)
    return count


def is_empty(session: Session) -> bool:
    return session.scalar(select(Area.id).limit(1)) is None
