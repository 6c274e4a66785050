"""The demo county's history: seeded through the services, deterministic for a seed, every stage of every loop on
the boards, photos in the object store the configuration names (the real S3 server under ./scripts/test)."""
from __future__ import annotations

import itertools
import os
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from server import demo, demo_activity
from server.audit.models import AuditEntry
from server.auth.models import User
from server.auth.scope import actor_for
from server.common.timeutil import LOCAL_TZ
from server.dispatch.models import TaskAssignment
from server.evidence.models import Photo
from server.hazards.models import (
    Hazard,
    HazardEvent,
    HazardSupervision,
    RectificationOrder,
)
from server.org.models import Area
from server.patrol.models import CheckIn, PublicityVisit, Visit
from server.ranking.models import RankingEntry, RankingRun
from server.reports import service as reports
from server.reports.models import Bulletin, DailyReport
from server.review import service as review
from server.storage import LocalObjectStore, S3ObjectStore
from server.tipoffs.models import Tipoff, TipoffReward

TODAY = date(2026, 3, 4)  # the history: all of February and 1-3 March (31 days, ending on working days)
DAYS = 31


def _s3_store() -> Any:
    if not os.environ.get("GRIDPATROL_TEST_S3_ENDPOINT"):
        return None
    return S3ObjectStore(os.environ["GRIDPATROL_TEST_S3_ENDPOINT"], os.environ["GRIDPATROL_TEST_S3_ACCESS_KEY"],
                         os.environ["GRIDPATROL_TEST_S3_SECRET_KEY"], f"gp-demo-{uuid.uuid4().hex[:8]}")


def _seed(app: Any, session: Any, store: Any, seed: int = 7) -> demo_activity.Made:
    demo.generate(session, demo.TINY, seed=seed)
    session.commit()
    with app.app_context():
        return demo_activity.seed(session, app.extensions["gridpatrol.config"], store, today=TODAY, seed=seed,
                                  profile=demo_activity.PROFILES["tiny"])


def _counts(session: Any) -> dict[str, int]:
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
            for m in (CheckIn, Visit, PublicityVisit, DailyReport, Photo, Hazard, HazardEvent, Tipoff, Bulletin,
                      RankingEntry)}


