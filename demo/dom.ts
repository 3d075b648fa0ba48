/** The page's elements, a small element builder, and how numbers are shown. */

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export const canvas = $<HTMLCanvasElement>('canvas');
export const draw = canvas.getContext('2d')!;
export const video = $<HTMLVideoElement>('video');
export const modelSelect = $<HTMLSelectElement>('model');
export const sizeSelect = $<HTMLSelectElement>('max-side');
export const backendSelect = $<HTMLSelectElement>('backend');
export const runButton = $<HTMLButtonElement>('run');
export const opacityInput = $<HTMLInputElement>('opacity');
export const validateSwitch = $<HTMLInputElement>('validate');
export const webcamButton = $<HTMLButtonElement>('webcam');
export const fpsBox = $('fps');

/** The page's URL parameters (see main.ts). */
export const params = new URLSearchParams(location.search);

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** Marks one button of a group as chosen (class `on`, aria-pressed). */
export function pressOnly(group: string, chosen: Element): void {
  for (const o of document.querySelectorAll(`${group} button`)) {
    o.classList.toggle('on', o === chosen);
    o.setAttribute('aria-pressed', String(o === chosen));
  }
}

export function ms(x: number): string {
  if (x < 1) return `${x.toFixed(2)} ms`;
  if (x < 1000) return `${x.toFixed(x < 10 ? 1 : 0)} ms`;
  return `${(x / 1000).toFixed(2)} s`;
}

export function kb(n: number): string {
  return n < 1e6 ? `${(n / 1024).toFixed(0)} KB` : `${(n / 1048576).toFixed(1)} MB`;
}
