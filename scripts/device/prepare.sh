#!/usr/bin/env bash
# Fills .gpu/ (git-ignored through .git/info/exclude) with what scripts/device/run.sh needs on a
# lent x86-64 GPU machine that has no Node and no network: this machine's node binary, the
# node_modules the Node tests and benchmarks use (dawn.node for linux-x64 only; no puppeteer,
# TypeScript, and of onnxruntime-web only the files of its WebGPU EP, for run.sh's ortbench), the
# Vulkan loader and libglvnd. Everything is xz-compressed so the working tree plus .gpu/ stays under
# the device tool's 64 MiB (about 48 MiB for .gpu/ here, plus 3.7 MiB of ORT).
#
# Run from the repository root after `npm ci`, on an x86-64 Linux machine:
#   bash scripts/device/prepare.sh          run.sh then tests the working tree as it travels
#   bash scripts/device/prepare.sh --head   ... or a snapshot of the last commit (git archive HEAD),
#                                           for when the working tree is mid-edit
set -euo pipefail
cd "$(dirname "$0")/../.."

[ "$(uname -m)" = x86_64 ] || { echo "prepare.sh: needs an x86-64 machine (the device is x86-64; node and dawn.node are copied from here)" >&2; exit 2; }
[ -f node_modules/webgpu/dist/linux-x64/dawn.node ] || { echo "prepare.sh: run 'npm ci' first" >&2; exit 2; }
NODE_BIN=$(readlink -f "$(command -v node)")

grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
rm -rf .gpu && mkdir -p .gpu

if [ "${1:-}" = --head ]; then
  git archive --format=tar HEAD | xz -T0 -9 > .gpu/src.tar.xz
  git log -1 --format='commit %h (%s)' | cut -c1-100 > .gpu/src.commit
fi

# Node: one static-ish binary (needs only libc, libstdc++, libm, libgcc_s).
xz -T0 -9 -c "$NODE_BIN" > .gpu/node.xz

# node_modules, without what only the browser tests, the ORT benchmarks or tsc need.
tar -cf - \
  --exclude=node_modules/onnxruntime-web --exclude=node_modules/onnxruntime-common \
  --exclude=node_modules/puppeteer --exclude=node_modules/puppeteer-core --exclude=node_modules/@puppeteer \
  --exclude=node_modules/chromium-bidi --exclude=node_modules/devtools-protocol --exclude=node_modules/webdriver-bidi-protocol \
  --exclude=node_modules/typescript --exclude=node_modules/@typescript --exclude=node_modules/@types --exclude=node_modules/zod \
  --exclude='node_modules/bare-*' \
  --exclude=node_modules/webgpu/dist/win32-x64 --exclude=node_modules/webgpu/dist/win32-arm64 \
  --exclude=node_modules/webgpu/dist/darwin-universal --exclude=node_modules/webgpu/dist/linux-arm64 \
  --exclude='node_modules/.vite*' \
  node_modules | xz -T0 -9 > .gpu/node_modules.tar.xz

# onnxruntime-web's browser build and its JSEP wasm (WebGPU and wasm EPs; 28 MB, 3.7 MiB packed), all
# that `bench/run.ts models --node --engines ort-webgpu` loads (bench/node-runner.ts, the default
# --ort-bundle); not its Node build, which the tests' `import('onnxruntime-web')` would need (14 MB
# more wasm: no room). A separate archive, dropped below if the total would not fit.
ORT=node_modules/onnxruntime-web/dist
tar -cf - $ORT/ort.min.mjs $ORT/ort-wasm-simd-threaded.jsep.mjs $ORT/ort-wasm-simd-threaded.jsep.wasm | xz -T0 -9 > .gpu/ort.tar.xz

# The Vulkan loader and libglvnd (Debian amd64 packages, ~0.4 MB): the device image has neither,
# and NVIDIA's Vulkan ICD (libGLX_nvidia.so.0) does not create an instance without libglvnd.
# run.sh unpacks them into / there (the device README's recipe).
tmp=$(mktemp -d); o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$tmp/lists"
mkdir -p "$tmp/lists/partial" .gpu/debs
apt-get $o update >/dev/null
(cd .gpu/debs && apt-get $o -qq download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
rm -rf "$tmp"
ls .gpu/debs/libvulkan1_*.deb >/dev/null

du -shc .gpu/*
tree_bytes=$(git ls-files -z --cached --others --exclude-standard | xargs -0 cat 2>/dev/null | wc -c)
if [ $(( tree_bytes + $(du -sb .gpu | cut -f1) )) -gt $(( 64 * 1048576 )) ]; then
  rm .gpu/ort.tar.xz
  echo "prepare.sh: without .gpu/ort.tar.xz to stay under 64 MiB (run.sh's ortbench step will say it was not carried)" >&2
fi
echo "working tree that travels: $(awk -v b="$tree_bytes" 'BEGIN {printf "%.1f MiB", b / 1048576}') + .gpu/ $(du -sb .gpu | awk '{printf "%.1f MiB", $1 / 1048576}')"
