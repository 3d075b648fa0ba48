/**
 * WebGPU in Node through the `webgpu` package (dawn.node). On a machine with no GPU, Dawn's
 * Vulkan backend can run on SwiftShader, which Debian's chromium package ships; we point the
 * Vulkan loader at it ourselves so users need not set VK_ICD_FILENAMES.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SegwgpuError } from '../core/errors.js';
import { createGpuContext, requestCapableDevice, type GpuContext } from '../gpu/context.js';

const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib64/chromium/vk_swiftshader_icd.json'];

let gpuSingleton: GPU | undefined;

async function nodeGpu(): Promise<GPU> {
  if (gpuSingleton) return gpuSingleton;
  // The Vulkan loader reads these variables when Dawn creates its instance, so set them first.
  // SwiftShader is *added* to the drivers the loader finds (a real GPU still wins adapter
  // selection); Mesa's lavapipe is hidden because this Dawn rejects it with a warning.
  // Users who choose drivers themselves (VK_ICD_FILENAMES / VK_DRIVER_FILES) are left alone.
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES) {
    const swiftshader = SWIFTSHADER_ICDS.find((p) => existsSync(p));
    if (swiftshader && !process.env.VK_ADD_DRIVER_FILES) process.env.VK_ADD_DRIVER_FILES = swiftshader;
    process.env.VK_LOADER_DRIVERS_DISABLE ??= '*lvp*';
  }
  // Mesa's Vulkan drivers, probed by the loader, complain on stderr when XDG_RUNTIME_DIR is unset
  // (common in containers and CI); give them a private one so output stays readable.
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), `segwgpu-runtime-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  let mod: { create: (flags: string[]) => GPU; globals: object };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    // An optional peer dependency: browser apps never install it, Node users add it themselves.
    const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    throw new SegwgpuError(
      missing
        ? "WebGPU in Node needs the 'webgpu' package (dawn.node), which is not installed: npm install webgpu"
        : `cannot load the 'webgpu' package (dawn.node): ${(e as Error).message.split('\n')[0]}`,
    );
  }
  Object.assign(globalThis, mod.globals);
  gpuSingleton = mod.create(['backend=vulkan']);
  return gpuSingleton;
}

export const MISSING_ADAPTER_HELP =
  'no WebGPU adapter found. dawn.node needs the system Vulkan loader libvulkan.so.1 (apt-get install -y libvulkan1); ' +
  "on a machine without a GPU, also Debian's chromium package, which ships the SwiftShader Vulkan driver segwgpu uses " +
  '(apt-get install -y chromium, giving /usr/lib/chromium/vk_swiftshader_icd.json); with a GPU, its Vulkan driver.';

// Where Linux distributions put the Vulkan loader (the dynamic linker's default search path).
const LOADER_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/lib'];

/** The help, with what is missing on this machine said first (Linux). */
function missingAdapterHelp(): string {
  if (process.platform !== 'linux') return MISSING_ADAPTER_HELP;
  const missing: string[] = [];
  const fromPath = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (![...fromPath, ...LOADER_DIRS].some((d) => existsSync(join(d, 'libvulkan.so.1')))) missing.push('the Vulkan loader libvulkan.so.1 (apt-get install -y libvulkan1)');
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && !SWIFTSHADER_ICDS.some((p) => existsSync(p))) missing.push("SwiftShader (Debian's chromium package), which a machine without a GPU needs");
  return missing.length ? `no WebGPU adapter found: this machine lacks ${missing.join(' and ')}. ${MISSING_ADAPTER_HELP.replace(/^no WebGPU adapter found\. /, '')}` : MISSING_ADAPTER_HELP;
}

export async function nodeGpuContext(): Promise<GpuContext> {
  const gpu = await nodeGpu();
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new SegwgpuError(missingAdapterHelp());
  const device = await requestCapableDevice(adapter);
  return createGpuContext(adapter, device, gpu.wgslLanguageFeatures);
}

/**
 * The WGSL language features of this machine's dawn.node (no adapter needed: they belong to its
 * WGSL compiler), for `segwgpu info`; none where dawn.node cannot load.
 */
export async function nodeWgslLanguageFeatures(): Promise<ReadonlySet<string>> {
  try {
    return (await nodeGpu()).wgslLanguageFeatures ?? new Set();
  } catch {
    return new Set();
  }
}
