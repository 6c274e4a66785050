"""A lived-in history for the demo county, recorded through the services as the phones and desks would record it.

``seed(session, config, store, today=...)`` plays the last full month and the current month up to yesterday
(Asia/Shanghai) on a synthetic clock: every record is made by the service that makes it in production, with the
``now`` of the moment it happens, as the member, admin or tipster who makes it (the audit log says who).  Field
records go through the phone's input schemas first, so nothing here could not have come from a phone.

* members (each with a diligence that drives everything they do, so the month's ranking has a real top and bottom)
  clock in (most on time, some late, some outside their grid, a few synced hours later), patrol places of their
  grids with the checklist of the place's sector, give publicity, and send their daily report (some late, some
  never); their photos are small generated JPEGs with camera EXIF of the moment and place, and a few carry what
  the fraud signals are there to catch (the same bytes again, a near copy, EXIF GPS far away, a screenshot);
* hazards found on visits, by township admins and by the county's inspector run the closed loop: ordered,
  rectified on time, late or never (overdue, escalated), re-checked (some fail and are ordered again), closed,
  rejected; major ones listed for supervision (挂牌督办) and signed off by the county; a fixed set of them is
  timed so that every stage of the loop is on the board whatever the seed;
* township admins dispatch tasks, review evidence (flagged records rejected with a reason or approved, the rest
  approved in bulk; the last two days stay in the queue), and the cron publishes each day's bulletins;
* tip-offs come in from the public and are routed, rejected, merged and converted; the county pays a reward;
* the last month's ranking is published, the current month's computed as a draft.

Deterministic for a seed, except what the services make random on purpose (tracking codes, object keys,
ciphertexts): :func:`digest` reads the seeded history without those.
"""
from __future__ import annotations

import hashlib
import heapq
import io
import json
import random
import struct
import time as timer
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from PIL import Image
from shapely.geometry import Point, shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from server.audit.service import AuditContext, set_context
from server.auth.models import User
from server.auth.scope import Actor, actor_for
from server.checklists import service as checklists
from server.checklists.models import Checklist
from server.common.timeutil import LOCAL_TZ, local_day
from server.config import Config
from server.dispatch import service as dispatch
from server.dispatch.models import TaskAssignment
from server.evidence import service as evidence
from server.evidence.models import Photo
from server.hazards import service as hazards
from server.hazards.models import Hazard, HazardEvent
from server.org.models import Area
from server.patrol import service as patrol
from server.patrol.models import CheckIn, PublicityVisit, Visit
from server.patrol.schemas import CheckInCreate, PublicityCreate, VisitCreate
from server.places.models import Place
from server.ranking import rules as ranking_rules
from server.ranking import service as ranking
from server.ranking.models import RankingEntry, RankingRun
from server.reports import service as reports
from server.reports.models import Bulletin, DailyReport
from server.reports.schemas import ReportSubmit
from server.review import service as review
from server.storage import ObjectStore
from server.tipoffs import rewards as tipoff_rewards
from server.tipoffs import service as tipoffs
from server.tipoffs.models import CATEGORIES, Tipoff, TipoffReward
from server.tipoffs.schemas import TipoffCreate

# --- how much happens --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """Rates per member per day (scaled by the member's diligence where it says so) and per county per day."""

    low: float = 0.35                 # the least diligent member; most are near the top (sqrt of a uniform draw)
    duty_working_day: float = 0.97    # chance of duty on a working day at diligence 1 (0.6 of it at diligence 0)
    duty_day_off: float = 0.12        # grid duty knows no weekends, but most take them
    visits: float = 0.6               # chance of a visit on a duty day at diligence 1 (x 0.55 at diligence 0)
    second_visit: float = 0.1         # share of visiting days with a second visit (at diligence 1)
    publicity: float = 0.08           # publicity visits per duty day
    hazard_per_visit: float = 0.025
    major_share: float = 0.12
    late_clock_in: float = 0.07
    out_of_grid: float = 0.03
    late_sync: float = 0.03           # an offline phone sends the clock-in hours later
    far_from_place: float = 0.02
    fraud: float = 0.025              # photos with something for the fraud signals, at diligence 0 (a third at 1)
    report_missing: float = 0.06      # at diligence 0.5; fewer for the diligent
    report_late: float = 0.1
    tipoffs_per_township_day: float = 0.25
    tasks: bool = True


PROFILES = {"demo": Profile(), "tiny": Profile(visits=0.75, hazard_per_visit=0.06, tipoffs_per_township_day=0.3),
            "county": Profile()}

PHOTO_SIZE = (128, 96)
PHOTO_BASES = 256  # distinct pictures; a member's photos cycle through them, so no two of theirs look alike
CAMERAS = [("HUAWEI", "NOVA 9"), ("Xiaomi", "Redmi K60"), ("OPPO", "Reno10"), ("vivo", "X90"), ("HONOR", "X50"),
           ("Apple", "iPhone 13")]
REJECT_REASONS = {"photo_duplicate_sha256": "重复使用照片", "photo_reused": "重复使用照片",
                  "photo_near_duplicate": "重复使用照片", "photo_exif_gps_far": "非现场拍摄",
                  "photo_exif_gps_far_from_place": "非现场拍摄", "photo_no_camera_exif": "非现场拍摄",
                  "photo_exif_time_far": "时间不符", "out_of_area": "非现场拍摄", "far_from_place": "非现场拍摄"}
VISIT_NOTES = ["场所负责人在场, 配合检查", "已提醒负责人落实日常巡查", "现场秩序良好", "已发放安全提示单", None, None, None]
REPORT_NOTES = ["今日按计划完成巡查, 未发现新的隐患。", "今日巡查重点场所, 已提醒整改。", "配合村里开展安全宣传。",
                "今日下雨, 巡查以电话联系为主。", "已督促上周隐患整改。"]
HAZARD_NOTES = {"general": ["现场发现, 已口头告知负责人", "负责人表示尽快整改", "已拍照留存"],
                "major": ["情况紧急, 已要求立即停止使用", "已报告乡镇应急办", "已现场拉警戒线"]}
MEASURES = ["立即清理堵塞物, 恢复通道畅通", "更换过期灭火器并建立检查记录", "规范线路敷设, 拆除私拉乱接电线",
            "气瓶移出室内并加装燃气报警器", "落实专人管理, 建立台账", "停止违规使用, 按规范整改后报复查"]
TIPOFF_TEXTS = {
    "fire_escape": "小区楼道里堆满杂物, 安全出口被锁住了", "ebike": "楼道里有人拉电线给电动车充电, 晚上一直充",
    "gas": "饭店后厨液化气瓶放在灶台边上, 还有好几瓶", "fireworks": "路边小店偷偷卖烟花, 就堆在店门口",
    "self_built": "这栋自建房在加盖第五层, 墙体已经开裂", "workplace": "厂里工人焊接作业没有证, 旁边就是油漆",
    "construction": "工地塔吊下面没有围挡, 小孩经常进去玩", "road": "路口护栏被撞坏很多天了一直没人修",
    "other": "河边防护栏倒了, 晚上很危险",
}
REJECT_TIPOFF = ["经现场核查, 所反映问题不属实", "经核查, 该问题不属于安全生产监管范围, 已告知相关部门",
                 "所反映问题已于前期整改完毕"]

FraudKind = str  # "same_bytes" | "near_copy" | "far_gps" | "screenshot" | "old_time" | "reuse_id"


# --- photos: one picture per base, new EXIF per shot ----------------------------------------------------------------