def test_the_demo_history_shows_every_stage_through_the_services_and_replays_the_same(app, session, engine,
                                                                                      tmp_path, client, clock):
    store = _s3_store() or app.extensions["gridpatrol.store"]
    made = _seed(app, session, store)
    assert (made.first_day, made.last_day) == (date(2026, 2, 1), TODAY - timedelta(days=1))

    # hazards: every status of the loop, overdue, escalated, supervised (one signed off, one still open)
    statuses = set(session.scalars(select(Hazard.status)))
    assert statuses >= {"reported", "ordered", "rectified", "rechecked", "closed", "rejected"}
    ordered = session.execute(select(Hazard.deadline).where(Hazard.status == "ordered")).scalars().all()
    assert any(d < TODAY for d in ordered) and any(d < TODAY - timedelta(days=3) for d in ordered)
    assert any(d >= TODAY for d in ordered)
    supervised = session.scalars(select(HazardSupervision)).all()
    assert any(s.signed_off_at is not None for s in supervised) and any(s.signed_off_at is None for s in supervised)
    assert session.scalar(select(func.count()).select_from(RectificationOrder).where(RectificationOrder.round == 2))
    # ... and each step of each hazard is in its history, in order, ending where the hazard stands
    for hazard in session.scalars(select(Hazard)):
        events = hazard.events
        assert events[0].action == "create" and events[0].to_status == "reported"
        for before, after in itertools.pairwise(events):
            assert after.from_status == before.to_status, (hazard.id, [(e.action, e.to_status) for e in events])
        assert events[-1].to_status == hazard.status
        assert len(hazard.orders) == sum(e.action == "order" for e in events) + sum(
            e.action == "recheck" and e.to_status == "ordered" for e in events)

    # tip-offs: new, routed (an address only, sent on by the county), rejected, merged, converted; a reward paid
    tipoffs = session.scalars(select(Tipoff)).all()
    assert {t.status for t in tipoffs} == {"received", "rejected", "merged", "converted"}
    grids = set(session.scalars(select(Area.id).where(Area.level == "grid")))
    assert any(t.status == "received" and t.lat is None and t.area_id in grids for t in tipoffs)  # routed
    assert any(t.status == "received" and t.lat is not None for t in tipoffs)
    assert session.scalar(select(func.count()).select_from(TipoffReward).where(TipoffReward.paid_on.is_not(None)))
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "tipoffs.reveal_phone"))

    # last month's ranking is published and ranks the members apart; this month has a draft
    run = session.scalar(select(RankingRun).where(RankingRun.month == "2026-02", RankingRun.status == "published"))
    assert run is not None and run.revision == 1
    members = session.scalar(select(func.count()).select_from(User).where(User.role == "member"))
    entries = session.scalars(select(RankingEntry).where(RankingEntry.run_id == run.id,
                                                         RankingEntry.level == "member")).all()
    assert len(entries) == members and len({e.score for e in entries}) > 1
    assert session.scalar(select(RankingRun).where(RankingRun.month == "2026-03", RankingRun.status == "draft"))

    # the review queue: the last two days pending, some flagged; older decisions made, rejections with reasons
    queue = [item for admin in session.scalars(select(User).where(User.role == "township_admin"))
             for item in review.queue(session, actor_for(admin))]
    recent = {TODAY - timedelta(days=1), TODAY - timedelta(days=2)}
    pending = [item["record"] for item in queue if item["type"] != "rectification"]
    assert pending and {r.day for r in pending} >= recent
    assert any(r.flags and r.day in recent for r in pending)
    flags = {f for m in (CheckIn, Visit, PublicityVisit) for fs in session.scalars(select(m.flags)) for f in fs}
    assert flags >= {"photo_duplicate_sha256", "photo_near_duplicate", "photo_exif_gps_far",
                     "photo_no_camera_exif", "photo_exif_time_far", "out_of_area"}
    for model in (CheckIn, Visit):
        assert session.scalar(select(func.count()).select_from(model).where(model.review_status == "approved"))
    rejected = [r for m in (CheckIn, Visit, PublicityVisit)
                for r in session.scalars(select(m).where(m.review_status == "rejected"))]
    assert rejected and all(r.review_reason for r in rejected)

    # clock-ins: most before nine, some late, some sent hours later from an offline phone, some outside the grid;
    # visits answer their checklist, with photos on the answers; publicity; tasks, some done, some still open
    checkins = session.scalars(select(CheckIn)).all()
    late = [c for c in checkins if c.occurred_at.astimezone(LOCAL_TZ).hour >= 9]
    assert 0 < len(late) < len(checkins) / 4
    assert any(c.received_at - c.occurred_at > timedelta(hours=1) for c in checkins)
    assert any(c.geofence == "out_of_area" for c in checkins)
    visits = session.scalars(select(Visit)).all()
    assert visits and all(v.answers for v in visits)
    assert any(a.get("photo_ids") for v in visits for a in v.answers)
    assert session.scalar(select(func.count()).select_from(PublicityVisit))
    assert set(session.scalars(select(TaskAssignment.status))) >= {"open", "done"}

    # a report stores its day's counts, counted in the database: the same as the draft's lists, on every day
    for report in session.scalars(select(DailyReport)):
        member = session.get(User, report.user_id)
        d = reports.draft(session, actor_for(member), report.day, TODAY)
        assert reports.day_counts(session, member.id, report.day) == {
            "clocked_in": d["checkin"] is not None, "visits": len(d["visits"]), "hazards": len(d["hazards"]),
            "major_hazards": sum(h.level == "major" for h in d["hazards"]), "publicity": len(d["publicity"]),
            "tasks_done": len(d["tasks_done"]), "tasks_open": len(d["tasks_open"])}, (member.username, report.day)

    # reports (some late, some missing) and a bulletin per township and past day
    assert session.scalar(select(func.count()).select_from(DailyReport).where(DailyReport.late.is_(True)))
    townships = session.scalar(select(func.count()).select_from(Area).where(Area.level == "township"))
    assert session.scalar(select(func.count()).select_from(Bulletin)) == townships * DAYS
    assert any(b.content["reports_missing"] for b in session.scalars(select(Bulletin)))

    # made by the services as the people who did it: the audit log names members and admins, and every photo's
    # objects are in the store
    actors = set(session.scalars(select(AuditEntry.actor_name).distinct()))
    assert {"town01", "admin", "public"} <= actors and any(a.startswith("member") for a in actors)
    photos = session.scalars(select(Photo)).all()
    assert len(photos) >= session.scalar(select(func.count()).select_from(CheckIn))
    for photo in photos:
        for key in (photo.original_key, photo.display_key, photo.thumbnail_key):
            assert store.stat(key).size > 0
    assert demo_activity.summary(session, made)[0].startswith("history 2026-02-01 to 2026-03-03 (31 days)")

    # the decided reviews name their reviewer (a township admin) and a time inside the history
    decided = [r for m in (CheckIn, Visit, PublicityVisit)
               for r in session.scalars(select(m).where(m.review_status.in_(("approved", "rejected"))))]
    reviewers = {u.id: u.role for u in session.scalars(select(User).where(User.role == "township_admin"))}
    assert decided and all(reviewers.get(r.reviewed_by_id) == "township_admin" for r in decided)
    assert all(date(2026, 2, 1) <= r.reviewed_at.date() <= TODAY for r in decided)

    _boards_are_not_empty(client, clock)

    # the same seed replays the same history, into another store
    from tests.conftest import _truncate

    digest, counts = demo_activity.digest(session), _counts(session)
    session.close()
    _truncate(engine)
    again = _seed(app, session, LocalObjectStore(tmp_path / "again", public_url="http://localhost", signing_key="k"))
    assert (_counts(session), demo_activity.digest(session), again.counts) == (counts, digest, made.counts)


