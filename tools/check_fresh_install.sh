#!/usr/bin/env bash
# What a new user gets: build the wheel, install it with nothing but its declared dependencies into
# a new virtual environment in a temporary folder, and run every command that README.md shows,
# from a folder outside the checkout. Fails on a non-zero exit, a traceback or a missing output.
#
# Replication counts are shrunk (--runs, --realisations) so that the whole check takes a few
# minutes; each command is otherwise the README's, on the same scenarios. The first run compiles
# the numba kernels (about 30 s), as it does after any fresh install.
#
# Usage: tools/check_fresh_install.sh   (PYTHON=python3.12 to choose the interpreter;
#                                         KEEP=1 to keep the temporary folder and print its path)
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/shieldwall-fresh.XXXXXX")
VENV=$WORK/venv
SERVER_PID=

cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

START=$(date +%s)
STEPS=0
FAILED=()
mkdir -p "$WORK/log" "$WORK/use"

# step NAME COMMAND: run COMMAND (a shell line) in $WORK/use; it must exit 0 without a traceback.
# step_rc CODE NAME COMMAND: the same, expecting exit code CODE.
step_rc() {
    local want=$1 name=$2 command=$3 log t0 rc
    STEPS=$((STEPS + 1))
    log=$WORK/log/$(printf %02d "$STEPS")
    t0=$(date +%s)
    (cd "$WORK/use" && bash -c "$command") >"$log.out" 2>"$log.err" </dev/null
    rc=$?
    if [ "$rc" -ne "$want" ] || grep -q "Traceback" "$log.out" "$log.err"; then
        echo "FAIL  $name (exit $rc, expected $want): $command"
        tail -n 15 "$log.err" "$log.out" | sed 's/^/      /'
        FAILED+=("$name")
    else
        echo "ok    $name ($(($(date +%s) - t0)) s)"
    fi
}
step() { step_rc 0 "$@"; }

echo "fresh install in $WORK"

# A new virtual environment, its own pip, no access to the checkout's environment.
unset VIRTUAL_ENV PYTHONPATH PYTHONHOME
export PYTHONNOUSERSITE=1
"$PYTHON" -m venv "$VENV" || exit 1
export PATH="$VENV/bin:$PATH"
# The analysis cache of compare and value starts empty too.
export SHIELDWALL_CACHE=$WORK/cache

# Build from a copy of the tracked and not-ignored files (what a clone has), so that the build
# leaves nothing in the checkout and a stray local file cannot hide a packaging mistake.
mkdir -p "$WORK/src"
(git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
    | (cd "$ROOT" && xargs -0 tar -cf - --ignore-failed-read) | tar -xf - -C "$WORK/src") || exit 1

step "build the wheel" "pip wheel '$WORK/src' --no-deps -w '$WORK/dist' -q"
step "install the wheel" "pip install -q '$WORK'/dist/shieldwall-*.whl"
if [ "${#FAILED[@]}" -gt 0 ]; then exit 1; fi
step "the wheel, not the checkout, and no test tools" "python - <<'EOF'
import importlib.util, pathlib, sys, shieldwall
assert pathlib.Path(shieldwall.__file__).is_relative_to(sys.prefix), shieldwall.__file__
assert importlib.util.find_spec('pytest') is None, 'pytest is installed: not a bare install'
EOF"

# --- Quick start (README: --runs 500; shrunk to 20) -------------------------------------------
step "run april-2024 (quick start)" "shieldwall run april-2024 --runs 20 --workers 2"
step "results folder holds every file the README lists" "python - <<'EOF'
from pathlib import Path
folder = Path('results/april-2024')
# Each table is a folder of Parquet parts; the rest are files.
for name in ('threats.parquet', 'shots.parquet', 'refusals.parquet', 'decisions.parquet', 'replications.parquet'):
    assert (folder / name).is_dir() and any((folder / name).glob('*.parquet')), name
for name in ('results.duckdb', 'scenario.yaml', 'summary.json', 'manifest.json'):
    assert (folder / name).is_file(), name
EOF"
step "run --json prints one JSON document" \
    "shieldwall run tutorial --runs 20 --workers 2 --out results/tutorial --json > run.json && python -c 'import json; json.load(open(\"run.json\"))'"

