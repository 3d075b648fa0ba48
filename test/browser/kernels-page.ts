/**
 * The kernel suite inside a browser: the very case lists the Node suite runs (test/cases/ and the
 * PyTorch golden fixtures), on navigator.gpu. Results land on window.__segwgpu for puppeteer.
 */
import { browserGpuContext } from '../../src/gpu/context.js';
import { allSuiteCases } from '../suite.js';
import { checkCase, checkInvalidCase, type CaseResult } from '../util/cases.js';

interface SuiteReport {
  adapter: string;
  userAgent: string;
  results: CaseResult[];
  error?: string;
  done: boolean;
}

declare global {
  interface Window {
    __segwgpu?: SuiteReport;
  }
}

const log = document.getElementById('log')!;
const report: SuiteReport = { adapter: '', userAgent: navigator.userAgent, results: [], done: false };
window.__segwgpu = report;

async function main(): Promise<void> {
  const ctx = await browserGpuContext();
  report.adapter = ctx.adapterName;
  log.textContent += `adapter: ${ctx.adapterName}\n`;
  const only = new URLSearchParams(location.search).get('only');
  for (const { id, kind, c } of allSuiteCases()) {
    if (only && !id.includes(only)) continue;
    let result: CaseResult;
    try {
      result = kind === 'valid' ? await checkCase(ctx, c) : checkInvalidCase(c);
    } catch (e) {
      result = { name: c.name, ok: false, message: `threw: ${(e as Error).message}` };
    }
    report.results.push({ ...result, name: id });
    log.textContent += `${result.ok ? 'ok  ' : 'FAIL'} ${id}\n`;
  }
}

main()
  .catch((e) => {
    report.error = (e as Error).stack ?? String(e);
    log.textContent += `error: ${report.error}\n`;
  })
  .finally(() => {
    report.done = true;
  });
