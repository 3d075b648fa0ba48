/**
 * ImageToTensor (segwgpu's own op, domain ai.segwgpu): unpacks RGBA8 pixels, four bytes per 32-bit
 * word (R in the low byte, as a little-endian copy of RGBA bytes gives), into an NCHW float tensor
 * [1, 3, H, W]: pixel value (0..255) * scale[c] + bias[c], so a model's normalisation costs no
 * extra pass over the image (scale defaults to 1, bias to 0). With `out_height`/`out_width` it
 * also resizes, bilinearly with half-pixel centres and clamped edges (ONNX Resize linear,
 * half_pixel, by sizes), sampling the packed pixels directly: the full-size float image is never
 * written. Normalisation is affine, so it commutes with the interpolation. Rows may be padded (`row_words` >= W) because texture-to-buffer
 * copies align rows to 256 bytes; the input is int32 [H, row_words]. This is how images enter a
 * plan: uploaded or copied as packed bytes, a quarter of the float size.
 */
import { AttributeError, InputError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { checkKnownAttributes, floatsAttr, intAttr } from './attributes.js';
import type { AnyOpDefinition, OpDefinition, ValueInfo } from './types.js';
import imageToTensorWgsl from '../../shaders/image-to-tensor.wgsl?raw';

interface ImageToTensorAttrs {
  readonly width: number;
  readonly outHeight?: number;
  readonly outWidth?: number;
  readonly scale: readonly number[];
  readonly bias: readonly number[];
}

export const imageToTensor: OpDefinition<ImageToTensorAttrs> = {
  type: 'ImageToTensor',
  parse(node) {
    checkKnownAttributes(node, ['width', 'scale', 'bias', 'out_height', 'out_width']);
    const width = intAttr(node, 'width');
    if (width < 1) throw new AttributeError(node, 'width', width, 'must be positive');
    const scale = floatsAttr(node, 'scale', [1, 1, 1])!;
    const bias = floatsAttr(node, 'bias', [0, 0, 0])!;
    if (scale.length !== 3) throw new AttributeError(node, 'scale', scale, 'must hold 3 values (R, G, B)');
    if (bias.length !== 3) throw new AttributeError(node, 'bias', bias, 'must hold 3 values (R, G, B)');
    const outHeight = node.attributes.out_height === undefined ? undefined : intAttr(node, 'out_height');
    const outWidth = node.attributes.out_width === undefined ? undefined : intAttr(node, 'out_width');
    if ((outHeight === undefined) !== (outWidth === undefined)) throw new AttributeError(node, outHeight === undefined ? 'out_width' : 'out_height', outHeight ?? outWidth, 'needs its partner: give both out_height and out_width');
    if (outHeight !== undefined && outHeight < 1) throw new AttributeError(node, 'out_height', outHeight, 'must be positive');
    if (outWidth !== undefined && outWidth < 1) throw new AttributeError(node, 'out_width', outWidth, 'must be positive');
    return { width, scale, bias, outHeight, outWidth };
  },
  infer(attrs, inputs, node) {
    const x = inputs[0];
    if (!x) throw new InputError(node, 'pixels', 'is missing');
    if (x.dtype !== 'int32' || x.shape.length !== 2) throw new InputError(node, 'pixels', `must be int32 [H, row_words] of packed RGBA8, got ${x.dtype} [${x.shape.join('x')}]`);
    if (x.shape[1] < attrs.width) throw new InputError(node, 'pixels', `rows hold ${x.shape[1]} words, fewer than width=${attrs.width}`);
    return { outputs: [{ dtype: 'float32', shape: [1, 3, attrs.outHeight ?? x.shape[0], attrs.outWidth ?? attrs.width] }], resolved: attrs };
  },
  cpu(attrs, inputs) {
    const x = inputs[0] as Tensor<'int32'>;
    const [h, rowWords] = x.shape;
    const w = attrs.width;
    const oh = attrs.outHeight ?? h;
    const ow = attrs.outWidth ?? w;
    const channel = (yy: number, xx: number, c: number) => (x.data[yy * rowWords + xx] >>> (8 * c)) & 255;
    // Source coordinate of an output pixel: half-pixel centres, clamped into the image.
    const taps = (o: number, outLen: number, inLen: number) => {
      const src = Math.min(inLen - 1, Math.max(0, ((o + 0.5) * inLen) / outLen - 0.5));
      const i0 = Math.floor(src);
      return { i0, i1: Math.min(inLen - 1, i0 + 1), t: src - i0 };
    };
    const out = new Float32Array(3 * oh * ow);
    for (let y = 0; y < oh; y++) {
      const ty = taps(y, oh, h);
      for (let i = 0; i < ow; i++) {
        const tx = taps(i, ow, w);
        for (let c = 0; c < 3; c++) {
          const top = (1 - tx.t) * channel(ty.i0, tx.i0, c) + tx.t * channel(ty.i0, tx.i1, c);
          const bottom = (1 - tx.t) * channel(ty.i1, tx.i0, c) + tx.t * channel(ty.i1, tx.i1, c);
          out[(c * oh + y) * ow + i] = ((1 - ty.t) * top + ty.t * bottom) * attrs.scale[c] + attrs.bias[c];
        }
      }
    }
    return [{ dtype: 'float32', shape: [1, 3, oh, ow], data: out }];
  },
  gpu(attrs, inputs: readonly (ValueInfo | undefined)[]) {
    const [h, rowWords] = inputs[0]!.shape;
    const outHeight = attrs.outHeight ?? h;
    const outWidth = attrs.outWidth ?? attrs.width;
    const total = outHeight * outWidth;
    return {
      steps: [
        {
          kernel: wgslKernel('image-to-tensor', imageToTensorWgsl),
          params: {
            total,
            width: attrs.width,
            height: h,
            rowWords,
            outWidth,
            outHeight,
            // in / out per axis, in f32 as the kernel computes (x + 0.5) * ratio - 0.5
            ratioX: attrs.width / outWidth,
            ratioY: h / outHeight,
            scale: [...attrs.scale, 0],
            bias: [...attrs.bias, 0],
          },
          bindings: { pixels: { input: 0 }, y: { output: 0 } },
          invocations: total,
        },
      ],
    };
  },
};

export const ops: AnyOpDefinition[] = [imageToTensor];
