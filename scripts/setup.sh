#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for segwgpu: Debian's chromium (which also ships the
# SwiftShader Vulkan driver that gives WebGPU on machines without a GPU), then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/lib/chromium/vk_swiftshader_icd.json ]; then
  echo "segwgpu setup: installing Debian's chromium (browser tests, SwiftShader WebGPU)"
  as_root apt-get update
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y --no-install-recommends chromium
fi

# puppeteer drives the system chromium; it must not download a browser of its own.
export PUPPETEER_SKIP_DOWNLOAD=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
