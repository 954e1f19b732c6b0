#!/usr/bin/env bash
# The GPU checks of issue 4, in one go, for the device machine (an NVIDIA GPU with CuPy):
#   (a) the CuPy parity tests:  pytest tests/test_gpu.py -m gpu
#   (b) the GPU benchmarks:     python -m benchmarks --gpu  (CuPy vs NumPy per step)
# Run from the repository root:  bash benchmarks/gpu_check.sh
# Carry .whl/ (the msgspec wheel for that machine's Python 3.12; nothing can be fetched there).
# Everything lands in $OUT (default ./.gpu-out), five files at most. Without a GPU the parts
# that need one skip, saying why. Budget: well under 5 minutes on an H200 with 16 cores.
set -u
OUT="${OUT:-$PWD/.gpu-out}"
mkdir -p "$OUT"
PY="${PYTHON:-python3}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"   # the project itself, without building it

{
  echo "== machine"; date -u; nproc
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || echo "no nvidia-smi: no GPU here"
  "$PY" -c "import sys, numpy; print('Python', sys.version.split()[0], 'NumPy', numpy.__version__)"
  "$PY" -c "import cupy; print('CuPy', cupy.__version__, 'on', cupy.cuda.runtime.getDeviceProperties(0)['name'])" 2>&1 | tail -1
  if ! "$PY" -c "import msgspec" 2>/dev/null; then
    "$PY" -m pip install --quiet --no-index --no-deps .whl/msgspec-*.whl 2>&1 | tail -2
  fi
  "$PY" -c "import msgspec; print('msgspec', msgspec.__version__)"
} > "$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"

echo "== (a) pytest -m gpu"
timeout 150 "$PY" -m pytest -q -p no:cacheprovider -m gpu -rs tests/test_gpu.py > "$OUT/pytest_gpu.txt" 2>&1
echo "pytest exit $?" >> "$OUT/pytest_gpu.txt"
tail -15 "$OUT/pytest_gpu.txt"

echo "== (b) GPU benchmarks"
timeout 150 "$PY" -m benchmarks --gpu --json "$OUT/gpu_benchmarks.json" > "$OUT/gpu_benchmarks.txt" 2>&1
echo "benchmarks exit $?" >> "$OUT/gpu_benchmarks.txt"
cat "$OUT/gpu_benchmarks.txt"

echo "== auto in play (the Backend line)"
{ "$PY" -m annlab play toy-backprop | grep '^Backend'; "$PY" -m annlab play y3x-sweep | grep '^Backend'; } > "$OUT/auto.txt" 2>&1
cat "$OUT/auto.txt"
