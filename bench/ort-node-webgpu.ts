/**
 * What onnxruntime-web's WebGPU EP needs to run in Node on dawn.node, next to segwgpu in the same
 * process (`npm run bench -- models --node --engines ort-webgpu`). Its browser builds
 * (dist/ort.min.mjs, ort.all.min.mjs: the JSEP WebGPU EP) run in Node as they are, but for two
 * things a browser has and dawn.node lacks:
 *
 * - `navigator.gpu`: ORT asks for its adapter there (it accepts an adapter in `env.webgpu.adapter`
 *   but still requires `navigator.gpu`, and always requests its own device from the adapter; it
 *   cannot be handed segwgpu's). segwgpu's GPU object is private to src/node/gpu.ts, so this makes
 *   a second dawn.node instance with the same flags, after `nodeGpuContext()` has set the Vulkan
 *   driver variables: the same drivers, so the same adapter (a real GPU, or SwiftShader).
 * - `GPUQueue.writeBuffer` from shared memory: ORT's wasm heap is a SharedArrayBuffer (its
 *   threaded build, whatever the thread count) and it uploads views of it; Chromium accepts those,
 *   dawn.node throws "no overload matched for writeBuffer". The shim copies such bytes into a
 *   plain ArrayBuffer first; every other call goes through untouched.
 *
 * Bench code only: segwgpu itself never writes from shared memory.
 */

/** GPUQueue.writeBuffer's arguments (offset and size count elements for a typed array, else bytes). */
type WriteBufferArgs = [buffer: GPUBuffer, bufferOffset: GPUSize64, data: BufferSource | SharedArrayBuffer, dataOffset?: GPUSize64, size?: GPUSize64];

let installed = false;

function copyWritesFromSharedMemory(): void {
  const original = GPUQueue.prototype.writeBuffer as (this: GPUQueue, ...args: WriteBufferArgs) => undefined;
  function writeBuffer(this: GPUQueue, ...[buffer, bufferOffset, data, dataOffset = 0, size]: WriteBufferArgs): undefined {
    const view = ArrayBuffer.isView(data) ? data : undefined;
    const backing = view ? view.buffer : data;
    if (!(backing instanceof SharedArrayBuffer)) return original.call(this, buffer, bufferOffset, data, dataOffset, size);
    const elementBytes = view && 'BYTES_PER_ELEMENT' in view ? (view.BYTES_PER_ELEMENT as number) : 1;
    const start = (view?.byteOffset ?? 0) + dataOffset * elementBytes;
    const length = size === undefined ? (view?.byteLength ?? backing.byteLength) - dataOffset * elementBytes : size * elementBytes;
    const copy = new Uint8Array(length);
    copy.set(new Uint8Array(backing, start, length));
    return original.call(this, buffer, bufferOffset, copy);
  }
  GPUQueue.prototype.writeBuffer = writeBuffer as GPUQueue['writeBuffer'];
}

/**
 * Makes `navigator.gpu` a dawn.node GPU and lets `writeBuffer` take shared memory; once per
 * process. Call after `nodeGpuContext()` (it loads dawn.node's globals, GPUQueue among them, and
 * sets the Vulkan driver variables the new instance reads) and before ORT's first WebGPU session.
 */
export async function prepareOrtWebgpuInNode(): Promise<void> {
  if (installed) return;
  const { create } = await import('webgpu');
  // The flags src/node/gpu.ts gives its instance.
  const gpu = create(['backend=vulkan']);
  // Node 21+ has a `navigator` (without `gpu`) whose global is a getter: add to it; Node 20 has none.
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  copyWritesFromSharedMemory();
  installed = true;
}
