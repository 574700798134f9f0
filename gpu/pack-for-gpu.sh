#!/usr/bin/env bash
# Prepares, on the session's own machine, what gpu/run-on-gpu.sh needs on a device machine that has no Node
# (docs/gpu.md): in .gpu-run/ (ignored) this Node's binary compressed (the device tool carries at most 64 MiB),
# the Node-API headers to build the native addon there, and bench/prover.ts bundled into one file with its
# dependencies (esbuild); in gpu/cuda-build/ the BF16 GEMM cases with the reference's expected outputs and, when
# nvcc exists here, the CUDA library. Then: run(command="bash gpu/run-on-gpu.sh", carry=[".gpu-run", "gpu/cuda-build"]).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gpu-run/include gpu/cuda-build
NODE="$(command -v node)"
version="$("$NODE" --version)"
if [ ! -f .gpu-run/node.xz ] || [ "$(cat .gpu-run/node.version 2>/dev/null)" != "$version" ]; then
  xz -T2 -6 -c "$NODE" > .gpu-run/node.xz.tmp && mv .gpu-run/node.xz.tmp .gpu-run/node.xz
  echo "$version" > .gpu-run/node.version
fi
include="$(dirname "$(dirname "$(readlink -f "$NODE")")")/include/node"
[ -f "$include/node_api.h" ] || include=/usr/include/node
cp "$include"/{node_api.h,node_api_types.h,js_native_api.h,js_native_api_types.h} .gpu-run/include/
node_modules/.bin/esbuild bench/prover.ts --bundle --platform=node --format=esm --outfile=.gpu-run/prover.mjs --log-level=warning \
  --banner:js="import { createRequire as __zpolRequire } from 'node:module'; const require = __zpolRequire(import.meta.url);"
node --import tsx bench/gpu.ts --cases
node -e "import('./gpu/build-cuda.mjs').then((m) => console.log('CUDA library:', m.buildCuda().message))"
# What the library was built from: run-on-gpu.sh uses it only if these still match.
[ -f gpu/cuda-build/zpol_cuda.so ] && sha256sum gpu/cuda/* gpu/device/*.h > gpu/cuda-build/sources.sha256
du -sh .gpu-run gpu/cuda-build
