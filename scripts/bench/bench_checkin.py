#!/usr/bin/env python3
"""Clock-in capacity under gunicorn on PostgreSQL, the load from wrk, against two floors measured in the same run.

Run through ./scripts/bench/run checkin (it starts PostgreSQL with PostGIS and S3).  Setup: the county-scale data,
GRIDPATROL_BENCH_MEMBERS members signed in through POST /api/v1/auth/login, each uploading a photo through
POST /api/v1/photos; then wrk (scripts/bench/checkin.lua) posts real clock-ins of those members at a point in their
grid, a fresh client_uuid each, over 50 keep-alive connections.  Three servers, the same gunicorn settings:
- the bare floor: a Flask JSON endpoint that only parses and answers (scripts/bench/floor_app.py);
- the SQL floor: the same checks and writes as a clock-in, by hand-written psycopg SQL
  (scripts/bench/bench_checkin_floor_sql.py): the honest floor of a correct clock-in;
- POST /api/v1/checkins of the app.
For each: req/s and p50/p99 at saturation (connections back to back) and at about half of the saturation rate
(each connection paced), non-201 answers and socket errors (counted, never fatal), CPU ms per request of the
gunicorn workers and of PostgreSQL.  In process, without load: SQL statements and app CPU ms per clock-in.
GRIDPATROL_BENCH_CHECKIN_PROFILE=N prints instead of the wrk runs the statements of one clock-in and the N top lines
(cumulative) of a cProfile of 300 clock-ins in process.
"""
from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import shapely

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

CONNECTIONS = int(os.environ.get("GRIDPATROL_BENCH_CLIENTS", "50"))
SECONDS = int(os.environ.get("GRIDPATROL_BENCH_SECONDS", "15"))
WORKERS = os.environ.get("GRIDPATROL_BENCH_WORKERS", "4")
THREADS = os.environ.get("GRIDPATROL_BENCH_THREADS", "4")
MEMBERS = int(os.environ.get("GRIDPATROL_BENCH_MEMBERS", "200"))
PROFILE = int(os.environ.get("GRIDPATROL_BENCH_CHECKIN_PROFILE", "0"))  # > 0: print that many cProfile lines
JWT_KEYS = "bench:bench-secret-key-0123456789abcdef"
LOG = open(os.environ.get("GRIDPATROL_BENCH_LOG", "/tmp/gridpatrol-bench-gunicorn.log"), "ab")  # noqa: SIM115
LUA = ROOT / "scripts/bench/checkin.lua"


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def app_env(url: str) -> dict[str, str]:
    env = {"GRIDPATROL_DATABASE_URL": url, "GRIDPATROL_JWT_KEYS": JWT_KEYS, "GRIDPATROL_LOG_LEVEL": "WARNING",
           "GRIDPATROL_URL_SIGNING_KEY": "bench-signing-key", "GRIDPATROL_RATELIMIT_LOGIN": "100000 per minute",
           "GRIDPATROL_ACCESS_TOKEN_SECONDS": "7200"}
    if os.environ.get("GRIDPATROL_BENCH_S3_ENDPOINT"):
        env |= {"GRIDPATROL_STORE": "s3", "GRIDPATROL_S3_ENDPOINT": os.environ["GRIDPATROL_BENCH_S3_ENDPOINT"],
                "GRIDPATROL_S3_ACCESS_KEY": os.environ["GRIDPATROL_BENCH_S3_ACCESS_KEY"],
                "GRIDPATROL_S3_SECRET_KEY": os.environ["GRIDPATROL_BENCH_S3_SECRET_KEY"],
                "GRIDPATROL_S3_BUCKET": "bench-checkin"}
    else:
        env["GRIDPATROL_STORE_DIR"] = tempfile.mkdtemp(prefix="gridpatrol-bench-objects-")
    return env


def serve(app_spec: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", WORKERS, "--worker-class", "gthread", "--threads", THREADS,
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(ROOT), app_spec],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=LOG, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            httpx.get(base + "/", timeout=0.5)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"gunicorn did not start; see {LOG.name}")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


# --- CPU of the server processes ------------------------------------------------------------------------------------

def _ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (FileNotFoundError, ProcessLookupError):
        return 0


