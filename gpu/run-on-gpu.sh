#!/usr/bin/env bash
# The GPU run of issue #26, prepared for a session that is lent a GPU (docs/gpu.md): in one short run (well under 8
# minutes on an H100) it builds the CUDA library with nvcc, checks every kernel against the host and the BF16 GEMM
# against the reference bit for bit (test/gpu/harness/cuda-check.cc), times the kernels on the device, times a
# cuBLAS BF16 GEMM through PyTorch where it is installed (the training step the tensor commitment runs beside), and,
# with the Node that gpu/pack-for-gpu.sh packed (the device image has none), a demo step proof per backend, byte-
# identical across ts, cpu and cuda (bench/prover.ts, bundled; it fails if they differ), and, where node_modules is
# there too, the test/gpu tests. Everything lands in $OUT/gpu.json (default bench/results/gpu.json); the log in
# $OUT/gpu.log.
#
#   bash gpu/pack-for-gpu.sh                                   # on the session's machine, first
#   bash gpu/run-on-gpu.sh [GEMM_CASES]                        # on the device machine, carrying .gpu-run and gpu/cuda-build
#   GEMM_CASES: from test/gpu/gemm-cases.ts (default gpu/cuda-build/gemm-cases.bin)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-bench/results}"
mkdir -p "$OUT" gpu/cuda-build
CASES="${1:-gpu/cuda-build/gemm-cases.bin}"
LOG="$OUT/gpu.log"
: > "$LOG"
say() { echo "$*" | tee -a "$LOG"; }

NVCC="$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)"
[ -n "$NVCC" ] || { say "no nvcc on this machine"; exit 1; }
say "nvcc: $($NVCC --version | tail -1)"
mapfile -t FLAGS < <(grep -v '^\s*$' gpu/cuda/nvcc.flags)
# A library carried from the session's machine (gpu/pack-for-gpu.sh) is used when it was built from these sources.
if [ -f gpu/cuda-build/zpol_cuda.so ] && sha256sum --quiet -c gpu/cuda-build/sources.sha256 >/dev/null 2>&1; then
  say "using the carried gpu/cuda-build/zpol_cuda.so"
else
  start=$(date +%s)
  "$NVCC" "${FLAGS[@]}" -o gpu/cuda-build/zpol_cuda.so gpu/cuda/*.cu 2>&1 | tee -a "$LOG"
  [ "${PIPESTATUS[0]}" = 0 ] || { say "nvcc failed"; exit 1; }
  say "library built in $(( $(date +%s) - start )) s"
fi
g++ -O2 -std=c++17 -o gpu/cuda-build/cuda-check test/gpu/harness/cuda-check.cc gpu/cuda-build/zpol_cuda.so "-Wl,-rpath,$PWD/gpu/cuda-build" 2>&1 | tee -a "$LOG"

KERNELS="$OUT/gpu-kernels.json"
ARGS=(--json "$KERNELS")
[ -f "$CASES" ] && ARGS+=("$CASES") || say "no GEMM cases file at $CASES: the GEMM is timed but not compared"
timeout 300 gpu/cuda-build/cuda-check "${ARGS[@]}" 2>&1 | tee -a "$LOG"
check_status=${PIPESTATUS[0]}

TORCH="$OUT/gpu-torch.json"
timeout 60 python3 - "$TORCH" <<'PY' 2>&1 | tee -a "$LOG" || true
import json, sys
try:
    import torch
    a = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16)
    b = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16)
    for _ in range(3): a @ b
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize(); s.record()
    for _ in range(10): a @ b
    e.record(); torch.cuda.synchronize()
    ms = s.elapsed_time(e) / 10
    r = {'gemm8192Ms': ms, 'TFLOPs': 2 * 8192 ** 3 / (ms * 1e9), 'torch': torch.__version__}
except Exception as x:  # no torch, no GPU
    r = {'error': str(x)}
json.dump(r, open(sys.argv[1], 'w'))
print('torch bf16 gemm:', r)
PY

DEMO="$OUT/gpu-demo.json"
NODE="$(command -v node || true)"
if [ -f .gpu-run/node.xz ]; then  # the packed Node, the same version as the session's
  python3 -c "import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], 'wb'))" .gpu-run/node.xz /tmp/zpol-node && chmod +x /tmp/zpol-node && NODE=/tmp/zpol-node
fi
if [ "${ZPOL_GPU_SKIP_NODE:-}" != 1 ] && [ -n "$NODE" ] && [ -f .gpu-run/prover.mjs ]; then
  # The native addon, for this machine's CPU, straight from its sources (no node-gyp here).
  mkdir -p gpu/build/Release
  g++ -O3 -march=native -std=c++17 -fPIC -shared -I.gpu-run/include -o gpu/build/Release/zpol_native.node gpu/native/*.cc -ldl -lpthread 2>&1 | tee -a "$LOG"
  timeout 300 "$NODE" .gpu-run/prover.mjs --quick --only=demo --no-warmup --backends=ts,cpu,cuda --out="$DEMO" 2>&1 | tee -a "$LOG"
  if [ -d node_modules ]; then
    timeout 240 "$NODE" node_modules/.bin/vitest run test/gpu --maxWorkers 1 2>&1 | tee -a "$LOG"
    echo "{\"vitest\": ${PIPESTATUS[0]}}" > "$OUT/gpu-vitest.json"
  fi
else
  say "no Node or no .gpu-run/prover.mjs: run gpu/pack-for-gpu.sh first and carry .gpu-run (docs/gpu.md)"
fi

python3 - "$OUT" <<'PY' 2>&1 | tee -a "$LOG"
import json, os, sys
out = sys.argv[1]
def load(name):
    p = os.path.join(out, name)
    try:
        return json.load(open(p))
    except Exception as e:
        return {'error': f'{name}: {e}'}
result = load('gpu-kernels.json')
torch = load('gpu-torch.json')
result['torchBf16Gemm8192'] = torch
k = result.get('kernels', {})
commit = k.get('tensorCommit', {}).get('ms')
if commit and 'gemm8192Ms' in torch:
    # The published estimate: committing the tensors of a GEMM-dominated step costs 1 to 3% of it.
    result['tensorCommitShareOfCublasStep'] = commit / (commit + torch['gemm8192Ms'])
result['vitest'] = load('gpu-vitest.json')
result['demoStep'] = load('gpu-demo.json')
json.dump(result, open(os.path.join(out, 'gpu.json'), 'w'), indent=2)
print(json.dumps(result, indent=2))
PY
exit "$check_status"
