/**
 * ImageToTensor (segwgpu's own op, domain ai.segwgpu): unpacks RGBA8 pixels, four bytes per 32-bit
 * word (R in the low byte, as a little-endian copy of RGBA bytes gives), into an NCHW float tensor
 * [1, 3, H, W]: pixel value (0..255) * scale[c] + bias[c], so a model's normalisation costs no
 * extra pass over the image (scale defaults to 1, bias to 0). Rows may be padded (`row_words` >= W) because texture-to-buffer
 * copies align rows to 256 bytes; the input is int32 [H, row_words]. This is how images enter a
 * plan: uploaded or copied as packed bytes, a quarter of the float size.
 */
import { AttributeError, InputError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { kernelFromFile } from '../gpu/kernel.js';
import { checkKnownAttributes, floatsAttr, intAttr } from './attributes.js';
import type { AnyOpDefinition, OpDefinition, ValueInfo } from './types.js';

interface ImageToTensorAttrs {
  readonly width: number;
  readonly scale: readonly number[];
  readonly bias: readonly number[];
}

export const imageToTensor: OpDefinition<ImageToTensorAttrs> = {
  type: 'ImageToTensor',
  parse(node) {
    checkKnownAttributes(node, ['width', 'scale', 'bias']);
    const width = intAttr(node, 'width');
    if (width < 1) throw new AttributeError(node, 'width', width, 'must be positive');
    const scale = floatsAttr(node, 'scale', [1, 1, 1])!;
    const bias = floatsAttr(node, 'bias', [0, 0, 0])!;
    if (scale.length !== 3) throw new AttributeError(node, 'scale', scale, 'must hold 3 values (R, G, B)');
    if (bias.length !== 3) throw new AttributeError(node, 'bias', bias, 'must hold 3 values (R, G, B)');
    return { width, scale, bias };
  },
  infer(attrs, inputs, node) {
    const x = inputs[0];
    if (!x) throw new InputError(node, 'pixels', 'is missing');
    if (x.dtype !== 'int32' || x.shape.length !== 2) throw new InputError(node, 'pixels', `must be int32 [H, row_words] of packed RGBA8, got ${x.dtype} [${x.shape.join('x')}]`);
    if (x.shape[1] < attrs.width) throw new InputError(node, 'pixels', `rows hold ${x.shape[1]} words, fewer than width=${attrs.width}`);
    return [{ dtype: 'float32', shape: [1, 3, x.shape[0], attrs.width] }];
  },
  cpu(attrs, inputs) {
    const x = inputs[0] as Tensor<'int32'>;
    const [h, rowWords] = x.shape;
    const w = attrs.width;
    const out = new Float32Array(3 * h * w);
    for (let y = 0; y < h; y++) {
      for (let i = 0; i < w; i++) {
        const word = x.data[y * rowWords + i];
        for (let c = 0; c < 3; c++) out[(c * h + y) * w + i] = Math.fround(((word >>> (8 * c)) & 255) * attrs.scale[c]) + attrs.bias[c];
      }
    }
    return [{ dtype: 'float32', shape: [1, 3, h, w], data: out }];
  },
  gpu(attrs, inputs: readonly (ValueInfo | undefined)[]) {
    const [h, rowWords] = inputs[0]!.shape;
    const total = h * attrs.width;
    return {
      steps: [
        {
          kernel: kernelFromFile('image-to-tensor'),
          params: { total, width: attrs.width, height: h, rowWords, scale: [...attrs.scale, 0], bias: [...attrs.bias, 0] },
          bindings: { pixels: { input: 0 }, y: { output: 0 } },
          invocations: total,
        },
      ],
    };
  },
};

export const ops: AnyOpDefinition[] = [imageToTensor];
