#!/usr/bin/env bash
# The GPU check of minigrad's CuPy backend: the test suite, the LeNet-5 main job and the
# benchmark against PyTorch CUDA, on one machine with an NVIDIA GPU and no internet.
#
#   benchmarks/gpu_check.sh              # on a GPU machine (CuPy, PyTorch CUDA installed)
#   benchmarks/gpu_check.sh --dry-run    # anywhere: the same steps on the CPU (NumPy backend
#                                        # against PyTorch CPU); also chosen by
#                                        # MINIGRAD_BACKEND=numpy or when nvidia-smi finds no GPU
#   benchmarks/gpu_check.sh --emulate    # a dry run whose tests and LeNet-5 job use the real
#                                        # CuPy backend on an emulated CuPy (NumPy + the CUDA
#                                        # kernels built with g++, benchmarks/emulated_cupy):
#                                        # finds tests that assume the NumPy default before
#                                        # spending GPU time
#
# Run it from anywhere; it works in the repository root. Steps (each under `timeout`, so a
# hang in one still leaves the others' results; a failing step does not stop the others):
#   1 device     nvidia-smi and the versions of Python, NumPy, CuPy, PyTorch, minigrad's backends
#   2 install    pip install --no-deps --no-build-isolation --no-index -e .  (dry run: a build
#                into a temp folder only, so the environment is left alone)
#   3 tests      the whole suite with MINIGRAD_BACKEND=cupy (tests run on the GPU by default,
#                and the `backend` fixture's [cupy] cases run too), a per-test deadline
#                (benchmarks/pytest_deadline.py, no pytest-timeout needed), JUnit XML; beside
#                it the same suite with the GPU hidden as the baseline, and
#                benchmarks/gpu_test_report.py lists what fails only on the GPU
#   4 lenet5     examples/lenet5.py (the main job, seed 0) on the GPU, and beside it on the CPU
#                with the same seed; their test accuracies compared
#   5 bench      benchmarks/bench_cupy.py: minigrad on CuPy vs PyTorch CUDA; writes
#                benchmarks/results/cupy.md (+ .json) in the repository (dry run: in $OUT only)
#
# Everything lands in $OUT (default: a new temp folder), at most 8 files:
#   gpu_check.log  cupy_tests.log  cupy_junit.xml  baseline_junit.xml  tests_report.txt
#   cupy.md  results.tar.gz (results .md/.json, LeNet-5 logs, baseline log, hang dumps)
# Exit status: 0 when every step passed. Budgets (seconds) can be changed with the variables
# GPU_CHECK_T_{DEVICE,INSTALL,TESTS,LENET,BENCH}; on a GPU machine their sum, 450 s, is the
# worst case (a rehearsal without a GPU gets twice as long for the last three). Also:
# LENET_EPOCHS (default: the example's 20; 3 with --emulate), GPU_CHECK_WORKERS and
# GPU_CHECK_BASE_WORKERS (pytest-xdist workers of the two test runs), PYTHON (python3).

set -u

usage() { sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; }
DRY=0 EMULATE=0
for arg in "$@"; do
    case $arg in
        --dry-run) DRY=1 ;;
        --emulate) DRY=1 EMULATE=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "gpu_check.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 2
PY=${PYTHON:-python3}
OUT=${OUT:-$(mktemp -d -t gpu-check-out-XXXXXX)}
mkdir -p "$OUT"
WORK=$(mktemp -d -t gpu-check-XXXXXX)
mkdir -p "$WORK/results" "$WORK/hung"
exec > >(tee -a "$OUT/gpu_check.log") 2>&1
TEE_PID=$!

if [ "${MINIGRAD_BACKEND:-}" = numpy ]; then DRY=1; fi
if [ $DRY = 0 ] && ! timeout 20 nvidia-smi -L >/dev/null 2>&1; then
    echo "nvidia-smi finds no GPU here: doing a dry run on the CPU"
    DRY=1
fi
# BACKEND: the backend under test; DEVICE_PATH: added to PYTHONPATH for its runs only.
BACKEND=cupy BENCH_DEVICE=cuda DEVICE_PATH=""
WORKERS=${GPU_CHECK_WORKERS:-8} BASE_WORKERS=${GPU_CHECK_BASE_WORKERS:-6}
if [ $DRY = 1 ]; then
    BACKEND=numpy BENCH_DEVICE=cpu
    WORKERS=${GPU_CHECK_WORKERS:-2} BASE_WORKERS=${GPU_CHECK_BASE_WORKERS:-1}