def _base_pictures(rng: random.Random, n: int) -> list[tuple[bytes, int]]:
    """``n`` distinct pictures (random colour blocks: far apart in perceptual hash) as JPEGs, each with the offset
    right after its JFIF segment, where a shot's EXIF segment goes."""
    out = []
    w, h = PHOTO_SIZE
    for _ in range(n):
        img = Image.new("RGB", PHOTO_SIZE)
        for x in range(0, w, 16):
            for y in range(0, h, 16):
                img.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (x, y, x + 16, y + 16))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=80)
        data = buf.getvalue()
        cut = 4 + struct.unpack(">H", data[4:6])[0] if data[2:4] == b"\xff\xe0" else 2
        out.append((data, cut))
    return out


def _ifd(entries: list[tuple[int, int, int, bytes]], at: int) -> bytes:
    """One big-endian TIFF IFD at offset ``at``: (tag, type, count, value bytes); values over 4 bytes follow it."""
    entries = sorted(entries)
    head = struct.pack(">H", len(entries))
    data = b""
    data_at = at + 2 + 12 * len(entries) + 4
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            head += struct.pack(">HHI", tag, kind, count) + value.ljust(4, b"\0")
        else:
            head += struct.pack(">HHII", tag, kind, count, data_at + len(data))
            data += value + (b"\0" if len(value) % 2 else b"")
    return head + struct.pack(">I", 0) + data


def _ascii(tag: int, value: str) -> tuple[int, int, int, bytes]:
    raw = value.encode() + b"\0"
    return (tag, 2, len(raw), raw)


def _dms(value: float) -> bytes:
    v = abs(value)
    d = int(v)
    m = int((v - d) * 60)
    s = round((v - d - m / 60) * 3600 * 1000)
    return struct.pack(">IIIIII", d, 1, m, 1, s, 1000)


def exif_segment(camera: tuple[str, str] | None, taken: datetime | None,
                 gps: tuple[float, float] | None) -> bytes:
    """A JPEG APP1 segment with the EXIF a phone camera writes: make and model, the local time with its offset,
    GPS.  Written by hand: a shot's EXIF takes microseconds instead of Pillow's milliseconds."""
    ifd0: list[tuple[int, int, int, bytes]] = []
    if camera is not None:
        ifd0 += [_ascii(0x010F, camera[0]), _ascii(0x0110, camera[1])]
    sub: list[tuple[int, list[tuple[int, int, int, bytes]]]] = []
    if taken is not None:
        local = taken.astimezone(LOCAL_TZ)
        sub.append((0x8769, [_ascii(0x9003, local.strftime("%Y:%m:%d %H:%M:%S")), _ascii(0x9011, "+08:00")]))
    if gps is not None:
        lat, lng = gps
        sub.append((0x8825, [_ascii(1, "N" if lat >= 0 else "S"), (2, 5, 3, _dms(lat)),
                             _ascii(3, "E" if lng >= 0 else "W"), (4, 5, 3, _dms(lng))]))
    # lay out IFD0 (with pointers of a fixed size), then each sub-IFD after it
    n0 = len(ifd0) + len(sub)
    size0 = len(_ifd(ifd0 + [(tag, 4, 1, b"\0\0\0\0") for tag, _ in sub], 8))
    at = 8 + size0
    blobs, pointers = [], []
    for tag, entries in sub:
        blob = _ifd(entries, at)
        pointers.append((tag, 4, 1, struct.pack(">I", at)))
        blobs.append(blob)
        at += len(blob)
    assert n0 == len(ifd0) + len(pointers)
    tiff = b"MM\0\x2a" + struct.pack(">I", 8) + _ifd(ifd0 + pointers, 8) + b"".join(blobs)
    body = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def at_local(day: date, hour: float) -> datetime:
    """The UTC moment of a local (Asia/Shanghai) hour of a day."""
    seconds = int(hour * 3600)
    return (datetime.combine(day, time(0), tzinfo=LOCAL_TZ) + timedelta(seconds=seconds)).astimezone(UTC)


# --- the people and places of the county, as the seeder needs them ---------------------------------------------------

@dataclass
class PlaceInfo:
    id: int
    name: str
    sector: str
    lat: float
    lng: float
    grid_id: int
    contact: str


@dataclass
class GridInfo:
    id: int
    name: str
    township_id: int
    polygon: Any
    members: list[Member] = field(default_factory=list)
    places: list[PlaceInfo] = field(default_factory=list)


@dataclass
class Member:
    actor: Actor
    grid: GridInfo
    diligence: float
    camera: tuple[str, str]
    offset: int
    shots: int = 0
    rotation: list[PlaceInfo] = field(default_factory=list)
    last_shot: tuple[bytes, str] | None = None   # bytes and photo id of the member's latest photo
    last_base: int = 0
    last_ids: dict[str, str] = field(default_factory=dict)  # the latest photo id of each purpose
    tasks: list[tuple[int, int, date, str]] = field(default_factory=list)  # (task, place, due, kind) open to them


@dataclass
class Made:
    """What a seeding made: counts by kind, the seconds it took."""

    counts: dict[str, int] = field(default_factory=dict)
    first_day: date | None = None
    last_day: date | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU time: on a busy machine, closer to what an idle one would take
    timings: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def time(self, name: str, started: float) -> None:
        """Add the seconds since ``started`` to the work of that name (the benchmark prints where time goes)."""
        self.timings[name] = self.timings.get(name, 0.0) + timer.perf_counter() - started


# --- the seeder --------------------------------------------------------------------------------------------------

