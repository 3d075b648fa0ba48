#!/usr/bin/python3
"""
Whole-model fixtures for segwgpu: small segmentation networks built in PyTorch, exported to ONNX,
with an input and the PyTorch output to compare against.

Run with Debian's interpreter, which has torch 1.13, torchvision 0.14 and onnx:

    /usr/bin/python3 scripts/make_model_fixtures.py                # test/fixtures/models/ (committed)
    /usr/bin/python3 scripts/make_model_fixtures.py --torchvision  # test/fixtures/large/ (git-ignored)

CI never runs this script; the committed files are read as they are. Weights come from fixed seeds,
PyTorch runs on one CPU thread, and nothing is downloaded (torchvision models are built with
weights=None, weights_backbone=None), so rerunning it with the same torch reproduces the files.

What each fixture is
--------------------
For every model <name>:

    <name>.onnx           float32 model; graph input `input` (NCHW), graph output `output` (logits)
    <name>.input.npy      float32 input: an image-like picture (gradient background, a few flat
                          ellipses and rectangles, a little noise, normalised with ImageNet mean/std),
                          except SegNet's, which is standard normal noise (see check 4)
    <name>.expected.npy   float32 output of the PyTorch model in eval mode on that input
    <name>.json           manifest: names, shapes, opset, versions, op-type counts, export settings,
                          the checks below and a suggested tolerance

Committed (test/fixtures/models/):
 - unet, unet_unfolded, unet_opset11: one U-Net (Ronneberger et al.; padded 3x3 convs with
   BatchNorm, 3 max pools, ConvTranspose 2x2/2 upsampling, skips joined by Concat). `unet` is
   torch's default export (in eval mode torch folds each BatchNorm into the Conv before it, and
   folds constants); `unet_unfolded` keeps BatchNormalization nodes and unfolded constants
   (training=PRESERVE, do_constant_folding=False), for the engine's own BN and constant folding;
   `unet_opset11` is the default export at opset 11.
 - fcn8s, fcn16s, fcn32s: tiny FCN (Long et al.): VGG-style stages with the first conv padded by
   100, ceil-mode pools, fc6/fc7 as 7x7/1x1 convs, bilinear-initialised ConvTranspose upsampling,
   skip fusion with the original crops (offsets 5, 9, 31 / 5, 27 / 19). The input shape is static,
   so torch exports each crop as Slice nodes with Constant starts/ends/axes/steps.
 - segnet, segnet_odd: one SegNet (Badrinarayanan et al.): encoder conv+BN+ReLU stages and max pools
   that return indices, decoder MaxUnpool with those indices. torch 1.13 cannot export
   max_unpool2d, so this graph is written with onnx.helper from the PyTorch weights, in ONNX terms
   end to end (MaxPool's Indices output, flat over N*C*H*W, feeds MaxUnpool). `segnet_odd` is the
   same graph for a 45x61 input: its MaxUnpool nodes take an output_shape input where the default
   unpooled size would be one short.

Large (test/fixtures/large/, --torchvision): fcn_resnet50, deeplabv3_mobilenet_v3_large,
lraspp_mobilenet_v3_large from torchvision, the 'out' head, exported as torch does it (the graphs
keep their Shape/Slice/Concat/Resize size arithmetic; nothing is simplified away).

Weights
-------
Convolutions get He-normal weights and small random biases (so activations neither vanish nor
grow through the depth). BatchNorm layers get random affine parameters and running statistics
calibrated on a few other inputs of the fixture's kind (train-mode passes with cumulative averaging), so the
running mean/var are non-trivial and the normalised activations stay near unit scale. FCN's
upsampling ConvTransposes are bilinear kernels on the channel diagonal, as in the original.

Checks (recorded in each manifest)
----------------------------------
 1. onnx.checker.check_model(full_check=True) on every graph.
 2. onnxruntime is not installed here, so each ONNX graph is run by a small NumPy interpreter in
    float64 that follows the ONNX operator definitions (below: Conv, ConvTranspose, MaxPool with
    Indices, MaxUnpool, Resize, Shape, Slice, ...), and its output must agree with the PyTorch
    float32 output within the suggested tolerance. That shows the exported graph computes what
    expected.npy says, independently of PyTorch. The interpreter's Resize is itself checked
    against the onnx package's reference (onnx/backend/test/case/node/resize.py) on a small case.
 3. The PyTorch model is also run in float64; max |float32 - float64| is recorded, and the
    suggested tolerance is {atol: 4x that difference rounded up to 1-2-5 steps, rtol: 0}: a
    correct float32 engine that sums in another order should land well inside it.
 4. SegNet's output depends on which element of each pool window is the maximum (the unpooled
    value goes there). A near-tie between the two largest positive values of a window would let
    float32 rounding in another engine move a value to another pixel, so the input is chosen
    (deterministically: the first seed that passes) so the smallest such gap is at least 2e-4,
    and at least 20x the largest float32-vs-float64 difference of the pooled activations; both are
    recorded. (Ties at zero after ReLU are harmless: the window unpools a zero wherever it goes.)
    Image-like inputs, with their flat regions, give gaps near 1e-6, so SegNet's input is noise.
 5. No NaN or Inf anywhere.
"""
import argparse
import collections
import io
import json
import math
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from onnx import TensorProto, helper, numpy_helper

torch.set_num_threads(1)  # one summation order, so the files are reproducible

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL_DIR = os.path.join(ROOT, 'test', 'fixtures', 'models')
LARGE_DIR = os.path.join(ROOT, 'test', 'fixtures', 'large')
GENERATOR = 'scripts/make_model_fixtures.py'

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406])
IMAGENET_STD = np.array([0.229, 0.224, 0.225])

SEGNET_MIN_POOL_GAP = 2e-4
SEGNET_GAP_OVER_ROUNDING = 20.0


# ---------------------------------------------------------------------------------------------
# Inputs and weights
# ---------------------------------------------------------------------------------------------

