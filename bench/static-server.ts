/**
 * What the benchmark's vite dev server adds to serving the repository: onnxruntime-web's dist,
 * MediaPipe's package folder and the external models (external/, git-ignored: ISNet's .onnx, the
 * tfjs model.json and shards) served untransformed, and cross-origin isolation on every response.
 * (tfjs itself is bundled by vite from node_modules, as ES modules.)
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ORT_DIST, ROOT } from './options.js';

const MEDIAPIPE_PACKAGE = join(ROOT, 'node_modules', '@mediapipe', 'selfie_segmentation');
const EXTERNAL = join(ROOT, 'external');

const MIME: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json', '.binarypb': 'application/octet-stream', '.tflite': 'application/octet-stream', '.data': 'application/octet-stream', '.json': 'application/json', '.bin': 'application/octet-stream', '.onnx': 'application/octet-stream' };

const MOUNTS = [
  { prefix: '/ort/', dir: ORT_DIST },
  { prefix: '/mediapipe/', dir: MEDIAPIPE_PACKAGE },
  // vite would answer a model.json fetched with an import-like query as a JS module.
  { prefix: '/external/', dir: EXTERNAL },
];

/**
 * Serves onnxruntime-web's dist folder as it is under /ort/ (vite must not transform ORT's
 * modules: they locate their .wasm and worker .mjs by URL), and sends the cross-origin isolation
 * headers with every response, so SharedArrayBuffer (ORT's wasm threads) is available.
 */
export function benchServerPlugin() {
  const isolate = (res: ServerResponse) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  };
  return {
    name: 'segwgpu-bench-server',
    configureServer(server: { middlewares: { use: (fn: (req: IncomingMessage, res: ServerResponse, next: () => void) => void) => void } }) {
      server.middlewares.use((req, res, next) => {
        isolate(res);
        const url = (req.url ?? '').split('?')[0];
        // ORT's dist, MediaPipe's package folder and the external models, untransformed.
        const mount = MOUNTS.find((m) => url.startsWith(m.prefix));
        if (!mount) return next();
        const file = resolve(mount.dir, decodeURIComponent(url.slice(mount.prefix.length)));
        if (!file.startsWith(mount.dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
          res.statusCode = 404;
          res.end(`not found: ${url}`);
          return;
        }
        res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
        res.setHeader('Content-Length', statSync(file).size);
        createReadStream(file).pipe(res);
      });
    },
  };
}