fi
if [ $EMULATE = 1 ]; then BACKEND=cupy DEVICE_PATH="$REPO/benchmarks/emulated_cupy"; fi
# Budgets in seconds: on the GPU machine (16 cores) they sum to 450; a rehearsal on a small
# CPU machine gets more, and the emulated LeNet-5 job (slow on the host) fewer epochs.
SLOW=$([ $DRY = 1 ] && echo 2 || echo 1)
T_DEVICE=${GPU_CHECK_T_DEVICE:-20}
T_INSTALL=${GPU_CHECK_T_INSTALL:-60}
T_TESTS=${GPU_CHECK_T_TESTS:-$((210 * SLOW))}
T_LENET=${GPU_CHECK_T_LENET:-$((80 * SLOW))}
T_BENCH=${GPU_CHECK_T_BENCH:-$((80 * SLOW))}
DEADLINE=${GPU_CHECK_TEST_DEADLINE:-180}  # per test phase (building the docs site takes ~60 s on 2 busy cores)
if [ $EMULATE = 1 ]; then LENET_EPOCHS=${LENET_EPOCHS:-3}; fi
REF_THREADS=$([ "$(nproc)" -ge 8 ] && echo 4 || echo 1)  # BLAS threads of the CPU reference
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg TQDM_DISABLE=1
echo "gpu_check: $(date -u +%FT%TZ), repo $REPO ($(git rev-parse --short HEAD 2>/dev/null ||
    echo 'no git')), dry run: $DRY, emulated CuPy: $EMULATE, backend under test: $BACKEND,"\
    "out: $OUT"

# joined A B...: the non-empty arguments joined by ":" (for PYTHONPATH).
joined() { local IFS=:; local parts=(); for p in "$@"; do [ -n "$p" ] && parts+=("$p"); done
    echo "${parts[*]}"; }

STATUS=()
FAILED=0
# run_step NAME BUDGET FUNCTION: runs FUNCTION, which puts `timeout $BUDGET` on its long
# commands and returns 0 on success, 124 on a timeout; records the status and the time.
run_step() {
    local name=$1 budget=$2 fn=$3 start=$SECONDS rc state
    echo
    echo "=== $name (budget ${budget} s) ==="
    NOTE=""
    "$fn" "$budget"
    rc=$?
    case $rc in
        0) state=OK ;;
        124|137) state=TIMEOUT ;;
        *) state="FAILED($rc)" ;;
    esac
    [ $rc = 0 ] || FAILED=1
    STATUS+=("$(printf '%-8s %-11s %4d s  %s' "$name" "$state" $((SECONDS - start)) "$NOTE")")
}

# timed BUDGET CMD...: CMD under timeout; SIGINT first so pytest still writes its reports.
timed() { local budget=$1; shift; timeout -s INT -k 15 "$budget" "$@"; }

step_device() {
    if [ $DRY = 0 ]; then
        timed 10 nvidia-smi
        timed 10 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm \
            --format=csv
    else
        echo "(dry run: no GPU) $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
    fi
    timed "$1" "$PY" - <<'EOF'
import importlib, platform, sys
print(f"Python {platform.python_version()} at {sys.executable}")
for name in ("numpy", "cupy", "torch", "pytest", "xdist", "sklearn", "matplotlib", "tqdm"):
    try:
        module = importlib.import_module(name)
        print(f"  {name} {getattr(module, '__version__', '?')}")
    except Exception as exc:
        print(f"  {name}: not importable ({type(exc).__name__}: {exc})")
try:
    import cupy
    runtime = cupy.cuda.runtime
    props = runtime.getDeviceProperties(0)
    print(f"  CUDA runtime {runtime.runtimeGetVersion()}, driver {runtime.driverGetVersion()}, "
          f"device 0: {props['name'].decode()}, {props['totalGlobalMem'] / 2**30:.0f} GiB")
except Exception as exc:
    print(f"  no CUDA device through CuPy ({type(exc).__name__}: {exc})")
try:
    import torch
    print(f"  torch CUDA {torch.version.cuda}, available: {torch.cuda.is_available()}")
except Exception:
    pass
EOF
}