def image_like(shape, seed):
    """A float32 NCHW batch that looks like a picture: a colour gradient, four flat shapes, a
    little noise, in [0, 1], then normalised with ImageNet mean/std."""
    n, c, h, w = shape
    assert c == 3
    rng = np.random.default_rng(seed)
    yy, xx = np.meshgrid(np.linspace(0.0, 1.0, h), np.linspace(0.0, 1.0, w), indexing='ij')
    batch = np.empty((n, 3, h, w))
    for b in range(n):
        img = batch[b]
        base = rng.uniform(0.2, 0.8, 3)
        slope = rng.uniform(-0.3, 0.3, (3, 2))
        for ch in range(3):
            img[ch] = base[ch] + slope[ch, 0] * yy + slope[ch, 1] * xx
        for k in range(4):
            cy, cx = rng.uniform(0.1, 0.9, 2)
            ry, rx = rng.uniform(0.08, 0.3, 2)
            colour = rng.uniform(0.0, 1.0, 3)
            if k % 2 == 0:
                mask = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0
            else:
                mask = (np.abs(yy - cy) <= ry) & (np.abs(xx - cx) <= rx)
            img[:, mask] = colour[:, None]
        img += rng.normal(0.0, 0.02, (3, h, w))
    batch = np.clip(batch, 0.0, 1.0)
    batch = (batch - IMAGENET_MEAN[None, :, None, None]) / IMAGENET_STD[None, :, None, None]
    return batch.astype(np.float32)


def init_convs(model, seed):
    """He-normal conv weights (fan_in, ReLU gain) and biases uniform in [-0.1, 0.1]."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * math.sqrt(2.0 / fan_in))
                if m.bias is not None:
                    m.bias.copy_(torch.rand(m.bias.shape, generator=g) * 0.2 - 0.1)


def calibrate_batch_norm(model, inputs, seed):
    """Random BN affine parameters, then running statistics measured on `inputs` (train-mode
    passes, cumulative average), then eval mode."""
    g = torch.Generator().manual_seed(seed)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.copy_(torch.rand(bn.weight.shape, generator=g) + 0.5)        # [0.5, 1.5)
            bn.bias.copy_(torch.rand(bn.bias.shape, generator=g) * 0.6 - 0.3)      # [-0.3, 0.3)
            bn.reset_running_stats()
            bn.momentum = None
        torch.manual_seed(seed)  # train-mode Dropout in torchvision heads
        model.train()
        for x in inputs:
            model(torch.from_numpy(x))
        model.eval()
    for bn in bns:
        bn.momentum = 0.1


def bilinear_kernel(channels, k):
    """The FCN upsampling weight: a k x k bilinear filter on the channel diagonal,
    shape [in, out, k, k] (Long et al.; wkentaro/pytorch-fcn get_upsampling_weight)."""
    factor = (k + 1) // 2
    center = factor - 1 if k % 2 == 1 else factor - 0.5
    og = np.ogrid[:k, :k]
    filt = (1 - abs(og[0] - center) / factor) * (1 - abs(og[1] - center) / factor)
    w = np.zeros((channels, channels, k, k), dtype=np.float64)
    w[range(channels), range(channels)] = filt
    return torch.from_numpy(w).float()


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------

class DoubleConv(nn.Sequential):
    """(conv3x3 + BN + ReLU) x 2, padding 1."""

    def __init__(self, cin, cout):
        super().__init__(
            nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Ronneberger et al. U-Net with padded convs: `levels` resolutions (levels - 1 max pools),
    width base * 2**level, ConvTranspose 2x2 stride 2 upsampling, skips concatenated on channels
    (skip first), 1x1 conv to classes."""

    def __init__(self, in_channels=3, classes=3, base=8, levels=4):
        super().__init__()
        widths = [base * 2 ** i for i in range(levels)]
        self.down = nn.ModuleList(
            [DoubleConv(in_channels, widths[0])] + [DoubleConv(widths[i - 1], widths[i]) for i in range(1, levels)])
        self.pool = nn.MaxPool2d(2, 2)
        self.up = nn.ModuleList(
            [nn.ConvTranspose2d(widths[i], widths[i - 1], 2, stride=2) for i in range(levels - 1, 0, -1)])
        self.up_conv = nn.ModuleList([DoubleConv(2 * widths[i - 1], widths[i - 1]) for i in range(levels - 1, 0, -1)])
        self.head = nn.Conv2d(widths[0], classes, 1)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.down):
            if i > 0:
                x = self.pool(x)
            x = block(x)
            skips.append(x)
        skips.pop()
        for up, conv in zip(self.up, self.up_conv):
            x = torch.cat([skips.pop(), up(x)], dim=1)
            x = conv(x)
        return self.head(x)


