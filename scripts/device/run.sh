#!/usr/bin/env bash
# On the lent GPU machine (x86-64, NVIDIA Vulkan driver, no Node, no network), from the repository
# root with .gpu/ carried (scripts/device/prepare.sh fills it):
#   bash scripts/device/run.sh [steps...]      steps: env kernels node bench segment kbench ortbench (default: all)
# Runs the committed snapshot in .gpu/src.tar.xz when prepare.sh made one (--head), else the
# working tree that travelled; files under .gpu/overlay/ are copied over either. Logs go to $OUT
# (the device tool's folder that comes back), packed at the end into $OUT/logs.tgz beside
# $OUT/summary.txt, so that few files come back.
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
G=$REPO/.gpu
OUT=${OUT:-/tmp/segwgpu-device}
LOG=$OUT/logs
mkdir -p "$LOG"
STEPS=${*:-env kernels node bench segment kbench ortbench}
SUMMARY=$OUT/summary.txt
say() { echo "$*" | tee -a "$SUMMARY"; }

unxz_to() { # file.xz -> stdout; xz if there, else Python's lzma (python3 is on the image)
  if command -v xz >/dev/null; then xz -dc "$1"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi
}

# --- Sources, Node and node_modules ---------------------------------------------------------
WORK=$REPO
if [ -f "$G/src.tar.xz" ]; then
  WORK=/tmp/segwgpu-src; rm -rf "$WORK"; mkdir -p "$WORK"
  unxz_to "$G/src.tar.xz" | tar -xf - -C "$WORK"
fi
# .gpu/overlay/ (optional): files copied over the sources, to try a change on the GPU without
# committing it, e.g. .gpu/overlay/shaders/resize.wgsl.
[ -d "$G/overlay" ] && cp -r "$G/overlay/." "$WORK/"
cd "$WORK"
mkdir -p "$G/bin"
[ -x "$G/bin/node" ] || { unxz_to "$G/node.xz" > "$G/bin/node.tmp" && chmod +x "$G/bin/node.tmp" && mv "$G/bin/node.tmp" "$G/bin/node"; }
[ -f node_modules/webgpu/dist/linux-x64/dawn.node ] || unxz_to "$G/node_modules.tar.xz" | tar -xf -
# onnxruntime-web's WebGPU EP files, for the ortbench step (prepare.sh leaves them out when short of room).
[ -f "$G/ort.tar.xz" ] && [ ! -f node_modules/onnxruntime-web/dist/ort.min.mjs ] && unxz_to "$G/ort.tar.xz" | tar -xf -
export PATH=$G/bin:$PATH   # test/models.test.ts runs `node bin/segwgpu.js`

# --- Vulkan: the loader and libglvnd if the image lacks them (unpacked into /, as the device
# README does), and NVIDIA's ICD, which lives outside the loader's search path. segwgpu
# (src/node/gpu.ts) leaves VK_DRIVER_FILES / VK_ICD_FILENAMES alone when they are set.
if ! ldconfig -p | grep -q 'libvulkan\.so\.1 '; then
  for f in "$G"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then export VK_DRIVER_FILES=$f VK_ICD_FILENAMES=$f; break; fi
  done
fi
f=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$f" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-$f}

VITEST="node node_modules/vitest/vitest.mjs"
# TypeScript sources with their ?raw / ?inline asset imports (scripts/dev/register.mjs: tsx + asset hooks).
TSX="node --import ./scripts/dev/register.mjs"
step() { case " $STEPS " in *" $1 "*) return 0;; *) return 1;; esac; }
t0=$(date +%s)
BUDGET=${RUN_BUDGET_S:-560}   # the device tool kills a command at 600 s; steps are cut to fit this
cap() { local left=$(( BUDGET - ($(date +%s) - t0) )); [ "$left" -lt "$1" ] && echo $(( left > 5 ? left : 5 )) || echo "$1"; }
say "segwgpu $(cat "$G/src.commit" 2>/dev/null || echo "working tree")$([ -d "$G/overlay" ] && echo " + overlay: $(cd "$G/overlay" && find . -type f | sed 's#^\./##' | tr '\n' ' ')") in $WORK on $(hostname), $(date -u +%FT%TZ), steps: $STEPS"

if step env; then
  {
    uname -a; cat /etc/os-release 2>/dev/null | head -2
    nvidia-smi -L 2>&1; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv 2>&1
    echo "xz: $(command -v xz || echo none), zstd: $(command -v zstd || echo none)"
    echo "ldconfig libvulkan: $(ldconfig -p | grep libvulkan || echo none)"
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-} VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
    ls -la /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1
    [ -n "${VK_DRIVER_FILES:-}" ] && cat "$VK_DRIVER_FILES"
    echo "vulkaninfo: $(command -v vulkaninfo || echo none)"; node --version
    ls -la /dev/nvidia* 2>&1 | head; ls /usr/local/nvidia/lib64 2>&1 | tr '\n' ' '; echo
    ldd "$(ldconfig -p | awk '/libGLX_nvidia\.so\.0/ {p = $NF} END {print p}')" 2>&1 | grep -v '=> /' 
  } > "$LOG/env.log" 2>&1
  cat "$LOG/env.log"
  ADAPTER=$(timeout $(cap 60) node bin/segwgpu.js adapter 2>&1 | tee "$LOG/adapter.log")
  say "adapter: $ADAPTER"
  if ! grep -q '^adapter:' "$LOG/adapter.log"; then  # no adapter: keep the Vulkan loader's own account
    VK_LOADER_DEBUG=error,warn,driver timeout 60 node bin/segwgpu.js adapter > "$LOG/vk-loader-debug.log" 2>&1
    tail -30 "$LOG/vk-loader-debug.log" | tee -a "$SUMMARY"
    say "no adapter: the other steps are skipped"; STEPS=env
  fi
