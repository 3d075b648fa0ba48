/**
 * What the canvas shows: a photo (or webcam frame), its mask over it, the background effects
 * (blur, replacement) and the validation marker. The effects are src/segment/effects.ts, the same
 * code the CLI's `segment --effect` uses.
 */
import { blendByConfidence, blurRgba } from '../src/segment/effects.js';
import { classColor } from '../src/segment/images.js';
import { instanceMapOf, type Instance } from '../src/segment/instances.js';
import { canvas, draw } from './dom.js';

export type ViewMode = 'overlay' | 'mask' | 'photo' | 'blur' | 'replace';

/** How frames are drawn: the view chosen and the mask's opacity over the photo. */
export const view: { mode: ViewMode; opacity: number } = { mode: 'overlay', opacity: 0.6 };

export interface Frame {
  source: CanvasImageSource;
  width: number;
  height: number;
  mask?: OffscreenCanvas;
  /** The foreground's confidence as alpha bytes (for the background effects). */
  foreground?: Uint8ClampedArray;
  marker?: { x: number; y: number; label: string };
  /** The effects' pictures, made when first shown (the opacity slider repaints often). */
  effects?: Partial<Record<'blur' | 'replace', ImageData>>;
}

/** The frame shown now (repaint() draws it again). */
let shown: Frame | undefined;

export function shownFrame(): Frame | undefined {
  return shown;
}

/**
 * The label the mask leaves transparent and the background effects replace: the model's
 * 'background' where it names one, else class 0 (the VOC convention of the 21-class models).
 */
export function backgroundIndexOf(labels: readonly string[]): number {
  const k = labels.indexOf('background');
  return k >= 0 ? k : 0;
}

/**
 * The foreground's confidence as alpha bytes: with two labels (the selfie models: background,
 * person) the other label's own mask; with many classes every class but the background,
 * 1 - P(background).
 */
export function foregroundAlpha(confidenceMasks: readonly Float32Array[], labels: readonly string[], plane: number): Uint8ClampedArray {
  const background = backgroundIndexOf(labels);
  // Uint8ClampedArray rounds and clamps what is stored.
  const alpha = new Uint8ClampedArray(plane);
  if (labels.length === 2) {
    const foreground = confidenceMasks[1 - background]!;
    for (let i = 0; i < plane; i++) alpha[i] = 255 * foreground[i]!;
  } else {
    const backgroundMask = confidenceMasks[background]!;
    for (let i = 0; i < plane; i++) alpha[i] = 255 * (1 - backgroundMask[i]!);
  }
  return alpha;
}

/** The category mask in class colours, transparent where the background is. */
export function maskImage(category: Uint8Array, background: number, width: number, height: number): OffscreenCanvas {
  const rgba = new Uint8ClampedArray(width * height * 4);
  const colors = new Map<number, [number, number, number]>();
  for (let i = 0; i < width * height; i++) {
    const k = category[i]!;
    if (k === background) continue; // the photo shows through
    let c = colors.get(k);
    if (!c) colors.set(k, (c = classColor(k)));
    rgba[4 * i] = c[0];
    rgba[4 * i + 1] = c[1];
    rgba[4 * i + 2] = c[2];
    rgba[4 * i + 3] = 255;
  }
  const out = new OffscreenCanvas(width, height);
  out.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
  return out;
}

function pixelsOf(source: CanvasImageSource, width: number, height: number): Uint8ClampedArray {
  const scratch = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
  scratch.drawImage(source, 0, 0, width, height);
  return scratch.getImageData(0, 0, width, height).data;
}

/** The replacement backdrop: a fixed gradient. */
function backdropPixels(width: number, height: number): Uint8ClampedArray {
  const backdrop = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
  const gradient = backdrop.createLinearGradient(0, 0, width, height);
  gradient.addColorStop(0, '#0f766e');
  gradient.addColorStop(0.55, '#1e3a8a');
  gradient.addColorStop(1, '#581c87');
  backdrop.fillStyle = gradient;
  backdrop.fillRect(0, 0, width, height);
  return backdrop.getImageData(0, 0, width, height).data;
}

/** The photo's foreground over a new background (its blur, or the backdrop), blended by the confidence. */
function backgroundEffect(frame: Frame, effect: 'blur' | 'replace'): ImageData {
  const made = frame.effects?.[effect];
  if (made) return made;
  const { width, height } = frame;
  const photo = pixelsOf(frame.source, width, height);
  // The blur radius the CLI uses (src/cli/commands.ts).
  const background = effect === 'blur' ? blurRgba(photo, width, height, Math.max(4, Math.round(Math.min(width, height) / 60))) : backdropPixels(width, height);
  const confidence = Float32Array.from(frame.foreground!, (a) => a / 255);
  const picture = new ImageData(new Uint8ClampedArray(blendByConfidence(photo, background, confidence)), width, height);
  frame.effects = { ...frame.effects, [effect]: picture };
  return picture;
}

