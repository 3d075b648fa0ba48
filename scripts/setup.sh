#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for everything the README's commands need, then checks
# that WebGPU finds an adapter. Safe to run again: it installs only what is missing.
#
#   chromium    the headless browser for the browser tests and benchmarks; it also ships the
#               SwiftShader Vulkan driver (/usr/lib/chromium/vk_swiftshader_icd.json) that gives
#               WebGPU on a machine without a GPU
#   libvulkan1  the system Vulkan loader (libvulkan.so.1) that dawn.node, Node's WebGPU, loads;
#               chromium's private copy under /usr/lib/chromium is not on the library path
#   npm ci      the project's packages (puppeteer told not to download a browser of its own)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "segwgpu setup: $*"; }
fail() { echo "segwgpu setup: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else fail "need root to run '$*' (no sudo found); run this script as root or install the packages named above by hand"
  fi
}

has_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/lib/chromium/vk_swiftshader_icd.json ]; then missing+=(chromium); fi
# The loader is looked up by its soname, so any install that provides libvulkan.so.1 will do.
if ! has_deb libvulkan1 && ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then missing+=(libvulkan1); fi

if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || fail "missing ${missing[*]}, and this is not a Debian/Ubuntu machine (no apt-get): install Chromium (with its SwiftShader Vulkan driver) and the Vulkan loader libvulkan.so.1 yourself, then run this again"
  say "installing ${missing[*]} (apt)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "chromium and libvulkan1 are installed"
fi

# puppeteer drives the system chromium; it must not download a browser of its own.
export PUPPETEER_SKIP_DOWNLOAD=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing the npm packages (npm ci)"
  npm ci --no-audit --no-fund
else
  say "node_modules is up to date with package-lock.json"
fi

# The check that matters: does WebGPU find an adapter? (prints it; exits non-zero when none)
if ! node bin/segwgpu.js adapter; then
  fail "WebGPU found no adapter after setup (see the message above). Without a GPU, segwgpu needs SwiftShader from Debian's chromium package and the Vulkan loader libvulkan1; with a GPU, its Vulkan driver."
fi
say "ready"