class Seeder:
    def __init__(self, session: Session, config: Config, store: ObjectStore, *, today: date, seed: int,
                 profile: Profile):
        self.s, self.config, self.store, self.today, self.p = session, config, store, today, profile
        self.rng = random.Random(seed)
        self.made = Made()
        self.heap: list[tuple[datetime, int, Callable[..., None], tuple[Any, ...], dict[str, Any]]] = []
        self.seq = 0
        self.progress: Callable[[date, Made], None] | None = None
        last_month = ranking_rules.previous_month(f"{today.year}-{today.month:02d}")
        self.first = date(int(last_month[:4]), int(last_month[5:]), 1)
        self.last = today - timedelta(days=1)
        self.last_month = last_month
        self.calendar = ranking_rules.load_calendar(config.ranking_calendar or None)
        self.bases = _base_pictures(random.Random(seed + 1), PHOTO_BASES)
        self.pending: dict[tuple[int, str], list[tuple[int, list[str], date]]] = {}
        self.recent_tipoffs: dict[int, list[tuple[int, date]]] = {}
        self.forced_fraud: list[FraudKind] = ["far_gps", "same_bytes", "screenshot", "near_copy", "old_time"]
        # the phone's input schemas, made once: building a marshmallow schema costs more than loading a body
        self.checkin_in, self.visit_in, self.publicity_in = CheckInCreate(), VisitCreate(), PublicityCreate()
        self.report_in, self.tipoff_in = ReportSubmit(), TipoffCreate()
        self._load_county()

    # .. the county ....................................................................................................

    def _load_county(self) -> None:
        s = self.s
        checklists.load_directory(s)
        self.checklists: dict[str, Checklist] = {}
        for checklist in s.scalars(checklists.latest_query()):
            self.checklists[checklist.sector] = checklist
        # the county's areas, places and people stay loaded for the whole run: the session keeps no expired
        # objects (expire_on_commit is off), so every session.get of a place, grid or user the services make is
        # answered from memory instead of a query that joins four areas and decodes their boundaries
        areas = {a.id: a for a in s.scalars(select(Area).options(undefer(Area.boundary)))}
        self._loaded: list[Any] = list(areas.values())
        self.townships = sorted(a.id for a in areas.values() if a.level == "township")
        self.county = next(a for a in areas.values() if a.level == "county")
        self.grids: dict[int, GridInfo] = {}
        for a in sorted(areas.values(), key=lambda a: a.id):
            if a.level == "grid" and a.boundary:
                ids = [int(x) for x in a.path.strip("/").split("/")]
                self.grids[a.id] = GridInfo(a.id, a.name, ids[1], shape(a.boundary))
        for p in s.scalars(select(Place).where(Place.deleted_at.is_(None)).order_by(Place.id)):
            self._loaded.append(p)
            if p.area_id in self.grids and p.lat is not None and p.lng is not None:
                info = PlaceInfo(p.id, p.name, p.sector, p.lat, p.lng, p.area_id, p.contact_name or "负责人")
                self.grids[p.area_id].places.append(info)
        self.admins: dict[int, Actor] = {}
        self.members: list[Member] = []
        self.county_admin: Actor | None = None
        self.inspector: Actor | None = None
        for user in s.scalars(select(User).where(User.active.is_(True)).order_by(User.id)):
            self._loaded.append(user)
            actor = actor_for(user)
            if user.role == "county_admin" and self.county_admin is None:
                self.county_admin = actor
            elif user.role == "inspector" and self.inspector is None:
                self.inspector = actor
            elif user.role == "township_admin" and actor.area_ids:
                self.admins.setdefault(actor.area_ids[0], actor)
            elif user.role == "member" and actor.area_ids and actor.area_ids[0] in self.grids:
                grid = self.grids[actor.area_ids[0]]
                m = Member(actor, grid, self.p.low + (1 - self.p.low) * self.rng.random() ** 0.5,
                           self.rng.choice(CAMERAS), self.rng.randrange(PHOTO_BASES))
                m.rotation = list(grid.places)
                self.rng.shuffle(m.rotation)
                grid.members.append(m)
                self.members.append(m)
        if self.county_admin is None or not self.members:
            raise ValueError("the demo activity needs a seeded county (gridpatrol demo seeds one)")

    def admin_of(self, township_id: int) -> Actor:
        found = self.admins.get(township_id) or self.county_admin
        assert found is not None  # __init__ refuses a county without its admin
        return found

    # .. the clock ....................................................................................................

    def at(self, when: datetime, fn: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """Schedule ``fn(when, *args, **kwargs)``; what falls on today or later never happens (the history ends
        yesterday)."""
        if when < self.end:
            self.seq += 1
            heapq.heappush(self.heap, (when, self.seq, fn, args, kwargs))

    def run_until(self, until: datetime) -> None:
        while self.heap and self.heap[0][0] < until:
            when, _, fn, args, kwargs = heapq.heappop(self.heap)
            started = timer.perf_counter()
            fn(when, *args, **kwargs)
            self.made.time(fn.__name__.strip("_"), started)

    def as_(self, actor: Actor | None) -> None:
        """The audit log's actor for what follows."""
        set_context(self.s, AuditContext(actor.user_id if actor else None, actor.username if actor else "public"))

    # .. photos ......................................................................................................

    def shoot(self, m: Member, purpose: str, when: datetime, lat: float, lng: float, place: PlaceInfo | None = None,
              fraud: FraudKind | None = None) -> str:
        """A photo the member takes and uploads: the next of their pictures, with EXIF of the moment and the spot
        (unless ``fraud`` says otherwise).  Returns the photo's id."""
        if fraud == "reuse_id" and purpose in m.last_ids:
            self.made.add("fraud:reuse_id")
            return m.last_ids[purpose]
        if fraud == "same_bytes" and m.last_shot is not None:
            data = m.last_shot[0]
        else:
            if fraud == "near_copy":
                base = m.last_base
            else:
                base = (m.offset + m.shots) % PHOTO_BASES
                m.shots += 1
            m.last_base = base
            jpeg, cut = self.bases[base]
            taken, gps, camera = when - timedelta(seconds=self.rng.randrange(5, 90)), (lat, lng), m.camera
            gps = (lat + self.rng.uniform(-1e-4, 1e-4), lng + self.rng.uniform(-1e-4, 1e-4))
            if fraud == "far_gps":
                gps = (lat + self.rng.choice([-1, 1]) * self.rng.uniform(0.08, 0.2),
                       lng + self.rng.choice([-1, 1]) * self.rng.uniform(0.08, 0.2))
            elif fraud == "screenshot":
                camera, gps, taken = None, None, None  # type: ignore[assignment]  # a screenshot has no EXIF
            elif fraud == "old_time":
                taken = when - timedelta(hours=self.rng.randrange(20, 60))
            segment = exif_segment(camera, taken, gps)
            data = jpeg[:cut] + segment + jpeg[cut:]
        if fraud:
            self.made.add(f"fraud:{fraud}")
        photo_id = _uuid(self.rng)
        started = timer.perf_counter()
        up = evidence.upload(self.s, self.config, self.store, m.actor, client_uuid=photo_id, purpose=purpose,
                             data=data, claimed_time=when, claimed=(lat, lng),
                             place_id=place.id if place else None, member_name=m.actor.display_name,
                             now=when + timedelta(seconds=2))
        self.made.time("photo_upload", started)
        m.last_shot, m.last_ids[purpose] = (data, up.photo.client_uuid), up.photo.client_uuid
        self.made.add("photos")
        return up.photo.client_uuid

    def fraud_for(self, m: Member, when: datetime) -> FraudKind | None:
        if self.forced_fraud and local_day(when) >= self.last - timedelta(days=1) and m.last_ids:
            return self.forced_fraud.pop(0)  # one of each in the queue the admins open today, whatever the seed
        if self.rng.random() < self.p.fraud * (1.3 - m.diligence):
            return self.rng.choice(["same_bytes", "near_copy", "far_gps", "screenshot", "old_time", "reuse_id"])
        return None

    def point_in(self, grid: GridInfo) -> tuple[float, float]:
        minx, miny, maxx, maxy = grid.polygon.bounds
        for _ in range(200):
            x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if grid.polygon.contains(Point(x, y)):
                return round(y, 6), round(x, 6)
        c = grid.polygon.representative_point()
        return round(c.y, 6), round(c.x, 6)

    # .. a member's day ..............................................................................................

    def plan_member_day(self, m: Member, day: date) -> None:
        p, rng, d = self.p, self.rng, m.diligence
        working = self.calendar.is_working(day)
        duty = rng.random() < (p.duty_working_day * (0.6 + 0.4 * d) if working else p.duty_day_off * d)
        if not duty:
            return
        late = rng.random() < p.late_clock_in * (1.6 - d)
        start = rng.uniform(9.2, 10.8) if late else rng.uniform(7.4, 8.8)
        self.at(at_local(day, start), self.clock_in, m)
        hour = start + rng.uniform(0.5, 1.5)
        visits = int(rng.random() < p.visits * (0.55 + 0.45 * d))
        if visits and rng.random() < p.second_visit * d:
            visits += 1
        for _ in range(visits):
            hour += rng.uniform(0.6, 2.5)
            self.at(at_local(day, min(hour, 18.5)), self.visit, m)
        if rng.random() < p.publicity * (0.4 + 0.6 * d):
            hour += rng.uniform(0.5, 1.5)
            self.at(at_local(day, min(hour, 19.0)), self.publicity, m)
        missing = rng.random() < p.report_missing * (1.5 - d) * 2
        if not missing:
            if rng.random() < p.report_late * (1.5 - d):
                self.at(at_local(day + timedelta(days=1), rng.uniform(7.5, 10.0)), self.report, m, day)
            else:
                self.at(at_local(day, rng.uniform(17.5, 22.5)), self.report, m, day)

    def clock_in(self, when: datetime, m: Member) -> None:
        rng, p = self.rng, self.p
        grid = m.grid
        lat, lng = self.point_in(grid)
        if rng.random() < p.out_of_grid * (1.5 - m.diligence):
            _, miny, maxx, maxy = grid.polygon.bounds
            lat, lng = round((miny + maxy) / 2, 6), round(maxx + rng.uniform(0.006, 0.02), 6)
            self.made.add("checkins:out_of_grid")
        received = when + timedelta(seconds=rng.randrange(3, 40))
        if rng.random() < p.late_sync:
            received = when + timedelta(hours=rng.uniform(2, 20))  # offline: the phone sends it later
            self.made.add("checkins:late_sync")
            if received >= self.end:
                return
            self.at(received, self._send_clock_in, m, when, lat, lng)
            return
        self._send_clock_in(received, m, when, lat, lng)

    def _send_clock_in(self, received: datetime, m: Member, when: datetime, lat: float, lng: float) -> None:
        self.as_(m.actor)
        photo = self.shoot(m, "checkin", when, lat, lng, fraud=self.fraud_for(m, when))
        data = self.checkin_in.load({"client_uuid": _uuid(self.rng), "device_time": when.isoformat(),
                                     "location": {"lat": lat, "lng": lng, "accuracy": self.rng.choice([8, 12, 20, 35])},
                                     "photo_ids": [photo]})
        record = patrol.check_in(self.s, self.config, m.actor, data, received).record
        self.made.add("checkins")
        self._queue(m.grid.township_id, "checkin", record)

    def _next_place(self, m: Member, day: date, kind: str) -> PlaceInfo | None:
        """A task's place first (the diligent do theirs), else the next place of the member's round."""
        for entry in list(m.tasks):
            _task, place_id, due, task_kind = entry
            if task_kind == kind and day <= due + timedelta(days=1) and self.rng.random() < m.diligence:
                m.tasks.remove(entry)
                place = next((pl for pl in m.grid.places if pl.id == place_id), None)
                if place is not None:
                    return place
        if not m.rotation:
            return None
        place = m.rotation.pop(0)
        m.rotation.append(place)
        return place

    def visit(self, when: datetime, m: Member) -> None:
        rng = self.rng
        place = self._next_place(m, local_day(when), "visit")
        if place is None:
            return
        checklist = self.checklists.get(place.sector) or self.checklists.get("industry_trade")
        if checklist is None:
            return
        self.as_(m.actor)
        far = rng.random() < self.p.far_from_place * (1.5 - m.diligence)
        lat = place.lat + (rng.choice([-1, 1]) * rng.uniform(0.004, 0.008) if far else rng.uniform(-2e-4, 2e-4))
        lng = place.lng + rng.uniform(-2e-4, 2e-4)
        scene = self.shoot(m, "visit", when, lat, lng, place, fraud=self.fraud_for(m, when))
        findings: list[str] = []
        if rng.random() < self.p.hazard_per_visit * (0.6 + 0.8 * m.diligence):
            level = "major" if rng.random() < self.p.major_share else "general"
            items = [i for i in checklist.definition["items"]
                     if i["answer"] == "yes_no" and (i.get("hazard") or {}).get("level") == level]
            if items:
                findings.append(rng.choice(items)["id"])
        answers = []
        for item in checklist.definition["items"]:
            answer: dict[str, Any] = {"item_id": item["id"]}
            hazard = item.get("hazard")
            if item["answer"] == "yes_no":
                good = "yes" if not hazard or hazard["when"] == "no" else "no"
                answer["value"] = good if item["id"] not in findings else hazard["when"]
                if hazard is None and rng.random() < 0.1:
                    answer["value"] = "na"
            elif item["answer"] == "number":
                top = item.get("max", 50)
                if hazard and "gt" in hazard["when"]:
                    top = hazard["when"]["gt"]
                answer["value"] = rng.randint(item.get("min", 0), max(item.get("min", 0), min(int(top), 40)))
            else:
                if rng.random() < 0.7:
                    continue
                answer["value"] = "无"
            photos = [scene] if item.get("photo_required") else []
            if item["id"] in findings:
                level = hazard["level"]
                photos.append(self.shoot(m, "hazard", when + timedelta(minutes=2), lat, lng, place))
                answer["note"] = rng.choice(HAZARD_NOTES[level])
            if photos:
                answer["photo_ids"] = photos
            answers.append(answer)
        body: dict[str, Any] = {"client_uuid": _uuid(rng), "device_time": (when + timedelta(minutes=8)).isoformat(),
                                "location": {"lat": lat, "lng": lng, "accuracy": rng.choice([6, 10, 15, 30])},
                                "place_id": place.id, "checklist_id": checklist.key,
                                "checklist_version": checklist.version, "answers": answers, "photo_ids": [scene]}
        note = rng.choice(VISIT_NOTES)
        if note:
            body["notes"] = note
        data = self.visit_in.load(body)
        record = patrol.record_visit(self.s, self.config, m.actor, data, when + timedelta(minutes=8, seconds=20))
        visit = record.record
        self.made.add("visits")
        if far:
            self.made.add("visits:far_from_place")
        self._queue(m.grid.township_id, "visit", visit)
        if not findings:  # only a finding's answer makes a hazard (every other answer is the good one)
            return
        for hazard_id, level in self.s.execute(select(Hazard.id, Hazard.level).where(Hazard.visit_id == visit.id)
                                               .order_by(Hazard.id)):
            self.made.add("hazards:patrol")
            self.plan_hazard(hazard_id, m.grid, level, when, finder=m)

    def publicity(self, when: datetime, m: Member) -> None:
        rng = self.rng
        place = self._next_place(m, local_day(when), "publicity")
        if place is None:
            return
        self.as_(m.actor)
        lat, lng = place.lat + rng.uniform(-2e-4, 2e-4), place.lng + rng.uniform(-2e-4, 2e-4)
        photo = self.shoot(m, "publicity", when, lat, lng, place, fraud=self.fraud_for(m, when))
        materials = rng.sample(["消防安全宣传单", "燃气安全告知书", "安全生产法宣传册", "防汛防台明白卡",
                                "电动自行车安全充电提示"], rng.randint(1, 3))
        data = self.publicity_in.load({"client_uuid": _uuid(rng), "device_time": when.isoformat(),
                                       "location": {"lat": lat, "lng": lng, "accuracy": 10},
                                       "place_id": place.id, "materials": materials,
                                       "people_reached": rng.randint(1, 25), "photo_ids": [photo]})
        record = patrol.record_publicity(self.s, self.config, m.actor, data, when + timedelta(seconds=30)).record
        self.made.add("publicity")
        self._queue(m.grid.township_id, "publicity", record)

    def report(self, when: datetime, m: Member, day: date) -> None:
        self.as_(m.actor)
        late = local_day(when) > day
        data = self.report_in.load({"client_uuid": _uuid(self.rng), "date": day.isoformat(),
                                    "notes": self.rng.choice(REPORT_NOTES), "nothing_found": self.rng.random() < 0.5})
        reports.submit(self.s, m.actor, data, when)
        self.made.add("reports:late" if late else "reports")

    def _queue(self, township_id: int, kind: str, record: Any) -> None:
        self.pending.setdefault((township_id, kind), []).append((record.id, list(record.flags), record.day))

    # .. hazards: the closed loop .....................................................................................

    def plan_hazard(self, hazard_id: int, grid: GridInfo, level: str, found: datetime, *, finder: Member | None = None,
                    fate: dict[str, Any] | None = None) -> None:
        """Decide how a hazard's loop goes (randomly, unless ``fate`` says) and schedule its first step."""
        rng = self.rng
        f: dict[str, Any] = {"reject": rng.random() < 0.08, "order_lag": rng.choice([0, 1, 1, 2]),
             "deadline": rng.randint(15, 25) if level == "major" else rng.randint(4, 12),
             "rectify": rng.choices(["on_time", "late", "never"], [0.75, 0.13, 0.12])[0],
             "fail": rng.random() < 0.12, "supervise": level == "major" and rng.random() < 0.6,
             "close_lag": rng.randint(1, 4), "finder": finder}
        f.update(fate or {})
        township = grid.township_id
        first_day = local_day(found) + timedelta(days=f["order_lag"])
        when = at_local(first_day, rng.uniform(9.0, 16.5))
        if when <= found:
            when = found + timedelta(hours=1)
        if f["reject"]:
            self.at(when, self.h_reject, hazard_id, township)
            return
        if f.get("stay_reported"):
            return
        self.at(when, self.h_order, hazard_id, grid, level, f)

    def h_reject(self, when: datetime, hazard_id: int, township: int) -> None:
        actor = self.admin_of(township)
        self.as_(actor)
        hazards.reject(self.s, actor, hazard_id, reason=self.rng.choice(
            ["经现场核实, 已当场整改到位, 不作为隐患登记", "经核实不属于安全生产隐患", "与已登记隐患重复"]), now=when)
        self.made.add("hazards:rejected")

    def h_order(self, when: datetime, hazard_id: int, grid: GridInfo, level: str, f: dict[str, Any]) -> None:
        actor = self.admin_of(grid.township_id)
        self.as_(actor)
        day = local_day(when)
        deadline = day + timedelta(days=f["deadline"])
        hazard = self.s.get(Hazard, hazard_id)
        assert hazard is not None
        contact = hazard.place.contact_name if hazard.place and hazard.place.contact_name else "场所负责人"
        hazards.order(self.s, actor, hazard_id, deadline=deadline, measures=self.rng.choice(MEASURES),
                      responsible_person=contact, today=day, now=when)
        self.made.add("hazards:ordered")
        if f["supervise"]:
            self.at(when + timedelta(days=1, hours=1), self.h_supervise, hazard_id, deadline, f)
        self._schedule_rectify(when, hazard_id, grid, level, deadline, f)

    def _schedule_rectify(self, ordered: datetime, hazard_id: int, grid: GridInfo, level: str, deadline: date,
                          f: dict[str, Any]) -> None:
        mode = f.pop("rectify_next", None) or f["rectify"]
        if mode == "never":
            return
        day0 = local_day(ordered)
        if "rectify_on" in f:
            day = f.pop("rectify_on")
        elif mode == "late":
            day = deadline + timedelta(days=self.rng.randint(1, 6))
        else:
            day = day0 + timedelta(days=self.rng.randint(1, max(1, (deadline - day0).days)))
        when = max(at_local(day, self.rng.uniform(9.0, 17.0)), ordered + timedelta(hours=2))
        self.at(when, self.h_rectify, hazard_id, grid, level, f)

    def h_supervise(self, when: datetime, hazard_id: int, deadline: date, f: dict[str, Any]) -> None:
        assert self.county_admin is not None
        self.as_(self.county_admin)
        hazards.supervise(self.s, self.county_admin, hazard_id, level="county",
                          target_date=max(deadline + timedelta(days=10), local_day(when)),
                          supervisor=f"{self.county.name}应急管理局 {self.county_admin.display_name}",
                          note="重大事故隐患, 县级挂牌督办, 按期整改销号", today=local_day(when), now=when)
        self.made.add("hazards:supervised")

    def _grid_member(self, grid: GridInfo, not_id: int | None = None) -> Member | None:
        others = [m for m in grid.members if m.actor.user_id != not_id]
        return self.rng.choice(others) if others else None

    def h_rectify(self, when: datetime, hazard_id: int, grid: GridInfo, level: str, f: dict[str, Any]) -> None:
        finder: Member | None = f.get("finder")
        m = finder if finder is not None and finder.grid is grid else self._grid_member(grid)
        if m is None:
            return
        hazard = self.s.get(Hazard, hazard_id)
        assert hazard is not None
        if hazard.status != "ordered":
            return
        self.as_(m.actor)
        place = next((p for p in grid.places if p.id == hazard.place_id), None)
        lat, lng = (place.lat, place.lng) if place else self.point_in(grid)
        photo = self.shoot(m, "rectification", when, lat, lng, place)
        hazards.rectify(self.s, m.actor, hazard_id, photo_ids=[photo], now=when,
                        statement=self.rng.choice(["已按整改措施落实到位, 现场已恢复正常", "已更换并建立检查台账",
                                                   "负责人已整改, 附整改后照片"]))
        self.made.add("hazards:rectified")
        order = self.s.get_one(Hazard, hazard_id).current_order
        if order is not None:
            self.pending.setdefault((grid.township_id, "rectification"), []).append(
                (order.id, list(order.flags), local_day(when)))
        if f.pop("stay_rectified", False):
            return
        lag = f.pop("recheck_after", None)
        self.at(when + timedelta(days=lag if lag is not None else self.rng.randint(1, 3), hours=1),
                self.h_recheck, hazard_id, grid, level, m.actor.user_id, f)

    def h_recheck(self, when: datetime, hazard_id: int, grid: GridInfo, level: str, rectifier_id: int,
                  f: dict[str, Any]) -> None:
        hazard = self.s.get(Hazard, hazard_id)
        assert hazard is not None
        if hazard.status != "rectified":
            return
        other = self._grid_member(grid, not_id=rectifier_id)
        by_admin = level == "major" or other is None or f.get("recheck_by_admin") or self.rng.random() < 0.35
        actor = self.admin_of(grid.township_id) if by_admin else other.actor  # type: ignore[union-attr]  # no other: by_admin
        self.as_(actor)
        day = local_day(when)
        fail = f.pop("fail", False)
        if fail:
            deadline = day + timedelta(days=f.pop("second_deadline", self.rng.randint(5, 10)))
            hazards.recheck(self.s, actor, hazard_id, result="fail", note="整改不到位, 重新限期整改",
                            deadline=deadline, today=day, now=when)
            self.made.add("hazards:recheck_failed")
            f["rectify_next"] = f.pop("rectify_again", "on_time")
            self._schedule_rectify(when, hazard_id, grid, level, deadline, f)
            return
        hazards.recheck(self.s, actor, hazard_id, result="pass", note="复查合格", today=day, now=when)
        self.made.add("hazards:rechecked")
        hazard = self.s.get(Hazard, hazard_id)
        assert hazard is not None
        if hazard.status == "rechecked" and not f.get("stay_rechecked"):
            self.at(when + timedelta(days=f["close_lag"]), self.h_close, hazard_id, grid)

    def h_close(self, when: datetime, hazard_id: int, grid: GridInfo) -> None:
        hazard = self.s.get(Hazard, hazard_id)
        assert hazard is not None
        actor = self.county_admin if hazard.supervision is not None else self.admin_of(grid.township_id)
        assert actor is not None
        self.as_(actor)
        hazards.close(self.s, actor, hazard_id, note="经复查合格, 同意销号", now=when)
        self.made.add("hazards:closed_by_sign_off" if hazard.supervision is not None else "hazards:closed")

    def scripted_hazards(self) -> None:
        """Hazards found by township admins (乡镇排查) and the county's inspector (执法检查), timed back from the
        last day so that every stage of the loop is on the board at the end, whatever the seed."""
        L, F, W = self.last, self.first, (self.last - self.first).days
        rng = self.rng

        def back(days: int) -> date:
            return max(F, L - timedelta(days=min(days, W)))

        plans: list[tuple[date, str, dict[str, Any]]] = [
            (back(1), "general", {"reject": False, "stay_reported": True}),                         # reported
            (back(12), "general", {"reject": False, "order_lag": 1, "deadline": 18, "rectify": "never"}),  # ordered
            (back(9), "general", {"reject": False, "order_lag": 1, "deadline": 6, "rectify": "never"}),    # overdue
            (back(26), "general", {"reject": False, "order_lag": 1, "deadline": 10, "rectify": "never"}),  # escalated
            (back(10), "general", {"reject": False, "order_lag": 1, "deadline": 12, "rectify": "on_time",
                                   "rectify_on": L, "stay_rectified": True}),                       # rectified
            (back(28), "major", {"reject": False, "order_lag": 1, "deadline": 18, "supervise": True,
                                 "rectify": "on_time", "rectify_on": L - timedelta(days=8), "recheck_after": 2,
                                 "stay_rechecked": True}),                                          # awaiting sign-off
            (back(W), "major", {"reject": False, "order_lag": 1, "deadline": 12, "supervise": True,
                                "rectify": "on_time", "rectify_on": F + timedelta(days=9), "recheck_after": 2,
                                "close_lag": 2}),                                                   # signed off
            (back(24), "major", {"reject": False, "order_lag": 1, "deadline": 6, "supervise": True,
                                 "rectify": "never"}),                                              # supervised, late
            (back(27), "general", {"reject": False, "order_lag": 1, "deadline": 5, "rectify": "on_time",
                                   "fail": True, "rectify_again": "never", "second_deadline": 30}),  # re-ordered
            (back(15), "general", {"reject": True}),                                                # rejected
            (back(W - 3), "general", {"reject": False, "order_lag": 1, "deadline": 6, "rectify": "on_time",
                                      "fail": False}),                                              # closed
        ]
        categories = {"general": ["消防设施器材", "用电安全", "安全管理"], "major": ["疏散通道", "违规储存"]}
        texts = {"general": ["灭火器压力不足, 部分已过期", "电动车在楼道内充电, 线路私拉乱接", "未建立日常安全检查记录"],
                 "major": ["安全出口被货物堵塞并上锁, 疏散通道不畅", "违规在居住场所储存液化石油气钢瓶十余瓶"]}
        for n, (day, level, fate) in enumerate(plans):
            township = self.townships[n % len(self.townships)]
            grids = [g for g in self.grids.values() if g.township_id == township and g.places and g.members]
            if not grids:
                continue
            grid = grids[rng.randrange(len(grids))]
            place = rng.choice(grid.places)
            actor = self.inspector if (n % 3 == 2 and self.inspector is not None) else self.admin_of(township)
            when = at_local(day, rng.uniform(9.0, 11.0))
            self.at(when, self._scripted, actor, grid, place, level, rng.choice(categories[level]),
                    rng.choice(texts[level]), fate)

    def _scripted(self, when: datetime, actor: Actor, grid: GridInfo, place: PlaceInfo, level: str, category: str,
                  description: str, fate: dict[str, Any]) -> None:
        self.as_(actor)
        hazard = hazards.create_hazard(self.s, actor, {"client_uuid": _uuid(self.rng), "place_id": place.id,
                                                       "category": category, "level": level,
                                                       "description": description, "found_at": when}, when).record
        self.made.add("hazards:scripted")
        self.plan_hazard(hazard.id, grid, level, when, fate=fate)

    # .. dispatch ......................................................................................................

    def dispatch_week(self, day: date) -> None:
        """Monday morning: each township dispatches a patrol task to a grid, every other week a publicity task,
        and on the first of the month a training everybody attends (or says they did)."""
        rng = self.rng
        for township in self.townships:
            actor = self.admin_of(township)
            grids = [g for g in self.grids.values() if g.township_id == township and len(g.places) >= 3
                     and g.members]
            if not grids:
                continue
            when = at_local(day, rng.uniform(8.0, 9.0))
            kinds = ["visit"] + (["publicity"] if day.isocalendar()[1] % 2 == 0 else [])
            for kind in kinds:
                grid = grids[rng.randrange(len(grids))]
                targets = rng.sample(grid.places, min(len(grid.places), rng.randint(2, 3)))
                self.at(when, self._task, actor, kind, grid, targets, day + timedelta(days=rng.randint(3, 5)))

    def _task(self, when: datetime, actor: Actor, kind: str, grid: GridInfo, targets: list[PlaceInfo],
              due: date) -> None:
        self.as_(actor)
        title = ("重点场所走访: " if kind == "visit" else "安全宣传进场所: ") + "、".join(t.name for t in targets)
        task = dispatch.create_task(self.s, actor, kind=kind, title=title[:100], due_date=due, today=local_day(when),
                                    place_ids=[t.id for t in targets], grid_ids=[grid.id],
                                    note="请按期完成并上传现场照片")
        self.made.add("tasks")
        for m in grid.members:
            for t in targets:
                m.tasks.append((task.id, t.id, due, kind))

    def training(self, when: datetime, township: int) -> None:
        actor = self.admin_of(township)
        members = [m for g in self.grids.values() if g.township_id == township for m in g.members]
        if not members:
            return
        self.as_(actor)
        due = local_day(when) + timedelta(days=6)
        task = dispatch.create_task(self.s, actor, kind="other", title="参加月度网格员安全业务培训", due_date=due,
                                    today=local_day(when), user_ids=[m.actor.user_id for m in members],
                                    note="培训地点: 乡镇便民服务中心三楼会议室")
        self.made.add("tasks")
        for a in task.assignments:
            m = next(x for x in members if x.actor.user_id == a.user_id)
            if self.rng.random() < 0.4 + 0.55 * m.diligence:
                done = when + timedelta(days=self.rng.randint(1, 6), hours=self.rng.uniform(0, 8))
                self.at(done, self._training_done, m, a.id)

    def _training_done(self, when: datetime, m: Member, assignment_id: int) -> None:
        self.as_(m.actor)
        dispatch.complete_manually(self.s, m.actor, assignment_id, "已参加培训并签到", when)
        self.made.add("tasks:done_manually")

    # .. review ........................................................................................................

    def review_day(self, day: date) -> None:
        """The township admins' review at the end of a day: everything two days old or older; flagged records are
        looked at one by one (most of the doubtful ones rejected with the reason, some left for later)."""
        cutoff = day - timedelta(days=2)
        for n, ((township, kind), items) in enumerate(self.pending.items()):
            when = at_local(day, 16.5) + timedelta(minutes=7 * n)  # each decision says who made it, and when
            due = [i for i in items if i[2] <= cutoff]
            if not due:
                continue
            actor = self.admin_of(township)
            self.as_(actor)
            keep = [i for i in items if i[2] > cutoff]
            clean = {i[0] for i in due if not i[1]}
            if clean:
                self.made.add("reviews:bulk_approved", review.bulk_approve(self.s, actor, kind, sorted(clean), now=when))
            for record_id, flags, _ in due:
                if not flags:
                    continue
                reason = next((REJECT_REASONS[f] for f in flags if f in REJECT_REASONS), None)
                roll = self.rng.random()
                if roll < 0.08:
                    continue  # left in the queue: a backlog to clear
                if reason is not None and roll < 0.75:
                    review.decide(self.s, actor, kind, record_id, "reject", reason, now=when)
                    self.made.add("reviews:rejected")
                else:
                    review.decide(self.s, actor, kind, record_id, "approve", None, now=when)
                    self.made.add("reviews:approved")
            self.pending[(township, kind)] = keep

    # .. tip-offs ......................................................................................................

    def tipoffs_day(self, day: date) -> None:
        rng = self.rng
        lam = self.p.tipoffs_per_township_day * len(self.townships)
        n = sum(1 for _ in range(int(lam * 4)) if rng.random() < 0.25)
        for _ in range(n):
            self.at(at_local(day, rng.uniform(7.0, 22.0)), self.tipoff, None)

    def tipoff(self, when: datetime, fate: str | None, *, grid: GridInfo | None = None, reward: str | None = None,
               into: list[int] | None = None) -> None:
        rng = self.rng
        self.as_(None)
        category = rng.choice([c for c in CATEGORIES if c in TIPOFF_TEXTS])
        body: dict[str, Any] = {"client_uuid": _uuid(rng), "category": category,
                                "description": TIPOFF_TEXTS[category]}
        grid = grid or rng.choice(list(self.grids.values()))
        lat = lng = None
        if fate == "routed":
            body["address"] = f"{self.county.name}{grid.name.split('第')[0]}{rng.randint(1, 300)}号附近"
        else:
            lat, lng = self.point_in(grid)
            body["location"] = {"lat": lat, "lng": lng, "coord_system": "wgs84"}
        if rng.random() < 0.7 or reward:
            body["phone"] = rng.choice(["13", "15", "18"]) + f"{rng.randrange(10**9):09d}"
            if rng.random() < 0.5:
                body["name"] = rng.choice("王李张刘陈杨黄赵吴周") + rng.choice(["先生", "女士", "师傅"])
        if rng.random() < 0.5:
            camera = None if rng.random() < 0.5 else rng.choice(CAMERAS)
            jpeg, cut = self.bases[rng.randrange(PHOTO_BASES)]
            data = jpeg[:cut] + exif_segment(camera, when - timedelta(minutes=rng.randint(1, 30)),
                                             (lat, lng) if (lat is not None and lng is not None and camera) else None) + jpeg[cut:]
            photo = evidence.upload(self.s, self.config, self.store, None, client_uuid=_uuid(rng), purpose="tipoff",
                                    data=data, claimed_time=None, claimed=None, place_id=None,
                                    member_name="群众举报", now=when - timedelta(seconds=20))
            body["photo_ids"] = [photo.photo.client_uuid]
            self.made.add("photos")
        receipt = tipoffs.submit(self.s, self.config, self.tipoff_in.load(body), channel="api", now=when)
        assert receipt.tipoff is not None
        self.made.add("tipoffs")
        tid = receipt.tipoff.id
        if fate is None:
            fate = rng.choices(["convert", "reject", "merge", "leave"], [0.5, 0.25, 0.15, 0.1])[0]
        if fate == "leave":
            return
        later = when + timedelta(hours=rng.uniform(2, 40))
        if fate == "routed":
            self.at(later, self.tipoff_route, tid, grid)
            return
        if fate == "merge":
            earlier = [t for t, d in self.recent_tipoffs.get(grid.id, []) if (local_day(when) - d).days <= 10]
            if into is not None:
                earlier = into
            if not earlier:
                fate = "convert"
            else:
                self.at(later, self.tipoff_merge, tid, grid, earlier[-1])
                return
        self.recent_tipoffs.setdefault(grid.id, []).append((tid, local_day(when)))
        if into is not None and fate == "convert":
            into.append(tid)
        self.at(later, self.tipoff_convert if fate == "convert" else self.tipoff_reject, tid, grid, reward)

    def tipoff_route(self, when: datetime, tid: int, grid: GridInfo) -> None:
        assert self.county_admin is not None
        self.as_(self.county_admin)
        tipoffs.route(self.s, self.county_admin, tid, grid.id, when)
        self.made.add("tipoffs:routed")

    def tipoff_reject(self, when: datetime, tid: int, grid: GridInfo, _reward: str | None = None) -> None:
        actor = self.admin_of(grid.township_id)
        self.as_(actor)
        tipoffs.reject(self.s, actor, tid, reason=self.rng.choice(REJECT_TIPOFF), now=when)
        self.made.add("tipoffs:rejected")

    def tipoff_merge(self, when: datetime, tid: int, grid: GridInfo, into: int) -> None:
        actor = self.admin_of(grid.township_id)
        self.as_(actor)
        target = self.s.get(Tipoff, into)
        assert target is not None
        if target.hazard_id is not None and self.rng.random() < 0.5:
            tipoffs.merge(self.s, actor, tid, into_hazard_id=target.hazard_id, now=when,
                          public_answer="您反映的问题已在处理中, 与同一隐患合并办理")
        else:
            tipoffs.merge(self.s, actor, tid, into_tipoff_id=into, now=when)
        self.made.add("tipoffs:merged")

    def tipoff_convert(self, when: datetime, tid: int, grid: GridInfo, reward: str | None) -> None:
        actor = self.admin_of(grid.township_id)
        self.as_(actor)
        tipoff = self.s.get(Tipoff, tid)
        assert tipoff is not None
        place = None
        if tipoff.lat is not None and tipoff.lng is not None and grid.places:
            lat, lng = tipoff.lat, tipoff.lng
            place = min(grid.places, key=lambda p: (p.lat - lat) ** 2 + (p.lng - lng) ** 2)
        level = "major" if self.rng.random() < 0.1 else "general"
        data: dict[str, Any] = {"level": level, "public_answer": "已受理, 已转交属地乡镇责令整改"}
        if place is not None:
            data["place_id"] = place.id
        tipoffs.convert(self.s, actor, tid, data, when)
        self.made.add("tipoffs:converted")
        hazard_id = tipoff.hazard_id
        assert hazard_id is not None
        self.plan_hazard(hazard_id, grid, level, when, fate={"reject": False} if reward else None)
        if reward:
            self.at(when + timedelta(days=3, hours=2), self.reward_decide, tid, reward)

    def reward_decide(self, when: datetime, tid: int, outcome: str) -> None:
        county = self.county_admin
        assert county is not None
        self.as_(county)
        if outcome == "declined":
            tipoff_rewards.decide_reward(self.s, county, tid, decision="declined", amount=None,
                                  note="举报人为场所内部人员, 按规定不予奖励", now=when)
            self.made.add("rewards:declined")
            return
        tipoff_rewards.decide_reward(self.s, county, tid, decision="approved", amount=Decimal("300.00"),
                              note="经核实属实, 按举报奖励办法给予奖励", now=when)
        self.made.add("rewards:approved")
        if outcome == "paid":
            self.at(when + timedelta(days=2), self.reward_pay, tid)

    def reward_pay(self, when: datetime, tid: int) -> None:
        county = self.county_admin
        assert county is not None
        self.as_(county)
        tipoff_rewards.reveal_phone(self.s, self.config, county, tid, reason="发放举报奖励, 联系举报人")
        tipoff_rewards.mark_paid(self.s, county, tid, paid_on=local_day(when), note="微信转账", now=when)
        self.made.add("rewards:paid")

    def scripted_tipoffs(self) -> None:
        """Tip-offs timed so that each state of the triage is there at the end, and a reward is paid."""
        L, F = self.last, self.first
        grids = [g for g in self.grids.values() if g.places and g.members]
        pick = lambda n: grids[(n * 7) % len(grids)]
        merged_into: list[int] = []
        self.at(at_local(F + timedelta(days=2), 10.0), self.tipoff, "convert", grid=pick(0), reward="paid")
        self.at(at_local(F + timedelta(days=3), 15.0), self.tipoff, "convert", grid=pick(1), reward="declined")
        self.at(at_local(L - timedelta(days=8), 9.5), self.tipoff, "convert", grid=pick(2), into=merged_into)
        self.at(at_local(L - timedelta(days=6), 20.0), self.tipoff, "merge", grid=pick(2), into=merged_into)
        self.at(at_local(L - timedelta(days=9), 11.0), self.tipoff, "reject", grid=pick(3))
        self.at(at_local(L - timedelta(days=3), 16.0), self.tipoff, "routed", grid=pick(4))
        self.at(at_local(L, 19.5), self.tipoff, "leave", grid=pick(5))

    # .. the whole history ..............................................................................................

    def run(self) -> Made:
        context = self.s.info.get("audit")
        try:
            return self._run()
        finally:
            self.s.info["audit"] = context  # who the caller's session acts for is the caller's

    def _run(self) -> Made:
        run_started, cpu_started = timer.perf_counter(), timer.process_time()
        self.end = at_local(self.today, 0)
        self.made.first_day, self.made.last_day = self.first, self.last
        self.scripted_hazards()
        self.scripted_tipoffs()
        day = self.first
        while day <= self.last:
            if self.p.tasks and (day.isoweekday() == 1 or day == self.first):
                self.dispatch_week(day)
            if day.day == 1 or day == self.first:
                for township in self.townships:
                    self.at(at_local(day, 8.5), self.training, township)
            for m in self.members:
                self.plan_member_day(m, day)
            self.tipoffs_day(day)
            self.run_until(at_local(day + timedelta(days=1), 0))
            started = timer.perf_counter()
            self.review_day(day)
            self.made.time("review", started)
            started = timer.perf_counter()
            set_context(self.s, AuditContext(None, "cron"))
            self.made.add("bulletins", len(reports.publish_all(self.s, day, day + timedelta(days=1), now=at_local(day + timedelta(days=1), 0.5))))
            self.made.time("bulletins", started)
            started = timer.perf_counter()
            self.s.commit()
            self.made.time("commit", started)
            if self.progress is not None:
                self.progress(day, self.made)
            day += timedelta(days=1)
        self.publish_ranking()
        self.s.commit()
        self.made.seconds = round(timer.perf_counter() - run_started, 2)
        self.made.cpu_seconds = round(timer.process_time() - cpu_started, 2)
        return self.made

    def publish_ranking(self) -> None:
        """The cron's 01:30 publication of last month (revision 1), and a draft of this month so far."""
        assert self.county_admin is not None
        self.as_(self.county_admin)
        now = at_local(self.today, 1.5)
        ranking.publish(self.s, self.county.id, self.last_month, self.county_admin, today=self.today, now=now,
                        calendar=self.calendar)
        self.made.add("rankings:published")
        if self.today.day > 1:
            ranking.compute(self.s, self.county.id, f"{self.today.year}-{self.today.month:02d}", self.county_admin,
                            today=self.today, now=now, calendar=self.calendar)
            self.made.add("rankings:draft")


def seed(session: Session, config: Config, store: ObjectStore, *, today: date, seed: int = 7,
         profile: Profile | None = None, progress: Callable[[date, Made], None] | None = None) -> Made:
    """Play the last full month and this month up to yesterday into a seeded county (see the module's docstring).
    Commits once per day of history, then calls ``progress(day, made)``."""
    seeder = Seeder(session, config, store, today=today, seed=seed, profile=profile or Profile())
    seeder.progress = progress
    return seeder.run()


# --- what was seeded, without what the services make random on purpose ---------------------------------------------

def digest(session: Session) -> str:
    """A SHA-256 of the seeded history: the same seed on the same day gives the same digest."""
    h = hashlib.sha256()

    def feed(name: str, rows: Any) -> None:
        h.update(name.encode())
        for row in rows:
            h.update(json.dumps([str(v) for v in row], ensure_ascii=False).encode())

    feed("checkins", session.execute(select(CheckIn.user_id, CheckIn.day, CheckIn.occurred_at, CheckIn.counted,
                                            CheckIn.geofence, CheckIn.flags, CheckIn.review_status)
                                     .order_by(CheckIn.id)))
    feed("visits", session.execute(select(Visit.user_id, Visit.place_id, Visit.occurred_at, Visit.answers, Visit.flags,
                                          Visit.review_status).order_by(Visit.id)))
    feed("publicity", session.execute(select(PublicityVisit.user_id, PublicityVisit.place_id, PublicityVisit.day,
                                             PublicityVisit.flags, PublicityVisit.review_status)
                                      .order_by(PublicityVisit.id)))
    feed("reports", session.execute(select(DailyReport.user_id, DailyReport.day, DailyReport.late)
                                    .order_by(DailyReport.id)))
    feed("hazards", session.execute(select(Hazard.id, Hazard.status, Hazard.level, Hazard.source, Hazard.deadline)
                                    .order_by(Hazard.id)))
    feed("events", session.execute(select(HazardEvent.hazard_id, HazardEvent.action, HazardEvent.to_status,
                                          HazardEvent.at).order_by(HazardEvent.id)))
    feed("tasks", session.execute(select(TaskAssignment.user_id, TaskAssignment.status, TaskAssignment.completed_day)
                                  .order_by(TaskAssignment.id)))
    feed("tipoffs", session.execute(select(Tipoff.id, Tipoff.status, Tipoff.category, Tipoff.area_id,
                                           Tipoff.hazard_id).order_by(Tipoff.id)))
    feed("rewards", session.execute(select(TipoffReward.tipoff_id, TipoffReward.decision, TipoffReward.paid_on)
                                    .order_by(TipoffReward.id)))
    feed("bulletins", session.execute(select(Bulletin.area_id, Bulletin.day, Bulletin.content).order_by(Bulletin.id)))
    feed("ranking", session.execute(select(RankingRun.month, RankingRun.revision, RankingRun.digest)
                                    .order_by(RankingRun.id)))
    feed("entries", session.execute(select(RankingEntry.level, RankingEntry.area_id, RankingEntry.user_id,
                                           RankingEntry.rank, RankingEntry.score).order_by(RankingEntry.id)))
    feed("photos", session.execute(select(Photo.sha256, Photo.purpose, Photo.flags).order_by(Photo.id)))
    h.update(str(session.scalar(select(func.count(Photo.id)))).encode())
    return h.hexdigest()


def summary(session: Session, made: Made) -> list[str]:
    """A few lines on what the history holds, read back from the database (what ``gridpatrol demo`` prints)."""
    def count(model: Any, *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    def by(column: Any) -> str:
        rows = session.execute(select(column, func.count()).group_by(column).order_by(column)).all()
        return ", ".join(f"{k} {n}" for k, n in rows)

    pending = sum(count(m, m.review_status == "pending") for m in (CheckIn, Visit, PublicityVisit))
    flagged = sum(1 for m in (CheckIn, Visit, PublicityVisit)
                  for flags in session.scalars(select(m.flags).where(m.review_status == "pending")) if flags)
    runs = ", ".join(f"{r.month} {r.status}" for r in session.scalars(select(RankingRun).order_by(RankingRun.month)))
    days = (made.last_day - made.first_day).days + 1 if made.first_day and made.last_day else 0
    rejected = sum(count(m, m.review_status == "rejected") for m in (CheckIn, Visit, PublicityVisit))
    paid = count(TipoffReward, TipoffReward.paid_on.is_not(None))
    return [
        (f"history {made.first_day} to {made.last_day} ({days} days) seeded in {made.seconds:.1f} s "
         f"({made.cpu_seconds:.1f} s of CPU):"),
        (f"  {count(CheckIn)} clock-ins ({count(CheckIn, CheckIn.geofence == 'out_of_area')} outside the grid), "
         f"{count(Visit)} visits, {count(PublicityVisit)} publicity visits, {count(DailyReport)} daily reports "
         f"({count(DailyReport, DailyReport.late.is_(True))} late), {count(Photo)} photos"),
        f"  hazards by status: {by(Hazard.status)}; {made.counts.get('hazards:supervised', 0)} under supervision",
        f"  tip-offs by status: {by(Tipoff.status)}; rewards paid {paid}",
        (f"  review: {pending} records pending ({flagged} flagged), {rejected} rejected; {count(Bulletin)} bulletins; "
         f"tasks {made.counts.get('tasks', 0)}; ranking {runs}"),
    ]
