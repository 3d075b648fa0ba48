/** Every op definition, one module per op (family). Add new op files here. */
import type { AnyOpDefinition } from './types.js';
import { ops as activations } from './activations.js';
import { ops as arith } from './arith.js';
import { ops as argmax } from './argmax.js';
import { ops as averagePool } from './average-pool.js';
import { ops as batchNormalization } from './batch-normalization.js';
import { ops as concat } from './concat.js';
import { ops as confusionMatrix } from './confusion-matrix.js';
import { ops as conv } from './conv.js';
import { ops as convTranspose } from './conv-transpose.js';
import { ops as gemm } from './gemm.js';
import { ops as imageToTensor } from './image-to-tensor.js';
import { ops as maxPool } from './max-pool.js';
import { ops as maxUnpool } from './max-unpool.js';
import { ops as pad } from './pad.js';
import { ops as reduce } from './reduce.js';
import { ops as resize } from './resize.js';
import { ops as roiAlign } from './roi-align.js';
import { ops as views } from './views.js';
import { ops as movement } from './movement.js';
import { ops as gather } from './gather.js';
import { ops as cast } from './cast.js';
import { ops as planTime } from './plan-time.js';
import { ops as slice } from './slice.js';
import { ops as softmax } from './softmax.js';
import { ops as threshold } from './threshold.js';
import { ops as quantize } from './quantize.js';
import { ops as convInteger } from './conv-integer.js';
import { ops as matmulInteger } from './matmul-integer.js';
import { ops as compare } from './compare.js';
import { ops as where } from './where.js';
import { ops as minMax } from './min-max.js';
import { ops as topK } from './topk.js';
import { ops as nonZero } from './nonzero.js';
import { ops as nonMaxSuppression } from './non-max-suppression.js';
import { ops as scatterElements } from './scatter-elements.js';
import { ops as split } from './split.js';
import { ops as reduceProd } from './reduce-prod.js';
import { ops as ifOps } from './if.js';
import { ops as loopOps } from './loop.js';

export const allOps: readonly AnyOpDefinition[] = [
  ...activations, ...arith, ...argmax, ...averagePool, ...batchNormalization, ...concat, ...conv,
  ...convTranspose, ...gemm, ...imageToTensor, ...maxPool, ...maxUnpool, ...pad, ...reduce, ...resize,
  ...roiAlign, ...views, ...movement, ...gather, ...cast, ...planTime, ...slice, ...softmax, ...threshold,
  ...quantize, ...convInteger, ...matmulInteger, ...confusionMatrix,
  ...compare, ...where, ...minMax, ...topK, ...nonZero, ...nonMaxSuppression, ...scatterElements, ...split,
  ...reduceProd,
  ...ifOps, ...loopOps,
];