# --- Then look at it, compare variants, and value the partners --------------------------------
step "report" "shieldwall report results/april-2024 && test -s results/april-2024/report.html"
# serve: as the README's, on a free port (--port 0) rather than 8765, stopped with Ctrl-C (SIGINT).
serve_check() {
    local url=
    STEPS=$((STEPS + 1))
    local log=$WORK/log/$(printf %02d "$STEPS") t0 rc
    t0=$(date +%s)
    (cd "$WORK/use" && exec shieldwall serve results/april-2024 --port 0) >"$log.out" 2>"$log.err" </dev/null &
    SERVER_PID=$!
    for _ in $(seq 1200); do
        url=$(head -n 1 "$log.out" 2>/dev/null)
        if [ -n "$url" ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
    rc=1
    if [ -n "$url" ] && python - "$url" >>"$log.out" 2>>"$log.err" <<'EOF'
import json, sys, urllib.request
base = sys.argv[1]
for path in ("", "data/replay.json", "data/replay.czml", "static/viewer.js"):
    with urllib.request.urlopen(base + path, timeout=30) as response:
        assert response.status == 200, (path, response.status)
        body = response.read()
    assert body, path
    if path.endswith(".czml"):
        assert json.loads(body)[0]["id"] == "document"
EOF
    then rc=0; fi
    kill -INT "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID"
    local server_rc=$?
    SERVER_PID=
    if [ "$rc" -ne 0 ] || [ "$server_rc" -ne 0 ] || grep -q "Traceback" "$log.out" "$log.err"; then
        echo "FAIL  serve (fetch $rc, server exit $server_rc)"
        tail -n 15 "$log.err" "$log.out" | sed 's/^/      /'
        FAILED+=("serve")
    else
        echo "ok    serve: $url answered and stopped ($(($(date +%s) - t0)) s)"
    fi
}
serve_check
# compare and value: README --runs 500 and 50, shrunk to a few replications of fewer realisations.
step "compare --without --authority-delay" \
    "shieldwall compare april-2024 --without GBR --authority-delay GBR=2h --runs 4 --realisations 2"
step "value (exact Shapley, 6 partners)" "shieldwall value april-2024 --runs 2 --realisations 1"

# --- Commands -----------------------------------------------------------------------------------
# README --runs 2000; shrunk to 20.
step "run with --seed --out" "shieldwall run april-2024 --runs 20 --seed 7 --workers 2 --out results/apr"
step "validate a good file" \
    "cp \"\$(python -c \"import shieldwall.scenario as s; print(s.bundled_path('tutorial'))\")\" my-raid.yaml && shieldwall validate my-raid.yaml"
step_rc 2 "validate a bad file: exit code 2" \
    "sed 's/magazine: 8/magazine: -8/' my-raid.yaml > bad-raid.yaml && shieldwall validate bad-raid.yaml"
step "schema" "shieldwall schema > scenario.schema.json && python -c 'import json; json.load(open(\"scenario.schema.json\"))'"
step "scenarios" "shieldwall scenarios | grep -q tutorial"
step "catalog" "shieldwall catalog | grep -q arrow"
step "report --view-as JOR" "shieldwall report results/apr --view-as JOR"
step "export --czml --geojson" \
    "shieldwall export results/apr --czml --geojson && ls results/apr/*.czml results/apr/*.geojson"
# README default --runs 1000; shrunk.
step "compare --mode independent" "shieldwall compare april-2024 --mode independent --runs 4 --realisations 2"
# README default --runs 100; shrunk.
step "campaign april-then-october" "shieldwall campaign april-then-october --runs 2 --realisations 1"
step "sweep (saturation curve)" \
    "shieldwall sweep october-2024 --set raid.class.ballistic.count=0.5x:3x:3 --runs 2 --realisations 1 --out sweep-oct && test -s sweep-oct/sweep.parquet"
step "size for a risk target" \
    "shieldwall size october-2024 --stock arrow-3 --target 'P(leakers <= 20) >= 0.9' --runs 2 --realisations 1"
step "report of a sweep folder" "shieldwall report sweep-oct && test -s sweep-oct/report.html"
# README: --runs 40; shrunk.
step "size a campaign's resupply" \
    "shieldwall size april-then-october --resupply arrow-3 --target 'E(raids_absorbed) >= 4' --runs 2 --realisations 1"
step "catalog --scenario" "shieldwall catalog --scenario april-2024 | grep -q magazine"
# README generates 100 weapons x 200 targets; a small instance keeps the exact solve to seconds.
step "wta generate" "shieldwall wta generate --family C --weapons 6 --targets 12 --seed 1 > inst.txt"
step "wta solve --method exact" "shieldwall wta solve inst.txt --method exact --time-limit 60"

# --- Python (README runs=1000; shrunk) and the bundled-path one-liner ---------------------------
step "Python API with .to_pandas()" "python - <<'EOF'
import shieldwall

results = shieldwall.run('april-2024', runs=20, seed=7, workers=2)
leaked = results.summary['threats']['ballistic']['leaked']
assert set(leaked) >= {'mean', 'low', 'high'}, leaked
shots = results.tables['shots'].to_pandas()
assert type(shots).__name__ == 'DataFrame' and len(shots) == results.tables['shots'].num_rows > 0
results.write('results/apr-python')
EOF"
step "bundled scenario path" \
    "python -c \"import shieldwall.scenario as s; print(s.bundled_path('tutorial'))\" | xargs test -f"
step "--help" "shieldwall --help"
# Not run here: benchmarks/*.py are scripts of the checkout (not part of the wheel) that take minutes
# and rewrite benchmarks/results/; pytest is the README's other command, which .ci/run runs.

echo "fresh install: $STEPS checks, ${#FAILED[@]} failing, $(($(date +%s) - START)) s"
[ "${#FAILED[@]}" -eq 0 ]
