/**
 * Benchmark results: one JSON document per `npm run bench`, a plain-text table for the terminal,
 * and a self-contained HTML report (inline SVG bar charts, no external files), both written
 * atomically to bench/results/.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KernelBenchReport } from './kernels.js';
import { ratios, type ModelResult } from './models.js';

export interface BenchEnvironment {
  readonly runtime: 'chromium' | 'node';
  /** The WebGPU adapter segwgpu ran on. */
  readonly adapter: string;
  /** puppeteer's browser.version(), or Node's version and dawn.node. */
  readonly browserVersion?: string;
  readonly userAgent?: string;
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly crossOriginIsolated?: boolean;
  readonly ortVersion?: string;
  readonly ortThreads?: number;
  readonly ortModule?: string;
  /** The WebGL renderer MediaPipe ran on (the selfie benchmark). */
  readonly webgl?: string;
  /** tfjs-core's version (the tfjs rows' peer). */
  readonly tfjsVersion?: string;
}

export interface BenchResults {
  readonly tool: 'segwgpu-bench';
  readonly version: 1;
  readonly date: string;
  readonly what: 'all' | 'kernels' | 'models';
  readonly environment: BenchEnvironment;
  readonly options: Readonly<Record<string, unknown>>;
  readonly kernels?: KernelBenchReport;
  readonly models?: ModelResult[];
  /** Benchmark pages that failed as a whole (the run went on without them). */
  readonly errors?: string[];
  /** Wall-clock seconds of the whole benchmark. */
  readonly elapsedS: number;
}

