// The page scripts/make_mediapipe_references.ts drives: runs MediaPipe's own selfie segmentation
// solution (@mediapipe/selfie_segmentation, WebGL) on one photo at a time and hands back the mask
// as bytes, with timings. Plain JS (no bundler): the script serves this folder as /page/ and the
// package folder as /mediapipe/ from 127.0.0.1.
/* global SelfieSegmentation, VERSION */

const MEDIAPIPE_DIR = '/mediapipe/';

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8ClampedArray(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** An opaque RGBA photo as a canvas: putImageData keeps the bytes exactly (alpha 255, no colour management). */
function photoCanvas(rgba, width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').putImageData(new ImageData(rgba, width, height), 0, 0);
  return canvas;
}

/**
 * The mask's RGBA bytes at the photo's size, through a 2D canvas. 'copy' replaces the canvas
 * content (no blending with what was there), so the alpha channel comes back exactly as the mask's
 * alpha; the colour channels come back un-premultiplied, i.e. divided by alpha (and so inexact).
 */
function maskPixels2d(mask, width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.globalCompositeOperation = 'copy';
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(mask, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height).data;
}

/**
 * The mask's stored (premultiplied) RGBA bytes through WebGL, for the diagnosis of which channel
 * carries the confidence: texImage2D with PREMULTIPLY_ALPHA true keeps a premultiplied source as
 * it is.
 */
function maskPixelsGl(mask) {
  const width = mask.width;
  const height = mask.height;
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2');
  if (!gl) return undefined;
  const texture = gl.createTexture();
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, true);
  gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, mask);
  const fb = gl.createFramebuffer();
  gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
  gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
  // Texture row 0 is the image's top row (no UNPACK_FLIP_Y), and readPixels of a texture-backed
  // framebuffer returns row 0 first: rows come back top-down.
  const out = new Uint8Array(width * height * 4);
  gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, out);
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { width, height, data: out };
}

function channel(rgba, k) {
  const out = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = rgba[4 * i + k];
  return out;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Waits until the mask's pixels exist: send() returns once the results listener has run, but the
 * listener gets an ImageBitmap whose WebGL work may still be queued. Drawing it into a 1x1 2D
 * canvas and reading that pixel waits for the GPU (the bitmap is scaled down on the GPU side).
 */
const syncCanvas = document.createElement('canvas');
syncCanvas.width = 1;
syncCanvas.height = 1;
const syncCtx = syncCanvas.getContext('2d', { willReadFrequently: false });
function waitForMask(mask) {
  syncCtx.globalCompositeOperation = 'copy';
  syncCtx.drawImage(mask, 0, 0, 1, 1);
  return syncCtx.getImageData(0, 0, 1, 1).data[3];
}

/** A fresh solution instance for one model: nothing carries over from earlier photos. */
async function freshInstance(modelSelection, useCpuInference) {
  const solution = new SelfieSegmentation({ locateFile: (file) => `${MEDIAPIPE_DIR}${file}` });
  let latest;
  solution.onResults((results) => {
    latest = results;
  });
  solution.setOptions({ selfieMode: false, modelSelection, ...(useCpuInference ? { useCpuInference: true } : {}) });
  const t0 = performance.now();
  await solution.initialize();
  const initializeMs = performance.now() - t0;
  return {
    solution,
    initializeMs,
    /**
     * Sends the photo once. sendMs: until send() resolves (it awaits the results listener);
     * readyMs: until the mask's pixels exist (waitForMask); pixelsMs: until they are read back
     * at the photo's size (maskPixels2d), which is what the returned rgba holds.
     */
    async send(image, width, height) {
      latest = undefined;
      const t0 = performance.now();
      await solution.send({ image });
      const t1 = performance.now();
      if (!latest) throw new Error('MediaPipe returned no results');
      waitForMask(latest.segmentationMask);
      const t2 = performance.now();
      const rgba = maskPixels2d(latest.segmentationMask, width, height);
      const t3 = performance.now();
      return { results: latest, rgba, sendMs: t1 - t0, readyMs: t2 - t0, pixelsMs: t3 - t0 };
    },
  };
}

function describeMask(mask) {
  return { type: mask?.constructor?.name ?? typeof mask, width: mask.width, height: mask.height };
}

window.mediapipeRef = {
  version: () => (typeof VERSION === 'string' ? VERSION : String(window.VERSION)),

  webgl() {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return { ok: false };
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    return {
      ok: true,
      version: gl.getParameter(gl.VERSION),
      vendor: debug ? gl.getParameter(debug.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR),
      renderer: debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
    };
  },

  /**
   * One photo, one model. `repeats` fresh instances each get the photo once (their masks must
   * agree); the last instance then gets `warmRuns` more sends of the same photo, for timing (their
   * masks must agree with the first too). Returns the first mask's RGBA bytes and the timings;
   * with `diagnose`, also the mask's stored (premultiplied) bytes read through WebGL.
   */
  async segment({ rgbaBase64, width, height, modelSelection, repeats = 2, warmRuns = 5, diagnose = false, useCpuInference = false }) {
    const image = photoCanvas(fromBase64(rgbaBase64), width, height);
    const fresh = [];
    let instance;
    let gl;
    for (let r = 0; r < repeats; r++) {
      if (instance) await instance.solution.close();
      instance = await freshInstance(modelSelection, useCpuInference);
      const sent = await instance.send(image, width, height);
      fresh.push({ initializeMs: instance.initializeMs, ...sent, mask: describeMask(sent.results.segmentationMask) });
      if (diagnose && r === 0) {
        const stored = maskPixelsGl(sent.results.segmentationMask);
        if (stored) gl = { width: stored.width, height: stored.height, rgbaBase64: toBase64(stored.data) };
      }
    }
    const first = fresh[0];
    const alpha = channel(first.rgba, 3);
    const freshAgree = fresh.every((r) => sameBytes(channel(r.rgba, 3), alpha));
    const warm = [];
    let warmAgree = true;
    for (let i = 0; i < warmRuns; i++) {
      const sent = await instance.send(image, width, height);
      warm.push(sent);
      warmAgree &&= sameBytes(channel(sent.rgba, 3), alpha);
    }
    await instance.solution.close();
    const pick = (rows, key) => rows.map((r) => r[key]);
    return {
      mask: first.mask,
      rgbaBase64: toBase64(new Uint8Array(first.rgba.buffer, first.rgba.byteOffset, first.rgba.byteLength)),
      freshAgree,
      warmAgree,
      timing: {
        fresh: { initializeMs: pick(fresh, 'initializeMs'), sendMs: pick(fresh, 'sendMs'), readyMs: pick(fresh, 'readyMs'), pixelsMs: pick(fresh, 'pixelsMs') },
        warm: { sendMs: pick(warm, 'sendMs'), readyMs: pick(warm, 'readyMs'), pixelsMs: pick(warm, 'pixelsMs') },
        warmMedian: warm.length ? { sendMs: median(pick(warm, 'sendMs')), readyMs: median(pick(warm, 'readyMs')), pixelsMs: median(pick(warm, 'pixelsMs')) } : undefined,
      },
      gl,
    };
  },
};
window.mediapipeRefReady = true;