fi

if step kernels; then
  timeout $(cap 240) $VITEST run test/kernels.test.ts test/golden.test.ts --reporter=default --reporter=junit --outputFile.junit="$LOG/kernels.junit.xml" > "$LOG/kernels.log" 2>&1
  say "kernels (test/kernels.test.ts, test/golden.test.ts): exit $?; $(sed 's/\x1b\[[0-9;]*m//g' "$LOG/kernels.log" | grep -aE '^ *(Test Files|Tests) ' | tr -s ' ' | tr '\n' ';')"
  sed 's/\x1b\[[0-9;]*m//g' "$LOG/kernels.log" | grep -a -E '^ *(FAIL|×)|AssertionError' | head -40 | tee -a "$SUMMARY"
fi

if step bench; then
  timeout $(cap 240) $TSX bench/run.ts models --node --engines segwgpu --runs 10 --out "$LOG/bench" > "$LOG/bench-models.log" 2>&1
  say "bench models --node --engines segwgpu --runs 10: exit $?"
  sed 's/\x1b\[[0-9;]*m//g' "$LOG/bench-models.log" | tail -25 | tee -a "$SUMMARY"
fi

if step segment; then
  mkdir -p /tmp/segwgpu-seg
  for m in selfie selfie-landscape unet fcn8s segnet; do
    echo "== segment --model $m" >> "$LOG/segment.log"
    timeout $(cap 60) node bin/segwgpu.js segment assets/astronaut.png --model "$m" --out "/tmp/segwgpu-seg/$m.png" >> "$LOG/segment.log" 2>&1
    echo "exit $?" >> "$LOG/segment.log"
  done
  say "segwgpu segment assets/astronaut.png:"; sed 's/\x1b\[[0-9;]*m//g' "$LOG/segment.log" | tee -a "$SUMMARY"
fi

if step node; then
  # Every Node test file except the kernel ones above and the two headless-Chromium ones.
  timeout $(cap 300) $VITEST run --exclude test/browser.test.ts --exclude test/e2e.test.ts --exclude test/kernels.test.ts --exclude test/golden.test.ts > "$LOG/node-tests.log" 2>&1
  say "node tests (all but kernels/golden/browser/e2e): exit $?; $(sed 's/\x1b\[[0-9;]*m//g' "$LOG/node-tests.log" | grep -aE '^ *(Test Files|Tests) ' | tr -s ' ' | tr '\n' ';')"
  sed 's/\x1b\[[0-9;]*m//g' "$LOG/node-tests.log" | grep -a -E '^ *(FAIL|×)' | head -30 | tee -a "$SUMMARY"
fi

if step kbench; then
  timeout $(cap 200) $TSX bench/run.ts kernels --node --runs 5 --out "$LOG/bench" > "$LOG/bench-kernels.log" 2>&1
  say "bench kernels --node: exit $?"; sed 's/\x1b\[[0-9;]*m//g' "$LOG/bench-kernels.log" | tail -40 | tee -a "$SUMMARY"
fi

if step ortbench; then
  # segwgpu and onnxruntime-web's WebGPU EP in one process on the same GPU (bench/ort-node-webgpu.ts),
  # with the ORT files prepare.sh carries (dist/ort.min.mjs and its JSEP wasm: no other --ort-bundle).
  if [ -f node_modules/onnxruntime-web/dist/ort.min.mjs ] && [ -f node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.wasm ]; then
    timeout $(cap 240) $TSX bench/run.ts models --node --models unet,fcn8s,segnet,unet16_256 --engines segwgpu,ort-webgpu --runs 10 --out "$LOG/bench" > "$LOG/bench-models-ort.log" 2>&1
    say "bench models --node --models unet,fcn8s,segnet,unet16_256 --engines segwgpu,ort-webgpu --runs 10: exit $?"
    sed 's/\x1b\[[0-9;]*m//g' "$LOG/bench-models-ort.log" | tail -25 | tee -a "$SUMMARY"
  else
    say "ortbench: skipped, onnxruntime-web's dist files were not carried (.gpu/ort.tar.xz: prepare.sh makes it, and drops it when short of room)"
  fi
fi

say "total $(( $(date +%s) - t0 )) s"
tar -czf "$OUT/logs.tgz" -C "$OUT" logs && rm -rf "$LOG"