def _children(ppid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == ppid:
                        out.append(int(d))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return out


def cpu_seconds(gunicorn_pid: int, postmaster_pid: int) -> tuple[float, float]:
    hz = os.sysconf("SC_CLK_TCK")
    web = sum(_ticks(p) for p in [gunicorn_pid, *_children(gunicorn_pid)]) / hz
    db = sum(_ticks(p) for p in [postmaster_pid, *_children(postmaster_pid)]) / hz
    return web, db


def postmaster_pid(url: str) -> int:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        data_dir = conn.execute(text("SHOW data_directory")).scalar()
    engine.dispose()
    return int(Path(data_dir, "postmaster.pid").read_text().split()[0])


# --- the load -------------------------------------------------------------------------------------------------------

def wrk(base: str, members_file: str, seconds: int, connections: int, delay_ms: float = 0) -> dict:
    env = {**os.environ, "CHECKIN_MEMBERS": members_file, "CHECKIN_DELAY_MS": f"{delay_ms:.3f}"}
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA),
                          base], capture_output=True, text=True, env=env, timeout=seconds + 60, check=False)
    m = re.search(r"WRKJSON (\{.*\})", out.stdout)
    if not m:
        raise SystemExit(f"wrk printed no figures:\n{out.stdout}\n{out.stderr}")
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["socket_errors"] = r["connect"] + r["read"] + r["write"] + r["timeout"]
    return r


def show(label: str, r: dict) -> None:
    cpu = (f"   CPU/req web {r['web_ms']:5.2f} ms + db {r['db_ms']:5.2f} ms" if "web_ms" in r else "")
    print(f"  {label:<34} {r['rps']:7.0f} req/s   p50 {r['p50_us'] / 1000:6.1f} ms   p99 {r['p99_us'] / 1000:7.1f} ms"
          f"   non-201 {r['non201']}   socket errors {r['socket_errors']}{cpu}", flush=True)


def measure(label: str, app_spec: str, env: dict[str, str], members_file: str, pm_pid: int) -> tuple[dict, dict]:
    proc, base = serve(app_spec, env)
    try:
        wrk(base, members_file, 3, 8)  # warm up workers, pools, statement caches
        before = cpu_seconds(proc.pid, pm_pid)
        sat = wrk(base, members_file, SECONDS, CONNECTIONS)
        after = cpu_seconds(proc.pid, pm_pid)
        sat["web_ms"] = (after[0] - before[0]) / max(sat["requests"], 1) * 1000
        sat["db_ms"] = (after[1] - before[1]) / max(sat["requests"], 1) * 1000
        show(f"{label}, saturated", sat)
        # about half the saturation rate: each connection waits so that CONNECTIONS of them offer rps / 2
        delay = max(0.0, CONNECTIONS / (sat["rps"] / 2) * 1000 - sat["p50_us"] / 2000)
        half = wrk(base, members_file, SECONDS, CONNECTIONS, delay)
        show(f"{label}, ~half ({half['rps']:.0f} req/s)", half)
    finally:
        stop(proc)
    return sat, half


# --- setup: members signed in, photos uploaded ----------------------------------------------------------------------

def _jpeg(seed: int) -> bytes:
    from PIL import Image
    rng = random.Random(seed)
    img = Image.new("RGB", (320, 240))
    for x in range(0, 320, 16):
        for y in range(0, 240, 16):
            img.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (x, y, x + 16, y + 16))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "HUAWEI", "NOVA 9"
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, exif=exif)
    return buf.getvalue()


def sign_in_members(url: str, base: str, accounts: list[dict], path: str) -> None:
    """Log in each member, upload one photo for clock-ins, and write "token|lat|lng|photo" lines for wrk."""
    from sqlalchemy import create_engine, select

    from server.auth.models import User, UserArea
    from server.org.models import Area
    engine = create_engine(url)
    names = [a["username"] for a in accounts if a["role"] == "member"]
    random.Random(5).shuffle(names)
    names = names[:MEMBERS]
    with engine.connect() as conn:
        where = dict(conn.execute(select(User.username, Area.boundary).join(UserArea, UserArea.user_id == User.id)
                                  .join(Area, Area.id == UserArea.area_id).where(User.username.in_(names))).all())
    engine.dispose()

    def one(n: int, name: str) -> str:
        with httpx.Client(base_url=base, timeout=60) as http:
            r = http.post("/api/v1/auth/login", json={"username": name, "password": accounts[0]["password"]})
            r.raise_for_status()
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            photo = str(uuid.uuid4())
            r = http.post("/api/v1/photos", headers=headers, data={"client_uuid": photo, "purpose": "checkin"},
                          files={"file": ("wx.jpg", _jpeg(n), "image/jpeg")})
            if r.status_code != 201:
                raise SystemExit(f"photo upload answered {r.status_code}: {r.text}")
        point = shapely.from_geojson(json.dumps(where[name])).representative_point()
        return f"{headers['Authorization'][7:]}|{point.y:.7f}|{point.x:.7f}|{photo}"

    with ThreadPoolExecutor(4) as pool:
        lines = list(pool.map(one, range(len(names)), names))
    Path(path).write_text("\n".join(lines) + "\n")


