/**
 * Kernels: WGSL source, reflected with wgsl_reflect so uniform layouts and bind-group layouts are
 * never hand-counted. A params object that does not match the WGSL uniform struct is an error that
 * names the field.
 */
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { SegwgpuError } from '../core/errors.js';
import commonWgsl from '../../shaders/common.wgsl?raw';

export type UniformValue = number | boolean | readonly number[];
export type UniformValues = Readonly<Record<string, UniformValue>>;

/** A compute kernel: a name for messages and the full WGSL text (entry point `main`). */
export interface Kernel {
  readonly name: string;
  readonly source: string;
}

/**
 * A kernel from one shaders/<name>.wgsl file (its text, imported by the op file as
 * `shaders/<name>.wgsl?raw`), with shaders/common.wgsl prepended.
 */
export function wgslKernel(name: string, wgsl: string): Kernel {
  return { name, source: `${commonWgsl}\n${wgsl}` };
}

/** A generated kernel (register-blocked variants): name it after its variant so it can be printed. */
export function generatedKernel(name: string, body: string): Kernel {
  return { name, source: `${commonWgsl}\n${body}` };
}

/**
 * A kernel generator that makes each variant once: plans ask for the same few variants again and
 * again (every Conv of a model shares a handful), and building a fully unrolled source took most
 * of a plan's CPU time (the selfie model: about half of layoutGraph). The arguments must be plain
 * data (the cache key is their JSON). The same Kernel object also makes its reflection a cheap
 * lookup.
 */
export function memoizedKernels<A extends unknown[]>(make: (...args: A) => Kernel): (...args: A) => Kernel {
  const made = new Map<string, Kernel>();
  return (...args: A): Kernel => {
    const key = JSON.stringify(args);
    let kernel = made.get(key);
    if (!kernel) {
      kernel = make(...args);
      made.set(key, kernel);
    }
    return kernel;
  };
}

type Scalar = 'u32' | 'i32' | 'f32';

interface UniformField {
  readonly name: string;
  readonly offset: number;
  readonly scalar: Scalar;
  /** Elements written: 1 for scalars, N for vecN, 4*count for array<vec4x, count>. */
  readonly length: number;
  /** True when fewer values may be given (arrays are zero-padded, e.g. per-dimension shapes). */
  readonly padded: boolean;
}

export interface StorageBinding {
  readonly name: string;
  readonly binding: number;
  /** Whether the kernel assigns to it (writtenStorage); every storage binding is read_write. */
  readonly written: boolean;
}

export interface KernelLayout {
  readonly uniformBinding: number | undefined;
  readonly uniformName: string | undefined;
  readonly uniformSize: number;
  readonly fields: readonly UniformField[];
  readonly storage: readonly StorageBinding[];
  readonly workgroupSize: readonly [number, number, number];
}

function scalarOf(typeName: string, format: string | undefined, kernel: string, field: string): { scalar: Scalar; width: number } {
  const short = /^vec([234])([uif])$/.exec(typeName);
  if (short) return { scalar: ({ u: 'u32', i: 'i32', f: 'f32' } as const)[short[2] as 'u' | 'i' | 'f'], width: Number(short[1]) };
  const long = /^vec([234])$/.exec(typeName);
  if (long && (format === 'u32' || format === 'i32' || format === 'f32')) return { scalar: format, width: Number(long[1]) };
  if (typeName === 'u32' || typeName === 'i32' || typeName === 'f32') return { scalar: typeName, width: 1 };
  throw new SegwgpuError(`kernel ${kernel}: uniform field '${field}' has type ${typeName}${format ? `<${format}>` : ''}, which the uniform packer does not support`);
}

// Parsing a generated, fully unrolled kernel takes milliseconds and plans ask for the same few
// sources many times (every Conv of a model shares a handful of variants): remember them.
const reflected = new Map<string, KernelLayout>();
const MAX_REFLECTED = 512;

export function reflectKernel(kernel: Kernel): KernelLayout {
  const hit = reflected.get(kernel.source);
  if (hit) return hit;
  const layout = reflectKernelUncached(kernel);
  if (reflected.size >= MAX_REFLECTED) reflected.delete(reflected.keys().next().value as string);
  reflected.set(kernel.source, layout);
  return layout;
}

const ASSIGNMENT = /^(?:=(?!=)|[-+*/%&|^]=|<<=|>>=|\+\+|--)/;

