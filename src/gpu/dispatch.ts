/**
 * Folds a 1D invocation count into a workgroup grid that respects
 * maxComputeWorkgroupsPerDimension. Kernels recover the flat index with flatInvocationIndex()
 * from shaders/common.wgsl and guard it against their element count, so the padding
 * invocations that folding creates do nothing.
 */
import { SegwgpuError } from '../core/errors.js';

export function foldWorkgroups(invocations: number, workgroupSize: number, maxPerDimension: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(invocations / workgroupSize));
  if (groups <= maxPerDimension) return [groups, 1, 1];
  const y = Math.ceil(groups / maxPerDimension);
  if (y <= maxPerDimension) return [maxPerDimension, y, 1];
  const z = Math.ceil(y / maxPerDimension);
  if (z > maxPerDimension) {
    throw new SegwgpuError(`dispatch of ${invocations} invocations exceeds the adapter's 3D workgroup grid (${maxPerDimension}^3 workgroups of ${workgroupSize})`);
  }
  return [maxPerDimension, maxPerDimension, z];
}