/**
 * A detection model's instances as the mask layer: each instance in its own colour (palette
 * colour k + 1, the CLI's), its box outlined and labelled with class and score.
 */
export function instancesImage(instances: readonly Instance[], width: number, height: number): OffscreenCanvas {
  const map = instanceMapOf(instances, width, height);
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < map.length; p++) {
    if (map[p] === 0) continue;
    const [r, g, b] = classColor(map[p]!);
    pixels.set([r, g, b, 255], 4 * p);
  }
  const layer = new OffscreenCanvas(width, height);
  const context = layer.getContext('2d')!;
  context.putImageData(new ImageData(pixels, width, height), 0, 0);
  const unit = Math.max(1, Math.round(Math.max(width, height) / 400));
  context.lineWidth = 2 * unit;
  context.font = `600 ${11 * unit}px ui-sans-serif, system-ui, sans-serif`;
  instances.forEach((instance, k) => {
    const [r, g, b] = classColor(k + 1);
    const [x1, y1, x2, y2] = instance.box;
    context.strokeStyle = `rgb(${r},${g},${b})`;
    context.strokeRect(x1, y1, x2 - x1, y2 - y1);
    context.fillStyle = `rgb(${r},${g},${b})`;
    context.fillText(`${instance.labelName} ${instance.score.toFixed(2)}`, x1 + 2 * unit, Math.max(11 * unit, y1 - 3 * unit));
  });
  return layer;
}

export function showFrame(frame: Frame): void {
  shown = frame;
  if (canvas.width !== frame.width || canvas.height !== frame.height) {
    canvas.width = frame.width;
    canvas.height = frame.height;
  }
  canvas.classList.remove('empty');
  const mode = view.mode;
  if ((mode === 'blur' || mode === 'replace') && frame.foreground) {
    draw.putImageData(backgroundEffect(frame, mode), 0, 0);
    if (frame.marker) drawMarker(frame.marker, frame.width, frame.height);
    return;
  }
  if (mode === 'mask') {
    draw.fillStyle = '#000';
    draw.fillRect(0, 0, frame.width, frame.height);
  } else {
    draw.drawImage(frame.source, 0, 0, frame.width, frame.height);
  }
  if (frame.mask && mode !== 'photo') {
    draw.globalAlpha = mode === 'mask' ? 1 : view.opacity;
    draw.drawImage(frame.mask, 0, 0);
    draw.globalAlpha = 1;
  }
  if (frame.marker) drawMarker(frame.marker, frame.width, frame.height);
}

function drawMarker(m: { x: number; y: number; label: string }, width: number, height: number): void {
  // Canvas pixels per CSS pixel (the canvas is shown scaled to fit, object-fit: contain).
  const scale = Math.max(width / Math.max(1, canvas.clientWidth || width), height / Math.max(1, canvas.clientHeight || height));
  // Sizes in CSS pixels, whatever the canvas's scale on screen.
  const unit = Math.max(0.25, scale);
  const r = 13 * unit;
  const cx = m.x + 0.5;
  const cy = m.y + 0.5;
  draw.save();
  draw.lineWidth = 4 * unit;
  draw.strokeStyle = 'rgba(0,0,0,0.7)';
  draw.beginPath();
  draw.arc(cx, cy, r, 0, 2 * Math.PI);
  draw.stroke();
  draw.lineWidth = 2 * unit;
  draw.strokeStyle = '#facc15';
  draw.beginPath();
  draw.arc(cx, cy, r, 0, 2 * Math.PI);
  for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) {
    draw.moveTo(cx + dx * r * 0.45, cy + dy * r * 0.45);
    draw.lineTo(cx + dx * r * 1.6, cy + dy * r * 1.6);
  }
  draw.stroke();
  const font = 12.5 * unit;
  draw.font = `600 ${font}px ui-sans-serif, system-ui, sans-serif`;
  const text = m.label;
  const tw = draw.measureText(text).width;
  const pad = 5 * unit;
  let tx = cx + r * 1.8;
  let ty = cy - r * 1.8;
  if (tx + tw + 2 * pad > width) tx = cx - r * 1.8 - tw - 2 * pad;
  if (ty - font - pad < 0) ty = cy + r * 1.8 + font;
  draw.fillStyle = 'rgba(15,23,42,0.85)';
  draw.fillRect(tx, ty - font - pad / 2, tw + 2 * pad, font + 1.5 * pad);
  draw.fillStyle = '#facc15';
  draw.fillText(text, tx + pad, ty);
  draw.restore();
}

export function repaint(): void {
  if (shown) showFrame(shown);
}
