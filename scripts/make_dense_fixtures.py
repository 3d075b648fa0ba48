#!/usr/bin/python3
"""
Fixtures for dense prediction from a coarse FCN (src/passes/dense-prediction.ts, à trous, and
src/passes/shift-and-stitch.ts): a small network of output stride 4 built in PyTorch, exported to
ONNX, and PyTorch's own dilated ("à trous") version of it, whose output is the dense map the
engine's transformations must reproduce.

Run with Debian's interpreter (torch 1.13, onnx 1.12):

    /usr/bin/python3 scripts/make_dense_fixtures.py      # writes test/fixtures/dense/ (committed)

CI never runs this script; the committed files are read as they are. Weights and inputs come from
fixed seeds and PyTorch runs on one CPU thread, so rerunning it with the same torch reproduces them.

The coarse network (input NCHW, H and W symbolic in the ONNX graph):

    c1 = relu(conv3x3(x, 3 -> 8, pad 1))
    p1 = maxpool2x2(c1, stride 2)                      output stride 2
    r  = relu(conv3x3(p1, 8 -> 8, pad 1)) + p1         a residual Add at stride 2
    p2 = maxpool2x2(r, stride 2)                       output stride 4
    y  = conv3x3(p2, 8 -> 5, pad 1)                    scores, output stride f = 4

Its dense equivalent (Long et al. 2015, §3.2 "filter rarefaction"; the à trous algorithm): every
stride set to 1, and every window after it dilated by the product S of the strides before it, its
pads multiplied by S too:

    c1 = relu(conv3x3(x, pad 1))                       S = 1: unchanged
    p1 = maxpool2x2(c1, stride 1)
    r  = relu(conv3x3(p1, pad 2, dilation 2)) + p1     S = 2
    p2 = maxpool2x2(r, stride 1, dilation 2)
    y  = conv3x3(p2, pad 4, dilation 4)                S = 4

With those pads the coarse output is the dense one sampled at stride f, dense[::4, ::4] == coarse,
and every other phase (dy, dx) of the dense map is the coarse network with each strided node's
windows moved by its digit of the shift (dy = d1 + 2*d2: pool1 moved by d1, pool2 by d2), which this
script also runs (check `per_stride_shift_vs_dense_max_abs`). Shifting the input itself instead
(the literal shift-and-stitch) is only exact without padding at or before the last stride: here
conv1 and conv2 pad, so it differs along the top and left border (recorded, check
`input_shift_vs_dense`). src/passes/dense-prediction.ts states the rule.

Files (test/fixtures/dense/):
    coarse.onnx                    the coarse network (opset 17), input `input` [1, 3, H, W], output `output`
    input.npy                      float32 [1, 3, 16, 16], standard normal (seed 1)
    coarse.expected.npy            float32 [1, 5, 4, 4]: the coarse network on input.npy
    dense.expected.npy             float32 [1, 5, 13, 13]: the dilated network on input.npy
    odd.input.npy                  float32 [1, 3, 18, 17]: sizes that 4 does not divide (seed 2)
    odd.coarse.expected.npy        float32 [1, 5, 4, 4]
    odd.dense.expected.npy         float32 [1, 5, 15, 14]
    dense.json                     manifest: generator, versions, the layers, checks, tolerance
"""
import io
import json
import math
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)  # one summation order, so the files are reproducible

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'dense')
GENERATOR = 'scripts/make_dense_fixtures.py'
FACTOR = 4


def nice_ceil(v):
    """The smallest of 1, 2, 5 x 10^k that is >= v (as scripts/make_model_fixtures.py)."""
    if v <= 0:
        return 0.0
    e = math.floor(math.log10(v))
    for m in (1, 2, 5, 10):
        if m * 10.0 ** e >= v * (1 - 1e-12):
            return float(f'{m * 10.0 ** e:.0e}')
    raise AssertionError


