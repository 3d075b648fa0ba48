#!/usr/bin/env bash
# Fills .gpu/ (git-ignored through .git/info/exclude) with what scripts/device/run.sh needs on a
# lent x86-64 GPU machine that has no Node and no network: this machine's node binary, the
# node_modules the Node tests and benchmarks use (dawn.node for linux-x64 only; no
# onnxruntime-web, puppeteer, TypeScript), the Vulkan loader and libglvnd. Everything is xz-compressed
# so the working tree plus .gpu/ stays under the device tool's 64 MiB (about 48 MiB for .gpu/ here).
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
echo "working tree that travels: $(git ls-files -z --cached --others --exclude-standard | xargs -0 cat 2>/dev/null | wc -c | awk '{printf "%.1f MiB", $1/1048576}') + .gpu/"
