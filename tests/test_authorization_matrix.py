"""The authorization matrix: every role against objects in its own area, a sibling area and a parent area, for read
and write, on every resource (areas, places, users, hazards, the audit log).

Nothing here is written case by case.  A model of the test county (the tree, the users, the places of
tests/factories.py) and the project's own tables (``PERMISSIONS``, ``GRANTABLE_ROLES``) give the expected answer of
every (actor, action, target) through the checks each endpoint makes, in the order it makes them:

1. may the role do this at all?  no → 403, and it says nothing about the object;
2. does the actor's scope cover the object's area?  no → 404 (422 when the area is named in the body), and the
   answer is the same as for an id that does not exist;
3. the domain's own rules: an area is edited by the level above it, a role is granted only by someone who holds
   more, grids have no children;
4. otherwise the action succeeds.

A refused request changes nothing (the rows of every table involved, the audit log included, are compared), and a
successful write leaves an audit entry.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import text

from server.app import create_app
from server.auth.scope import GRANTABLE_ROLES, PERMISSIONS
from server.config import Config
from tests.conftest import FakeClock, _truncate
from tests.factories import box, build_world

# --- the county of tests/factories.py, as data --------------------------------------------------------------------

TREE: dict[str, tuple[str | None, str, str]] = {  # key: (parent, level, code)
    "C": (None, "county", "330799"),
    "T1": ("C", "township", "330799001"),
    "T2": ("C", "township", "330799002"),
    "V1": ("T1", "village", "330799001001"),
    "V2": ("T2", "village", "330799002001"),
    "G1": ("V1", "grid", "330799001001001"),
    "G1b": ("V1", "grid", "330799001001002"),
    "G2": ("V2", "grid", "330799002001001"),
}
USERS: dict[str, tuple[str, str]] = {  # username: (role, area)
    "county": ("county_admin", "C"),
    "inspc": ("inspector", "C"),
    "town1": ("township_admin", "T1"),
    "town2": ("township_admin", "T2"),
    "insp1": ("inspector", "T1"),
    "m1": ("member", "G1"),
    "m1b": ("member", "G1b"),
    "m2": ("member", "G2"),
}
PLACES: dict[str, str] = {"P1": "G1", "P1b": "G1b", "P2": "G2"}  # place: grid
# a hazard at every place in each status a step starts from: key "place:status" → (place, status, level)
HAZARDS: dict[str, tuple[str, str, str]] = {
    f"{place}:{status}": (place, status, level) for place in PLACES
    for status, level in (("reported", "major"), ("ordered", "general"), ("rectified", "general"),
                          ("rechecked", "general"))}
NEW_USERS = ("member@G1", "member@G1b", "member@G2", "inspector@T1", "inspector@T2", "inspector@C",
             "township_admin@T1", "township_admin@T2", "county_admin@C")  # role@area of a user to create
MISSING_ID = 999_999
MISSING_GRID_CODE = "330799999999999"
NEW_GRID_BOUNDARY = box(121.0, 30.0, 121.01, 30.01)  # far from every grid of the county: no overlap


def path(area: str) -> str:
    """The materialized path of an area, in keys: '/C/T1/V1/G1/'."""
    parent = TREE[area][0]
    return (path(parent) if parent else "/") + area + "/"


def under(area: str, root: str) -> bool:
    return path(area).startswith(path(root))


def role(actor: str) -> str:
    return USERS[actor][0]


def covers(actor: str, area: str) -> bool:
    return under(area, USERS[actor][1])


def relation(actor: str, area: str) -> str:
    """Where the target lies, seen from the actor: in its own area, above it, or anywhere else."""
    if covers(actor, area):
        return "own"
    if under(USERS[actor][1], area):
        return "parent"
    return "sibling"


# --- the checks, in the order the endpoints make them -------------------------------------------------------------

@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str  # "role" and "scope" refusals must not depend on whether the object exists


Check = Callable[[str, str], "Refusal | None"]  # (actor, target) → refusal or None


def role_may(permission: str) -> Check:
    return lambda actor, target: None if role(actor) in PERMISSIONS[permission] else Refusal(403, "role")


def scope_covers(area_of: Callable[[str], str], refused: int = 404) -> Check:
    return lambda actor, target: None if covers(actor, area_of(target)) else Refusal(refused, "scope")


def role_grantable(role_of: Callable[[str], str]) -> Check:
    """Nobody grants, edits or issues a login for a role they could not have granted (a peer or a superior)."""
    return lambda actor, target: (
        None if role_of(target) in GRANTABLE_ROLES.get(role(actor), frozenset()) else Refusal(403, "grant"))


def parent_covered(actor: str, area: str) -> Refusal | None:
    """Editing an area is the business of the level above it: a township admin draws grids, not the township."""
    parent = TREE[area][0]
    return None if parent is not None and covers(actor, parent) else Refusal(403, "parent")


def member_evidence(actor: str, target: str) -> Refusal | None:
    """A member's 随手拍 needs client_uuid and a photo, which this generic body does not carry (tested apart)."""
    return Refusal(422, "evidence") if role(actor) == "member" else None


