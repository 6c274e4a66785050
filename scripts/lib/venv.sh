# ensure_venv [extra]: make .venv if missing and install the project (with the given extra) when pyproject changed.
ensure_venv() {
  local extra=${1:-}
  local spec="."
  [ -n "$extra" ] && spec=".[$extra]"
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/pip install -q --upgrade pip
  fi
  local stamp=".venv/.installed-${extra:-base}"
  local want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/pip install -q -e "$spec"
    echo "$want" > "$stamp"
  fi
}