/**
 * Whether a WGSL source assigns to the storage variable `name`: `name[...] = v`,
 * `name[...].x += v`, `name = v`, `name[i]++`; or takes its address (`&name`, for atomics or
 * pointer arguments; not arrayLength's), which counts as a write. Comments are ignored. Errs on
 * the side of "written" (a local shadowing the name counts): prepareStep checks every binding's
 * role against it, and the plan runs weight repacking once only where nothing else writes it.
 */
export function writtenStorage(source: string, name: string): boolean {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  // Every &name but arrayLength's (which only measures) may be a write (atomics, pointer arguments).
  const addressed = code.match(new RegExp(`&\\s*${name}\\b`, 'g'))?.length ?? 0;
  const measured = code.match(new RegExp(`arrayLength\\(\\s*&\\s*${name}\\s*\\)`, 'g'))?.length ?? 0;
  if (addressed > measured) return true;
  const use = new RegExp(`\\b${name}\\b`, 'g');
  for (let m = use.exec(code); m; m = use.exec(code)) {
    if (code[m.index - 1] === '.') continue; // a member of something else
    let i = m.index + name.length;
    // Skip index and member accesses: [..] (nested) and .member.
    for (;;) {
      while (/\s/.test(code[i] ?? '')) i++;
      if (code[i] === '[') {
        let depth = 0;
        for (; i < code.length; i++) {
          if (code[i] === '[') depth++;
          else if (code[i] === ']' && --depth === 0) break;
        }
        i++;
      } else if (code[i] === '.' && /[A-Za-z_]/.test(code[i + 1] ?? '')) {
        i++;
        while (/\w/.test(code[i] ?? '')) i++;
      } else break;
    }
    if (ASSIGNMENT.test(code.slice(i, i + 3))) return true;
  }
  return false;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- wgsl_reflect's member types are loosely typed */
function reflectKernelUncached(kernel: Kernel): KernelLayout {
  let reflect: WgslReflect;
  try {
    reflect = new WgslReflect(kernel.source);
  } catch (e) {
    throw new SegwgpuError(`kernel ${kernel.name}: WGSL does not parse: ${(e as Error).message}`);
  }
  const compute = reflect.entry.compute.find((c: any) => c.name === 'main');
  if (!compute) throw new SegwgpuError(`kernel ${kernel.name}: no @compute entry point named main`);
  const groups = [...reflect.uniforms, ...reflect.storage].map((v: any) => v.group);
  if (groups.some((g: number) => g !== 0)) throw new SegwgpuError(`kernel ${kernel.name}: all bindings must be in @group(0)`);
  if (reflect.uniforms.length > 1) throw new SegwgpuError(`kernel ${kernel.name}: at most one uniform struct per kernel`);
  const uniform: any = reflect.uniforms[0];
  const fields: UniformField[] = [];
  if (uniform) {
    for (const m of uniform.members as any[]) {
      const t = m.type;
      if (t.name === 'array') {
        const { scalar, width } = scalarOf(t.format?.name ?? '', t.format?.format?.name, kernel.name, m.name);
        if (width !== 4) throw new SegwgpuError(`kernel ${kernel.name}: uniform array '${m.name}' must hold vec4s (uniform arrays have a 16-byte stride)`);
        fields.push({ name: m.name, offset: m.offset, scalar, length: 4 * t.count, padded: true });
      } else {
        const { scalar, width } = scalarOf(t.name, t.format?.name, kernel.name, m.name);
        fields.push({ name: m.name, offset: m.offset, scalar, length: width, padded: false });
      }
    }
  }
  const wg = (compute as any).workgroupSize as number[] | undefined;
  return {
    uniformBinding: uniform?.binding,
    uniformName: uniform?.name,
    uniformSize: uniform ? Math.ceil(uniform.size / 16) * 16 : 0,
    fields,
    storage: (reflect.storage as any[]).map((s) => {
      if (s.access !== 'read_write') {
        throw new SegwgpuError(`kernel ${kernel.name}: storage binding '${s.name}' is declared ${s.access || 'read'}; declare it read_write, as plans bind it (shaders/common.wgsl says why)`);
      }
      return { name: s.name, binding: s.binding, written: writtenStorage(kernel.source, s.name) };
    }),
    workgroupSize: [wg?.[0] ?? 1, wg?.[1] ?? 1, wg?.[2] ?? 1],
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Packs params into the uniform struct's bytes, exactly as reflected. */
export function packUniforms(kernel: Kernel, layout: KernelLayout, params: UniformValues): ArrayBuffer {
  const bytes = new ArrayBuffer(Math.max(layout.uniformSize, 16));
  const view = new DataView(bytes);
  const known = new Set(layout.fields.map((f) => f.name));
  for (const name of Object.keys(params)) {
    if (!known.has(name)) {
      throw new SegwgpuError(`kernel ${kernel.name}: params field '${name}' is not in the WGSL uniform struct (fields: ${[...known].join(', ') || 'none'})`);
    }
  }
  for (const field of layout.fields) {
    const raw = params[field.name];
    if (raw === undefined) throw new SegwgpuError(`kernel ${kernel.name}: params field '${field.name}' is missing`);
    const values = typeof raw === 'boolean' ? [raw ? 1 : 0] : typeof raw === 'number' ? [raw] : raw;
    if (field.padded ? values.length > field.length : values.length !== field.length) {
      throw new SegwgpuError(`kernel ${kernel.name}: params field '${field.name}' needs ${field.padded ? 'at most ' : ''}${field.length} value(s), got ${values.length}`);
    }
    values.forEach((v, i) => {
      const at = field.offset + 4 * i;
      if (field.scalar === 'f32') view.setFloat32(at, v, true);
      else if (field.scalar === 'i32') {
        if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new SegwgpuError(`kernel ${kernel.name}: params field '${field.name}' value ${v} is not an i32`);
        view.setInt32(at, v, true);
      } else {
        if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) throw new SegwgpuError(`kernel ${kernel.name}: params field '${field.name}' value ${v} is not a u32`);
        view.setUint32(at, v, true);
      }
    });
  }
  return bytes;
}

/** A compiled kernel: pipeline plus its reflected layout. Cached per device and source text. */
export interface CompiledKernel {
  readonly kernel: Kernel;
  readonly layout: KernelLayout;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroupLayout: GPUBindGroupLayout;
}

export class KernelCache {
  private readonly compiled = new Map<string, CompiledKernel>();
  constructor(private readonly device: GPUDevice) {}

  get(kernel: Kernel): CompiledKernel {
    const hit = this.compiled.get(kernel.source);
    if (hit) return hit;
    const { layout, bindGroupLayout, pipelineLayout, module } = this.describe(kernel);
    const pipeline = this.device.createComputePipeline({ label: kernel.name, layout: pipelineLayout, compute: { module, entryPoint: 'main' } });
    const result = { kernel, layout, pipeline, bindGroupLayout };
    this.compiled.set(kernel.source, result);
    return result;
  }

  /**
   * Compiles kernels ahead of use with createComputePipelineAsync, all at once, so the
   * implementation can compile them in parallel (pipeline creation dominates a plan's first run).
   */
  async compileAll(kernels: readonly Kernel[], onCompiled?: (compiled: number, total: number) => void): Promise<void> {
    const pending = new Map<string, Kernel>();
    for (const k of kernels) if (!this.compiled.has(k.source)) pending.set(k.source, k);
    const total = pending.size;
    let compiled = 0;
    onCompiled?.(0, total);
    await Promise.all(
      [...pending.values()].map(async (kernel) => {
        const { layout, bindGroupLayout, pipelineLayout, module } = this.describe(kernel);
        const pipeline = await this.device.createComputePipelineAsync({ label: kernel.name, layout: pipelineLayout, compute: { module, entryPoint: 'main' } });
        if (!this.compiled.has(kernel.source)) this.compiled.set(kernel.source, { kernel, layout, pipeline, bindGroupLayout });
        onCompiled?.(++compiled, total);
      }),
    );
  }

  private describe(kernel: Kernel): { layout: KernelLayout; bindGroupLayout: GPUBindGroupLayout; pipelineLayout: GPUPipelineLayout; module: GPUShaderModule } {
    const layout = reflectKernel(kernel);
    const entries: GPUBindGroupLayoutEntry[] = [];
    if (layout.uniformBinding !== undefined) {
      entries.push({ binding: layout.uniformBinding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } });
    }
    for (const s of layout.storage) {
      entries.push({ binding: s.binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } });
    }
    const bindGroupLayout = this.device.createBindGroupLayout({ label: kernel.name, entries });
    const module = this.device.createShaderModule({ label: kernel.name, code: kernel.source });
    const pipelineLayout = this.device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] });
    return { layout, bindGroupLayout, pipelineLayout, module };
  }

  get size(): number {
    return this.compiled.size;
  }
}
