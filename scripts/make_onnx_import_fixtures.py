#!/usr/bin/python3
"""Builds the small ONNX models (and .npy expectations) that test/import-onnx.test.ts reads.

Run with Debian's interpreter, which has onnx, numpy and torch:
    /usr/bin/python3 scripts/make_onnx_import_fixtures.py               # all of them
    /usr/bin/python3 scripts/make_onnx_import_fixtures.py shape_inputs fp16_cast  # some (no torch needed)
Writes test/fixtures/onnx/*.onnx and *.npy. Each file stays well under 50 KB. Expected values are
computed here with numpy/torch, independently of segwgpu.
"""
import os

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx')


def save(model, name):
    path = os.path.join(OUT, name)
    onnx.save(model, path)
    print(f'{name}: {os.path.getsize(path)} bytes')


def save_npy(array, name):
    path = os.path.join(OUT, name)
    np.save(path, np.ascontiguousarray(array))  # C order: segwgpu refuses Fortran-order files
    print(f'{name}: {os.path.getsize(path)} bytes')


def model(nodes, inputs, outputs, initializers=(), opset=17, name='g'):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)], producer_name='segwgpu-fixtures')
    m.ir_version = 8 if opset >= 15 else 7
    return m


def vi(name, dims, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, dims)


def typed_tensor(name, data_type, dims, values):
    """A TensorProto with its values in the typed field (float_data, int64_data...), not raw_data."""
    return helper.make_tensor(name, data_type, dims, values, raw=False)


def raw_tensor(name, array):
    return numpy_helper.from_array(array, name)  # numpy_helper writes raw_data


def initializers_model():
    """Every supported element type, once in raw_data and once in its typed field."""
    inits = [
        raw_tensor('f32_raw', np.array([[1.5, -2.0, 3.25], [0.0, 1e-3, -7.0]], dtype=np.float32)),
        typed_tensor('f32_typed', TensorProto.FLOAT, [2, 3], [1.5, -2.0, 3.25, 0.0, 1e-3, -7.0]),
        raw_tensor('f64_raw', np.array([0.1, -1e10, 2.5], dtype=np.float64)),
        typed_tensor('f64_typed', TensorProto.DOUBLE, [3], [0.1, -1e10, 2.5]),
        raw_tensor('i64_raw', np.array([1, -2, 3], dtype=np.int64)),
        typed_tensor('i64_typed', TensorProto.INT64, [3], [1, -2, 3]),
        raw_tensor('i32_raw', np.array([[-5, 6]], dtype=np.int32)),
        typed_tensor('i32_typed', TensorProto.INT32, [1, 2], [-5, 6]),
        raw_tensor('i8_raw', np.array([-128, 127, -1], dtype=np.int8)),
        typed_tensor('i8_typed', TensorProto.INT8, [3], [-128, 127, -1]),
        raw_tensor('u8_raw', np.array([0, 255, 7], dtype=np.uint8)),
        typed_tensor('u8_typed', TensorProto.UINT8, [3], [0, 255, 7]),
        raw_tensor('bool_raw', np.array([True, False, True])),
        typed_tensor('bool_typed', TensorProto.BOOL, [3], [True, False, True]),
        raw_tensor('i16_raw', np.array([-300, 300], dtype=np.int16)),
        raw_tensor('scalar_raw', np.array(4.0, dtype=np.float32)),
        raw_tensor('empty_raw', np.zeros((0, 3), dtype=np.float32)),
        # A graph input that is also an initializer: a constant with a default, not an input.
        raw_tensor('bias', np.array([10.0, 20.0, 30.0], dtype=np.float32)),
    ]
    nodes = [helper.make_node('Add', ['x', 'bias'], ['y'])]  # unnamed: becomes 'Add_0'
    return model(nodes, [vi('x', ['batch', 3]), vi('bias', [3])], [vi('y', ['batch', 3])], inits)