def can_have_children(actor: str, area: str) -> Refusal | None:
    return Refusal(422, "grid") if TREE[area][1] == "grid" else None


def place_area(place: str) -> str:
    return PLACES[place]


def hazard_area(hazard: str) -> str:
    return PLACES[HAZARDS[hazard][0]]


def hazards_in(status: str) -> tuple[str, ...]:
    return tuple(k for k, (_, s, _) in HAZARDS.items() if s == status)


def user_area(user: str) -> str:
    return USERS[user][1]


def new_user_role(target: str) -> str:
    return target.split("@")[0]


def new_user_area(target: str) -> str:
    return target.split("@")[1]


# --- the requests -------------------------------------------------------------------------------------------------

@dataclass
class Ref:
    """Turns a target key into what goes on the wire, or into a reference to nothing when ``missing``."""

    world: Any
    missing: bool

    def area(self, key: str) -> int:
        return MISSING_ID if self.missing else self.world.areas[key].id

    def place(self, key: str) -> int:
        return MISSING_ID if self.missing else self.world.places[key].id

    def user(self, key: str) -> int:
        return MISSING_ID if self.missing else self.world.users[key].id

    def hazard(self, key: str) -> int:
        return MISSING_ID if self.missing else self.world.hazard_ids[key]

    def grid_code(self, key: str) -> str:
        return MISSING_GRID_CODE if self.missing else TREE[key][2]

    def grid_of_hazard(self, key: str) -> int:
        """The grid of a hazard's place (a real one even for a missing hazard: the photo is not what is tested)."""
        return self.world.places[HAZARDS[key][0]].area_id


Request = tuple[str, str, dict[str, Any]]  # method, url, test-client keyword arguments


def child_of(parent: str, ref: Ref) -> Request:
    level = TREE[parent][1]
    body: dict[str, Any] = {"parent_id": ref.area(parent), "code": TREE[parent][2] + "009", "name": "新建区域"}
    if level == "village":
        body["boundary"] = NEW_GRID_BOUNDARY
    return "POST", "/api/v1/areas", {"json": body}


def import_into(grid: str, ref: Ref) -> Request:
    csv = f"名称,行业领域,网格编码\n新建五金厂,工贸,{ref.grid_code(grid)}\n".encode()
    return "POST", "/api/v1/places/import", {"data": {"file": (io.BytesIO(csv), "places.csv")},
                                             "content_type": "multipart/form-data"}


def hazard_step(step: str, body: dict[str, Any]) -> Callable[[str, Ref], Request]:
    return lambda t, r: ("POST", f"/api/v1/hazards/{r.hazard(t)}/{step}", {"json": body})


def new_user(target: str, ref: Ref) -> Request:
    return "POST", "/api/v1/users", {"json": {"username": "new_user", "display_name": "新用户",
                                              "role": new_user_role(target),
                                              "area_ids": [ref.area(new_user_area(target))]}}


@dataclass(frozen=True)
class Action:
    resource: str
    verb: str
    targets: tuple[str, ...]
    area_of: Callable[[str], str]
    checks: tuple[Check, ...]
    success: int
    request: Callable[[str, Ref], Request]
    writes: bool = False
    permission: str = ""

    def expected(self, actor: str, target: str) -> tuple[int, str]:
        for check in self.checks:
            refusal = check(actor, target)
            if refusal is not None:
                return refusal.status, refusal.reason
        return self.success, "ok"


def action(resource: str, verb: str, targets: Any, area_of: Callable[[str], str], permission: str,
           checks: tuple[Check, ...], success: int, request: Callable[[str, Ref], Request],
           writes: bool = False) -> Action:
    return Action(resource, verb, tuple(targets), area_of, (role_may(permission),) + checks, success, request,
                  writes, permission)


