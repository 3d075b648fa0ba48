#!/usr/bin/python3
"""
PyTorch golden fixtures for every segwgpu op: test/fixtures/golden/ops/<family>.json.

Run with Debian's interpreter, which has torch 1.13 and torchvision 0.14:

    /usr/bin/python3 scripts/make_golden_ops.py

CI never runs this script; the JSON it writes is committed. Output is deterministic (fixed seeds,
one CPU thread), so rerunning it on the same torch version reproduces the files byte for byte.

What a fixture holds
--------------------
One JSON file per op family:

    { "generator": "scripts/make_golden_ops.py", "torch": "<version>", "torchvision": "<version>",
      "opset": 17,
      "cases": [ { "name", "opType", "attributes": {...ONNX attributes...},
                   "inputs":  [ {"dtype", "shape", "data"} | null, ... ],   # ONNX input order
                   "outputs": [ {"dtype", "shape", "data"}, ... ],          # ONNX output order
                   "tolerance": {"atol", "rtol"},
                   "torch": "the PyTorch call that produced the outputs" } ] }

`data` is base64 of little-endian float32 (dtype 'float32') or int64 (dtype 'int64'); `null`
stands for an omitted optional ONNX input. Inputs and attributes are in ONNX opset-17 terms: each
case translates one PyTorch call into the equivalent ONNX node (op type, attributes, input order,
index conventions). That translation is what these fixtures test, so it is checked here twice:

 1. Where a plain NumPy implementation of the ONNX definition is short (Conv, ConvTranspose, the
    pools, MaxUnpool, Pad, Slice, Concat, ArgMax) or ships with the onnx package (Resize's
    interpolate_nd in onnx/backend/test/case/node/resize.py), the script runs it on the ONNX-side
    inputs and attributes and asserts it agrees with PyTorch.
 2. Every case also runs in float64 through the same PyTorch call; the float32 result must lie
    within a quarter of the stated tolerance of it. That shows the tolerance is set by float32
    rounding (and leaves room for the implementation's own rounding), not picked to pass. Cases
    with exact tolerance (copies, indices) must agree bit for bit.

The translations, PyTorch -> ONNX opset 17
------------------------------------------
 - F.conv2d(stride, padding, dilation, groups) -> Conv pads [p_h, p_w, p_h, p_w]; asymmetric pads
   are F.pad(x, (left, right, top, bottom)) then conv -> pads [top, left, bottom, right]. The fused
   epilogue (segwgpu extension, as onnxruntime's FusedConv): activation='Relu'|'HardSwish'|'Clip',
   activation_params=[min, max] for Clip.
 - F.conv_transpose2d(stride, padding p, output_padding, dilation, groups) -> ConvTranspose pads
   [p_h, p_w, p_h, p_w]; asymmetric pads crop the padding-0 output [begin : size - end].
 - F.max_pool2d(return_indices=True) -> MaxPool; torch's indices are flat per (n, c) plane, ONNX's
   flat over N*C*H*W: + (n*C + c)*H*W. Pads beyond what torch allows go through F.pad(-inf).
 - F.avg_pool2d(count_include_pad, ceil_mode) -> AveragePool; PyTorch's divisor with ceil_mode and
   count_include_pad counts the window positions inside [-pad_begin, size + pad_end) only.
 - F.max_unpool2d -> MaxUnpool with the converted indices; output_size (H, W) -> output_shape
   [N, C, H, W] (int64 input).
 - F.interpolate: bilinear align_corners=False -> linear + half_pixel (PyTorch 1.13 keeps
   half_pixel for an output of length 1, unlike pytorch_half_pixel); align_corners=True -> linear +
   align_corners; nearest -> nearest + asymmetric + floor; nearest-exact -> nearest + half_pixel +
   round_prefer_ceil. scale_factor -> scales [1, 1, s_h, s_w] (PyTorch uses the given scale in the
   coordinate transform, as ONNX does); size -> sizes [N, C, H, W]. roi is omitted.
 - torchvision.ops.roi_align(boxes [K, 5] = (batch, x1, y1, x2, y2)) -> RoiAlign rois [K, 4] and
   batch_indices [K] int64; aligned=True -> half_pixel, False -> output_half_pixel; mode 'avg'.
 - torch.softmax(dim) -> Softmax axis; torch.argmax(dim, keepdim) -> ArgMax (first maximum, as
   ONNX's select_last_index=0); F.hardsigmoid -> HardSigmoid alpha=1/6, beta=0.5; torch.clamp ->
   Clip with scalar min/max inputs; F.pad constant/reflect/replicate -> Pad constant/reflect/edge
   with pads [x1_begin, x2_begin, ..., x1_end, ...] (F.pad lists the last axis first);
   python slicing -> Slice starts/ends/axes/steps int64 inputs (negative steps via index_select);
   F.batch_norm(training=False, eps) -> BatchNormalization(X, scale, B, mean, var, epsilon).

Float attributes are written as their float32 values (ONNX attributes are float32), and PyTorch
gets the same float32 values.

Tolerances (|actual - expected| <= atol + rtol*|expected|, per element)
-----------------------------------------------------------------------
 - Conv, ConvTranspose: atol 1e-5, rtol 1e-4. Sums of up to ~300 products of values in [-1, 1];
   PyTorch's CPU kernels (mkldnn / im2col + GEMM) sum in a different order than a direct loop, so
   results differ by a few float32 ulps of the partial sums (measured ~1e-6).
 - RoiAlign: atol 1e-5, rtol 1e-4: sample coordinates and bilinear weights are computed in float32
   and then averaged; different association changes the last bits.
 - Resize (linear): atol 1e-5, rtol 1e-5. PyTorch computes source coordinates in float32
   (in/out rounded, then scaled): coordinates up to ~20 carry errors of ~1e-6, and the data change
   up to 2 per pixel, so a correct float32 implementation may differ by a few 1e-6 (float32 and
   float64 PyTorch differ by up to ~2e-7 on these cases).
 - AveragePool, GlobalAveragePool, BatchNormalization, Softmax, Sigmoid: atol 1e-6, rtol 1e-5:
   short sums or transcendental functions; a few ulps.
 - HardSigmoid, HardSwish, LeakyRelu: atol 1e-7, rtol 1e-6: one or two roundings that may happen in
   a different order (alpha*x + beta versus (x + 3) / 6).
 - Exact (atol 0, rtol 0): Relu, Clip, MaxPool values and Indices, MaxUnpool, nearest Resize,
   ArgMax, Concat, Slice, Pad (copies and selections), Add and Mul (one correctly rounded float32
   operation, in WGSL as in IEEE 754).
"""
import base64
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torchvision.ops import roi_align

torch.set_num_threads(1)  # one summation order, so the files are reproducible

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'golden', 'ops')

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

TOL_ACCUMULATE = {'atol': 1e-5, 'rtol': 1e-4}
TOL_SHORT = {'atol': 1e-6, 'rtol': 1e-5}
TOL_RESIZE = {'atol': 1e-5, 'rtol': 1e-5}
TOL_POINTWISE = {'atol': 1e-7, 'rtol': 1e-6}
EXACT = {'atol': 0.0, 'rtol': 0.0}


def f32(v):
    """A Python float holding the float32 value of v (ONNX float attributes are float32)."""
    return float(np.float32(v))


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

def rand(shape, seed, lo=-1.0, hi=1.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(tuple(shape), generator=g, dtype=torch.float64) * (hi - lo) + lo).float().numpy()


