#!/usr/bin/python3
"""
Benchmark models for `npm run bench -- models` (bench/models.ts), built with the machinery of
scripts/make_model_fixtures.py (same U-Net class, weight init, BatchNorm calibration, image-like
input, torch export). Run with Debian's interpreter:

    /usr/bin/python3 scripts/make_bench_models.py

Writes to bench/models/ (committed; CI never runs this script):

    unet16_256.onnx        the issue's target model: U-Net, 4 levels (3 MaxPool 2x2), base width 16
                           (16-32-64-128), 3 classes, input 1x3x256x256; torch default export at
                           opset 17 (BatchNorm folded into the Convs, constants folded). The very
                           file both segwgpu and onnxruntime-web are fed.
    unet16_256.input.npy   float32 image-like input (gradient, flat shapes, a little noise,
                           ImageNet-normalised), 1x3x256x256
    unet16_256.json        manifest: shapes, ops, parameters, and the PyTorch float32 output's
                           statistics plus its values at 64 fixed flat indices, so the benchmark
                           can check an engine's output without committing the whole expected
                           tensor (786 KB)
    tiny.onnx              a 1x1 Conv + Relu on 1x3x8x8: the benchmark creates (and drops) one
                           onnxruntime-web session on it before timing a model, so ORT's one-time
                           runtime start (wasm instantiation, WebGPU device) is not billed to the
                           model's first run, as segwgpu's device creation is not either
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_model_fixtures import (  # noqa: E402  (after the path tweak)
    ROOT, UNet, calibrate_batch_norm, float64_output, image_like, init_convs, io_info, nice_ceil, op_counts, run, torch_export)

OUT_DIR = os.path.join(ROOT, 'bench', 'models')
GENERATOR = 'scripts/make_bench_models.py'
SAMPLES = 64


def make_unet16_256():
    torch.manual_seed(0)
    model = UNet(in_channels=3, classes=3, base=16, levels=4)
    init_convs(model, seed=1)
    with torch.no_grad():  # ConvTranspose: He-normal as in make_model_fixtures.make_unet
        for m in model.modules():
            if isinstance(m, nn.ConvTranspose2d):
                g = torch.Generator().manual_seed(2 + m.in_channels)
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * np.sqrt(2.0 / (m.in_channels * 4)))
                m.bias.copy_(torch.rand(m.bias.shape, generator=g) * 0.2 - 0.1)
    calibrate_batch_norm(model, [image_like((2, 3, 256, 256), seed=100 + i) for i in range(2)], seed=3)
    x = image_like((1, 3, 256, 256), seed=10)
    y = run(model, x)
    y64 = float64_output(model, x)
    om = torch_export(model, x, 17, True)
    onnx.checker.check_model(om, full_check=True)
    inputs, outputs = io_info(om)
    assert inputs[0]['shape'] == [1, 3, 256, 256] and outputs[0]['shape'] == [1, 3, 256, 256]

    os.makedirs(OUT_DIR, exist_ok=True)
    model_bytes = om.SerializeToString()
    with open(os.path.join(OUT_DIR, 'unet16_256.onnx'), 'wb') as f:
        f.write(model_bytes)
    np.save(os.path.join(OUT_DIR, 'unet16_256.input.npy'), x.astype(np.float32))
    flat = y.reshape(-1)
    rng = np.random.default_rng(7)
    idx = np.sort(rng.choice(flat.size, SAMPLES, replace=False))
    f64_diff = float(np.abs(y.astype(np.float64) - y64).max())
    manifest = {
        'name': 'unet16_256',
        'description': 'U-Net (Ronneberger et al.), 4 levels (3 MaxPool 2x2), base width 16 (16-32-64-128), 3 classes, '
                       'input 1x3x256x256; (Conv3x3 pad 1 + BatchNorm + ReLU) x 2 per block, ConvTranspose 2x2 stride 2, '
                       'Concat skips, Conv 1x1 head. torch default export (BatchNorm folded, constants folded), opset 17.',
        'generator': GENERATOR,
        'torch': torch.__version__, 'onnx': onnx.__version__,
        'input': inputs[0], 'output': outputs[0],
        'files': {'model': 'unet16_256.onnx', 'input': 'unet16_256.input.npy'},
        'ops': op_counts(om),
        'nodes': len(om.graph.node),
        'parameters': int(sum(np.prod(t.dims) for t in om.graph.initializer)),
        'model_bytes': len(model_bytes),
        'output_stats': {'abs_max': float(np.abs(y).max()), 'std': float(y.std()), 'mean': float(y.mean())},
        'float32_vs_float64_max_abs': f64_diff,
        'tolerance': {'atol': max(nice_ceil(4 * f64_diff), 1e-6), 'rtol': 0.0,
                      'why': '4x the measured max |PyTorch float32 - PyTorch float64| over the output, rounded up '
                             'to 1-2-5 steps (floor 1e-6), as in make_model_fixtures.py'},
        'samples': {'flat_index': [int(i) for i in idx], 'value': [float(flat[i]) for i in idx]},
        'seeds': {'torch': 0, 'conv_init': 1, 'bn': 3, 'input': 10, 'samples': 7},
    }
    with open(os.path.join(OUT_DIR, 'unet16_256.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    print(f'unet16_256: {len(model_bytes)} bytes, {len(om.graph.node)} nodes {op_counts(om)}; '
          f'|y|max {np.abs(y).max():.3g}; f32-f64 {f64_diff:.2e}', flush=True)


def make_tiny():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3, 1, 1)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node('Conv', ['input', 'w', 'b'], ['y'], name='conv', kernel_shape=[1, 1]),
         helper.make_node('Relu', ['y'], ['output'], name='relu')],
        'tiny',
        [helper.make_tensor_value_info('input', TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info('output', TensorProto.FLOAT, [1, 4, 8, 8])],
        initializer=[numpy_helper.from_array(w, 'w'), numpy_helper.from_array(b, 'b')])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name=GENERATOR, producer_version='1')
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    with open(os.path.join(OUT_DIR, 'tiny.onnx'), 'wb') as f:
        f.write(m.SerializeToString())
    print('tiny: 1x1 Conv + Relu on 1x3x8x8', flush=True)


def main():
    make_unet16_256()
    make_tiny()
    return 0


if __name__ == '__main__':
    sys.exit(main())