# --- in process: statements and CPU per clock-in ---------------------------------------------------------------------

def in_process(url: str, members_file: str, n: int = 300) -> tuple[float, float]:
    """(SQL statements, app CPU ms) per clock-in through the Flask test client, one at a time, no load."""
    from sqlalchemy import event

    from server.app import create_app
    from server.config import Config
    app = create_app(Config.from_env(app_env(url)))
    engine = app.extensions["gridpatrol.engine"]
    count = [0]
    event.listen(engine, "before_cursor_execute", lambda *a, **k: count.__setitem__(0, count[0] + 1))
    lines = [ln.split("|") for ln in Path(members_file).read_text().split()]
    client = app.test_client()

    def post(token: str, lat: str, lng: str, photo: str) -> None:
        body = {"client_uuid": str(uuid.uuid4()), "device_time": datetime.now(UTC).isoformat(),
                "location": {"lat": float(lat), "lng": float(lng), "accuracy": 10.0}, "photo_ids": [photo]}
        r = client.post("/api/v1/checkins", json=body, headers={"Authorization": f"Bearer {token}"})
        if r.status_code != 201:
            raise SystemExit(f"in-process clock-in answered {r.status_code}: {r.get_json()}")

    for line in lines[:20]:
        post(*line)
    count[0] = 0
    t = time.process_time()
    for i in range(n):
        post(*lines[i % len(lines)])
    cpu_ms = (time.process_time() - t) / n * 1000
    statements = count[0] / n
    if PROFILE:
        import cProfile
        import pstats
        seen: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda _c, _cur, stmt, *a: seen.append(" ".join(stmt.split()[:4])))
        post(*lines[0])
        print("  the statements of one clock-in: " + " | ".join(seen))
        prof = cProfile.Profile()
        prof.enable()
        for i in range(n):
            post(*lines[i % len(lines)])
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(PROFILE)
    return statements, cpu_ms


def main() -> None:
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    if not url:
        sys.exit("set GRIDPATROL_BENCH_DATABASE_URL or run ./scripts/bench/run checkin")
    from gen_scale import seed
    made = seed(url, places=False)
    env = app_env(url)
    members_file = tempfile.mktemp(prefix="gridpatrol-bench-members-")
    proc, base = serve("server.app:create_app()", env)
    try:
        t = time.perf_counter()
        sign_in_members(url, base, made.accounts, members_file)
        print(f"setup: {made.grids} grids, {made.members} members; {MEMBERS} signed in and one photo each uploaded "
              f"in {time.perf_counter() - t:.0f} s; wrk 2 threads x {CONNECTIONS} connections, {SECONDS} s a run; "
              f"gunicorn gthread {WORKERS} workers x {THREADS} threads", flush=True)
    finally:
        stop(proc)
    pm = postmaster_pid(url)
    statements, cpu_ms = in_process(url, members_file)
    print(f"in process, one at a time: {statements:.1f} SQL statements and {cpu_ms:.1f} ms app CPU per clock-in "
          f"(the SQL floor: 4 statements and a commit)", flush=True)
    if PROFILE:
        return

    bare, bare_half = measure("bare Flask JSON endpoint", "scripts.bench.floor_app:app", {}, members_file, pm)
    sql, sql_half = measure("hand-written SQL floor", "scripts.bench.bench_checkin_floor_sql:app", env, members_file,
                            pm)
    real, real_half = measure("POST /api/v1/checkins", "server.app:create_app()", env, members_file, pm)
    for name, r in (("SQL floor", sql), ("SQL floor ~half", sql_half), ("clock-in", real),
                    ("clock-in ~half", real_half)):
        if r["non201"] or r["socket_errors"]:
            print(f"  note: {name}: {r['non201']} non-201 answers (last {r['last_bad_status']}), "
                  f"{r['socket_errors']} socket errors")
    print(f"clock-in saturation throughput = {real['rps'] / sql['rps']:.0%} of the hand-written SQL floor "
          f"(goal >= 50%), {real['rps'] / bare['rps']:.1%} of the bare JSON floor")
    print(f"clock-in p99 at ~half saturation ({real_half['rps']:.0f} req/s over {CONNECTIONS} connections) = "
          f"{real_half['p99_us'] / 1000:.1f} ms (goal < 50 ms; SQL floor {sql_half['p99_us'] / 1000:.1f} ms, bare "
          f"{bare_half['p99_us'] / 1000:.1f} ms)")
    valid = not (real["non201"] or real_half["non201"] or real["socket_errors"] or real_half["socket_errors"])
    print("figures valid: every clock-in answered 201" if valid else "figures NOT valid: see the notes above")


if __name__ == "__main__":
    main()