class FCN(nn.Module):
    """Long et al. FCN-32s/16s/8s on a narrow VGG-16 layout (2, 2, 3, 3, 3 convs per stage):
    conv1_1 padded by 100, ceil-mode 2x2 pools, fc6 conv7x7 unpadded, fc7 conv1x1, Dropout after
    both (identity in eval mode), 1x1 score layers, bias-free ConvTranspose upsampling initialised
    to bilinear kernels, crops as in the original (shelhamer/fcn.berkeleyvision.org,
    wkentaro/pytorch-fcn)."""

    CROPS = {'32s': (19,), '16s': (5, 27), '8s': (5, 9, 31)}

    def __init__(self, variant='8s', classes=5, widths=(4, 8, 16, 16, 16), convs=(2, 2, 3, 3, 3), fc=32):
        super().__init__()
        self.variant = variant
        stages, cin = [], 3
        for s, (w, n) in enumerate(zip(widths, convs)):
            layers = []
            for k in range(n):
                layers += [nn.Conv2d(cin, w, 3, padding=100 if s == 0 and k == 0 else 1), nn.ReLU(inplace=True)]
                cin = w
            layers.append(nn.MaxPool2d(2, stride=2, ceil_mode=True))
            stages.append(nn.Sequential(*layers))
        self.stages = nn.ModuleList(stages)
        self.fc6 = nn.Sequential(nn.Conv2d(cin, fc, 7), nn.ReLU(inplace=True), nn.Dropout2d())
        self.fc7 = nn.Sequential(nn.Conv2d(fc, fc, 1), nn.ReLU(inplace=True), nn.Dropout2d())
        self.score_fr = nn.Conv2d(fc, classes, 1)
        if variant == '32s':
            self.upscore = nn.ConvTranspose2d(classes, classes, 64, stride=32, bias=False)
        else:
            self.upscore2 = nn.ConvTranspose2d(classes, classes, 4, stride=2, bias=False)
            self.score_pool4 = nn.Conv2d(widths[3], classes, 1)
            if variant == '16s':
                self.upscore16 = nn.ConvTranspose2d(classes, classes, 32, stride=16, bias=False)
            else:
                self.score_pool3 = nn.Conv2d(widths[2], classes, 1)
                self.upscore_pool4 = nn.ConvTranspose2d(classes, classes, 4, stride=2, bias=False)
                self.upscore8 = nn.ConvTranspose2d(classes, classes, 16, stride=8, bias=False)

    def init_upsampling(self):
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, nn.ConvTranspose2d):
                    m.weight.copy_(bilinear_kernel(m.in_channels, m.kernel_size[0]))

    def forward(self, x):
        h, pools = x, []
        for stage in self.stages:
            h = stage(h)
            pools.append(h)
        h = self.score_fr(self.fc7(self.fc6(h)))
        crops = self.CROPS[self.variant]
        if self.variant == '32s':
            h = self.upscore(h)
        else:
            upscore2 = self.upscore2(h)  # 1/16
            s4 = self.score_pool4(pools[3])
            s4 = s4[:, :, crops[0]:crops[0] + upscore2.size()[2], crops[0]:crops[0] + upscore2.size()[3]]
            h = upscore2 + s4
            if self.variant == '16s':
                h = self.upscore16(h)
            else:
                up4 = self.upscore_pool4(h)  # 1/8
                s3 = self.score_pool3(pools[2])
                s3 = s3[:, :, crops[1]:crops[1] + up4.size()[2], crops[1]:crops[1] + up4.size()[3]]
                h = self.upscore8(up4 + s3)
        c = crops[-1]
        return h[:, :, c:c + x.size()[2], c:c + x.size()[3]].contiguous()


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class SegNet(nn.Module):
    """Badrinarayanan et al. SegNet: `depth` encoder stages of (conv3x3+BN+ReLU) x convs, each
    followed by a 2x2/2 max pool that keeps its indices; decoder stages in reverse, each a max
    unpool with the matching encoder indices (to the encoder's pre-pool size) and
    (conv3x3+BN+ReLU) x convs narrowing to the next stage's width; a 3x3 conv to classes."""

    def __init__(self, in_channels=3, classes=4, base=8, depth=3, convs=2):
        super().__init__()
        widths = [base * 2 ** i for i in range(depth)]
        enc, cin = [], in_channels
        for w in widths:
            layers = []
            for _ in range(convs):
                layers += conv_bn_relu(cin, w)
                cin = w
            enc.append(nn.Sequential(*layers))
        dec = []
        for i in range(depth - 1, -1, -1):
            cout = widths[max(i - 1, 0)]
            layers = []
            for k in range(convs):
                layers += conv_bn_relu(widths[i], widths[i] if k < convs - 1 else cout)
            dec.append(nn.Sequential(*layers))
        self.encoder = nn.ModuleList(enc)
        self.decoder = nn.ModuleList(dec)
        self.classifier = nn.Conv2d(widths[0], classes, 3, padding=1)

    def forward(self, x, record=None):
        indices, sizes = [], []
        for stage in self.encoder:
            x = stage(x)
            sizes.append(x.shape[-2:])
            if record is not None:
                record.append(x)
            x, idx = F.max_pool2d(x, 2, 2, return_indices=True)
            indices.append(idx)
        for stage in self.decoder:
            x = F.max_unpool2d(x, indices.pop(), 2, 2, output_size=sizes.pop())
            x = stage(x)
        return self.classifier(x)


def segnet_onnx(model, input_shape, opset=17):
    """SegNet as an ONNX graph written node by node from the PyTorch weights: Conv (with bias),
    BatchNormalization (unfolded, epsilon from the module), Relu, MaxPool with its Indices output
    (flat over N*C*H*W), MaxUnpool taking those indices, and an output_shape input on a MaxUnpool
    only where the default unpooled size ((in - 1) * 2 + 2) is not the encoder's size."""
    nodes, inits = [], []
    counter = collections.Counter()

    def name(kind):
        counter[kind] += 1
        return f'{kind}_{counter[kind]}'

    def const(tensor_name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), tensor_name))
        return tensor_name

    def emit_stage(x, seq):
        mods = list(seq)
        for conv, bn, _relu in zip(mods[0::3], mods[1::3], mods[2::3]):
            n = name('conv')
            y = f'{n}_out'
            nodes.append(helper.make_node(
                'Conv', [x, const(f'{n}.weight', conv.weight.detach().numpy()), const(f'{n}.bias', conv.bias.detach().numpy())],
                [y], name=n, kernel_shape=list(conv.kernel_size), pads=[1, 1, 1, 1], strides=[1, 1]))
            b = name('bn')
            z = f'{b}_out'
            nodes.append(helper.make_node(
                'BatchNormalization',
                [y, const(f'{b}.scale', bn.weight.detach().numpy()), const(f'{b}.bias', bn.bias.detach().numpy()),
                 const(f'{b}.mean', bn.running_mean.numpy()), const(f'{b}.var', bn.running_var.numpy())],
                [z], name=b, epsilon=float(bn.eps)))
            r = name('relu')
            x = f'{r}_out'
            nodes.append(helper.make_node('Relu', [z], [x], name=r))
        return x

    n, _, h, w = input_shape
    x = 'input'
    pooled_from = []
    for stage in model.encoder:
        x = emit_stage(x, stage)
        channels = stage[-2].num_features
        pooled_from.append((channels, h, w))
        p = name('pool')
        nodes.append(helper.make_node('MaxPool', [x], [f'{p}_out', f'{p}_indices'], name=p,
                                      kernel_shape=[2, 2], strides=[2, 2]))
        x = f'{p}_out'
        h, w = h // 2, w // 2
    pool_names = [f'pool_{i + 1}' for i in range(len(model.encoder))]
    for stage in model.decoder:
        channels, th, tw = pooled_from.pop()
        p = pool_names.pop()
        u = name('unpool')
        inputs = [x, f'{p}_indices']
        if (th, tw) != (2 * h, 2 * w):
            inputs.append(const(f'{u}.output_shape', np.array([n, channels, th, tw], dtype=np.int64)))
        nodes.append(helper.make_node('MaxUnpool', inputs, [f'{u}_out'], name=u, kernel_shape=[2, 2], strides=[2, 2]))
        x = emit_stage(f'{u}_out', stage)
        h, w = th, tw
    cls = model.classifier
    nodes.append(helper.make_node(
        'Conv', [x, const('classifier.weight', cls.weight.detach().numpy()), const('classifier.bias', cls.bias.detach().numpy())],
        ['output'], name='classifier', kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]))
    graph = helper.make_graph(
        nodes, 'segnet',
        [helper.make_tensor_value_info('input', TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info('output', TensorProto.FLOAT, [n, cls.out_channels, input_shape[2], input_shape[3]])],
        initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)],
                          producer_name=GENERATOR, producer_version='1')
    m.ir_version = 8
    return m