def _boards_are_not_empty(client: Any, clock: Any) -> None:
    """What a newcomer opens on the morning after the history, through the API the console and the phone use: no
    board, queue or list is empty, and each shows what it is there to show."""
    clock.set(datetime(2026, 3, 4, 1, 30, tzinfo=UTC))  # 09:30 in the county

    def get(user: str, url: str) -> Any:
        token = client.post("/api/v1/auth/login", json={"username": user, "password": demo.DEMO_PASSWORD})
        assert token.status_code == 200, token.get_json()
        resp = client.get(url, headers={"Authorization": f"Bearer {token.get_json()['access_token']}"})
        assert resp.status_code == 200, (url, resp.get_json())
        return resp.get_json()

    # the township admin's desk: the review queue (flagged first), decisions with who/when/why, the board, the
    # day's dispatch, yesterday's bulletin, the members' reports, places and people
    queue = get("town01", "/api/v1/reviews")
    assert queue and queue[0]["flags"]
    decided = get("town01", "/api/v1/reviews?status=decided")
    assert decided and all(d["reviewed_by"] and d["reviewed_at"] for d in decided)
    assert any(d["review_status"] == "rejected" and d["review_reason"] for d in decided)
    for url in ("/api/v1/hazards", "/api/v1/tasks", "/api/v1/reports", "/api/v1/places", "/api/v1/users",
                "/api/v1/bulletins"):
        assert get("town01", url), url
    # the county's desk: every stage of the board, overdue and escalated, supervision, the tip-off queue, the
    # rewards ledger with a paid reward, the months of the ranking, the audit log
    board = get("admin", "/api/v1/hazards?page_size=100")
    assert {h["status"] for h in board} >= {"reported", "ordered", "rectified", "rechecked", "closed", "rejected"}
    assert any(h["overdue_days"] for h in board) and get("admin", "/api/v1/hazards/escalated")
    assert get("admin", "/api/v1/hazards/supervised")["items"]
    assert get("admin", "/api/v1/hazards/stats?start=2026-02-01&end=2026-03-03")
    assert any(t["status"] == "received" for t in get("admin", "/api/v1/tipoffs"))
    ledger = get("admin", "/api/v1/tipoffs/rewards?start=2026-02-01&end=2026-03-03")
    assert any(row["reward"]["paid_on"] for row in ledger["rows"])
    months = {m["month"]: m for m in get("admin", "/api/v1/rankings/months")}
    assert months["2026-02"]["revisions"] and months["2026-03"]["draft"]
    assert get("admin", "/api/v1/audit")
    # a member's phone: today's screen, their tasks, their reports
    for url in ("/api/v1/me/today", "/api/v1/me/tasks", "/api/v1/reports"):
        assert get("member0001", url), url


@pytest.mark.parametrize("kind", ["camera", "screenshot"])
def test_a_shot_carries_the_exif_its_story_needs(kind):
    """The hand-written EXIF reads back as a camera's (or as none, for a screenshot) through the media library."""
    import media

    bases = demo_activity._base_pictures(__import__("random").Random(1), 2)
    jpeg, cut = bases[0]
    taken = datetime(2026, 2, 3, 1, 2, 3, tzinfo=UTC)
    camera = None if kind == "screenshot" else ("HUAWEI", "NOVA 9")
    gps = None if kind == "screenshot" else (29.301234, 120.051234)
    facts = media.inspect(jpeg[:cut] + demo_activity.exif_segment(camera, taken if camera else None, gps) + jpeg[cut:])
    if kind == "screenshot":
        assert not facts.has_camera_exif and facts.gps is None
    else:
        assert (facts.make, facts.model) == camera and facts.taken_at == taken and facts.taken_at_has_offset
        assert abs(facts.gps.lat - 29.301234) < 1e-5 and abs(facts.gps.lng - 120.051234) < 1e-5