def same(key: str) -> str:
    return key


ACTIONS = (
    # areas
    action("area", "read", TREE, same, "area:read", (scope_covers(same),), 200,
           lambda t, r: ("GET", f"/api/v1/areas/{r.area(t)}", {})),
    action("area", "write", TREE, same, "area:write", (scope_covers(same), parent_covered), 200,
           lambda t, r: ("PATCH", f"/api/v1/areas/{r.area(t)}", {"json": {"name": "改名区域"}}), writes=True),
    action("area", "descendants", TREE, same, "area:read", (scope_covers(same),), 200,
           lambda t, r: ("GET", f"/api/v1/areas/{r.area(t)}/descendants", {})),
    action("area", "create-child", TREE, same, "area:write", (scope_covers(same), can_have_children), 201,
           child_of, writes=True),
    # places
    action("place", "list-by-area", TREE, same, "place:read", (), 200,  # a filter: out of scope is an empty list
           lambda t, r: ("GET", f"/api/v1/places?area_id={r.area(t)}&page_size=100", {})),
    action("place", "read", PLACES, place_area, "place:read", (scope_covers(place_area),), 200,
           lambda t, r: ("GET", f"/api/v1/places/{r.place(t)}", {})),
    action("place", "write", PLACES, place_area, "place:write", (scope_covers(place_area),), 200,
           lambda t, r: ("PATCH", f"/api/v1/places/{r.place(t)}", {"json": {"name": "改名五金厂"}}), writes=True),
    action("place", "delete", PLACES, place_area, "place:delete", (scope_covers(place_area),), 204,
           lambda t, r: ("DELETE", f"/api/v1/places/{r.place(t)}", {}), writes=True),
    action("place", "create-in", TREE, same, "place:write", (scope_covers(same, refused=422),), 201,
           lambda t, r: ("POST", "/api/v1/places", {"json": {"name": "新建五金厂", "sector": "工贸",
                                                             "area_id": r.area(t)}}), writes=True),
    # an import answers 200 with a per-row report; a row outside the scope is refused in the report
    action("place", "import-into", ("G1", "G1b", "G2"), same, "place:import", (scope_covers(same, refused=200),),
           200, import_into, writes=True),
    # users
    action("user", "read", USERS, user_area, "user:read", (scope_covers(user_area),), 200,
           lambda t, r: ("GET", f"/api/v1/users/{r.user(t)}", {})),
    action("user", "write", USERS, user_area, "user:write", (scope_covers(user_area), role_grantable(role)), 200,
           lambda t, r: ("PATCH", f"/api/v1/users/{r.user(t)}", {"json": {"display_name": "改名用户"}}),
           writes=True),
    action("user", "binding-code", USERS, user_area, "user:write", (scope_covers(user_area), role_grantable(role)),
           201, lambda t, r: ("POST", f"/api/v1/users/{r.user(t)}/binding-code", {}), writes=True),
    action("user", "create", NEW_USERS, new_user_area, "user:write",
           (role_grantable(new_user_role), scope_covers(new_user_area, refused=422)), 201, new_user, writes=True),
    # hazards: each step of the loop from the status it starts from (the state rules have tests of their own)
    action("hazard", "read", hazards_in("reported"), hazard_area, "hazard:read", (scope_covers(hazard_area),), 200,
           lambda t, r: ("GET", f"/api/v1/hazards/{r.hazard(t)}", {})),
    action("hazard", "create-at", PLACES, place_area, "hazard:create", (scope_covers(place_area), member_evidence),
           201,
           lambda t, r: ("POST", "/api/v1/hazards", {"json": {"place_id": r.place(t), "category": "疏散通道",
                                                             "level": "general", "description": "新发现隐患"}}),
           writes=True),
    action("hazard", "order", hazards_in("reported"), hazard_area, "hazard:order", (scope_covers(hazard_area),), 200,
           hazard_step("order", {"deadline": "2026-12-31", "measures": "清理疏散通道", "responsible_person": "李四"}),
           writes=True),
    action("hazard", "reject", hazards_in("reported"), hazard_area, "hazard:reject", (scope_covers(hazard_area),),
           200, hazard_step("reject", {"reason": "不属于隐患"}), writes=True),
    action("hazard", "correct", hazards_in("reported"), hazard_area, "hazard:correct", (scope_covers(hazard_area),),
           200, hazard_step("correction", {"responsible_party": "某某商店", "address": "东街 1 号",
                                           "reason": "场所登记有误"}), writes=True),
    action("hazard", "rectify", hazards_in("ordered"), hazard_area, "hazard:rectify", (scope_covers(hazard_area),),
           200, lambda t, r: ("POST", f"/api/v1/hazards/{r.hazard(t)}/rectify",
                              {"json": {"photo_ids": [rectification_photo(r.grid_of_hazard(t))],
                                        "statement": "已整改"}}), writes=True),
    action("hazard", "recheck", hazards_in("rectified"), hazard_area, "hazard:recheck", (scope_covers(hazard_area),),
           200, hazard_step("recheck", {"result": "pass"}), writes=True),
    action("hazard", "close", hazards_in("rechecked"), hazard_area, "hazard:close", (scope_covers(hazard_area),),
           200, hazard_step("close", {}), writes=True),
    action("hazard", "supervise", hazards_in("reported"), hazard_area, "hazard:supervise",
           (scope_covers(hazard_area),), 200,
           hazard_step("supervision", {"level": "county", "target_date": "2026-12-31", "supervisor": "王局长"}),
           writes=True),
    action("hazard", "stats", TREE, same, "hazard:report", (scope_covers(same),), 200,
           lambda t, r: ("GET", f"/api/v1/hazards/stats?area_id={r.area(t)}&start=2026-11-01&end=2026-11-30", {})),
    # the audit log is the county's
    action("audit", "read", ("log",), lambda t: "C", "audit:read", (), 200,
           lambda t, r: ("GET", "/api/v1/audit", {})),
)