const fmtMs = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const fmtRatio = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(2));
const fmtNum = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
/** Three significant digits, for rates that span orders of magnitude (GB/s, GFLOP/s). */
const fmtSig = (v: number) => (!Number.isFinite(v) ? '-' : v === 0 ? '0' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

function table(header: string[], rows: string[][], rightAlign: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (rightAlign[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** "SegNet has no ORT-web WebGPU path: <error>" and the like, for rows that failed. */
export function engineProblems(m: ModelResult): string[] {
  const out: string[] = [];
  if (m.skipped) out.push(`${m.model} not run: ${m.skipped}`);
  for (const e of m.engines) {
    if (e.error) {
      const what = e.engine.startsWith('ort-') ? `ORT-web ${e.engine === 'ort-webgpu' ? 'WebGPU' : 'wasm'}` : e.engine;
      out.push(`${m.model} has no ${what} path: ${e.error}`);
    }
    for (const n of e.notes ?? []) out.push(`${m.model} on ${e.engine}: ${n}`);
    if (e.withinTolerance === false) out.push(`${m.model} on ${e.engine}: output differs from PyTorch by ${e.maxAbsDiff?.toExponential(2)} (beyond the fixture's atol)`);
  }
  return out;
}

export function environmentLines(r: BenchResults): string[] {
  const env = r.environment;
  const lines = [`date: ${r.date}`, `runtime: ${env.runtime === 'chromium' ? `headless ${env.browserVersion}` : `Node ${env.node} (dawn.node)`}`, `adapter: ${env.adapter}`];
  if (env.userAgent) lines.push(`user agent: ${env.userAgent}`);
  if (env.ortVersion) lines.push(`onnxruntime-web ${env.ortVersion} (${env.ortModule ?? ''}), wasm threads: ${env.ortThreads}${env.crossOriginIsolated !== undefined ? `, cross-origin isolated: ${env.crossOriginIsolated}` : ''}`);
  if (env.webgl) lines.push(`WebGL (MediaPipe): ${env.webgl}`);
  if (env.tfjsVersion) lines.push(`tfjs ${env.tfjsVersion}`);
  lines.push(`host: ${env.platform}, ${env.cpus} CPUs, Node ${env.node}`);
  return lines;
}

export function textReport(r: BenchResults): string {
  const parts: string[] = [environmentLines(r).join('\n')];
  if (r.kernels) {
    const k = r.kernels;
    parts.push(
      `Kernels (median of ${r.options.runs} after 1 warm-up; ${k.rows[0]?.timing ?? 'gpu-timestamps'}); matmul ceiling ${fmtNum(k.ceilingGflops)} GFLOP/s\n` +
        table(
          ['kernel', 'ms', 'GFLOP/s', 'GB/s', '% ceiling'],
          k.rows.map((row) => (row.error ? [row.name, 'error', row.error, '', ''] : [row.name, fmtNum(row.ms), fmtSig(row.gflops), fmtSig(row.gbps), fmtNum(100 * row.fractionOfCeiling, 0)])),
          [false, true, true, true, true],
        ),
    );
  }
  if (r.models && r.models.length > 0) {
    const rows: string[][] = [];
    for (const m of r.models) {
      const rs = ratios(m);
      const wasmRs = ratios(m, 'segwgpu-wasm');
      if (m.skipped) rows.push([m.model, '-', 'not run', '-', '0', '-', '', '', '']);
      for (const e of m.engines) {
        const ratio = rs.find((x) => x.vs === e.engine);
        const wasmRatio = wasmRs.find((x) => x.vs === e.engine);
        rows.push([
          m.model,
          e.engine,
          e.error ? 'error' : fmtMs(e.firstMs),
          e.error ? '-' : fmtMs(e.warmMs),
          String(e.warmSamples.length),
          e.maxAbsDiff === undefined ? '-' : `${e.maxAbsDiff.toExponential(1)}${e.withinTolerance ? '' : ' !'}`,
          ratio ? fmtRatio(ratio.first) : '',
          ratio ? fmtRatio(ratio.warm) : '',
          wasmRatio ? `${fmtRatio(wasmRatio.warm)} / ${fmtRatio(wasmRatio.first)}` : '',
        ]);
      }
    }
    const problems = r.models.flatMap(engineProblems);
    parts.push(
      'Models: first run = model bytes in memory -> first outputs (import/plan/pipelines or session creation included); warm = median of N runs after it.\n' +
        'selfie*: photo in, masks at photo size in JS memory out; first = Segmenter.create + segment() / MediaPipe construction + initialize() + first mask read back as pixels.\n' +
        'isnet-*, tfjs-*: external models (bench/external-models.ts); no PyTorch output, each peer\'s row notes how far its output is from segwgpu\'s.\n' +
        'segwgpu/other = segwgpu time / that engine\'s time (ORT, MediaPipe, tfjs; above 1: segwgpu slower). max|diff| = against the PyTorch output.\n' +
        'segwgpu-wasm: segwgpu\'s wasm backend (its ONNX export on ORT\'s wasm EP; selfie*: Segmenter backend \'wasm\'); wasm/other = its time / a CPU peer\'s (ort-wasm, mediapipe-cpu, tfjs-cpu), warm / first.\n' +
        table(['model', 'engine', 'first ms', 'warm ms', 'N', 'max|diff|', 'segwgpu/other first', 'segwgpu/other warm', 'wasm/other warm / first'], rows, [false, false, true, true, true, true, true, true, true]) +
        (problems.length > 0 ? `\n\n${problems.map((p) => `* ${p}`).join('\n')}` : ''),
    );
  }
  if (r.errors) parts.push(`Failed:\n${r.errors.map((e) => `* ${e}`).join('\n')}`);
  parts.push(`elapsed: ${r.elapsedS.toFixed(0)} s`);
  return parts.join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const ENGINE_COLOURS: Record<string, string> = { segwgpu: '#1f77b4', 'segwgpu-wasm': '#17becf', 'ort-webgpu': '#ff7f0e', 'ort-wasm': '#2ca02c', 'mediapipe-webgl': '#9467bd', 'mediapipe-cpu': '#8c564b', 'tfjs-webgpu': '#e377c2', 'tfjs-cpu': '#bcbd22' };

interface Bar {
  readonly label: string;
  readonly value: number;
  readonly text: string;
  readonly colour: string;
  readonly light?: boolean;
}

/** Horizontal bars on a linear scale from 0 to the largest value (or `max`), with an optional marker line. */
function barChart(bars: Bar[], options: { unit: string; max?: number; marker?: { value: number; label: string } } = { unit: '' }): string {
  const labelW = 330, chartW = 420, textW = 150, rowH = 20, top = options.marker ? 20 : 8;
  const finite = bars.filter((b) => Number.isFinite(b.value));
  const max = options.max ?? Math.max(1e-9, ...finite.map((b) => b.value), options.marker?.value ?? 0);
  const h = top + bars.length * rowH + 22;
  const x = (v: number) => labelW + (chartW * Math.max(0, v)) / max;
  const rows = bars.map((b, i) => {
    const y = top + i * rowH;
    const w = Number.isFinite(b.value) ? x(b.value) - labelW : 0;
    return (
      `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${escape(b.label)}</text>` +
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${b.colour}"${b.light ? ' fill-opacity="0.45"' : ''}><title>${escape(`${b.label}: ${b.text}`)}</title></rect>` +
      `<text x="${(labelW + w + 4).toFixed(1)}" y="${y + 14}">${escape(b.text)}</text>`
    );
  });
  const axisY = top + bars.length * rowH + 4;
  let marker = '';
  if (options.marker) {
    const mx = x(options.marker.value).toFixed(1);
    marker = `<line x1="${mx}" x2="${mx}" y1="${top - 4}" y2="${axisY}" stroke="#d62728" stroke-dasharray="4 3"/><text x="${mx}" y="${top - 8}" fill="#d62728" text-anchor="middle">${escape(options.marker.label)}</text>`;
  }
  const axis = `<line x1="${labelW}" x2="${labelW + chartW}" y1="${axisY}" y2="${axisY}" stroke="#999"/><text x="${labelW}" y="${axisY + 14}" fill="#666">0</text><text x="${labelW + chartW}" y="${axisY + 14}" fill="#666" text-anchor="end">${escape(`${fmtNum(max, max < 10 ? 2 : 0)} ${options.unit}`)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + chartW + textW}" height="${h}" font-family="sans-serif" font-size="12">${rows.join('')}${axis}${marker}</svg>`;
}

function htmlTable(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function modelSection(m: ModelResult): string {
  if (m.skipped) return `<h3>${escape(m.model)}</h3><p>${escape(m.description)}; <code>${escape(m.file)}</code></p><ul class="problems"><li>not run: ${escape(m.skipped)}</li></ul>`;
  const bars: Bar[] = [];
  for (const e of m.engines) {
    const colour = ENGINE_COLOURS[e.engine] ?? '#777';
    bars.push({ label: `${e.engine} warm (median of ${e.warmSamples.length})`, value: e.warmMs ?? NaN, text: e.error ? 'failed' : `${fmtMs(e.warmMs)} ms`, colour });
    bars.push({ label: `${e.engine} first run`, value: e.firstMs ?? NaN, text: e.error ? 'failed' : `${fmtMs(e.firstMs)} ms`, colour, light: true });
  }
  const rs = ratios(m);
  const wasmRs = ratios(m, 'segwgpu-wasm');
  const rows = m.engines.map((e) => {
    const r = rs.find((x) => x.vs === e.engine);
    const w = wasmRs.find((x) => x.vs === e.engine);
    const parts = e.firstParts ? Object.entries(e.firstParts).map(([k, v]) => `${k} ${fmtMs(v)}`).join(', ') : '';
    return [
      e.engine,
      e.backend,
      e.error ? 'failed (below)' : fmtMs(e.firstMs),
      parts,
      e.error ? '-' : fmtMs(e.warmMs),
      e.warmSamples.map((s) => fmtMs(s)).join(' '),
      e.maxAbsDiff === undefined ? '-' : `${e.maxAbsDiff.toExponential(2)} ${e.withinTolerance ? '(ok)' : '(beyond atol)'}`,
      r ? `${fmtRatio(r.first)} / ${fmtRatio(r.warm)}` : '',
      w ? `${fmtRatio(w.first)} / ${fmtRatio(w.warm)}` : '',
    ];
  });
  const profile = m.engines.find((e) => e.gpuProfile)?.gpuProfile;
  const problems = engineProblems(m);
  return (
    `<h3>${escape(m.model)}</h3><p>${escape(m.description)}; <code>${escape(m.file)}</code> (${(m.modelBytes / 1024).toFixed(0)} KiB), input [${m.inputShape.join('x')}]</p>` +
    barChart(bars, { unit: 'ms' }) +
    htmlTable(['engine', 'backend', 'first run ms', 'first run parts ms', 'warm ms', 'warm samples ms', 'max |diff| vs PyTorch', 'segwgpu/this first / warm', 'segwgpu-wasm/this first / warm'], rows) +
    (profile
      ? `<p>segwgpu GPU time per op type (timestamp queries, one pass per node): ${escape(profile.byOpType.map((o) => `${o.opType} x${o.nodes} ${fmtMs(o.ms)} ms`).join(', '))}; total ${fmtMs(profile.totalMs)} ms</p>`
      : '') +
    (problems.length > 0 ? `<ul class="problems">${problems.map((p) => `<li>${escape(p)}</li>`).join('')}</ul>` : '')
  );
}

/** One row per model: warm (and first-run) ms per engine, and segwgpu/ORT ratios. */
function summaryTable(models: readonly ModelResult[]): string {
  const engines = [...new Set(models.flatMap((m) => m.engines.map((e) => e.engine)))];
  const others = engines.filter((e) => e !== 'segwgpu');
  const header = ['model', ...engines.map((e) => `${e} warm / first ms`), ...others.map((e) => `segwgpu/${e} warm / first`)];
  const rows = models.map((m) => {
    const rs = ratios(m);
    if (m.skipped) return [m.model, `not run: ${m.skipped}`, ...header.slice(2).map(() => '')];
    return [
      m.model,
      ...engines.map((name) => {
        const e = m.engines.find((x) => x.engine === name);
        return !e ? '' : e.error ? 'failed' : `${fmtMs(e.warmMs)} / ${fmtMs(e.firstMs)}`;
      }),
      ...others.map((name) => {
        const r = rs.find((x) => x.vs === name);
        return r ? `${fmtRatio(r.warm)} / ${fmtRatio(r.first)}` : '';
      }),
    ];
  });
  return `<h3>Summary</h3>${htmlTable(header, rows)}`;
}

export function htmlReport(r: BenchResults): string {
  const sections: string[] = [];
  if (r.kernels) {
    const k = r.kernels;
    const ok = k.rows.filter((row) => !row.error);
    sections.push(
      `<h2>Kernels</h2><p>Median GPU time of ${escape(String(r.options.runs))} runs after one warm-up (${escape(ok[0]?.timing ?? 'gpu-timestamps')}); GFLOP/s against the adapter's matmul ceiling (${fmtNum(k.ceilingGflops)} GFLOP/s, best of: ${escape(k.matmulCeiling.map((c) => `${c.name} ${fmtNum(c.gflops)}`).join(', '))}).</p>` +
        barChart(
          ok.map((row) => ({ label: row.name, value: row.gflops, text: `${fmtSig(row.gflops)} GFLOP/s, ${fmtNum(row.ms)} ms`, colour: ENGINE_COLOURS.segwgpu })),
          { unit: 'GFLOP/s', marker: { value: k.ceilingGflops, label: 'matmul ceiling' } },
        ) +
        htmlTable(
          ['kernel', 'ms', 'GFLOP/s', 'GB/s', '% of ceiling'],
          k.rows.map((row) => (row.error ? [row.name, `error: ${row.error}`, '', '', ''] : [row.name, fmtNum(row.ms), fmtSig(row.gflops), fmtSig(row.gbps), fmtNum(100 * row.fractionOfCeiling, 0)])),
        ),
    );
  }
  if (r.models && r.models.length > 0) {
    sections.push(
      `<h2>Models</h2><p>First run: from the model's bytes in memory to the first outputs in JS memory (segwgpu: import, plan with pipeline creation, run; ORT: session creation, run); the runtimes' one-time start (GPU device, ORT's wasm) is outside it. Warm: median of N runs after the first, inputs uploaded and outputs read back every time. segwgpu/ORT is segwgpu's time over ORT's (above 1: segwgpu slower). Dark bars warm, light bars first run.</p>` +
        `<p><b>selfie, selfie-landscape</b> (image in, mask out, one page): segwgpu's <code>Segmenter</code> (built-in models 'selfie' / 'selfie-landscape') against MediaPipe's own selfie segmentation solution (modelSelection 0 / 1) on the same photo; both end when the masks are in JS memory at the photo's size (MediaPipe's mask drawn onto a 2D canvas and read with getImageData). First run: segwgpu <code>Segmenter.create</code> (model fetch, TFLite import, GPU device) + first <code>segment()</code> (plan, pipelines, run); MediaPipe construction + <code>initialize()</code> (wasm, graph, model) + first send until the mask is read back. mediapipe-webgl: the solution's WebGL inference; mediapipe-cpu: its <code>useCpuInference</code> option (wasm inference, WebGL pre/post-processing). Notes compare MediaPipe's mask with segwgpu's person confidence.</p>` +
        `<p><b>isnet-*, tfjs-*</b> (external models, fetched by <code>node scripts/fetch-external-models.mjs</code>): ISNet (@imgly/background-removal's models) on segwgpu and ORT's WebGPU and wasm EPs, same bytes, @imgly's input; tfjs graph models on segwgpu (loadTfjsModel) and tfjs itself (loadGraphModel, WebGPU backend in the browser, cpu backend in Node), same files. No PyTorch output: notes give each peer's mean |diff| from segwgpu's output and the IoU of the &gt;= 0.5 masks.</p>` +
        summaryTable(r.models) +
        r.models.map(modelSection).join(''),
    );
  }
  if (r.errors) sections.push(`<h2>Failed</h2><ul class="problems">${r.errors.map((e) => `<li>${escape(e)}</li>`).join('')}</ul>`);
  const title = `segwgpu benchmark, ${r.date}`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
pre { background: #f7f7f7; padding: 0.8em; white-space: pre-wrap; }
.problems li { color: #a33; }
</style></head><body>
<h1>${escape(title)}</h1>
<pre>${escape(environmentLines(r).join('\n'))}\noptions: ${escape(JSON.stringify(r.options))}\nelapsed: ${r.elapsedS.toFixed(0)} s</pre>
${sections.join('\n')}
</body></html>
`;
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** Writes <dir>/<what>-<runtime>-<date>.json and .html; returns their paths. */
export function writeResults(r: BenchResults, dir: string): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${r.what}-${r.environment.runtime}-${r.date.replace(/[:.]/g, '-')}`);
  const json = `${base}.json`;
  const html = `${base}.html`;
  writeAtomically(json, `${JSON.stringify(r, null, 2)}\n`);
  writeAtomically(html, htmlReport(r));
  return { json, html };
}