step_install() {
    local rc
    if [ $DRY = 1 ]; then
        # Leave the environment alone: prove that the offline build works, and import the
        # checkout through PYTHONPATH (the built copy only adds its entry-point metadata).
        timed "$1" "$PY" -m pip install -q --no-deps --no-build-isolation --no-index \
            --target "$WORK/site" .
        rc=$?
        export PYTHONPATH="$REPO:$REPO/backends:$WORK/site"
        NOTE="dry run: built into a temp folder, imported from the checkout"
    else
        timed "$1" "$PY" -m pip install --no-deps --no-build-isolation --no-index -e .
        rc=$?
        if [ $rc != 0 ]; then
            # Still test the checkout: PYTHONPATH plus the entry points that register the
            # backends (read from pyproject.toml), as pip would have installed them.
            "$PY" - "$WORK/meta" <<'EOF'
import sys, tomllib
from pathlib import Path
project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
meta = Path(sys.argv[1]) / f"minigrad-{project['version']}.dist-info"
meta.mkdir(parents=True)
(meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: minigrad\nVersion: {project['version']}\n")
groups = project["entry-points"]
(meta / "entry_points.txt").write_text("".join(
    f"[{g}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) for g, eps in groups.items()))
EOF
            export PYTHONPATH="$REPO:$REPO/backends:$WORK/meta"
            NOTE="pip failed; testing the checkout through PYTHONPATH"
        fi
    fi
    "$PY" -c "import minigrad, minigrad_numpy, minigrad_cupy
print('minigrad from', minigrad.__file__)
print('backends:', [(i.name, i.usable, i.reason[:80]) for i in minigrad.backends.available()])" ||
        rc=1
    return $rc
}

step_tests() {
    local budget=$1 rc base_rc report_rc
    local plugin_path device_path
    plugin_path=$(joined "$REPO/benchmarks" "${PYTHONPATH:-}")
    device_path=$(joined "$plugin_path" "$DEVICE_PATH")
    local pytest=(-m pytest -p pytest_deadline --test-deadline "$DEADLINE"
                  --test-deadline-dump "$WORK/hung" -q --tb=short -ra -p no:cacheprovider
                  -o junit_family=xunit2)
    MINIGRAD_BACKEND=$BACKEND PYTHONPATH=$device_path "$PY" -c "import minigrad
backend = minigrad.backends.current()
print('default backend under MINIGRAD_BACKEND=$BACKEND:', backend)
assert backend.name == '$BACKEND'" || NOTE="default backend is not $BACKEND; "
    # The baseline: the same suite on the same machine with the GPU hidden.
    (
        export CUDA_VISIBLE_DEVICES="" MINIGRAD_BACKEND=numpy PYTHONPATH=$plugin_path
        timed "$budget" "$PY" "${pytest[@]}" -n "$BASE_WORKERS" --basetemp "$WORK/tmp-base" \
            --junitxml "$OUT/baseline_junit.xml" >"$WORK/baseline_tests.log" 2>&1
    ) &
    local base_pid=$!
    MINIGRAD_BACKEND=$BACKEND PYTHONPATH=$device_path timed "$budget" "$PY" "${pytest[@]}" \
        -n "$WORKERS" --basetemp "$WORK/tmp-gpu" --junitxml "$OUT/cupy_junit.xml" 2>&1 |
        tee "$OUT/cupy_tests.log"
    rc=${PIPESTATUS[0]}
    wait $base_pid
    base_rc=$?
    echo "--- baseline (GPU hidden, MINIGRAD_BACKEND=numpy), exit $base_rc:"
    tail -n 3 "$WORK/baseline_tests.log"
    for dump in "$WORK"/hung/*.txt; do
        [ -s "$dump" ] && { echo "--- hung test, $dump:"; cat "$dump"; }
    done
    echo "--- comparison (benchmarks/gpu_test_report.py):"
    "$PY" benchmarks/gpu_test_report.py "$OUT/cupy_junit.xml" "$OUT/baseline_junit.xml" \
        --backend "$BACKEND" --out "$OUT/tests_report.txt"
    report_rc=$?
    NOTE+="$(grep -oE '[0-9]+ (passed|failed).* in [0-9.]+s' "$OUT/cupy_tests.log" | tail -n 1)"
    NOTE+="; $(grep -m1 -oE '^FAIL ON THE GPU[^:]*: [0-9]+' "$OUT/tests_report.txt" 2>/dev/null)"
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then return "$rc"; fi
    [ "$report_rc" = 0 ] || return 1
    return "$rc"
}

lenet_accuracy() { grep -oE 'test accuracy [0-9.]+' "$1" 2>/dev/null | tail -n 1 | cut -d' ' -f3; }

step_lenet() {
    local budget=$1 rc ref_rc=0 ref_pid="" acc ref
    local job=("$PY" examples/lenet5.py --seed 0 ${LENET_EPOCHS:+--epochs $LENET_EPOCHS})
    if [ $BACKEND != numpy ]; then  # the CPU reference, same seed, beside the GPU run
        CUDA_VISIBLE_DEVICES="" MINIGRAD_BACKEND=numpy OMP_NUM_THREADS=$REF_THREADS \
            OPENBLAS_NUM_THREADS=$REF_THREADS MKL_NUM_THREADS=$REF_THREADS \
            timed "$budget" "${job[@]}" \
            --out "$WORK/lenet5-cpu" >"$WORK/results/lenet5_cpu.log" 2>&1 &
        ref_pid=$!
    fi
    MINIGRAD_BACKEND=$BACKEND PYTHONPATH=$(joined "${PYTHONPATH:-}" "$DEVICE_PATH") \
        timed "$budget" "${job[@]}" --out "$WORK/lenet5-$BACKEND" 2>&1 |
        tee "$WORK/results/lenet5_$BACKEND.log"
    rc=${PIPESTATUS[0]}
    acc=$(lenet_accuracy "$WORK/results/lenet5_$BACKEND.log")
    NOTE="test accuracy on $BACKEND: ${acc:-none}"
    if [ -n "$ref_pid" ]; then
        wait "$ref_pid"
        ref_rc=$?
        ref=$(lenet_accuracy "$WORK/results/lenet5_cpu.log")
        echo "--- CPU reference (numpy, same seed), exit $ref_rc:"
        tail -n 4 "$WORK/results/lenet5_cpu.log"
        NOTE+=", on the CPU: ${ref:-none}"
        # Same seed, but the initial weights come from each backend's own generator:
        # the accuracies agree within noise (0.03 is about 11 of the 359 test images).
        if [ -n "$acc" ] && [ -n "$ref" ] && ! awk -v a="$acc" -v r="$ref" \
            'BEGIN { d = a - r; printf "GPU - CPU test accuracy: %+.4f\n", d; exit (d < -0.03 || d > 0.03) }'
        then
            NOTE+=" (differ by more than 0.03)"
            [ "$rc" != 0 ] || rc=1
        fi
    fi
    printf '{"backend": "%s", "epochs": "%s", "test_accuracy": %s, "cpu_test_accuracy": %s}\n' \
        "$BACKEND" "${LENET_EPOCHS:-20}" "${acc:-null}" "${ref:-null}" >"$WORK/results/lenet5.json"
    [ -n "$acc" ] || { [ "$rc" != 0 ] || rc=1; }
    return "$rc"
}

step_bench() {
    local budget=$1 rc out threads=()
    if [ "$BENCH_DEVICE" = cuda ]; then
        out="$REPO/benchmarks/results/cupy.md"
    else  # a dry run leaves the committed results alone; one BLAS thread, as PyTorch's
        out="$WORK/results/cupy.md"
        threads=(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1)
    fi
    env "${threads[@]}" MINIGRAD_BACKEND="$([ "$BENCH_DEVICE" = cuda ] && echo cupy || echo numpy)" \
        timeout -s INT -k 15 "$budget" "$PY" benchmarks/bench_cupy.py --device "$BENCH_DEVICE" \
        --out "$out"
    rc=$?
    if [ -f "$out" ]; then
        cp "$out" "$OUT/cupy.md"
        [ "$out" = "$WORK/results/cupy.md" ] || cp "$out" "${out%.md}.json" "$WORK/results/"
        NOTE="$(grep -m1 'LeNet-5 training' "$out" | awk -F'|' '{print "LeNet-5 train" $5}')"
    fi
    return "$rc"
}

run_step device "$T_DEVICE" step_device
run_step install "$T_INSTALL" step_install
run_step tests "$T_TESTS" step_tests
run_step lenet5 "$T_LENET" step_lenet
run_step bench "$T_BENCH" step_bench

cp "$WORK/baseline_tests.log" "$WORK/results/" 2>/dev/null
cp "$WORK"/hung/*.txt "$WORK/results/" 2>/dev/null
tar -czf "$OUT/results.tar.gz" -C "$WORK" results

echo
echo "=== summary (dry run: $DRY, $SECONDS s in all) ==="
printf '%s\n' "${STATUS[@]}"
[ -f "$OUT/tests_report.txt" ] && head -n 3 "$OUT/tests_report.txt"
echo "files in $OUT: $(cd "$OUT" && ls | tr '\n' ' ')"
exec >&- 2>&-
wait "$TEE_PID" 2>/dev/null
exit $FAILED