def tied(shape, seed, levels=4):
    """Values from a small set, so max-style ops meet ties (the first maximum must win)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randint(0, levels, tuple(shape), generator=g) - levels // 2).float().numpy()


def i64(values):
    return np.asarray(values, dtype=np.int64)


def scalar(v):
    return np.asarray(v, dtype=np.float32).reshape(())


# ---------------------------------------------------------------------------------------------
# Fixture writing and the float64 tolerance check
# ---------------------------------------------------------------------------------------------

def encode(a):
    if a is None:
        return None
    a = np.asarray(a)
    if a.dtype == np.float32:
        dtype, raw = 'float32', a.astype('<f4').tobytes()
    elif a.dtype == np.int64:
        dtype, raw = 'int64', a.astype('<i8').tobytes()
    else:
        raise TypeError(f'unsupported dtype {a.dtype}')
    return {'dtype': dtype, 'shape': list(a.shape), 'data': base64.b64encode(raw).decode('ascii')}


def to_torch(a, double=False):
    if a is None:
        return None
    t = torch.from_numpy(np.array(a))
    return t.double() if double and t.dtype == torch.float32 else t


def to_numpy(t):
    t = t.detach()
    if t.dtype == torch.float64:
        raise TypeError('float64 output from the float32 run')
    return t.numpy().copy()


class Family:
    def __init__(self, key):
        self.key = key
        self.cases = []
        self.worst = {}  # op type -> largest |float32 - float64| / allowed

    def add(self, name, op_type, attributes, inputs, fn, tolerance, torch_call, reference=None, ref_tol=None):
        """
        inputs: ONNX inputs (np.float32 / np.int64 arrays, None for omitted ones).
        fn: ONNX inputs as torch tensors -> ONNX outputs as torch tensors, through PyTorch.
        reference: optional NumPy implementation of the ONNX definition (ONNX inputs -> outputs).
        """
        assert all(c['name'] != name for c in self.cases), f'duplicate case name {name}'
        outs = [to_numpy(o) for o in fn([to_torch(a) for a in inputs])]
        outs64 = [o.detach().numpy() for o in fn([to_torch(a, double=True) for a in inputs])]
        for i, (o, o64) in enumerate(zip(outs, outs64)):
            if o.dtype != np.float32:
                assert np.array_equal(o, o64), f'{name}: output {i} differs between float32 and float64 runs'
                continue
            assert o.shape == o64.shape
            if tolerance['atol'] == 0 and tolerance['rtol'] == 0:
                assert np.array_equal(o, o64.astype(np.float32)), f'{name}: exact output {i} differs from float64'
                continue
            allowed = tolerance['atol'] + tolerance['rtol'] * np.abs(o64)
            ratio = float(np.max(np.abs(o.astype(np.float64) - o64) / allowed)) if o.size else 0.0
            self.worst[op_type] = max(self.worst.get(op_type, 0.0), ratio)
            assert ratio <= 0.25, f'{name}: float32 vs float64 uses {ratio:.2f} of the tolerance'
        if reference is not None:
            refs = reference(*inputs)
            assert len(refs) == len(outs), f'{name}: reference gave {len(refs)} outputs, torch {len(outs)}'
            for i, (o, r) in enumerate(zip(outs, refs)):
                r = np.asarray(r)
                assert o.shape == r.shape, f'{name}: output {i} shape {o.shape} != ONNX reference {r.shape}'
                if o.dtype == np.int64:
                    assert np.array_equal(o, r), f'{name}: output {i} indices differ from the ONNX reference'
                else:
                    t = ref_tol or {'atol': 1e-5, 'rtol': 1e-5}
                    err = np.abs(o.astype(np.float64) - r)
                    assert np.all(err <= t['atol'] + t['rtol'] * np.abs(r)), \
                        f'{name}: output {i} differs from the ONNX reference by {err.max()}'
        self.cases.append({
            'name': name,
            'opType': op_type,
            'attributes': attributes,
            'inputs': [encode(a) for a in inputs],
            'outputs': [encode(o) for o in outs],
            'tolerance': tolerance,
            'torch': torch_call,
        })

    def write(self):
        os.makedirs(OUT_DIR, exist_ok=True)
        doc = {
            'generator': 'scripts/make_golden_ops.py',
            'torch': torch.__version__,
            'torchvision': torchvision.__version__,
            'opset': 17,
            'cases': self.cases,
        }
        path = os.path.join(OUT_DIR, f'{self.key}.json')
        with open(path, 'w') as f:
            f.write('{\n')
            for k in ('generator', 'torch', 'torchvision', 'opset'):
                f.write(f' {json.dumps(k)}: {json.dumps(doc[k])},\n')
            f.write(' "cases": [\n')
            f.write(',\n'.join('  ' + json.dumps(c, separators=(', ', ': ')) for c in self.cases))
            f.write('\n ]\n}\n')
        worst = ', '.join(f'{k} {v:.3f}' for k, v in sorted(self.worst.items()))
        print(f'{self.key}: {len(self.cases)} cases, {os.path.getsize(path)} bytes'
              + (f'; worst float32-vs-float64 share of tolerance: {worst}' if worst else ''))
        return os.path.getsize(path)


# ---------------------------------------------------------------------------------------------
# NumPy implementations of the ONNX definitions, used only to check the translations
# ---------------------------------------------------------------------------------------------

def ref_conv(x, w, b, strides, pads, dilations, group):
    """ONNX Conv: pads = [h_begin, w_begin, h_end, w_end], weight [M, C/group, kh, kw]."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    ho = (h + pads[0] + pads[2] - ((kh - 1) * dilations[0] + 1)) // strides[0] + 1
    wo = (wd + pads[1] + pads[3] - ((kw - 1) * dilations[1] + 1)) // strides[1] + 1
    mg = m // group
    y = np.zeros((n, m, ho, wo))
    for g in range(group):
        for i in range(kh):
            for j in range(kw):
                r0, c0 = i * dilations[0], j * dilations[1]
                patch = xp[:, g * cg:(g + 1) * cg,
                           r0:r0 + (ho - 1) * strides[0] + 1:strides[0],
                           c0:c0 + (wo - 1) * strides[1] + 1:strides[1]]
                y[:, g * mg:(g + 1) * mg] += np.einsum('nchw,mc->nmhw', patch, w[g * mg:(g + 1) * mg, :, i, j])
    if b is not None:
        y += b.astype(np.float64)[None, :, None, None]
    return y


