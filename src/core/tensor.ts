/**
 * Tensors at segwgpu's boundary: dense, row-major (C order), NCHW for images.
 *
 * Two element types live on the GPU: f32 for activations and i32 for integer outputs
 * (MaxPool indices, ArgMax labels). ONNX declares those outputs int64; we keep them as i32 on
 * the GPU (every flat index of a tensor that fits in one storage binding fits in 31 bits) and
 * widen to int64 only where a file format asks for it. int64 tensors also exist on the CPU side,
 * for the shape subgraphs an importer folds away before anything reaches the GPU.
 */
export type DType = 'float32' | 'int32' | 'int64';

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'int32'
    ? Int32Array
    : BigInt64Array;

export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: TypedArrayFor<D>;
}

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function tensor(shape: Shape, data: Float32Array | number[]): Tensor<'float32'> {
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  if (values.length !== sizeOf(shape)) {
    throw new Error(`tensor: shape [${shape.join(', ')}] holds ${sizeOf(shape)} elements but ${values.length} were given`);
  }
  return { dtype: 'float32', shape: [...shape], data: values };
}

export function int32Tensor(shape: Shape, data: Int32Array | number[]): Tensor<'int32'> {
  const values = data instanceof Int32Array ? data : Int32Array.from(data);
  if (values.length !== sizeOf(shape)) {
    throw new Error(`tensor: shape [${shape.join(', ')}] holds ${sizeOf(shape)} elements but ${values.length} were given`);
  }
  return { dtype: 'int32', shape: [...shape], data: values };
}

export function int64Tensor(shape: Shape, data: BigInt64Array | (number | bigint)[]): Tensor<'int64'> {
  const values = data instanceof BigInt64Array ? data : BigInt64Array.from(data.map((v) => BigInt(v)));
  if (values.length !== sizeOf(shape)) {
    throw new Error(`tensor: shape [${shape.join(', ')}] holds ${sizeOf(shape)} elements but ${values.length} were given`);
  }
  return { dtype: 'int64', shape: [...shape], data: values };
}

export function zeros(shape: Shape): Tensor<'float32'> {
  return { dtype: 'float32', shape: [...shape], data: new Float32Array(sizeOf(shape)) };
}

/** The values of a small integer tensor (shape inputs such as Resize sizes or Slice starts) as numbers. */
export function integerValues(t: Tensor): number[] {
  if (t.dtype === 'float32') throw new Error(`expected an integer tensor, got float32`);
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

export function numberValues(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

export function formatShape(shape: Shape): string {
  return `[${shape.join('x')}]`;
}