class OutHead(nn.Module):
    """torchvision segmentation models return {'out': ..., 'aux': ...}; export only 'out'."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)['out']


# ---------------------------------------------------------------------------------------------
# A NumPy interpreter for the ONNX graphs (float64), following the opset-17 operator definitions
# ---------------------------------------------------------------------------------------------

def attrs_of(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def np_conv(x, w, b, strides, pads, dilations, group):
    """ONNX Conv: pads [h_begin, w_begin, h_end, w_end], weight [M, C/group, kh, kw]."""
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    mg = m // group
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    ho = (h + pads[0] + pads[2] - ((kh - 1) * dilations[0] + 1)) // strides[0] + 1
    wo = (wd + pads[1] + pads[3] - ((kw - 1) * dilations[1] + 1)) // strides[1] + 1
    wg = w.reshape(group, mg, cg, kh, kw)
    acc = np.zeros((group, n * ho * wo, mg))
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dilations[0], j * dilations[1]
            patch = xp[:, :, r0:r0 + (ho - 1) * strides[0] + 1:strides[0], c0:c0 + (wo - 1) * strides[1] + 1:strides[1]]
            patch = patch.reshape(n, group, cg, ho, wo).transpose(1, 0, 3, 4, 2).reshape(group, n * ho * wo, cg)
            acc += patch @ wg[:, :, :, i, j].transpose(0, 2, 1)
    y = acc.reshape(group, n, ho, wo, mg).transpose(1, 0, 4, 2, 3).reshape(n, m, ho, wo)
    if b is not None:
        y = y + b[None, :, None, None]
    return y


def np_conv_transpose(x, w, b, strides, pads, dilations, group, output_padding):
    """ONNX ConvTranspose: weight [C, M/group, kh, kw]; the full output cropped by pads."""
    n, c, h, wd = x.shape
    _, mg, kh, kw = w.shape
    cg = c // group
    full_h = strides[0] * (h - 1) + (kh - 1) * dilations[0] + 1 + output_padding[0]
    full_w = strides[1] * (wd - 1) + (kw - 1) * dilations[1] + 1 + output_padding[1]
    y = np.zeros((n, group, mg, full_h, full_w))
    xs = x.reshape(n, group, cg, h, wd).transpose(1, 0, 3, 4, 2).reshape(group, n * h * wd, cg)
    wg = w.reshape(group, cg, mg, kh, kw)
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dilations[0], j * dilations[1]
            contrib = (xs @ wg[:, :, :, i, j]).reshape(group, n, h, wd, mg).transpose(1, 0, 4, 2, 3)
            y[:, :, :, r0:r0 + (h - 1) * strides[0] + 1:strides[0], c0:c0 + (wd - 1) * strides[1] + 1:strides[1]] += contrib
    y = y.reshape(n, group * mg, full_h, full_w)[:, :, pads[0]:full_h - pads[2], pads[1]:full_w - pads[3]]
    if b is not None:
        y = y + b[None, :, None, None]
    return y


def np_max_pool(x, kernel, strides, pads, dilations, ceil_mode):
    """ONNX MaxPool: Y and Indices (flat over N*C*H*W, first maximum in scan order). With
    ceil_mode, a last window starting in the end padding is dropped (as PyTorch does)."""
    n, c, h, w = x.shape

    def out_size(size, k, s, d, pb, pe):
        eff = (k - 1) * d + 1
        if ceil_mode:
            o = -(-(size + pb + pe - eff) // s) + 1
            if (o - 1) * s >= size + pb:
                o -= 1
            return o
        return (size + pb + pe - eff) // s + 1

    ho = out_size(h, kernel[0], strides[0], dilations[0], pads[0], pads[2])
    wo = out_size(w, kernel[1], strides[1], dilations[1], pads[1], pads[3])
    best = np.full((n, c, ho, wo), -np.inf)
    best_i = np.full((n, c, ho, wo), -1, dtype=np.int64)
    plane = (np.arange(n)[:, None] * c + np.arange(c)[None, :])[:, :, None, None] * (h * w)
    for i in range(kernel[0]):
        ih = np.arange(ho) * strides[0] - pads[0] + i * dilations[0]
        for j in range(kernel[1]):
            iw = np.arange(wo) * strides[1] - pads[1] + j * dilations[1]
            valid = ((ih >= 0) & (ih < h))[:, None] & ((iw >= 0) & (iw < w))[None, :]
            v = x[:, :, np.clip(ih, 0, h - 1)][:, :, :, np.clip(iw, 0, w - 1)]
            v = np.where(valid[None, None], v, -np.inf)
            better = v > best
            best = np.where(better, v, best)
            best_i = np.where(better, plane + (ih[:, None] * w + iw[None, :])[None, None], best_i)
    return best, best_i


def np_max_unpool(x, indices, kernel, strides, pads, output_shape):
    n, c, h, w = x.shape
    if output_shape is None:
        output_shape = (n, c, (h - 1) * strides[0] + kernel[0] - pads[0] - pads[2],
                        (w - 1) * strides[1] + kernel[1] - pads[1] - pads[3])
    y = np.zeros(int(np.prod(output_shape)))
    y[indices.reshape(-1)] = x.reshape(-1)
    return y.reshape(tuple(int(v) for v in output_shape))


def np_resize_linear(x, out_hw, mode):
    """ONNX Resize, mode linear, 2-D (scales on H and W only), coordinate_transformation_mode
    half_pixel / pytorch_half_pixel / align_corners / asymmetric, separable per axis."""
    y = x
    for axis, out in ((2, out_hw[0]), (3, out_hw[1])):
        size = y.shape[axis]
        o = np.arange(out, dtype=np.float64)
        scale = out / size
        if mode == 'align_corners':
            src = o * (size - 1) / (out - 1) if out > 1 else np.zeros_like(o)
        elif mode == 'asymmetric':
            src = o / scale
        elif mode == 'pytorch_half_pixel':
            src = (o + 0.5) / scale - 0.5 if out > 1 else np.zeros_like(o)
        elif mode == 'half_pixel':
            src = (o + 0.5) / scale - 0.5
        else:
            raise NotImplementedError(f'Resize coordinate_transformation_mode {mode}')
        src = np.clip(src, 0, size - 1)
        lo = np.floor(src).astype(np.int64)
        hi = np.minimum(lo + 1, size - 1)
        frac = src - lo
        shape = [1] * y.ndim
        shape[axis] = out
        frac = frac.reshape(shape)
        y = np.take(y, lo, axis=axis) * (1 - frac) + np.take(y, hi, axis=axis) * frac
    return y


def check_resize_reference():
    """The interpreter's Resize against the onnx package's own reference, on a small case."""
    from onnx.backend.test.case.node import resize as onnx_resize
    x = np.random.default_rng(7).normal(size=(1, 2, 5, 7))
    for mode in ('half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'):
        for out in ((11, 16), (3, 4), (1, 9)):
            ref = onnx_resize.interpolate_nd(x, onnx_resize.linear_coeffs, output_size=[1, 2, *out],
                                             coordinate_transformation_mode=mode)
            got = np_resize_linear(x, out, mode)
            assert np.allclose(got, ref, atol=1e-12), (mode, out, np.abs(got - ref).max())


def run_onnx_numpy(model, feeds):
    """Runs an ONNX graph in float64 (int64 stays int64), node by node in file order."""
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    values = {k: (v.astype(np.float64) if v.dtype == np.float32 else v) for k, v in values.items()}
    values.update({k: np.asarray(v, dtype=np.float64) for k, v in feeds.items()})
    values[''] = None
    opset = next(o.version for o in model.opset_import if o.domain in ('', 'ai.onnx'))

    def get(name):
        return values[name] if name else None

    binary = {'Add': np.add, 'Sub': np.subtract, 'Mul': np.multiply,
              'Div': lambda a, b: a // b if a.dtype.kind == 'i' else a / b}
    for node in model.graph.node:
        a = attrs_of(node)
        ins = [get(i) for i in node.input]
        op = node.op_type
        if op in ('Conv', 'ConvTranspose', 'MaxPool'):
            k = a.get('kernel_shape', None) or list(ins[1].shape[2:])
            pads = a.get('pads', [0, 0, 0, 0])
            strides = a.get('strides', [1, 1])
            dil = a.get('dilations', [1, 1])
            assert a.get('auto_pad', b'NOTSET') in (b'NOTSET', 'NOTSET'), node.name
        if op == 'Conv':
            out = [np_conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, strides, pads, dil, a.get('group', 1))]
        elif op == 'ConvTranspose':
            assert 'output_shape' not in a
            out = [np_conv_transpose(ins[0], ins[1], ins[2] if len(ins) > 2 else None, strides, pads, dil,
                                     a.get('group', 1), a.get('output_padding', [0, 0]))]
        elif op == 'MaxPool':
            assert a.get('storage_order', 0) == 0
            out = list(np_max_pool(ins[0], k, strides, pads, dil, a.get('ceil_mode', 0)))
        elif op == 'MaxUnpool':
            out = [np_max_unpool(ins[0], ins[1], a['kernel_shape'], a.get('strides', [1, 1]), a.get('pads', [0, 0, 0, 0]),
                                 ins[2] if len(ins) > 2 else None)]
        elif op == 'BatchNormalization':
            x, scale, bias, mean, var = ins
            sh = (1, -1, 1, 1)
            out = [(x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + np.float64(np.float32(a.get('epsilon', 1e-5))))
                   * scale.reshape(sh) + bias.reshape(sh)]
        elif op == 'Relu':
            out = [np.maximum(ins[0], 0)]
        elif op == 'Sigmoid':
            out = [1 / (1 + np.exp(-ins[0]))]
        elif op == 'HardSigmoid':
            alpha = np.float64(np.float32(a.get('alpha', 0.2)))
            beta = np.float64(np.float32(a.get('beta', 0.5)))
            out = [np.clip(alpha * ins[0] + beta, 0, 1)]
        elif op == 'HardSwish':
            out = [ins[0] * np.clip(ins[0] / 6 + 0.5, 0, 1)]
        elif op == 'GlobalAveragePool':
            out = [ins[0].mean(axis=(2, 3), keepdims=True)]
        elif op in binary:
            out = [binary[op](ins[0], ins[1])]
        elif op == 'Concat':
            out = [np.concatenate(ins, axis=a['axis'])]
        elif op in ('Identity', 'Dropout'):
            out = [ins[0]]
        elif op == 'Constant':
            v = numpy_helper.to_array(a['value'])
            out = [v.astype(np.float64) if v.dtype == np.float32 else v]
        elif op == 'Shape':
            r = len(ins[0].shape)
            start, end = a.get('start', 0), a.get('end', r)
            out = [np.array(ins[0].shape, dtype=np.int64)[start:end]]
        elif op == 'Gather':
            out = [np.take(ins[0], ins[1], axis=a.get('axis', 0))]
        elif op == 'Unsqueeze':
            axes = a['axes'] if opset < 13 else ins[1]
            out = [np.expand_dims(ins[0], tuple(int(v) for v in axes))]
        elif op == 'Cast':
            to = a['to']
            out = [ins[0].astype(np.int64 if to == TensorProto.INT64 else np.float64)]
        elif op == 'Slice':
            data = ins[0]
            starts, ends = ins[1], ins[2]
            axes = ins[3] if len(ins) > 3 and ins[3] is not None else np.arange(len(starts))
            steps = ins[4] if len(ins) > 4 and ins[4] is not None else np.ones(len(starts), dtype=np.int64)
            sl = [slice(None)] * data.ndim
            for s, e, ax, st in zip(starts, ends, axes, steps):
                dim = data.shape[int(ax)]
                s = int(max(min(s + dim if s < 0 else s, dim), 0))
                e = int(max(min(e + dim if e < 0 else e, dim), 0))
                sl[int(ax)] = slice(s, e, int(st))
            out = [data[tuple(sl)]]
        elif op == 'Resize':
            assert a.get('mode', b'nearest') in (b'linear', 'linear'), node.name
            ctm = a.get('coordinate_transformation_mode', b'half_pixel')
            ctm = ctm.decode() if isinstance(ctm, bytes) else ctm
            x = ins[0]
            sizes = ins[3] if len(ins) > 3 and ins[3] is not None else None
            if sizes is None:
                scales = ins[2]
                sizes = [int(math.floor(d * s)) for d, s in zip(x.shape, scales)]
            sizes = [int(v) for v in sizes]
            assert sizes[:2] == list(x.shape[:2]), node.name
            out = [np_resize_linear(x, sizes[2:], ctm)]
        else:
            raise NotImplementedError(f'NumPy interpreter: op {op} ({node.name})')
        for name, v in zip(node.output, out):
            if name:
                values[name] = v
    return [values[o.name] for o in model.graph.output]


# ---------------------------------------------------------------------------------------------
# Export, checks, writing
# ---------------------------------------------------------------------------------------------

def nice_ceil(v):
    """The smallest of 1, 2, 5 x 10^k that is >= v."""
    if v <= 0:
        return 0.0
    e = math.floor(math.log10(v))
    for m in (1, 2, 5, 10):
        if m * 10.0 ** e >= v * (1 - 1e-12):
            return float(f'{m * 10.0 ** e:.0e}')
    raise AssertionError


def torch_export(module, x, opset, fold, keep_bn=False):
    f = io.BytesIO()
    torch.onnx.export(
        module, torch.from_numpy(x), f, opset_version=opset, input_names=['input'], output_names=['output'],
        do_constant_folding=fold,
        training=torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL)
    return onnx.load_from_string(f.getvalue())


def op_counts(model):
    return dict(sorted(collections.Counter(n.op_type for n in model.graph.node).items()))


def io_info(model):
    def one(v):
        dims = [d.dim_value if d.HasField('dim_value') else d.dim_param for d in v.type.tensor_type.shape.dim]
        dtype = {TensorProto.FLOAT: 'float32', TensorProto.INT64: 'int64'}[v.type.tensor_type.elem_type]
        return {'name': v.name, 'shape': dims, 'dtype': dtype}
    inits = {t.name for t in model.graph.initializer}
    return [one(v) for v in model.graph.input if v.name not in inits], [one(v) for v in model.graph.output]


def float64_output(module, x):
    m64 = module.double()
    try:
        with torch.no_grad():
            return m64(torch.from_numpy(x).double()).numpy()
    finally:
        module.float()


def write_fixture(out_dir, name, description, onnx_model, x, expected, expected64, export, extra=None):
    """Checks the graph (checker, NumPy interpreter) and writes the four files."""
    assert np.all(np.isfinite(expected)) and np.all(np.isfinite(expected64)), name
    onnx.checker.check_model(onnx_model, full_check=True)
    (ref,) = run_onnx_numpy(onnx_model, {'input': x})
    f64_diff = float(np.abs(expected.astype(np.float64) - expected64).max())
    atol = max(nice_ceil(4 * f64_diff), 1e-6)
    ref_diff = float(np.abs(ref - expected64).max())
    ref_vs_expected = float(np.abs(ref - expected).max())
    if ref.shape != expected.shape or ref_vs_expected > atol:
        raise AssertionError(f'{name}: NumPy ONNX interpreter differs from PyTorch by {ref_vs_expected} (atol {atol})')
    inputs, outputs = io_info(onnx_model)
    assert [i['name'] for i in inputs] == ['input'] and [o['name'] for o in outputs] == ['output'], name
    assert inputs[0]['shape'] == list(x.shape) and outputs[0]['shape'] == list(expected.shape), name

    os.makedirs(out_dir, exist_ok=True)
    model_bytes = onnx_model.SerializeToString()
    with open(os.path.join(out_dir, f'{name}.onnx'), 'wb') as f:
        f.write(model_bytes)
    np.save(os.path.join(out_dir, f'{name}.input.npy'), x.astype(np.float32))
    np.save(os.path.join(out_dir, f'{name}.expected.npy'), expected.astype(np.float32))
    opset = next(o.version for o in onnx_model.opset_import if o.domain in ('', 'ai.onnx'))
    manifest = {
        'name': name,
        'description': description,
        'generator': GENERATOR,
        'torch': torch.__version__, 'torchvision': torchvision.__version__, 'onnx': onnx.__version__,
        'opset': opset,
        'files': {'model': f'{name}.onnx', 'input': f'{name}.input.npy', 'expected': f'{name}.expected.npy'},
        'input': inputs[0],
        'output': outputs[0],
        'export': export,
        'ops': op_counts(onnx_model),
        'nodes': len(onnx_model.graph.node),
        'initializers': len(onnx_model.graph.initializer),
        'parameters': int(sum(np.prod(t.dims) for t in onnx_model.graph.initializer)),
        'model_bytes': len(model_bytes),
        'output_stats': {'abs_max': float(np.abs(expected).max()), 'std': float(expected.std()),
                         'mean': float(expected.mean())},
        'checks': {
            'onnx_checker': 'check_model(full_check=True) passed',
            'float32_vs_float64_max_abs': f64_diff,
            'numpy_onnx_interpreter_vs_float64_max_abs': ref_diff,
            'numpy_onnx_interpreter_vs_expected_max_abs': ref_vs_expected,
        },
        'tolerance': {'atol': atol, 'rtol': 0.0,
                      'why': '4x the measured max |PyTorch float32 - PyTorch float64| over the output, '
                             'rounded up to 1-2-5 steps (floor 1e-6)'},
    }
    if extra:
        manifest.update(extra)
    with open(os.path.join(out_dir, f'{name}.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    print(f'{name}: {len(model_bytes)} bytes, {len(onnx_model.graph.node)} nodes {op_counts(onnx_model)}; '
          f'out {list(expected.shape)} |y|max {np.abs(expected).max():.3g}; f32-f64 {f64_diff:.2e}, '
          f'numpy-ref {ref_vs_expected:.2e}, atol {atol:g}', flush=True)


def run(module, x):
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


def make_unet(out_dir):
    torch.manual_seed(0)
    model = UNet(in_channels=3, classes=3, base=8, levels=4)
    init_convs(model, seed=1)
    with torch.no_grad():  # ConvTranspose: the same He-normal rule (fan_in = in channels x k x k)
        for m in model.modules():
            if isinstance(m, nn.ConvTranspose2d):
                g = torch.Generator().manual_seed(2 + m.in_channels)
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * math.sqrt(2.0 / (m.in_channels * 4)))
                m.bias.copy_(torch.rand(m.bias.shape, generator=g) * 0.2 - 0.1)
    calibrate_batch_norm(model, [image_like((4, 3, 64, 64), seed=100 + i) for i in range(2)], seed=3)
    x = image_like((1, 3, 64, 64), seed=10)
    y = run(model, x)
    y64 = float64_output(model, x)
    desc = ('U-Net (Ronneberger et al.), 4 levels (3 MaxPool 2x2), base width 8 (8-16-32-64), 3 classes; '
            '(Conv3x3 pad 1 + BatchNorm + ReLU) x 2 per block, ConvTranspose 2x2 stride 2 upsampling, '
            'Concat(skip, upsampled) on channels, final Conv 1x1. BatchNorm in eval mode with random affine '
            'parameters and calibrated running statistics.')
    variants = [
        ('unet', 17, True, False, 'torch default export: BatchNorm folded into the preceding Conv by torch, '
                                  'constants folded.'),
        ('unet_unfolded', 17, False, True, 'BatchNormalization nodes kept (training=PRESERVE on an eval-mode '
                                           'model) and do_constant_folding=False, for the engine\'s BN folding.'),
        ('unet_opset11', 11, True, False, 'torch default export at opset 11.'),
    ]
    for name, opset, fold, keep_bn, note in variants:
        om = torch_export(model, x, opset, fold, keep_bn)
        if keep_bn:
            assert any(n.op_type == 'BatchNormalization' for n in om.graph.node)
        write_fixture(out_dir, name, f'{desc} {note}', om, x, y, y64,
                      {'tool': 'torch.onnx.export', 'opset': opset, 'do_constant_folding': fold,
                       'training': 'PRESERVE' if keep_bn else 'EVAL'},
                      {'seeds': {'torch': 0, 'conv_init': 1, 'bn': 3, 'input': 10}})


def make_fcns(out_dir):
    x = image_like((1, 3, 64, 64), seed=20)
    for variant in ('8s', '16s', '32s'):
        torch.manual_seed(0)
        model = FCN(variant, classes=5)
        init_convs(model, seed=4)  # same backbone weights for all three (same creation order)
        model.init_upsampling()
        model.eval()
        y = run(model, x)
        y64 = float64_output(model, x)
        crops = ', '.join(str(c) for c in FCN.CROPS[variant])
        desc = (f'FCN-{variant} (Long et al.), tiny VGG-16 layout: 5 stages of (Conv3x3 + ReLU) x (2, 2, 3, 3, 3) '
                f'with widths 4, 8, 16, 16, 16, each followed by MaxPool 2x2 stride 2 ceil_mode; conv1_1 has '
                f'padding 100; fc6 Conv7x7 (no padding, 32 channels) + ReLU + Dropout, fc7 Conv1x1 + ReLU + '
                f'Dropout (Dropout vanishes in the eval-mode export); 1x1 score layers to 5 classes; bias-free '
                f'ConvTranspose upsampling initialised to bilinear kernels; crops (Slice) at offsets {crops}, '
                f'the last one to the input size: torch exports each crop as two Slice nodes (one per axis) with '
                f'Constant starts/ends/axes/steps. Layers with equal weights share one initializer through an '
                f'Identity node (fcn8s: upscore_pool4.weight = Identity(upscore2.weight)).')
        om = torch_export(model, x, 17, True)
        write_fixture(out_dir, f'fcn{variant}', desc, om, x, y, y64,
                      {'tool': 'torch.onnx.export', 'opset': 17, 'do_constant_folding': True, 'training': 'EVAL'},
                      {'seeds': {'torch': 0, 'conv_init': 4, 'input': 20}})


def min_pool_gap(model, x):
    """Smallest gap between the largest and second-largest value of any 2x2 pool window whose
    maximum is positive (ReLU zeros tie harmlessly: an all-zero window unpools a zero), and the
    largest float32-vs-float64 difference of the pooled activations."""
    rec, rec64 = [], []
    with torch.no_grad():
        model(torch.from_numpy(x), record=rec)
        model.double()
        model(torch.from_numpy(x).double(), record=rec64)
        model.float()
    rounding = max(float((a.double() - b).abs().max()) for a, b in zip(rec, rec64))
    gap = math.inf
    for t in rec:
        n, c, h, w = t.shape
        win = t[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 2, 4, 3, 5)
        top = win.reshape(n, c, h // 2, w // 2, 4).double().sort(dim=-1, descending=True).values
        pos = top[..., 0] > 0
        if pos.any():
            gap = min(gap, float((top[..., 0] - top[..., 1])[pos].min()))
    return gap, rounding


def make_segnets(out_dir):
    torch.manual_seed(0)
    model = SegNet(in_channels=3, classes=4, base=8, depth=3, convs=2)
    init_convs(model, seed=5)
    noise = [np.random.default_rng(200 + i).standard_normal((4, 3, 48, 64)).astype(np.float32) for i in range(2)]
    calibrate_batch_norm(model, noise, seed=6)  # on noise, like its inputs
    desc = ('SegNet (Badrinarayanan et al.), depth 3, widths 8-16-32, 4 classes: encoder stages of (Conv3x3 pad 1 '
            '+ BatchNormalization + Relu) x 2, each followed by MaxPool 2x2 stride 2 with its Indices output; '
            'decoder stages MaxUnpool 2x2 stride 2 with the matching indices, then (Conv3x3 + BatchNormalization '
            '+ Relu) x 2 (32-32-16, 16-16-8, 8-8-8); classifier Conv3x3 to 4 classes. Graph written with '
            'onnx.helper from the PyTorch weights (torch 1.13 cannot export max_unpool2d); expected output from '
            'the PyTorch model (F.max_pool2d return_indices / F.max_unpool2d with output_size).')
    for name, shape, seed0, note in (
            ('segnet', (1, 3, 48, 64), 30, 'No MaxUnpool needs output_shape.'),
            ('segnet_odd', (1, 3, 45, 61), 40, 'Odd input: pools floor 45x61 -> 22x30 -> 11x15 -> 5x7; the '
                                               'MaxUnpool nodes back to 11x15 and 45x61 take an output_shape input.')):
        for seed in range(seed0, seed0 + 50):
            x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
            gap, rounding = min_pool_gap(model, x)
            if gap >= SEGNET_MIN_POOL_GAP and gap >= SEGNET_GAP_OVER_ROUNDING * rounding:
                break
        else:
            raise AssertionError(f'{name}: no input seed gives pool gaps >= {SEGNET_MIN_POOL_GAP}')
        y = run(model, x)
        y64 = float64_output(model, x)
        om = segnet_onnx(model, shape)
        write_fixture(out_dir, name, f'{desc} {note}', om, x, y, y64,
                      {'tool': 'onnx.helper (scripts/make_model_fixtures.py segnet_onnx)', 'opset': 17},
                      {'seeds': {'torch': 0, 'conv_init': 5, 'bn': 6, 'input': seed},
                       'input_kind': 'standard normal noise (numpy default_rng(seed).standard_normal)',
                       'min_pool_top2_gap': gap, 'pooled_activations_float32_vs_float64_max_abs': rounding})


TORCHVISION_MODELS = ('fcn_resnet50', 'deeplabv3_mobilenet_v3_large', 'lraspp_mobilenet_v3_large')


def make_torchvision(out_dir, size):
    from torchvision.models import segmentation
    for i, name in enumerate(TORCHVISION_MODELS):
        torch.manual_seed(50 + i)
        kwargs = {'weights': None, 'weights_backbone': None}
        if name != 'lraspp_mobilenet_v3_large':  # LR-ASPP has no auxiliary head
            kwargs['aux_loss'] = False
        model = getattr(segmentation, name)(**kwargs)
        calibrate_batch_norm(model, [image_like((2, 3, size, size), seed=300 + i)], seed=60 + i)
        head = OutHead(model).eval()
        x = image_like((1, 3, size, size), seed=70 + i)
        y = run(head, x)
        y64 = float64_output(head, x)
        om = torch_export(head, x, 17, True)
        desc = (f'torchvision {torchvision.__version__} segmentation.{name}({", ".join(f"{k}={v}" for k, v in kwargs.items())}), '
                f'random init (torch seed {50 + i}), BatchNorm running statistics calibrated on two image-like inputs, '
                f"eval mode, the 'out' head; default torch export (BatchNorm folded into Conv by torch), Shape/Slice/"
                f'Concat/Resize size arithmetic kept as exported.')
        write_fixture(out_dir, name, desc, om, x, y, y64,
                      {'tool': 'torch.onnx.export', 'opset': 17, 'do_constant_folding': True, 'training': 'EVAL'},
                      {'seeds': {'torch': 50 + i, 'bn': 60 + i, 'input': 70 + i}})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--torchvision', action='store_true',
                        help='write only the torchvision models to test/fixtures/large/ (git-ignored)')
    parser.add_argument('--size', type=int, default=224, help='torchvision input height and width (default 224)')
    args = parser.parse_args()
    check_resize_reference()
    if args.torchvision:
        make_torchvision(LARGE_DIR, args.size)
    else:
        make_unet(SMALL_DIR)
        make_fcns(SMALL_DIR)
        make_segnets(SMALL_DIR)
    return 0


if __name__ == '__main__':
    sys.exit(main())