def ref_conv_transpose(x, w, b, strides, pads, dilations, group, output_padding):
    """ONNX ConvTranspose: weight [C, M/group, kh, kw]; the full output cropped by pads."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    n, c, h, wd = x.shape
    _, mg, kh, kw = w.shape
    cg = c // group
    full_h = strides[0] * (h - 1) + (kh - 1) * dilations[0] + 1 + output_padding[0]
    full_w = strides[1] * (wd - 1) + (kw - 1) * dilations[1] + 1 + output_padding[1]
    y = np.zeros((n, mg * group, full_h, full_w))
    for g in range(group):
        for i in range(kh):
            for j in range(kw):
                r0, c0 = i * dilations[0], j * dilations[1]
                contrib = np.einsum('nchw,cm->nmhw', x[:, g * cg:(g + 1) * cg], w[g * cg:(g + 1) * cg, :, i, j])
                y[:, g * mg:(g + 1) * mg, r0:r0 + (h - 1) * strides[0] + 1:strides[0],
                  c0:c0 + (wd - 1) * strides[1] + 1:strides[1]] += contrib
    y = y[:, :, pads[0]:full_h - pads[2], pads[1]:full_w - pads[3]]
    if b is not None:
        y = y + b.astype(np.float64)[None, :, None, None]
    return y


def pool_output_size(size, k, s, d, pb, pe, ceil_mode):
    """src/ops/spatial.ts resolveWindow: with ceil_mode, a last window starting in the end padding
    is dropped (PyTorch's rule)."""
    eff = (k - 1) * d + 1
    padded = size + pb + pe
    if ceil_mode:
        out = -(-(padded - eff) // s) + 1
        if (out - 1) * s >= size + pb:
            out -= 1
        return out
    return (padded - eff) // s + 1


def ref_pool(x, kind, kernel, strides, pads, dilations=(1, 1), ceil_mode=False, count_include_pad=False):
    """ONNX MaxPool (Y and Indices flat over N*C*H*W, first maximum in scan order) and AveragePool.
    count_include_pad counts window positions inside the padded input [-pad_begin, size + pad_end),
    the PyTorch rule for windows that ceil_mode lets run past the end padding."""
    n, c, h, w = x.shape
    ho = pool_output_size(h, kernel[0], strides[0], dilations[0], pads[0], pads[2], ceil_mode)
    wo = pool_output_size(w, kernel[1], strides[1], dilations[1], pads[1], pads[3], ceil_mode)
    y = np.zeros((n, c, ho, wo))
    idx = np.zeros((n, c, ho, wo), dtype=np.int64)
    for ni in range(n):
        for ci in range(c):
            for oh in range(ho):
                for ow in range(wo):
                    best, best_i, total, count, padded_count = None, -1, 0.0, 0, 0
                    for i in range(kernel[0]):
                        for j in range(kernel[1]):
                            ih = oh * strides[0] - pads[0] + i * dilations[0]
                            iw = ow * strides[1] - pads[1] + j * dilations[1]
                            if -pads[0] <= ih < h + pads[2] and -pads[1] <= iw < w + pads[3]:
                                padded_count += 1
                            if 0 <= ih < h and 0 <= iw < w:
                                v = float(x[ni, ci, ih, iw])
                                total += v
                                count += 1
                                if best is None or v > best:
                                    best, best_i = v, ((ni * c + ci) * h + ih) * w + iw
                    if kind == 'max':
                        y[ni, ci, oh, ow], idx[ni, ci, oh, ow] = best, best_i
                    else:
                        y[ni, ci, oh, ow] = total / (padded_count if count_include_pad else count)
    return (y, idx) if kind == 'max' else (y,)


def ref_max_unpool(x, indices, kernel, strides, pads, output_shape=None):
    n, c, h, w = x.shape
    if output_shape is None:
        shape = (n, c, (h - 1) * strides[0] + kernel[0] - pads[0] - pads[2],
                 (w - 1) * strides[1] + kernel[1] - pads[1] - pads[3])
    else:
        shape = tuple(int(v) for v in output_shape)
    y = np.zeros(int(np.prod(shape)))
    y[indices.reshape(-1)] = x.reshape(-1)
    return (y.reshape(shape),)


def ref_pad(x, pads, mode, value=0.0):
    """ONNX Pad: pads = [x1_begin, x2_begin, ..., x1_end, x2_end, ...]; negative pads crop."""
    r = x.ndim
    begin, end = list(pads[:r]), list(pads[r:])
    crop = tuple(slice(max(0, -b), x.shape[i] - max(0, -e)) for i, (b, e) in enumerate(zip(begin, end)))
    x = x[crop]
    widths = [(max(0, b), max(0, e)) for b, e in zip(begin, end)]
    np_mode = {'constant': 'constant', 'reflect': 'reflect', 'edge': 'edge'}[mode]
    kw = {'constant_values': value} if mode == 'constant' else {}
    return (np.pad(x, widths, mode=np_mode, **kw),)


def ref_slice(x, starts, ends, axes=None, steps=None):
    """ONNX Slice (opset 13): negative starts/ends get the dimension added, then clamp to [0, dim]
    for positive steps and to [0, dim-1] (starts) / [-1, dim-1] (ends) for negative steps."""
    axes = list(range(len(starts))) if axes is None else [a + x.ndim if a < 0 else a for a in axes]
    steps = [1] * len(starts) if steps is None else list(steps)
    index = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        dim = x.shape[a]
        s = s + dim if s < 0 else s
        e = e + dim if e < 0 else e
        if st > 0:
            s, e = min(max(s, 0), dim), min(max(e, 0), dim)
        else:
            s, e = min(max(s, 0), dim - 1), min(max(e, -1), dim - 1)
        index[a] = list(range(s, e, st))
    out = x
    for a, ix in enumerate(index):
        if isinstance(ix, list):
            out = np.take(out, ix, axis=a)
    return (out,)


def ref_resize(x, mode, coordinate_transformation_mode, nearest_mode='round_prefer_floor',
               cubic_coeff_a=-0.75, scales=None, sizes=None):
    """The onnx package's own Resize reference (onnx/backend/test/case/node/resize.py)."""
    from onnx.backend.test.case.node import resize as onnx_resize
    if mode == 'nearest':
        coeffs = lambda r: onnx_resize.nearest_coeffs(r, mode=nearest_mode)  # noqa: E731
    elif mode == 'linear':
        coeffs = onnx_resize.linear_coeffs
    else:
        coeffs = lambda r: onnx_resize.cubic_coeffs(r, A=cubic_coeff_a)  # noqa: E731
    y = onnx_resize.interpolate_nd(
        x.astype(np.float64), coeffs,
        output_size=None if sizes is None else [int(v) for v in sizes],
        scale_factors=None if scales is None else np.asarray(scales, dtype=np.float64),
        coordinate_transformation_mode=coordinate_transformation_mode)
    return (y,)


# ---------------------------------------------------------------------------------------------
# Families
# ---------------------------------------------------------------------------------------------

def conv_family():
    fam = Family('conv')
    seed = [100]

    def add(name, n, c, h, w, m, k, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1), group=1,
            bias=True, activation=None, act_params=None, torch_act=None, act_desc='', x_range=1.0):
        seed[0] += 1
        x = rand((n, c, h, w), seed[0] * 10 + 1, -x_range, x_range)  # wider for activations to saturate
        wt = rand((m, c // group, k[0], k[1]), seed[0] * 10 + 2)
        b = rand((m,), seed[0] * 10 + 3) if bias else None
        symmetric = pads[0] == pads[2] and pads[1] == pads[3]
        attrs = {'kernel_shape': list(k), 'strides': list(stride), 'pads': list(pads),
                 'dilations': list(dilation), 'group': group}
        if activation:
            attrs['activation'] = activation
            if act_params is not None:
                attrs['activation_params'] = [f32(v) for v in act_params]

        def fn(t):
            xt, wt_, bt = t
            if symmetric:
                y = F.conv2d(xt, wt_, bt, stride=stride, padding=(pads[0], pads[1]), dilation=dilation, groups=group)
            else:  # ONNX [top, left, bottom, right] -> F.pad's (left, right, top, bottom)
                y = F.conv2d(F.pad(xt, (pads[1], pads[3], pads[0], pads[2])), wt_, bt, stride=stride,
                             dilation=dilation, groups=group)
            return [torch_act(y) if torch_act else y]

        pad_call = (f'padding={(pads[0], pads[1])}' if symmetric
                    else f'on F.pad(x, {(pads[1], pads[3], pads[0], pads[2])})')
        call = (f'F.conv2d(x, w, {"b" if bias else "None"}, stride={tuple(stride)}, {pad_call}, '
                f'dilation={tuple(dilation)}, groups={group})' + act_desc)

        def reference(xa, wa, ba):
            y = ref_conv(xa, wa, ba, stride, pads, dilation, group)
            return [torch_act(torch.from_numpy(y)).numpy() if torch_act else y]

        fam.add(name, 'Conv', attrs, [x, wt, b], fn, TOL_ACCUMULATE, call, reference)

    add('3x3 pad 1 with bias', 1, 3, 9, 11, 4, (3, 3), pads=(1, 1, 1, 1))
    add('3x5 kernel stride 2 pads 1,2 batch 2 no bias', 2, 3, 10, 13, 5, (3, 5), stride=(2, 2),
        pads=(1, 2, 1, 2), bias=False)
    add('dilation 2 pad 2 batch 2', 2, 4, 8, 9, 6, (3, 3), pads=(2, 2, 2, 2), dilation=(2, 2))
    add('stride 2x1 dilation 1x2', 1, 3, 11, 12, 4, (3, 3), stride=(2, 1), pads=(1, 2, 1, 2), dilation=(1, 2))
    add('groups 2', 1, 4, 7, 8, 6, (3, 3), pads=(1, 1, 1, 1), group=2)
    add('depthwise stride 2 batch 2', 2, 6, 11, 9, 6, (3, 3), stride=(2, 2), pads=(1, 1, 1, 1), group=6)
    add('depthwise multiplier 2', 1, 3, 8, 7, 6, (3, 3), pads=(1, 1, 1, 1), group=3)
    add('1x1 batch 2', 2, 8, 7, 5, 5, (1, 1))
    add('asymmetric pads 0,1,2,1 stride 2', 1, 3, 9, 10, 4, (3, 3), stride=(2, 2), pads=(0, 1, 2, 1))
    add('7x7 stride 2 pad 3 stem', 1, 3, 15, 13, 4, (7, 7), stride=(2, 2), pads=(3, 3, 3, 3))
    add('32 input channels accumulate', 1, 32, 6, 6, 8, (3, 3), pads=(1, 1, 1, 1))
    add('valid 2x2 kernel odd size', 1, 2, 5, 7, 3, (2, 2))
    add('fused Relu', 2, 4, 6, 7, 5, (3, 3), pads=(1, 1, 1, 1), activation='Relu',
        torch_act=F.relu, act_desc=' then F.relu')
    add('fused HardSwish', 1, 4, 7, 6, 5, (3, 3), pads=(1, 1, 1, 1), activation='HardSwish',
        torch_act=F.hardswish, act_desc=' then F.hardswish', x_range=3.0)
    add('fused Clip 0..6', 1, 4, 7, 6, 5, (3, 3), pads=(1, 1, 1, 1), activation='Clip', act_params=[0.0, 6.0],
        torch_act=lambda y: torch.clamp(y, 0.0, 6.0), act_desc=' then torch.clamp(y, 0, 6)', x_range=3.0)
    return fam


def conv_transpose_family():
    fam = Family('convTranspose')
    seed = [200]

    def add(name, n, c, h, w, m, k, stride=(1, 1), pads=(0, 0, 0, 0), output_padding=(0, 0),
            dilation=(1, 1), group=1, bias=True):
        seed[0] += 1
        x = rand((n, c, h, w), seed[0] * 10 + 1)
        wt = rand((c, m // group, k[0], k[1]), seed[0] * 10 + 2)
        b = rand((m,), seed[0] * 10 + 3) if bias else None
        symmetric = pads[0] == pads[2] and pads[1] == pads[3]
        attrs = {'kernel_shape': list(k), 'strides': list(stride), 'pads': list(pads),
                 'output_padding': list(output_padding), 'dilations': list(dilation), 'group': group}

        def fn(t):
            xt, wt_, bt = t
            if symmetric:
                return [F.conv_transpose2d(xt, wt_, bt, stride=stride, padding=(pads[0], pads[1]),
                                           output_padding=output_padding, groups=group, dilation=dilation)]
            # Asymmetric pads crop the unpadded output: ONNX output = full output[pb : full - pe].
            y = F.conv_transpose2d(xt, wt_, bt, stride=stride, padding=0, output_padding=output_padding,
                                   groups=group, dilation=dilation)
            return [y[:, :, pads[0]:y.shape[2] - pads[2], pads[1]:y.shape[3] - pads[3]]]

        if symmetric:
            call = (f'F.conv_transpose2d(x, w, {"b" if bias else "None"}, stride={tuple(stride)}, '
                    f'padding={(pads[0], pads[1])}, output_padding={tuple(output_padding)}, groups={group}, '
                    f'dilation={tuple(dilation)})')
        else:
            call = (f'F.conv_transpose2d(x, w, {"b" if bias else "None"}, stride={tuple(stride)}, padding=0, '
                    f'output_padding={tuple(output_padding)}, groups={group}, dilation={tuple(dilation)})'
                    f'[:, :, {pads[0]}:H-{pads[2]}, {pads[1]}:W-{pads[3]}]')
        fam.add(name, 'ConvTranspose', attrs, [x, wt, b], fn, TOL_ACCUMULATE, call,
                lambda xa, wa, ba: [ref_conv_transpose(xa, wa, ba, stride, pads, dilation, group, output_padding)])

    add('stride 2 pad 1 output_padding 1', 1, 4, 5, 6, 3, (3, 3), stride=(2, 2), pads=(1, 1, 1, 1),
        output_padding=(1, 1))
    add('2x2 stride 2 upsample batch 2 no bias', 2, 3, 4, 5, 4, (2, 2), stride=(2, 2), bias=False)
    add('3x3 stride 1 pad 1', 1, 3, 7, 6, 2, (3, 3), pads=(1, 1, 1, 1))
    add('stride 2x3 kernel 3x4 pads 1,0 output_padding 1,2', 1, 2, 4, 5, 3, (3, 4), stride=(2, 3),
        pads=(1, 0, 1, 0), output_padding=(1, 2))
    add('dilation 2 stride 2 pad 2 output_padding 1', 1, 3, 5, 4, 2, (3, 3), stride=(2, 2),
        pads=(2, 2, 2, 2), output_padding=(1, 1), dilation=(2, 2))
    add('groups 2 batch 2', 2, 4, 4, 5, 6, (3, 3), stride=(2, 2), pads=(1, 1, 1, 1), output_padding=(1, 1), group=2)
    add('depthwise', 1, 3, 5, 5, 3, (4, 4), stride=(2, 2), pads=(1, 1, 1, 1), group=3)
    add('asymmetric pads 0,1,2,0', 1, 3, 4, 5, 2, (3, 3), stride=(2, 2), pads=(0, 1, 2, 0))
    add('4x4 stride 2 pad 1, 16 input channels', 1, 16, 6, 6, 4, (4, 4), stride=(2, 2), pads=(1, 1, 1, 1))
    add('1x1 stride 1', 2, 5, 3, 4, 3, (1, 1))
    return fam


def to_onnx_indices(idx, c, plane):
    """torch pool indices are flat per (n, c) plane; ONNX's are flat over N*C*H*W."""
    n = idx.shape[0]
    offset = (torch.arange(n).view(n, 1, 1, 1) * c + torch.arange(c).view(1, c, 1, 1)) * plane
    return idx + offset


def from_onnx_indices(idx, c, plane):
    n = idx.shape[0]
    offset = (torch.arange(n).view(n, 1, 1, 1) * c + torch.arange(c).view(1, c, 1, 1)) * plane
    return idx - offset


def max_pool_family():
    fam = Family('maxPool')
    seed = [300]

    def add(name, x, k, stride, pads=(0, 0, 0, 0), dilation=(1, 1), ceil_mode=False):
        # F.max_pool2d pads symmetrically and at most half the kernel; other pads go through F.pad.
        symmetric = pads[0] == pads[2] and pads[1] == pads[3] and pads[0] <= k[0] // 2 and pads[1] <= k[1] // 2
        assert symmetric or not ceil_mode
        n, c, h, w = x.shape
        attrs = {'kernel_shape': list(k), 'strides': list(stride), 'pads': list(pads), 'dilations': list(dilation),
                 'ceil_mode': int(ceil_mode)}

        def fn(t):
            xt = t[0]
            if symmetric:
                y, idx = F.max_pool2d(xt, k, stride, (pads[0], pads[1]), dilation, ceil_mode=ceil_mode,
                                      return_indices=True)
                return [y, to_onnx_indices(idx, c, h * w)]
            # Asymmetric: pad with -inf (never the maximum of a window that holds an input element),
            # then move indices from the padded plane back to the input plane.
            xp = F.pad(xt, (pads[1], pads[3], pads[0], pads[2]), value=-math.inf)
            y, idx = F.max_pool2d(xp, k, stride, 0, dilation, ceil_mode=ceil_mode, return_indices=True)
            wp = w + pads[1] + pads[3]
            ih, iw = idx // wp - pads[0], idx % wp - pads[1]
            assert bool(((ih >= 0) & (ih < h) & (iw >= 0) & (iw < w)).all())
            return [y, to_onnx_indices(ih * w + iw, c, h * w)]

        call = (f'F.max_pool2d(x, {tuple(k)}, {tuple(stride)}, padding={(pads[0], pads[1])}, '
                f'dilation={tuple(dilation)}, ceil_mode={ceil_mode}, return_indices=True)' if symmetric else
                f'F.max_pool2d(F.pad(x, {(pads[1], pads[3], pads[0], pads[2])}, value=-inf), {tuple(k)}, '
                f'{tuple(stride)}, dilation={tuple(dilation)}, ceil_mode={ceil_mode}, return_indices=True)')
        call += '; indices + (n*C + c)*H*W'

        def reference(xa):
            y, idx = ref_pool(xa, 'max', k, stride, pads, dilation, ceil_mode)
            assert np.array_equal(xa.reshape(-1)[idx], y), 'Indices do not select Y'
            return [y, idx]

        fam.add(name, 'MaxPool', attrs, [x], fn, EXACT, call, reference)

    def r(shape):
        seed[0] += 1
        return rand(shape, seed[0])

    add('2x2 stride 2 batch 2', r((2, 3, 8, 10)), (2, 2), (2, 2))
    add('3x3 stride 2 pad 1 odd size', r((1, 4, 9, 11)), (3, 3), (2, 2), (1, 1, 1, 1))
    add('3x3 stride 2 ceil_mode', r((1, 2, 8, 8)), (3, 3), (2, 2), ceil_mode=True)
    add('3x3 stride 2 pad 1 ceil_mode', r((2, 2, 7, 10)), (3, 3), (2, 2), (1, 1, 1, 1), ceil_mode=True)
    add('dilation 2 pad 1', r((1, 3, 9, 8)), (3, 3), (1, 1), (1, 1, 1, 1), dilation=(2, 2))
    add('dilation 2 pad 2 stride 2', r((2, 2, 9, 8)), (3, 3), (2, 2), (2, 2, 2, 2), dilation=(2, 2))
    add('2x3 kernel stride 1x2 pads 1,1', r((1, 2, 6, 9)), (2, 3), (1, 2), (1, 1, 1, 1))
    add('2x2 stride 2 odd size floor', r((1, 2, 7, 9)), (2, 2), (2, 2))
    seed[0] += 1
    add('ties take the first maximum', tied((2, 3, 7, 8), seed[0], levels=3), (3, 3), (1, 1), (1, 1, 1, 1))
    seed[0] += 1
    add('all negative with padding', rand((1, 2, 5, 6), seed[0], -3.0, -1.0), (3, 3), (2, 2), (1, 1, 1, 1))
    add('asymmetric pads 0,0,1,1 (SAME_UPPER-like)', r((1, 2, 7, 8)), (2, 2), (2, 2), (0, 0, 1, 1))
    return fam


def average_pool_family():
    fam = Family('averagePool')
    seed = [400]

    def add(name, shape, k, stride, pads=(0, 0, 0, 0), ceil_mode=False, count_include_pad=False):
        seed[0] += 1
        x = rand(shape, seed[0])
        symmetric = pads[0] == pads[2] and pads[1] == pads[3]
        attrs = {'kernel_shape': list(k), 'strides': list(stride), 'pads': list(pads), 'ceil_mode': int(ceil_mode),
                 'count_include_pad': int(count_include_pad)}

        def fn(t):
            xt = t[0]
            if symmetric:
                return [F.avg_pool2d(xt, k, stride, (pads[0], pads[1]), ceil_mode=ceil_mode,
                                     count_include_pad=count_include_pad)]
            assert not ceil_mode
            pad = (pads[1], pads[3], pads[0], pads[2])
            window_sum = F.avg_pool2d(F.pad(xt, pad), k, stride) * (k[0] * k[1])
            if count_include_pad:
                return [window_sum / (k[0] * k[1])]
            count = F.avg_pool2d(F.pad(torch.ones_like(xt), pad), k, stride) * (k[0] * k[1])
            return [window_sum / count]

        call = (f'F.avg_pool2d(x, {tuple(k)}, {tuple(stride)}, {(pads[0], pads[1])}, ceil_mode={ceil_mode}, '
                f'count_include_pad={count_include_pad})' if symmetric else
                f'sum over zero-padded windows (F.pad {(pads[1], pads[3], pads[0], pads[2])}) divided by '
                + ('the kernel area' if count_include_pad else 'the count of input elements in the window'))
        fam.add(name, 'AveragePool', attrs, [x], fn, TOL_SHORT, call,
                lambda xa: ref_pool(xa, 'avg', k, stride, pads, ceil_mode=ceil_mode,
                                    count_include_pad=count_include_pad))

    add('2x2 stride 2 batch 2', (2, 3, 8, 10), (2, 2), (2, 2))
    add('3x3 stride 2 pad 1 exclude pad', (1, 3, 9, 11), (3, 3), (2, 2), (1, 1, 1, 1))
    add('3x3 stride 2 pad 1 include pad', (1, 3, 9, 11), (3, 3), (2, 2), (1, 1, 1, 1), count_include_pad=True)
    add('3x3 stride 2 pad 1 ceil_mode exclude pad', (2, 2, 8, 10), (3, 3), (2, 2), (1, 1, 1, 1), ceil_mode=True)
    # PyTorch's divisor for a window that ceil_mode runs past the end padding counts only the part
    # inside [-pad, size + pad): here the last row/column of windows.
    add('3x3 stride 2 pad 1 ceil_mode include pad', (2, 2, 8, 10), (3, 3), (2, 2), (1, 1, 1, 1),
        ceil_mode=True, count_include_pad=True)
    add('3x3 stride 2 ceil_mode no pad include pad', (1, 2, 8, 8), (3, 3), (2, 2), ceil_mode=True,
        count_include_pad=True)
    add('3x2 kernel stride 1x2 pads 1,0', (1, 2, 7, 9), (3, 2), (1, 2), (1, 0, 1, 0))
    add('5x5 stride 3 pad 2 exclude pad', (1, 2, 13, 11), (5, 5), (3, 3), (2, 2, 2, 2))
    add('asymmetric pads 1,0,0,1 exclude pad', (1, 2, 6, 7), (2, 2), (2, 2), (1, 0, 0, 1))
    add('asymmetric pads 0,1,2,1 include pad', (1, 2, 6, 7), (3, 3), (2, 2), (0, 1, 2, 1), count_include_pad=True)

    # GlobalAveragePool shares the family file.
    for name, shape in [('GlobalAveragePool batch 2 odd size', (2, 5, 7, 9)),
                        ('GlobalAveragePool 1x1 spatial', (1, 3, 1, 1)),
                        ('GlobalAveragePool 13x17', (1, 4, 13, 17))]:
        seed[0] += 1
        fam.add(name, 'GlobalAveragePool', {}, [rand(shape, seed[0])],
                lambda t: [t[0].mean(dim=(2, 3), keepdim=True)], TOL_SHORT, 'x.mean(dim=(2, 3), keepdim=True)',
                lambda xa: [xa.astype(np.float64).mean(axis=(2, 3), keepdims=True)])
    return fam


def max_unpool_family():
    fam = Family('maxUnpool')
    seed = [500]

    def add(name, shape, k, stride, pads=(0, 0, 0, 0), output_shape=None):
        seed[0] += 1
        x = rand(shape, seed[0])
        n, c, h, w = shape
        y, idx = F.max_pool2d(torch.from_numpy(x), k, stride, (pads[0], pads[1]), return_indices=True)
        out_h, out_w = (output_shape[2], output_shape[3]) if output_shape else (
            (y.shape[2] - 1) * stride[0] + k[0] - pads[0] - pads[2], (y.shape[3] - 1) * stride[1] + k[1] - pads[1] - pads[3])
        # The indices address the unpooled output; here it has the pooled input's size.
        assert (out_h, out_w) == (h, w)
        pooled = y.numpy().copy()
        onnx_idx = to_onnx_indices(idx, c, h * w).numpy().copy()
        attrs = {'kernel_shape': list(k), 'strides': list(stride), 'pads': list(pads)}
        inputs = [pooled, onnx_idx, None if output_shape is None else i64(output_shape)]

        def fn(t):
            xt, it, _ = t
            return [F.max_unpool2d(xt, from_onnx_indices(it, c, out_h * out_w), k, stride, (pads[0], pads[1]),
                                   output_size=None if output_shape is None else (out_h, out_w))]

        call = (f'F.max_unpool2d(y, i, {tuple(k)}, {tuple(stride)}, {(pads[0], pads[1])}'
                + (f', output_size={(out_h, out_w)})' if output_shape else ')')
                + f' with (y, i) = F.max_pool2d(x, {tuple(k)}, {tuple(stride)}, {(pads[0], pads[1])}, '
                  f'return_indices=True); ONNX I = i + (n*C + c)*H*W')
        fam.add(name, 'MaxUnpool', attrs, inputs, fn, EXACT, call,
                lambda xa, ia, sa: ref_max_unpool(xa, ia, k, stride, pads, sa))

    add('2x2 stride 2 batch 2', (2, 3, 8, 10), (2, 2), (2, 2))
    add('3x3 stride 2 pad 1', (1, 2, 9, 11), (3, 3), (2, 2), (1, 1, 1, 1))
    add('2x2 stride 2 odd size with output_shape', (2, 2, 9, 11), (2, 2), (2, 2), output_shape=(2, 2, 9, 11))
    add('3x3 stride 3', (1, 3, 9, 12), (3, 3), (3, 3))
    add('overlapping 3x3 stride 1 pad 1', (1, 2, 5, 6), (3, 3), (1, 1), (1, 1, 1, 1))
    return fam


def resize_family():
    fam = Family('resize')
    seed = [600]

    def add(name, shape, torch_mode, align_corners=None, scale=None, size=None, onnx=None, tol=TOL_RESIZE):
        """onnx: (mode, coordinate_transformation_mode, nearest_mode or None, extra attributes)."""
        seed[0] += 1
        x = rand(shape, seed[0])
        mode, ctm, nearest_mode, extra = onnx
        attrs = {'mode': mode, 'coordinate_transformation_mode': ctm}
        if nearest_mode:
            attrs['nearest_mode'] = nearest_mode
        attrs.update(extra)
        if scale is not None:
            scales = np.asarray([1.0, 1.0, scale[0], scale[1]], dtype=np.float32)
            inputs = [x, None, scales, None]
        else:
            sizes = i64([shape[0], shape[1], size[0], size[1]])
            inputs = [x, None, None, sizes]
        kwargs = {'mode': torch_mode}
        if align_corners is not None:
            kwargs['align_corners'] = align_corners
        if scale is not None:
            kwargs['scale_factor'] = tuple(float(s) for s in scale)
        else:
            kwargs['size'] = tuple(size)

        def fn(t):
            return [F.interpolate(t[0], **kwargs)]

        call = 'F.interpolate(x, ' + ', '.join(f'{k}={v!r}' for k, v in kwargs.items()) + ')'
        fam.add(name, 'Resize', attrs, inputs, fn, tol, call,
                lambda xa, _roi, sc, sz: ref_resize(xa, mode, ctm, nearest_mode or 'round_prefer_floor',
                                                     extra.get('cubic_coeff_a', -0.75), sc, sz),
                ref_tol={'atol': 1e-6, 'rtol': 1e-5} if tol is not EXACT else {'atol': 0, 'rtol': 0})

    linear_hp = ('linear', 'half_pixel', None, {})
    linear_ac = ('linear', 'align_corners', None, {})
    nearest_floor = ('nearest', 'asymmetric', 'floor', {})
    nearest_exact = ('nearest', 'half_pixel', 'round_prefer_ceil', {})
    add('bilinear x2 scales', (1, 2, 5, 7), 'bilinear', align_corners=False, scale=(2, 2), onnx=linear_hp)
    add('bilinear align_corners sizes batch 2', (2, 2, 5, 7), 'bilinear', align_corners=True, size=(9, 13),
        onnx=linear_ac)
    add('bilinear downsample sizes', (1, 3, 9, 13), 'bilinear', align_corners=False, size=(4, 5), onnx=linear_hp)
    add('bilinear x1.5 scales odd size', (1, 2, 6, 5), 'bilinear', align_corners=False, scale=(1.5, 1.5),
        onnx=linear_hp)
    add('bilinear sizes non-integer ratio batch 2', (2, 2, 6, 7), 'bilinear', align_corners=False, size=(11, 10),
        onnx=linear_hp)
    add('bilinear align_corners x2 scales', (1, 2, 4, 6), 'bilinear', align_corners=True, scale=(2, 2),
        onnx=linear_ac)
    add('bilinear x8 scales (FCN head)', (1, 2, 3, 4), 'bilinear', align_corners=False, scale=(8, 8), onnx=linear_hp)
    # PyTorch 1.13 uses half_pixel even for an output of length 1 (pytorch_half_pixel would take x=0).
    add('bilinear sizes to a single row', (1, 2, 4, 7), 'bilinear', align_corners=False, size=(1, 5),
        onnx=linear_hp)
    add('bilinear anisotropic scales 2x3', (1, 2, 4, 5), 'bilinear', align_corners=False, scale=(2, 3),
        onnx=linear_hp)
    add('nearest x2 scales', (2, 2, 4, 5), 'nearest', scale=(2, 2), onnx=nearest_floor, tol=EXACT)
    add('nearest sizes non-integer ratio', (1, 2, 7, 5), 'nearest', size=(12, 9), onnx=nearest_floor, tol=EXACT)
    add('nearest x0.5 scales', (1, 2, 8, 10), 'nearest', scale=(0.5, 0.5), onnx=nearest_floor, tol=EXACT)
    add('nearest-exact sizes', (1, 2, 5, 7), 'nearest-exact', size=(8, 11), onnx=nearest_exact, tol=EXACT)
    add('nearest-exact downsample sizes', (1, 2, 9, 11), 'nearest-exact', size=(4, 6), onnx=nearest_exact,
        tol=EXACT)
    # mode='cubic' is left out: src/ops/resize.ts rejects it (AttributeError naming mode='cubic').
    # F.interpolate(x, mode='bicubic', align_corners=False) is ONNX cubic + half_pixel with
    # cubic_coeff_a=-0.75 (checked against the onnx reference with ref_resize) should it land.
    return fam


def roi_align_family():
    fam = Family('roiAlign')
    seed = [700]

    def add(name, shape, rois, batch, out, spatial_scale, sampling_ratio, aligned):
        seed[0] += 1
        x = rand(shape, seed[0])
        rois = np.asarray(rois, dtype=np.float32)
        batch = i64(batch)
        spatial_scale = f32(spatial_scale)
        attrs = {'mode': 'avg', 'output_height': out[0], 'output_width': out[1], 'sampling_ratio': sampling_ratio,
                 'spatial_scale': spatial_scale,
                 'coordinate_transformation_mode': 'half_pixel' if aligned else 'output_half_pixel'}

        def fn(t):
            xt, rt, bt = t
            boxes = torch.cat([bt.to(rt.dtype).view(-1, 1), rt], dim=1)  # torchvision: [K, 5], batch first
            return [roi_align(xt, boxes, out, spatial_scale, sampling_ratio, aligned)]

        call = (f'torchvision.ops.roi_align(x, cat([batch_indices, rois], 1), {tuple(out)}, '
                f'spatial_scale={spatial_scale}, sampling_ratio={sampling_ratio}, aligned={aligned})')
        fam.add(name, 'RoiAlign', attrs, [x, rois, batch], fn, TOL_ACCUMULATE, call)

    g = np.random.default_rng(7)

    def boxes(k, w, h, lo=0.0):
        x1 = g.uniform(lo, w * 0.6, k)
        y1 = g.uniform(lo, h * 0.6, k)
        return np.stack([x1, y1, x1 + g.uniform(1, w * 0.5, k), y1 + g.uniform(1, h * 0.5, k)], 1)

    add('aligned sampling 2 scale 1/4 batch 2', (2, 3, 10, 12), boxes(4, 48, 40), [0, 1, 1, 0], (3, 3), 0.25, 2, True)
    add('not aligned adaptive sampling scale 1/2', (2, 3, 10, 12), boxes(3, 24, 20), [1, 0, 1], (4, 2), 0.5, 0, False)
    add('aligned adaptive sampling scale 1/2', (1, 4, 9, 11), boxes(3, 22, 18), [0, 0, 0], (2, 3), 0.5, 0, True)
    add('boxes partly outside the image', (1, 2, 8, 9),
        [[-3.0, -2.0, 5.0, 4.0], [4.0, 3.0, 12.5, 11.0], [-6.0, 6.5, -1.0, 9.5]], [0, 0, 0], (2, 2), 1.0, 2, True)
    add('sub-pixel boxes not aligned (width clamped to 1)', (1, 2, 7, 7),
        [[2.2, 3.1, 2.6, 3.3], [0.0, 0.0, 0.5, 0.5]], [0, 0], (2, 2), 1.0, 2, False)
    add('sub-pixel boxes aligned', (1, 2, 7, 7),
        [[2.2, 3.1, 2.6, 3.3], [0.0, 0.0, 0.5, 0.5]], [0, 0], (2, 2), 1.0, 2, True)
    add('sampling 1 output 5x5 scale 1', (1, 2, 12, 10), boxes(2, 10, 12), [0, 0], (5, 5), 1.0, 1, True)
    add('large boxes adaptive sampling 7x7', (1, 2, 16, 16), [[0.5, 1.0, 60.0, 58.0], [10.0, 4.0, 40.0, 62.0]],
        [0, 0], (7, 7), 0.25, 0, False)
    return fam


def softmax_family():
    fam = Family('softmax')
    seed = [800]

    def add(name, shape, axis, scale=1.0):
        seed[0] += 1
        x = (rand(shape, seed[0]) * np.float32(scale)).astype(np.float32)
        fam.add(name, 'Softmax', {'axis': axis}, [x], lambda t: [torch.softmax(t[0], dim=axis)], TOL_SHORT,
                f'torch.softmax(x, dim={axis})')

    add('axis 1 class scores batch 2', (2, 5, 7, 9), 1)
    add('axis -1', (2, 3, 4, 11), -1)
    add('axis 2', (1, 3, 6, 5), 2)
    add('axis 1 logits scaled to +-100', (2, 4, 3, 5), 1, scale=100.0)
    add('axis -1 logits scaled to +-100', (3, 17), -1, scale=100.0)
    add('axis 0 of a matrix', (3, 4), 0)
    add('rank 1', (13,), 0)
    add('axis 1 of 21 classes', (1, 21, 4, 3), 1, scale=8.0)
    return fam


def argmax_family():
    fam = Family('argmax')
    seed = [900]

    def add(name, x, axis, keepdims):
        def fn(t):
            return [torch.argmax(t[0], dim=axis, keepdim=bool(keepdims))]

        def reference(xa):
            y = np.argmax(xa, axis=axis)  # NumPy: the first maximum
            return [np.expand_dims(y, axis) if keepdims else y]

        fam.add(name, 'ArgMax', {'axis': axis, 'keepdims': keepdims}, [x], fn, EXACT,
                f'torch.argmax(x, dim={axis}, keepdim={bool(keepdims)})', reference)

    def r(shape):
        seed[0] += 1
        return rand(shape, seed[0])

    add('axis 1 keepdims batch 2', r((2, 5, 7, 9)), 1, 1)
    add('axis 1 no keepdims', r((2, 5, 7, 9)), 1, 0)
    add('axis -1 keepdims', r((3, 4, 5)), -1, 1)
    add('axis 0', r((4, 6)), 0, 1)
    seed[0] += 1
    add('ties take the first maximum', tied((2, 6, 5, 7), seed[0], levels=3), 1, 1)
    seed[0] += 1
    add('ties along the last axis, no keepdims', tied((3, 4, 9), seed[0], levels=2), -1, 0)
    add('21 classes no keepdims', r((1, 21, 6, 5)), 1, 0)
    return fam


def activations_family():
    fam = Family('activations')
    seed = [1000]

    def r(shape, lo=-8.0, hi=8.0):
        seed[0] += 1
        return rand(shape, seed[0], lo, hi)

    fam.add('Relu batch 2', 'Relu', {}, [r((2, 3, 5, 7))], lambda t: [F.relu(t[0])], EXACT, 'F.relu(x)')
    fam.add('Sigmoid', 'Sigmoid', {}, [r((2, 3, 5, 7))], lambda t: [torch.sigmoid(t[0])], TOL_SHORT,
            'torch.sigmoid(x)')
    fam.add('Sigmoid large magnitudes', 'Sigmoid', {}, [r((3, 41), -100.0, 100.0)], lambda t: [torch.sigmoid(t[0])],
            TOL_SHORT, 'torch.sigmoid(x)')
    fam.add('HardSigmoid as torch hardsigmoid', 'HardSigmoid', {'alpha': f32(1 / 6), 'beta': 0.5},
            [r((2, 3, 5, 7))], lambda t: [F.hardsigmoid(t[0])], TOL_POINTWISE, 'F.hardsigmoid(x)')
    fam.add('HardSigmoid ONNX defaults', 'HardSigmoid', {}, [r((1, 4, 6, 5))],
            lambda t: [torch.clamp(t[0] * f32(0.2) + 0.5, 0.0, 1.0)], TOL_POINTWISE,
            'torch.clamp(0.2*x + 0.5, 0, 1)')
    fam.add('HardSwish batch 2', 'HardSwish', {}, [r((2, 3, 5, 7))], lambda t: [F.hardswish(t[0])], TOL_POINTWISE,
            'F.hardswish(x)')
    fam.add('LeakyRelu alpha 0.1', 'LeakyRelu', {'alpha': f32(0.1)}, [r((2, 3, 5, 7))],
            lambda t: [F.leaky_relu(t[0], f32(0.1))], TOL_POINTWISE, 'F.leaky_relu(x, 0.1)')
    fam.add('LeakyRelu ONNX default alpha 0.01', 'LeakyRelu', {}, [r((1, 2, 9, 5))],
            lambda t: [F.leaky_relu(t[0], f32(0.01))], TOL_POINTWISE, 'F.leaky_relu(x) (negative_slope 0.01)')
    fam.add('Clip min and max (ReLU6)', 'Clip', {}, [r((2, 3, 5, 7)), scalar(0.0), scalar(6.0)],
            lambda t: [torch.clamp(t[0], t[1], t[2])], EXACT, 'torch.clamp(x, 0, 6)')
    fam.add('Clip min only', 'Clip', {}, [r((1, 3, 4, 5)), scalar(-1.5), None],
            lambda t: [torch.clamp(t[0], min=t[1])], EXACT, 'torch.clamp(x, min=-1.5)')
    fam.add('Clip max only', 'Clip', {}, [r((1, 3, 4, 5)), None, scalar(2.25)],
            lambda t: [torch.clamp(t[0], max=t[2])], EXACT, 'torch.clamp(x, max=2.25)')
    fam.add('Clip no bounds is identity', 'Clip', {}, [r((2, 7))], lambda t: [t[0].clone()], EXACT, 'x')
    return fam


def binary_family():
    fam = Family('binary')
    seed = [1100]
    for op, fn in [('Add', torch.add), ('Mul', torch.mul)]:
        for a, b in [((2, 3, 5, 7), (2, 3, 5, 7)), ((2, 3, 5, 7), (3, 1, 1)), ((2, 1, 5, 1), (1, 4, 1, 7)),
                     ((5, 7), (2, 3, 5, 7)), ((2, 3, 4, 5), ())]:
            seed[0] += 1
            xa, xb = rand(a, seed[0] * 2), rand(b, seed[0] * 2 + 1)
            fam.add(f'{op} {"x".join(map(str, a)) or "scalar"} with {"x".join(map(str, b)) or "scalar"}', op, {},
                    [xa, xb], lambda t, fn=fn: [fn(t[0], t[1])], EXACT, f'torch.{op.lower()}(a, b)')
    return fam


def concat_family():
    fam = Family('concat')
    seed = [1200]

    def add(name, shapes, axis):
        xs = []
        for s in shapes:
            seed[0] += 1
            xs.append(rand(s, seed[0]))
        fam.add(name, 'Concat', {'axis': axis}, xs, lambda t: [torch.cat(t, dim=axis)], EXACT,
                f'torch.cat(xs, dim={axis})', lambda *a: [np.concatenate(a, axis=axis)])

    add('three inputs on channels batch 2', [(2, 3, 5, 7), (2, 1, 5, 7), (2, 4, 5, 7)], 1)
    add('two inputs axis -1', [(1, 2, 4, 3), (1, 2, 4, 6)], -1)
    add('axis 0', [(1, 3, 2, 2), (2, 3, 2, 2)], 0)
    add('axis 2 odd sizes', [(1, 2, 5, 3), (1, 2, 1, 3), (1, 2, 7, 3)], 2)
    add('single input', [(2, 3, 4)], 1)
    return fam


def slice_family():
    fam = Family('slice')
    seed = [1300]

    def add(name, shape, starts, ends, axes=None, steps=None):
        seed[0] += 1
        x = rand(shape, seed[0])
        inputs = [x, i64(starts), i64(ends), None if axes is None else i64(axes), None if steps is None else i64(steps)]
        rank = len(shape)

        def fn(t):
            y = t[0]
            ax = list(range(len(starts))) if axes is None else [a % rank for a in axes]
            st = [1] * len(starts) if steps is None else steps
            for s, e, a, step in zip(starts, ends, ax, st):
                # Python's slice.indices gives the selected positions; it agrees with ONNX's clamping
                # for every start/end used here.
                idx = list(range(*slice(s, e, step).indices(y.shape[a])))
                y = torch.index_select(y, a, torch.tensor(idx, dtype=torch.int64)) if step < 0 else \
                    y.narrow(a, idx[0], idx[-1] - idx[0] + 1)[(slice(None),) * a + (slice(None, None, step),)]
            return [y]

        call = f'x[...] with starts={starts}, ends={ends}, axes={axes}, steps={steps}'
        if steps and min(steps) < 0:
            call += ' (negative steps through torch.index_select)'
        fam.add(name, 'Slice', {}, inputs, fn, EXACT, call,
                lambda *a: ref_slice(a[0], starts, ends, axes, steps))

    add('crop one axis', (2, 3, 7, 9), [1], [-1], [2])
    add('steps 2 and 3 on two axes', (1, 3, 7, 9), [0, 1], [7, 9], [2, 3], [2, 3])
    add('negative starts and ends, negative axis', (2, 2, 5, 9), [-5], [-1], [-1])
    add('end INT64_MAX', (2, 5, 3, 4), [2], [INT64_MAX], [1])
    add('end past the dimension is clamped', (1, 3, 6, 5), [1], [100], [2])
    add('no axes input: every axis', (2, 3, 6, 8), [0, 1, 1, 2], [2, 3, 6, 8])
    add('reverse with step -1 to INT64_MIN', (1, 2, 4, 7), [-1], [INT64_MIN], [3], [-1])
    add('step -2 from 6 to 1', (1, 2, 3, 8), [6], [1], [3], [-2])
    add('axes omitted, steps given', (4, 6), [1, 0], [4, 6], None, [2, 4])
    add('start clamped to 0', (2, 6, 3), [-100], [4], [1])
    return fam


def pad_family():
    fam = Family('pad')
    seed = [1400]

    def add(name, shape, pads, mode, value=None):
        seed[0] += 1
        x = rand(shape, seed[0])
        r = len(shape)
        # ONNX [x1_begin, ..., xr_begin, x1_end, ..., xr_end] -> F.pad's (last_begin, last_end, ...)
        torch_pad = []
        for d in reversed(range(r)):
            torch_pad += [pads[d], pads[d + r]]
        # F.pad's reflect/replicate pad exactly the spatial axes (all but N and C).
        if mode != 'constant':
            assert torch_pad[2 * (r - 2):] == [0] * 4
            torch_pad = torch_pad[:2 * (r - 2)]
        torch_mode = {'constant': 'constant', 'reflect': 'reflect', 'edge': 'replicate'}[mode]
        inputs = [x, i64(pads)] + ([scalar(value)] if value is not None else [])
        attrs = {'mode': mode} if mode != 'constant' or name.endswith('(explicit mode)') else {}

        def fn(t):
            kw = {'value': float(value)} if mode == 'constant' and value is not None else {}
            return [F.pad(t[0], tuple(torch_pad), mode=torch_mode, **kw)]

        fam.add(name, 'Pad', attrs, inputs, fn, EXACT,
                f'F.pad(x, {tuple(torch_pad)}, mode={torch_mode!r}' + (f', value={value})' if value is not None else ')'),
                lambda *a: ref_pad(a[0], pads, mode, 0.0 if value is None else value))

    add('constant default zero on H and W', (2, 3, 4, 5), [0, 0, 1, 2, 0, 0, 3, 1], 'constant')
    add('constant 1.5 on channels too (explicit mode)', (1, 2, 3, 4), [0, 1, 2, 0, 1, 0, 0, 3], 'constant', 1.5)
    add('reflect batch 2', (2, 3, 5, 6), [0, 0, 2, 3, 0, 0, 1, 2], 'reflect')
    add('edge wider than the input', (2, 2, 4, 3), [0, 0, 3, 1, 0, 0, 2, 4], 'edge')
    add('negative pads crop', (1, 2, 6, 7), [0, 0, -1, 2, 0, 0, 1, -2], 'constant')
    add('reflect rank 3', (2, 3, 7), [0, 0, 2, 0, 0, 3], 'reflect')
    add('edge on W only', (1, 3, 4, 5), [0, 0, 0, 2, 0, 0, 0, 2], 'edge')
    return fam


def batch_norm_family():
    fam = Family('batchNormalization')
    seed = [1500]

    def add(name, shape, epsilon=None, var_lo=0.2):
        c = shape[1]
        seed[0] += 1
        x = rand(shape, seed[0] * 10, -2.0, 2.0)
        scale = rand((c,), seed[0] * 10 + 1, 0.5, 2.0)
        bias = rand((c,), seed[0] * 10 + 2)
        mean = rand((c,), seed[0] * 10 + 3, -0.5, 0.5)
        var = rand((c,), seed[0] * 10 + 4, var_lo, 2.0)
        eps = f32(1e-5 if epsilon is None else epsilon)
        attrs = {} if epsilon is None else {'epsilon': eps}

        def fn(t):
            xt, st, bt, mt, vt = t
            return [F.batch_norm(xt, mt, vt, st, bt, training=False, eps=eps)]

        fam.add(name, 'BatchNormalization', attrs, [x, scale, bias, mean, var], fn, TOL_SHORT,
                f'F.batch_norm(x, mean, var, scale, bias, training=False, eps={eps})')

    add('default epsilon batch 2', (2, 5, 7, 9))
    add('epsilon 1e-3 with tiny variances', (1, 4, 5, 6), epsilon=1e-3, var_lo=1e-4)
    add('16 channels', (1, 16, 3, 5))
    add('rank 2 input', (4, 6), epsilon=1e-4)
    return fam


def main():
    families = [conv_family(), conv_transpose_family(), max_pool_family(), average_pool_family(),
                max_unpool_family(), resize_family(), roi_align_family(), softmax_family(), argmax_family(),
                activations_family(), binary_family(), concat_family(), slice_family(), pad_family(),
                batch_norm_family()]
    keys = {f.key for f in families}
    for name in os.listdir(OUT_DIR) if os.path.isdir(OUT_DIR) else []:
        if name.endswith('.json') and name[:-5] not in keys:
            os.remove(os.path.join(OUT_DIR, name))
    total = sum(f.write() for f in families)
    print(f'total {total} bytes in {OUT_DIR}')


if __name__ == '__main__':
    main()