@dataclass(frozen=True)
class Case:
    actor: str
    action: Action
    target: str
    status: int
    reason: str

    @property
    def id(self) -> str:
        a = self.action
        return f"{self.actor}-{a.verb}-{a.resource}-{self.target}-{relation(self.actor, a.area_of(self.target))}"


CASES = [Case(actor, a, target, *a.expected(actor, target)) for a in ACTIONS for target in a.targets for actor in USERS]


# --- one county for the whole matrix --------------------------------------------------------------------------------

TABLES = ("areas", "users", "user_areas", "binding_codes", "refresh_tokens", "places", "audit_log", "hazards",
          "hazard_events", "rectification_orders", "hazard_supervisions", "tasks", "task_assignments", "photos")


def add_hazards(session: Any, world: Any) -> None:
    """The hazards of HAZARDS, in the status each key names (written directly: the loop has tests of its own)."""
    from server.hazards.models import Hazard

    found = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
    made = {}
    for key, (place, status, level) in HAZARDS.items():
        p = world.places[place]
        made[key] = Hazard(place_id=p.id, area_id=p.area_id, sector=p.sector, category="疏散通道", level=level,
                           description=f"隐患{key}", status=status, source="inspector", found_at=found,
                           found_day=found.date(), photo_ids=[],
                           **({} if status == "reported" else {"deadline": date(2026, 12, 31),
                                                               "first_deadline": date(2026, 12, 31)}))
        session.add(made[key])
    # one after-photo per grid, of that grid: a member rectifying in their grid may name it (photos of the scope)
    from server.evidence.models import Photo
    for grid in {world.places[place].area_id for place, _, _ in HAZARDS.values()}:
        session.add(Photo(client_uuid=rectification_photo(grid), uploader_id=None, area_id=grid,
                          purpose="rectification", sha256="0" * 64, phash="0" * 16, format="jpeg", width=1,
                          height=1, size=1, original_key="originals/x", display_key="derived/x",
                          thumbnail_key="derived/x", has_camera_exif=True, flags=[]))
    session.commit()
    world.hazard_ids = {key: h.id for key, h in made.items()}


def rectification_photo(grid_id: int) -> str:
    return f"00000000-0000-4000-8000-{grid_id:012d}"


