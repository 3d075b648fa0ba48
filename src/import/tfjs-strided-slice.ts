/**
 * TensorFlow's StridedSlice spec (begin, end, strides and the five masks) resolved against a known
 * input shape, as TensorFlow's ValidateStridedSliceOp and tfjs-core's slice_util.sliceInfo do it:
 *  1. the sparse spec gets an implicit ellipsis at its end when it has none;
 *  2. it is made dense (one entry per input axis): the ellipsis covers the axes no other entry
 *     names, new_axis entries name no input axis, the masks move to the dense positions;
 *  3. per input axis: a shrink entry takes index begin (negative counts from the end; out of
 *     range is an error) and end = begin + 1; otherwise masked bounds take the whole extent in
 *     the stride's direction, negative bounds count from the end, and bounds are clamped to
 *     [0, dim] (stride > 0) or [-1, dim - 1] (stride < 0); the extent is
 *     ceil((end - begin) / stride), 0 when the interval is empty or points the other way;
 *  4. the output shape drops shrunk axes and inserts a 1 per new axis.
 * The result is an ONNX Slice per input axis plus the final shape, so the importer emits a Slice
 * and, where axes appear or disappear, a Reshape.
 */
import { SegwgpuError } from '../core/errors.js';

export interface StridedSliceSpec {
  readonly begin: readonly number[];
  readonly end: readonly number[];
  readonly strides: readonly number[];
  readonly beginMask: number;
  readonly endMask: number;
  readonly ellipsisMask: number;
  readonly newAxisMask: number;
  readonly shrinkAxisMask: number;
}

export interface ResolvedStridedSlice {
  /** Per input axis: the clamped begin and end (end -1 with a negative stride: past index 0), the stride and the extent taken. */
  readonly axes: readonly { readonly begin: number; readonly end: number; readonly stride: number; readonly size: number }[];
  /** The output's shape (shrunk axes dropped, new axes as 1). */
  readonly outputShape: readonly number[];
  /** Whether the output shape differs from the sliced input's (shrink or new axes). */
  readonly reshapes: boolean;
}

const bit = (mask: number, i: number) => (mask & (1 << i)) !== 0;
const NEW_AXIS = -1;

/** Throws SegwgpuError (prefixed by `where`) for specs TensorFlow refuses. */
export function resolveStridedSlice(shape: readonly number[], spec: StridedSliceSpec, where: string): ResolvedStridedSlice {
  const n = spec.begin.length;
  if (spec.end.length !== n || spec.strides.length !== n) {
    throw new SegwgpuError(`${where}: begin, end and strides have ${n}, ${spec.end.length} and ${spec.strides.length} values; they must be as long`);
  }
  if (spec.ellipsisMask & (spec.ellipsisMask - 1)) throw new SegwgpuError(`${where}: ellipsis_mask ${spec.ellipsisMask} sets more than one ellipsis`);

  // Step 1: the sparse spec, with an ellipsis at the end when it has none.
  let ellipsisSeen = false;
  let newAxesAfterEllipsis = 0;
  for (let i = 0; i < n; i++) {
    if (ellipsisSeen && bit(spec.newAxisMask, i)) newAxesAfterEllipsis++;
    if (bit(spec.ellipsisMask, i)) ellipsisSeen = true;
  }
  const sparseDims = ellipsisSeen ? n : n + 1;
  const ellipsisMask = ellipsisSeen ? spec.ellipsisMask : spec.ellipsisMask | (1 << n);

  // Step 2: the dense spec, one entry per input axis.
  const rank = shape.length;
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  const strides = new Array<number>(rank).fill(1);
  let beginMask = 0;
  let endMask = 0;
  let shrinkMask = 0;
  const gather: number[] = [];
  let full = 0;
  for (let i = 0; i < sparseDims; i++) {
    if (bit(ellipsisMask, i)) {
      const next = Math.min(rank - (sparseDims - i) + 1 + newAxesAfterEllipsis, rank);
      for (; full < next; full++) {
        beginMask |= 1 << full;
        endMask |= 1 << full;
        gather.push(full);
      }
    } else if (bit(spec.newAxisMask, i)) {
      gather.push(NEW_AXIS);
    } else {
      if (full === rank) throw new SegwgpuError(`${where}: the spec indexes more axes than the input's ${rank} ([${shape.join('x')}])`);
      begin[full] = spec.begin[i]!;
      end[full] = spec.end[i]!;
      strides[full] = spec.strides[i]!;
      if (bit(spec.beginMask, i)) beginMask |= 1 << full;
      if (bit(spec.endMask, i)) endMask |= 1 << full;
      if (bit(spec.shrinkAxisMask, i)) shrinkMask |= 1 << full;
      else gather.push(full);
      full++;
    }
  }

  // Step 3: bounds per input axis.
  const axes = shape.map((dim, i) => {
    const stride = strides[i]!;
    if (stride === 0) throw new SegwgpuError(`${where}: strides[${i}] is 0`);
    if (bit(shrinkMask, i)) {
      if (stride <= 0) throw new SegwgpuError(`${where}: axis ${i} is shrunk (indexed) with stride ${stride}; only stride 1 is allowed there`);
      const at = begin[i]! < 0 ? dim + begin[i]! : begin[i]!;
      if (at < 0 || at >= dim) throw new SegwgpuError(`${where}: index ${begin[i]} is out of bounds for axis ${i} of size ${dim}`);
      return { begin: at, end: at + 1, stride, size: 1 };
    }
    const valid = stride > 0 ? [0, dim] : [-1, dim - 1];
    const canonical = (x: number, which: 0 | 1): number => {
      const masked = bit(which === 0 ? beginMask : endMask, i);
      if (masked) return stride > 0 ? valid[which]! : valid[(which + 1) & 1]!;
      const forward = x < 0 ? dim + x : x;
      return Math.min(Math.max(forward, valid[0]!), valid[1]!);
    };
    const b = canonical(begin[i]!, 0);
    const e = canonical(end[i]!, 1);
    const interval = e - b;
    const size = interval === 0 || interval < 0 !== stride < 0 ? 0 : Math.trunc(interval / stride) + (interval % stride !== 0 ? 1 : 0);
    return { begin: b, end: e, stride, size };
  });

  // Step 4: the final shape.
  const outputShape = gather.map((g) => (g === NEW_AXIS ? 1 : axes[g]!.size));
  const reshapes = shrinkMask !== 0 || gather.includes(NEW_AXIS);
  return { axes, outputShape, reshapes };
}