def fp16_model():
    # 1, -2.5, 65504 (largest half), 2^-24 (smallest subnormal), 0.1 (rounded to half), -0.
    values = np.array([1.0, -2.5, 65504.0, 2.0 ** -24, 0.1, -0.0], dtype=np.float16)
    # bfloat16 raw bytes: the top halves of float32 1.0, -3.0 and 0.15625.
    bf16 = (np.array([1.0, -3.0, 0.15625], dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)
    inits = [
        raw_tensor('h_raw', values),
        # Typed form: make_tensor stores the FLOAT16 bit patterns in int32_data.
        helper.make_tensor('h_typed', TensorProto.FLOAT16, [6], values.astype(np.float32).tolist(), raw=False),
        helper.make_tensor('bf16_raw', TensorProto.BFLOAT16, [3], bf16.tobytes(), raw=True),
    ]
    nodes = [helper.make_node('Relu', ['x'], ['y'], name='relu')]
    return model(nodes, [vi('x', [6])], [vi('y', [6])], inits)


def int64_model():
    big = [2 ** 53 + 1, -(2 ** 60) - 3, 2 ** 63 - 1, -(2 ** 63)]
    inits = [
        raw_tensor('big_raw', np.array(big, dtype=np.int64)),
        typed_tensor('big_typed', TensorProto.INT64, [4], big),
    ]
    nodes = [helper.make_node('Relu', ['x'], ['y'], name='relu')]
    return model(nodes, [vi('x', [1])], [vi('y', [1])], inits)


def big_attribute_model():
    nodes = [helper.make_node('Flatten', ['x'], ['y'], name='flat', axis=2 ** 53 + 1)]
    return model(nodes, [vi('x', [2, 3])], [vi('y', None)])


def external_data_model():
    t = TensorProto()
    t.name = 'conv.weight'
    t.data_type = TensorProto.FLOAT
    t.dims.extend([4])
    t.data_location = TensorProto.EXTERNAL
    for key, value in [('location', 'weights.bin'), ('offset', '0'), ('length', '16')]:
        entry = t.external_data.add()
        entry.key = key
        entry.value = value
    nodes = [helper.make_node('Add', ['x', 'conv.weight'], ['y'], name='add')]
    return model(nodes, [vi('x', [4])], [vi('y', [4])], [t])


def bad_dtype_model():
    t = helper.make_tensor('counts', TensorProto.UINT64, [2], [1, 2])
    nodes = [helper.make_node('Relu', ['x'], ['y'], name='relu')]
    return model(nodes, [vi('x', [1])], [vi('y', [1])], [t])


def unsupported_ops_model():
    # Op types segwgpu lacks (it has If, Loop and TopK since issue 15): Scan carries a subgraph.
    body = helper.make_graph([helper.make_node('Identity', ['s_in'], ['s_out'])], 'body', [vi('s_in', [])], [vi('s_out', [])])
    nodes = [
        helper.make_node('Relu', ['x'], ['r'], name='relu'),
        helper.make_node('Einsum', ['r', 'r'], ['e'], name='einsum_1', equation='i,i->i'),
        helper.make_node('LpNormalization', ['e'], ['n1'], name='lpnorm_a'),
        helper.make_node('LpNormalization', ['n1'], ['n2'], name='lpnorm_b'),
        helper.make_node('Mod', ['n2', 'n2'], ['m']),  # unnamed: 'Mod_4'
        helper.make_node('FusedConv', ['m'], ['fc'], name='fused', domain='com.microsoft'),
        helper.make_node('Scan', ['x'], ['out'], name='scan', body=body, num_scan_inputs=1),
    ]
    m = model(nodes, [vi('x', [2])], [vi('out', [2])], [])
    m.opset_import.append(helper.make_opsetid('com.microsoft', 1))
    return m


def softmax_models():
    """Softmax axis=1 on a [2, 3, 4] input: opset 11 normalises over the trailing 3*4 block of each
    batch item, opset 13 over axis 1 alone."""
    x = (np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7.0 - 1.5).astype(np.float32)
    save_npy(x, 'softmax_input.npy')

    def softmax(a, axis):
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    flat = x.reshape(2, 12).astype(np.float64)
    save_npy(softmax(flat, 1).reshape(2, 3, 4).astype(np.float32), 'softmax11_expected.npy')
    save_npy(softmax(x.astype(np.float64), 1).astype(np.float32), 'softmax13_expected.npy')
    for opset in (11, 13):
        nodes = [helper.make_node('Softmax', ['x'], ['y'], name='sm', axis=1)]
        save(model(nodes, [vi('x', [2, 3, 4])], [vi('y', [2, 3, 4])], opset=opset), f'softmax_opset{opset}.onnx')
    # axis -1 before opset 13 is the plain last-axis softmax: no coercion needed.
    nodes = [helper.make_node('Softmax', ['x'], ['y'], name='sm', axis=-1)]
    save(model(nodes, [vi('x', [2, 3, 4])], [vi('y', [2, 3, 4])], opset=11), 'softmax_opset11_last_axis.onnx')


def clip6_model():
    """Clip-6 (opset 10): min/max as attributes; one node with both, one with max only."""
    nodes = [
        helper.make_node('Clip', ['x'], ['c1'], name='clip_both', min=-1.0, max=2.0),
        helper.make_node('Clip', ['c1'], ['y'], name='clip_max', max=1.5),
    ]
    return model(nodes, [vi('x', [5])], [vi('y', [5])], opset=10)


def legacy_forms_model():
    """Opset 9 forms: Upsample (scales input), Slice-1 attributes (INT64_MAX end), Pad-2 attributes,
    Squeeze/Unsqueeze axes attributes, Dropout-7 with an unused mask output, BatchNormalization-9."""
    scales = raw_tensor('scales', np.array([1, 1, 2, 2], dtype=np.float32))
    nodes = [
        helper.make_node('Upsample', ['x', 'scales'], ['up'], name='up', mode='nearest'),
        helper.make_node('Slice', ['up'], ['sl'], name='slice', starts=[1], ends=[2 ** 63 - 1], axes=[3]),
        helper.make_node('Pad', ['sl'], ['pd'], name='pad', pads=[0, 0, 1, 1, 0, 0, 1, 1], value=0.5),
        helper.make_node('Unsqueeze', ['pd'], ['us'], name='unsqueeze', axes=[0]),
        helper.make_node('Squeeze', ['us'], ['sq'], name='squeeze', axes=[0]),
        helper.make_node('Dropout', ['sq'], ['y', 'mask'], name='drop', ratio=0.3),
    ]
    return model(nodes, [vi('x', [1, 1, 2, 2])], [vi('y', None)], [scales], opset=9)


def resize10_model():
    scales = raw_tensor('scales', np.array([1, 1, 2, 2], dtype=np.float32))
    nodes = [helper.make_node('Resize', ['x', 'scales'], ['y'], name='rs', mode='linear')]
    return model(nodes, [vi('x', [1, 1, 2, 2])], [vi('y', None)], [scales], opset=10)


def resize11_model():
    """Resize-11 as PyTorch exports it with sizes: empty roi and empty scales placeholders."""
    inits = [
        raw_tensor('roi', np.zeros((0,), dtype=np.float32)),
        raw_tensor('scales', np.zeros((0,), dtype=np.float32)),
        raw_tensor('sizes', np.array([1, 1, 4, 6], dtype=np.int64)),
    ]
    nodes = [helper.make_node('Resize', ['x', 'roi', 'scales', 'sizes'], ['y'], name='rs', mode='nearest',
                              coordinate_transformation_mode='asymmetric', nearest_mode='floor')]
    return model(nodes, [vi('x', [1, 1, 2, 3])], [vi('y', None)], inits, opset=11)


def reduce18_model():
    """Opset 18: ReduceMean's axes is an input (here an initializer) -> the opset-13 attribute."""
    axes = raw_tensor('axes', np.array([2, 3], dtype=np.int64))
    nodes = [helper.make_node('ReduceMean', ['x', 'axes'], ['y'], name='gap', keepdims=1)]
    return model(nodes, [vi('x', [1, 2, 2, 2])], [vi('y', None)], [axes], opset=18)


def opset_range_models():
    nodes = [helper.make_node('Relu', ['x'], ['y'], name='relu')]
    save(model(nodes, [vi('x', [1])], [vi('y', [1])], opset=21), 'opset21.onnx')
    save(model(nodes, [vi('x', [1])], [vi('y', [1])], opset=6), 'opset6.onnx')


def shape_inputs_model():
    """MaxPool -> MaxUnpool with output_shape a model input (ONNX allows it; segwgpu plans for its
    value), the expectation computed with numpy: indices are flat over the pooled input, and
    MaxUnpool scatters into the flattened output of the given shape."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1, 2, 4, 4)).astype(np.float32)
    output_shape = np.array([1, 2, 5, 5], dtype=np.int64)
    pooled = np.zeros((1, 2, 2, 2), np.float32)
    indices = np.zeros((1, 2, 2, 2), np.int64)
    for c in range(2):
        for oy in range(2):
            for ox in range(2):
                window = x[0, c, 2 * oy:2 * oy + 2, 2 * ox:2 * ox + 2]
                k = int(np.argmax(window))  # first maximum in row-major order, as ONNX/PyTorch
                iy, ix = 2 * oy + k // 2, 2 * ox + k % 2
                pooled[0, c, oy, ox] = x[0, c, iy, ix]
                indices[0, c, oy, ox] = (c * 4 + iy) * 4 + ix
    y = np.zeros(output_shape, np.float32)
    y.reshape(-1)[indices.reshape(-1)] = pooled.reshape(-1)
    nodes = [
        helper.make_node('MaxPool', ['x'], ['p', 'i'], kernel_shape=[2, 2], strides=[2, 2], name='pool'),
        helper.make_node('MaxUnpool', ['p', 'i', 'output_shape'], ['y'], kernel_shape=[2, 2], strides=[2, 2], name='unpool'),
    ]
    save(model(nodes, [vi('x', [1, 2, 4, 4]), vi('output_shape', [4], TensorProto.INT64)], [vi('y', [1, 2, 5, 5])]), 'shape_inputs.onnx')
    save_npy(x, 'shape_inputs_x.npy')
    save_npy(output_shape, 'shape_inputs_output_shape.npy')
    save_npy(y, 'shape_inputs_expected.npy')


def fp16_cast_model():
    """An fp16 graph's pattern: the float input cast to FLOAT16, an op, cast back to FLOAT. Relu is
    exact on halves, so numpy's float16 conversion (round to nearest even) gives the expectation
    exactly; the values cover ties, subnormals and the largest half (not overflow: an infinity
    cannot be compared within a tolerance; test/float16.test.ts checks those edges)."""
    rng = np.random.default_rng(12)
    x = np.concatenate([
        rng.uniform(-65504, 65504, 40), rng.uniform(-1, 1, 40), rng.uniform(-1e-4, 1e-4, 40),
        [65504, 65519.99, 2 ** -24, 2 ** -25, 3 * 2 ** -25, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2049, 2051],
    ]).astype(np.float32).reshape(1, -1)
    y = np.maximum(x.astype(np.float16), np.float16(0)).astype(np.float32)
    nodes = [
        helper.make_node('Cast', ['x'], ['h'], to=TensorProto.FLOAT16, name='to_half'),
        helper.make_node('Relu', ['h'], ['r'], name='relu'),
        helper.make_node('Cast', ['r'], ['y'], to=TensorProto.FLOAT, name='to_float'),
    ]
    save(model(nodes, [vi('x', list(x.shape))], [vi('y', list(x.shape))]), 'fp16_cast.onnx')
    save_npy(x, 'fp16_cast_x.npy')
    save_npy(y, 'fp16_cast_expected.npy')


def rint(x):
    """ONNX's rounding for quantization: to nearest, ties to even (numpy's rint)."""
    return np.rint(x)


def dynamic_quantize_linear(x):
    """The ONNX reference's DynamicQuantizeLinear, every step in float32 as the spec's formula."""
    x = x.astype(np.float32)
    maxx = np.float32(max(0.0, x.max()))
    minx = np.float32(min(0.0, x.min()))
    scale = np.float32(np.float32(maxx - minx if maxx != minx else 1) / np.float32(255))  # onnx's reference: 1/255 for an all-zero x
    zp = np.float32(rint(np.clip(np.float32(0) - minx / scale, 0, 255)))
    y = np.clip(rint(x / scale) + zp, 0, 255).astype(np.int64)
    return y, scale, np.int64(zp)


def conv_integer(x, w, x_zp, w_zp, pads, strides):
    """ConvInteger in int64: (x - x_zp) * (w - w_zp) summed, padding contributing 0."""
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    xs = np.zeros((n, c, h + pads[0] + pads[2], wd + pads[1] + pads[3]), dtype=np.int64)
    xs[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + wd] = x.astype(np.int64) - x_zp
    ws = w.astype(np.int64) - np.asarray(w_zp, dtype=np.int64).reshape(-1, 1, 1, 1)
    oh = (xs.shape[2] - kh) // strides[0] + 1
    ow = (xs.shape[3] - kw) // strides[1] + 1
    y = np.zeros((n, m, oh, ow), dtype=np.int64)
    for i in range(oh):
        for j in range(ow):
            patch = xs[:, :, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw]
            y[:, :, i, j] = np.einsum('nchw,mchw->nm', patch, ws)
    return y


def isnet_int8_model():
    """The pattern of ISNet small (@imgly's dynamically quantized model), twice: DynamicQuantizeLinear
    -> ConvInteger (uint8 weights, a scalar uint8 weight zero point) -> Cast to FLOAT -> Mul by
    x_scale * w_scale -> Add the bias -> Relu; the first conv 3x3 pad 1, the second 3x3 stride 2
    with int8 weights and a per-channel zero point. Every float step is one correctly rounded
    float32 operation in the same order as the graph, so the expectation is exact."""
    rng = np.random.default_rng(31)
    x = rng.uniform(-1.5, 2.5, (1, 3, 9, 11)).astype(np.float32)
    w1 = rng.integers(0, 256, (6, 3, 3, 3)).astype(np.uint8)
    w1_zp, w1_scale = np.uint8(131), np.float32(0.0123)
    b1 = rng.uniform(-0.5, 0.5, (1, 6, 1, 1)).astype(np.float32)
    w2 = rng.integers(-128, 128, (5, 6, 3, 3)).astype(np.int8)
    w2_zp = np.int8(-3)
    w2_scale = np.float32(0.0071)
    b2 = rng.uniform(-0.5, 0.5, (1, 5, 1, 1)).astype(np.float32)

    def block(h, w, w_zp, w_scale, b, pads, strides):
        q, scale, zp = dynamic_quantize_linear(h)
        acc = conv_integer(q, w, zp, w_zp, pads, strides)
        return np.maximum(acc.astype(np.float32) * np.float32(scale * w_scale) + b, np.float32(0))

    h1 = block(x, w1, w1_zp, w1_scale, b1, (1, 1, 1, 1), (1, 1))
    y = block(h1, w2, w2_zp, w2_scale, b2, (1, 1, 1, 1), (2, 2))
    inits = [raw_tensor('w1', w1), raw_tensor('w1_zp', np.array(w1_zp)), raw_tensor('w1_scale', np.array(w1_scale)), raw_tensor('b1', b1),
             raw_tensor('w2', w2), raw_tensor('w2_zp', w2_zp), raw_tensor('w2_scale', np.array(w2_scale)), raw_tensor('b2', b2)]
    nodes = []
    for i, (src, pads, strides) in enumerate([('x', [1, 1, 1, 1], [1, 1]), ('r1', [1, 1, 1, 1], [2, 2])], start=1):
        nodes += [
            helper.make_node('DynamicQuantizeLinear', [src], [f'q{i}', f'q{i}_scale', f'q{i}_zp'], name=f'quantize{i}'),
            helper.make_node('ConvInteger', [f'q{i}', f'w{i}', f'q{i}_zp', f'w{i}_zp'], [f'acc{i}'], name=f'conv{i}',
                             kernel_shape=[3, 3], pads=pads, strides=strides),
            helper.make_node('Cast', [f'acc{i}'], [f'accf{i}'], to=TensorProto.FLOAT, name=f'cast{i}'),
            helper.make_node('Mul', [f'q{i}_scale', f'w{i}_scale'], [f'scale{i}'], name=f'scale{i}'),
            helper.make_node('Mul', [f'accf{i}', f'scale{i}'], [f'scaled{i}'], name=f'rescale{i}'),
            helper.make_node('Add', [f'scaled{i}', f'b{i}'], [f'biased{i}'], name=f'bias{i}'),
            helper.make_node('Relu', [f'biased{i}'], [f'r{i}' if i == 1 else 'y'], name=f'relu{i}'),
        ]
    save(model(nodes, [vi('x', list(x.shape))], [vi('y', list(y.shape))], inits, opset=15), 'isnet_int8.onnx')
    save_npy(x, 'isnet_int8_x.npy')
    save_npy(y, 'isnet_int8_expected.npy')


def qdq_model():
    """A QDQ graph as quantization tools write them: the input through QuantizeLinear (int8, a
    negative zero point) and DequantizeLinear, the conv's weights an int8 initializer dequantized
    per output channel (axis 0), a float Conv; outputs the quantized input itself (exact) and the
    conv (float64 reference: tolerance for float32 sums only)."""
    rng = np.random.default_rng(32)
    x = rng.uniform(-3, 3, (1, 4, 6, 7)).astype(np.float32)
    x[0, 0, 0, :5] = [0.25, 0.75, -0.25, 1000, -1000]  # ties (x / 0.5 = 0.5, 1.5, -0.5) and saturation
    x_scale, x_zp = np.float32(0.5), np.int8(-3)
    w = rng.integers(-128, 128, (3, 4, 3, 3)).astype(np.int8)
    w_scale = np.array([0.01, 0.02, 0.005], dtype=np.float32)
    xq = np.clip(rint(x / x_scale) + x_zp, -128, 127).astype(np.int64)
    xd = ((xq - x_zp) * x_scale).astype(np.float64)
    wd = (w.astype(np.float64) * w_scale.reshape(-1, 1, 1, 1).astype(np.float64))
    y = np.zeros((1, 3, 4, 5))
    for i in range(4):
        for j in range(5):
            y[0, :, i, j] = np.einsum('chw,mchw->m', xd[0, :, i:i + 3, j:j + 3], wd)
    inits = [raw_tensor('x_scale', np.array(x_scale)), raw_tensor('x_zp', np.array(x_zp)), raw_tensor('w_q', w),
             raw_tensor('w_scale', w_scale), raw_tensor('w_zp', np.zeros(3, dtype=np.int8))]
    nodes = [
        helper.make_node('QuantizeLinear', ['x', 'x_scale', 'x_zp'], ['xq'], name='quantize_x'),
        helper.make_node('DequantizeLinear', ['xq', 'x_scale', 'x_zp'], ['xd'], name='dequantize_x'),
        helper.make_node('DequantizeLinear', ['w_q', 'w_scale', 'w_zp'], ['w'], name='dequantize_w', axis=0),
        helper.make_node('Conv', ['xd', 'w'], ['y'], name='conv', kernel_shape=[3, 3]),
    ]
    outputs = [vi('xq', list(x.shape), TensorProto.INT8), vi('y', list(y.shape))]
    save(model(nodes, [vi('x', list(x.shape))], outputs, inits, opset=13), 'qdq.onnx')
    save_npy(x, 'qdq_x.npy')
    save_npy(xq.astype(np.int32), 'qdq_expected_xq.npy')
    save_npy(y.astype(np.float32), 'qdq_expected_y.npy')


def matmul_integer_model():
    """MatMulInteger with a uint8 graph input A [2, 3, 5] and its zero point, int8 constant weights
    B [5, 6] with a per-column zero point: int32 out, exact (onnxruntime agrees; it refuses a
    per-row A zero point, which the kernel cases cover)."""
    rng = np.random.default_rng(33)
    a = rng.integers(0, 256, (2, 3, 5)).astype(np.uint8)
    a_zp = np.uint8(131)
    b = rng.integers(-128, 128, (5, 6)).astype(np.int8)
    b_zp = np.array([0, 1, -1, 127, -128, 3], dtype=np.int8)
    y = np.matmul(a.astype(np.int64) - np.int64(a_zp), b.astype(np.int64) - b_zp.astype(np.int64))
    inits = [raw_tensor('a_zp', np.array(a_zp)), raw_tensor('b', b), raw_tensor('b_zp', b_zp)]
    nodes = [helper.make_node('MatMulInteger', ['a', 'b', 'a_zp', 'b_zp'], ['y'], name='matmul')]
    save(model(nodes, [vi('a', [2, 3, 5], TensorProto.UINT8)], [vi('y', [2, 3, 6], TensorProto.INT32)], inits, opset=13), 'matmul_integer.onnx')
    save_npy(a, 'matmul_integer_a.npy')
    save_npy(y.astype(np.int32), 'matmul_integer_expected.npy')


def torch_model():
    import torch  # only this fixture needs it

    class FlattenHead(torch.nn.Module):
        """A classifier head as PyTorch writes it: x.view(x.size(0), -1) exports a Shape -> Gather ->
        Unsqueeze -> Concat -> Reshape subgraph at opset 11; then Gemm, Relu, Sub/Div, Gemm."""

        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.fc1 = torch.nn.Linear(12, 5)
            self.fc2 = torch.nn.Linear(5, 3)

        def forward(self, x):
            h = x.view(x.size(0), -1)
            h = torch.relu(self.fc1(h))
            h = (h - 0.25) / 2.0
            return self.fc2(h).transpose(0, 1)

    net = FlattenHead().eval()
    x = torch.linspace(-1, 1, 24).reshape(2, 3, 2, 2)
    path = os.path.join(OUT, 'torch_flatten_head_opset11.onnx')
    torch.onnx.export(net, (x,), path, opset_version=11, input_names=['x'], output_names=['y'],
                      dynamic_axes={'x': {0: 'batch'}})
    print(f'torch_flatten_head_opset11.onnx: {os.path.getsize(path)} bytes')
    save_npy(x.numpy(), 'torch_flatten_head_input.npy')
    with torch.no_grad():
        save_npy(net(x).numpy(), 'torch_flatten_head_expected.npy')


def npy_files():
    """numpy-written .npy files for test/npy.test.ts: each dtype segwgpu reads, and a 2.0 header."""
    folder = os.path.join(OUT, 'npy')
    os.makedirs(folder, exist_ok=True)
    arrays = {
        'f4': np.array([[1.5, -2.0, 0.1], [3e38, -0.0, 7.0]], dtype=np.float32),
        'f8': np.array([0.1, -1e300, 1e-50, 2.5], dtype=np.float64),
        'i8': np.array([2 ** 62 + 1, -5, 0], dtype=np.int64),
        'i4': np.array([[[-7]], [[8]]], dtype=np.int32),
        'u1': np.array([0, 200, 255], dtype=np.uint8),
        'b1': np.array([True, False, True]),
        'scalar': np.array(3.5, dtype=np.float32),
        'fortran': np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
        'big_endian': np.array([1.0, 2.0], dtype='>f4'),
    }
    for name, a in arrays.items():
        np.save(os.path.join(folder, f'{name}.npy'), a)
    with open(os.path.join(folder, 'f4_v2.npy'), 'wb') as f:
        np.lib.format.write_array(f, arrays['f4'], version=(2, 0))
    print(f'npy/: {len(arrays) + 1} files')


def main():
    os.makedirs(OUT, exist_ok=True)
    chosen = {'shape_inputs': shape_inputs_model, 'fp16_cast': fp16_cast_model, 'isnet_int8': isnet_int8_model,
              'qdq': qdq_model, 'matmul_integer': matmul_integer_model,
              'unsupported_ops': lambda: save(unsupported_ops_model(), 'unsupported_ops.onnx')}
    if sys.argv[1:]:  # some fixtures only (these need no torch)
        for name in sys.argv[1:]:
            chosen[name]()
        return
    npy_files()
    save(initializers_model(), 'initializers.onnx')
    save(fp16_model(), 'fp16.onnx')
    save(int64_model(), 'int64_big.onnx')
    save(big_attribute_model(), 'big_attribute.onnx')
    save(external_data_model(), 'external_data.onnx')
    save(bad_dtype_model(), 'bad_dtype.onnx')
    save(unsupported_ops_model(), 'unsupported_ops.onnx')
    softmax_models()
    save(clip6_model(), 'clip6.onnx')
    save(legacy_forms_model(), 'legacy_opset9.onnx')
    save(resize10_model(), 'resize10.onnx')
    save(resize11_model(), 'resize11.onnx')
    save(reduce18_model(), 'reduce_opset18.onnx')
    for make in (isnet_int8_model, qdq_model, matmul_integer_model):
        make()
    opset_range_models()
    shape_inputs_model()
    fp16_cast_model()
    torch_model()


if __name__ == '__main__':
    main()