def db_rows(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the requests touch, in a stable order: equal before and after means unchanged."""
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}" ORDER BY 1, 2'))] for t in TABLES}


@dataclass
class County:
    """The app and the world shared by every case.  Refused requests are asserted to change nothing, so the world
    is rebuilt only when a case finds it changed (a write that succeeded, or another test's truncation)."""

    app: Any
    engine: Any
    world: Any = None
    pristine: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def fresh(self) -> dict[str, list[tuple[Any, ...]]]:
        rows = db_rows(self.engine)
        if self.world is None or rows != self.pristine:
            _truncate(self.engine)
            session = self.app.extensions["gridpatrol.sessionmaker"]()
            try:
                self.world = build_world(self.app, session)
                add_hazards(session, self.world)
            finally:
                session.close()
            rows = self.pristine = db_rows(self.engine)
        return rows


@pytest.fixture(scope="module")
def county(engine: Any, database_url: str, tmp_path_factory: Any) -> Iterator[County]:
    config = Config(database_url=database_url, store_dir=str(tmp_path_factory.mktemp("objects")),
                    url_signing_key="test-signing-key", jwt_keys="k1:test-key-one-0123456789abcdef0123",
                    testing=True)
    yield County(create_app(config, clock=FakeClock(), engine=engine), engine)
    _truncate(engine)


def send(county: County, actor: str, case_action: Action, target: str, missing: bool = False) -> Any:
    method, url, kwargs = case_action.request(target, Ref(county.world, missing))
    return county.app.test_client().open(url, method=method, headers=county.world.headers(actor), **kwargs)


def comparable(resp: Any, county: County, case: Case) -> str:
    """The answer with the reference itself blanked out, to compare an existing target with a missing one."""
    body = resp.get_json()
    if isinstance(body, dict):
        body.pop("file_sha256", None)  # an import report hashes the file, and the two files differ
    out = json.dumps(body, ensure_ascii=False, sort_keys=True)
    area = case.action.area_of(case.target)
    for ref in (MISSING_ID, MISSING_GRID_CODE, county.world.areas[area].id, TREE[area][2]):
        out = out.replace(f" {ref} ", " <ref> ")  # as messages quote them: "辖区 8 不存在…", "网格编码 … 不存在"
    return out


def place_names(keys: Any) -> set[str]:
    return {f"测试{k}五金厂" for k in keys}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_authorization_matrix(county: County, case: Case) -> None:
    before = county.fresh()
    a = case.action
    resp = send(county, case.actor, a, case.target)
    after = db_rows(county.engine)
    assert resp.status_code == case.status, (
        f"{case.id}: {role(case.actor)} expected {case.status} ({case.reason}), got {resp.status_code} "
        f"{resp.get_json(silent=True)}")

    if case.reason in ("role", "scope"):
        # neither a role refusal nor a scope refusal may tell a foreign object from one that does not exist
        missing = send(county, case.actor, a, case.target, missing=True)
        assert missing.status_code == resp.status_code
        assert comparable(resp, county, case) == comparable(missing, county, case)

    if a.writes and case.reason == "ok":
        assert after != before, f"{case.id} answered {resp.status_code} but wrote nothing"
        assert len(after["audit_log"]) > len(before["audit_log"]), f"{case.id} wrote without an audit entry"
    else:
        assert after == before, f"{case.id} was refused or only read, yet the database changed"

    body = resp.get_json(silent=True)
    if a.verb == "list-by-area":
        visible = {p for p, grid in PLACES.items() if under(grid, case.target) and covers(case.actor, grid)}
        assert {p["name"] for p in body} == place_names(visible)
        if not visible:  # an empty answer, the same as for an area that does not exist
            assert body == send(county, case.actor, a, case.target, missing=True).get_json()
    if a.verb == "descendants" and case.reason == "ok":
        assert {x["code"] for x in body} == {code for k, (_, _, code) in TREE.items()
                                             if under(k, case.target) and k != case.target}
    if a.verb == "import-into" and case.reason in ("ok", "scope"):
        assert (body["created"], body["failed"]) == ((1, 0) if case.reason == "ok" else (0, 1))


# --- the model is the fixture world, and the matrix covers every permission ------------------------------------------

def test_the_model_describes_the_fixture_world(world: Any) -> None:
    for key, (parent, level, code) in TREE.items():
        area = world.areas[key]
        assert (area.level, area.code) == (level, code)
        assert area.parent_id == (world.areas[parent].id if parent else None)
    for username, (user_role, area) in USERS.items():
        assert world.users[username].role == user_role
        assert [a.id for a in world.users[username].areas] == [world.areas[area].id]
    for place, grid in PLACES.items():
        assert world.places[place].area_id == world.areas[grid].id


def test_every_permission_and_role_is_in_the_matrix() -> None:
    resources = {a.resource for a in ACTIONS}  # a new permission on these resources must get its rows here
    assert {a.permission for a in ACTIONS} == {p for p in PERMISSIONS if p.split(":")[0] in resources}
    assert {role(u) for u in USERS} == set().union(*PERMISSIONS.values())
    relations = {(c.actor, relation(c.actor, c.action.area_of(c.target))) for c in CASES}
    for actor in USERS:  # the county's own users have nothing beside or above them; everyone else has all three
        expected = {"own"} if USERS[actor][1] == "C" else {"own", "sibling", "parent"}
        assert {r for a, r in relations if a == actor} == expected


# --- lists show exactly the scope ----------------------------------------------------------------------------------

LISTS = {  # resource: (url, permission, what each row is called, the rows an actor's scope covers)
    "places": ("/api/v1/places", "place:read", "name",
               lambda actor: place_names(p for p, grid in PLACES.items() if covers(actor, grid))),
    "users": ("/api/v1/users", "user:read", "username",
              lambda actor: {u for u, (_, area) in USERS.items() if covers(actor, area)}),
    "areas": ("/api/v1/areas", "area:read", "code",
              lambda actor: {code for k, (_, _, code) in TREE.items() if covers(actor, k)}),
    "hazards": ("/api/v1/hazards", "hazard:read", "description",
                lambda actor: {f"隐患{k}" for k in HAZARDS if covers(actor, hazard_area(k))}),
}


@pytest.mark.parametrize("actor", USERS)
@pytest.mark.parametrize("resource", LISTS)
def test_lists_show_exactly_the_scope(county: County, resource: str, actor: str) -> None:
    county.fresh()
    url, permission, key, visible = LISTS[resource]
    resp = county.app.test_client().get(f"{url}?page_size=100", headers=county.world.headers(actor))
    if role(actor) not in PERMISSIONS[permission]:
        assert resp.status_code == 403
        return
    assert resp.status_code == 200
    assert {row[key] for row in resp.get_json()} == visible(actor)
    assert json.loads(resp.headers["X-Pagination"])["total"] == len(visible(actor))


# a few of the rule's answers spelled out by hand, so that a wrong model cannot agree with a wrong server

def names(client: Any, world: Any, url: str, actor: str, key: str) -> set[str]:
    return {row[key] for row in client.get(f"{url}?page_size=100", headers=world.headers(actor)).get_json()}


def test_member_lists_only_the_places_of_their_grid(client: Any, world: Any) -> None:
    assert names(client, world, "/api/v1/places", "m1", "name") == {"测试P1五金厂"}
    assert names(client, world, "/api/v1/places", "m2", "name") == {"测试P2五金厂"}


def test_township_admin_lists_both_grids_of_the_township_but_not_the_other_township(client: Any, world: Any) -> None:
    assert names(client, world, "/api/v1/places", "town1", "name") == {"测试P1五金厂", "测试P1b五金厂"}
    assert names(client, world, "/api/v1/users", "town1", "username") == {"town1", "insp1", "m1", "m1b"}
    assert names(client, world, "/api/v1/areas", "town1", "name") == {"城关镇", "东溪村", "东溪村第1网格",
                                                                     "东溪村第2网格"}


def test_county_admin_lists_everything(client: Any, world: Any) -> None:
    assert len(names(client, world, "/api/v1/places", "county", "name")) == 3
    assert len(names(client, world, "/api/v1/users", "county", "username")) == 8
    assert len(names(client, world, "/api/v1/areas", "county", "code")) == 8


def test_township_admin_grants_members_and_inspectors_in_own_township_only(client: Any, world: Any) -> None:
    def create(role_name: str, area: str) -> Any:
        return client.post("/api/v1/users", headers=world.headers("town1"), json={
            "username": f"new_{role_name}_{area}", "display_name": "新用户", "role": role_name,
            "area_ids": [world.areas[area].id]})

    assert create("member", "G1b").status_code == 201
    assert create("inspector", "T1").status_code == 201
    assert create("member", "G2").status_code == 422  # another township's grid
    assert create("county_admin", "C").status_code == 403  # never more than they hold
    assert create("township_admin", "T1").status_code == 403  # nor a peer
    users = names(client, world, "/api/v1/users", "county", "username")
    assert {u for u in users if u.startswith("new_")} == {"new_member_G1b", "new_inspector_T1"}
