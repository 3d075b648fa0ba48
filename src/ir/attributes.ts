/** Node attributes as the IR holds them: ONNX's attribute kinds, already decoded by the importers. */
import type { Tensor } from '../core/tensor.js';

export type AttributeValue = number | string | number[] | string[] | Tensor;
export type Attributes = Readonly<Record<string, AttributeValue>>;