class Coarse(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.score = nn.Conv2d(8, 5, 3, padding=1)

    def forward(self, x):
        p1 = F.max_pool2d(F.relu(self.conv1(x)), 2, stride=2)
        r = F.relu(self.conv2(p1)) + p1
        return self.score(F.max_pool2d(r, 2, stride=2))


def dense(m, x):
    """The à trous network with m's weights: strides 1, later windows dilated and pads scaled."""
    p1 = F.max_pool2d(F.relu(F.conv2d(x, m.conv1.weight, m.conv1.bias, padding=1)), 2, stride=1)
    r = F.relu(F.conv2d(p1, m.conv2.weight, m.conv2.bias, padding=2, dilation=2)) + p1
    p2 = F.max_pool2d(r, 2, stride=1, dilation=2)
    return F.conv2d(p2, m.score.weight, m.score.bias, padding=4, dilation=4)


def per_stride_shifted(m, x, dy, dx):
    """The coarse network with pool1's windows moved by (dy % 2, dx % 2) and pool2's by (dy // 2,
    dx // 2): the pools have no padding, so moving a window by d is cropping d from its input."""
    c1 = F.relu(m.conv1(x))[:, :, dy % 2:, dx % 2:]
    p1 = F.max_pool2d(c1, 2, stride=2)
    r = (F.relu(m.conv2(p1)) + p1)[:, :, dy // 2:, dx // 2:]
    return m.score(F.max_pool2d(r, 2, stride=2))


def init(m, seed):
    """He-normal conv weights, biases uniform in [-0.1, 0.1]."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for conv in (m.conv1, m.conv2, m.score):
            fan_in = conv.weight[0].numel()
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=g) * math.sqrt(2.0 / fan_in))
            conv.bias.copy_(torch.rand(conv.bias.shape, generator=g) * 0.2 - 0.1)


def max_abs(a, b):
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).max())


def checks_for(m, x):
    """Outputs on x and the checks of the rule; float64 runs for the tolerance."""
    t = torch.from_numpy(x)
    with torch.no_grad():
        coarse = m(t).numpy()
        d = dense(m, t).numpy()
        m64 = m.double()
        d64 = dense(m64, t.double()).numpy()
        m.float()
        H, W = d.shape[2:]
        per_stride = 0.0
        literal, off = 0.0, []
        for dy in range(FACTOR):
            for dx in range(FACTOR):
                phase = d[:, :, dy::FACTOR, dx::FACTOR]
                per_stride = max(per_stride, max_abs(per_stride_shifted(m, t, dy, dx).numpy(), phase))
                shifted = m(t[:, :, dy:, dx:]).numpy()
                diff = np.abs(shifted - phase).max(axis=(0, 1))
                literal = max(literal, float(diff.max()))
                off += [(int(oy) * FACTOR + dy, int(ox) * FACTOR + dx) for oy, ox in zip(*np.nonzero(diff > 1e-4))]
    assert np.all(np.isfinite(d)) and np.all(np.isfinite(coarse))
    sub = max_abs(d[:, :, ::FACTOR, ::FACTOR], coarse)
    assert sub < 1e-5 and per_stride < 1e-5, (sub, per_stride)
    # The literal input shift differs only in a band along the top and left border: every pixel it
    # gets wrong has min(y, x) below the band's width.
    band = 1 + max(min(y, x) for y, x in off)
    assert literal > 1e-3 and band < min(H, W), (band, H, W)
    checks = {
        'dense_subsampled_vs_coarse_max_abs': sub,
        'per_stride_shift_vs_dense_max_abs': per_stride,
        'input_shift_vs_dense': {
            'max_abs': literal,
            'dense_pixels_off_by_more_than_1e-4': len(off),
            'dense_pixels': int(H * W),
            'band': band,
            'band_means': 'every dense pixel (y, x) off by more than 1e-4 has min(y, x) < band',
            'why': 'conv1 and conv2 pad at or before the last stride, so shifting the input is not the dense map '
                   'there (src/passes/dense-prediction.ts); in the interior it is',
        },
        'dense_float32_vs_float64_max_abs': max_abs(d, d64),
    }
    return coarse, d, checks


def main():
    m = Coarse()
    init(m, 15)
    m.eval()
    x = torch.randn((1, 3, 16, 16), generator=torch.Generator().manual_seed(1)).numpy()
    odd = torch.randn((1, 3, 18, 17), generator=torch.Generator().manual_seed(2)).numpy()

    f = io.BytesIO()
    torch.onnx.export(m, torch.from_numpy(x), f, opset_version=17, input_names=['input'], output_names=['output'],
                      dynamic_axes={'input': {2: 'H', 3: 'W'}, 'output': {2: 'h', 3: 'w'}},
                      do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    model = onnx.load_from_string(f.getvalue())
    onnx.checker.check_model(model, full_check=True)

    coarse, d, checks = checks_for(m, x)
    odd_coarse, odd_d, odd_checks = checks_for(m, odd)
    f64 = max(checks['dense_float32_vs_float64_max_abs'], odd_checks['dense_float32_vs_float64_max_abs'])
    atol = max(nice_ceil(4 * f64), 1e-6)

    os.makedirs(OUT_DIR, exist_ok=True)
    files = {
        'input.npy': x, 'coarse.expected.npy': coarse, 'dense.expected.npy': d,
        'odd.input.npy': odd, 'odd.coarse.expected.npy': odd_coarse, 'odd.dense.expected.npy': odd_d,
    }
    for name, array in files.items():
        np.save(os.path.join(OUT_DIR, name), array.astype(np.float32))
    model_bytes = model.SerializeToString()
    with open(os.path.join(OUT_DIR, 'coarse.onnx'), 'wb') as out:
        out.write(model_bytes)
    manifest = {
        'name': 'dense',
        'description': 'A coarse FCN of output stride 4 (conv3x3 pad 1, ReLU, maxpool 2/2, conv3x3 pad 1, ReLU, '
                       'residual Add, maxpool 2/2, conv3x3 pad 1 to 5 classes) and its dense (dilated) equivalent '
                       'in PyTorch: strides 1, windows after a stride dilated by the stride so far, pads scaled by it.',
        'generator': GENERATOR,
        'torch': torch.__version__, 'onnx': onnx.__version__,
        'opset': 17,
        'factor': [FACTOR, FACTOR],
        'model': 'coarse.onnx',
        'model_bytes': len(model_bytes),
        'ops': sorted({n.op_type for n in model.graph.node}),
        'dense_layers': [
            {'node': 'conv1', 'stride': 1, 'dilation': 1, 'pads': 1},
            {'node': 'pool1', 'kernel': 2, 'stride': 1, 'dilation': 1, 'pads': 0},
            {'node': 'conv2', 'stride': 1, 'dilation': 2, 'pads': 2},
            {'node': 'pool2', 'kernel': 2, 'stride': 1, 'dilation': 2, 'pads': 0},
            {'node': 'score', 'stride': 1, 'dilation': 4, 'pads': 4},
        ],
        'cases': {
            'main': {'input': 'input.npy', 'coarse': 'coarse.expected.npy', 'dense': 'dense.expected.npy',
                     'input_shape': list(x.shape), 'coarse_shape': list(coarse.shape), 'dense_shape': list(d.shape),
                     'checks': checks},
            'odd': {'input': 'odd.input.npy', 'coarse': 'odd.coarse.expected.npy', 'dense': 'odd.dense.expected.npy',
                    'input_shape': list(odd.shape), 'coarse_shape': list(odd_coarse.shape), 'dense_shape': list(odd_d.shape),
                    'checks': odd_checks},
        },
        'tolerance': {'atol': atol, 'rtol': 0.0,
                      'why': '4x the measured max |PyTorch float32 - PyTorch float64| over the dense outputs, '
                             'rounded up to 1-2-5 steps (floor 1e-6)'},
    }
    with open(os.path.join(OUT_DIR, 'dense.json'), 'w') as out:
        json.dump(manifest, out, indent=2)
        out.write('\n')
    print(f'dense: {len(model_bytes)} bytes; dense {list(d.shape)}, odd {list(odd_d.shape)}; '
          f'f32-f64 {f64:.2e}, atol {atol:g}; input shift off by {checks["input_shift_vs_dense"]["max_abs"]:.3g} '
          f'in a band {checks["input_shift_vs_dense"]["band"]} wide')


if __name__ == '__main__':
    main()
