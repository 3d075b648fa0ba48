/** Every op family's cases, for the Node suite and the in-browser runner alike. */
import type { InvalidCase, OpCase } from '../util/cases.js';
import * as activations from './activations.cases.js';
import * as arith from './arith.cases.js';
import * as argmax from './argmax.cases.js';
import * as batchNormalization from './batch-normalization.cases.js';
import * as binary from './binary.cases.js';
import * as concat from './concat.cases.js';
import * as conv from './conv.cases.js';
import * as convTranspose from './conv-transpose.cases.js';
import * as gemm from './gemm.cases.js';
import * as imageToTensor from './image-to-tensor.cases.js';
import * as maxUnpool from './max-unpool.cases.js';
import * as pad from './pad.cases.js';
import * as pooling from './pooling.cases.js';
import * as reduce from './reduce.cases.js';
import * as resize from './resize.cases.js';
import * as roiAlign from './roi-align.cases.js';
import * as shapeOps from './shape-ops.cases.js';
import * as slice from './slice.cases.js';
import * as softmax from './softmax.cases.js';
import * as threshold from './threshold.cases.js';
import * as quantize from './quantize.cases.js';
import * as convInteger from './conv-integer.cases.js';
import * as matmulInteger from './matmul-integer.cases.js';

export const families: Record<string, { cases: OpCase[]; invalidCases: InvalidCase[] }> = {
  activations, arith, argmax, batchNormalization, binary, concat, conv, convTranspose, gemm, imageToTensor,
  maxUnpool, pad, pooling, reduce, resize, roiAlign, shapeOps, slice, softmax, threshold,
  quantize, convInteger, matmulInteger,
};
