#!/usr/bin/python3
"""
Mask R-CNN fixtures for segwgpu (issue 15): torchvision's Mask R-CNN with seeded random weights,
exported to ONNX at opset 11, with an input image and PyTorch's outputs to compare against.

Run with Debian's interpreter, which has torch 1.13, torchvision 0.14 and onnx:

    /usr/bin/python3 scripts/make_maskrcnn_fixtures.py            # test/fixtures/maskrcnn/ (committed)
    /usr/bin/python3 scripts/make_maskrcnn_fixtures.py --resnet50  # also test/fixtures/large/ (git-ignored)

Nothing is downloaded (weights=None, weights_backbone=None); weights come from a fixed seed and
PyTorch runs on one CPU thread, so a rerun with the same torch reproduces the files.

Files (for <name> = maskrcnn_small, and maskrcnn_resnet50 under test/fixtures/large/):

    <name>.onnx                 float32 model, opset 11; graph input `image` ([3, H, W], values in
                                [0, 1]), outputs `boxes` [n, 4], `labels` [n] (int64), `scores` [n],
                                `masks` [n, 1, H, W] (n data-dependent, at most box_detections_per_img)
    <name>.input.npy            the float32 image
    <name>.<output>.npy         PyTorch's outputs in eval mode on that image
    <name>.json                 manifest: names, shapes, opset, versions, settings, and the op-type
                                histogram of the graph, counting nodes inside If/Loop bodies too
    maskrcnn_small.photo.png    a photo (assets/astronaut.png, resized to the model's 128x96), and
    maskrcnn_small.photo.<output>.npy  PyTorch's outputs on it (pixels / 255, as segwgpu's Segmenter
                                feeds a detection model): the oracle of the Segmenter's instances
    detection_ops.json          single-op cases (TopK, NonMaxSuppression, ScatterElements, NonZero)
                                with torch's / numpy's results, for test/detection-ops.test.ts

The committed model is a MaskRCNN with resnet18's first two stages under a 32-channel FPN and
small box and mask heads (small_maskrcnn below): the same graph structure as resnet50's, a few MB; --resnet50 also writes torchvision's maskrcnn_resnet50_fpn. box_score_thresh is 0
and box_detections_per_img small, so random weights still give detections.
"""
import argparse
import collections
import json
import os
import sys

import numpy as np
import onnx
import torch
import torchvision
from torchvision.models.detection import MaskRCNN, maskrcnn_resnet50_fpn
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.models.detection.rpn import RPNHead
from torchvision.ops import MultiScaleRoIAlign

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPSET = 11
SIZE = 128          # min_size = max_size: the transform resizes the image to SIZE on its long side
IMAGE_HW = (96, 128)
NUM_CLASSES = 3
FPN = 32            # the small model's FPN channels
DETECTIONS = 5
SETTINGS = dict(min_size=SIZE, max_size=SIZE, box_score_thresh=0.0, box_detections_per_img=DETECTIONS,
                rpn_pre_nms_top_n_test=50, rpn_post_nms_top_n_test=20)


def image(seed):
    g = torch.Generator().manual_seed(seed)
    h, w = IMAGE_HW
    y = torch.linspace(0, 1, h)[:, None].expand(h, w)
    x = torch.linspace(0, 1, w)[None, :].expand(h, w)
    img = torch.stack([0.3 + 0.4 * x, 0.2 + 0.5 * y, 0.5 * (x + y) / 2 + 0.2])
    img[:, 20:60, 30:80] = torch.tensor([0.9, 0.1, 0.2])[:, None, None]
    img[:, 50:90, 70:120] = torch.tensor([0.1, 0.8, 0.3])[:, None, None]
    return (img + 0.02 * torch.randn(img.shape, generator=g)).clamp(0, 1)


def histogram(graph, counts=None):
    counts = collections.Counter() if counts is None else counts
    for node in graph.node:
        counts[node.op_type] += 1
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                histogram(attr.g, counts)
            for g in attr.graphs:
                histogram(g, counts)
    return counts


def small_maskrcnn():
    # resnet18 up to layer2 (IntermediateLayerGetter drops the rest), a 32-channel FPN over layer1
    # and layer2 (plus its max-pooled level), and heads sized to match: a few MB instead of
    # resnet50's 170 (or 124 for resnet18 with the default 256-channel FPN and 1024-wide box head).
    body = torchvision.models.resnet18(weights=None)
    backbone = BackboneWithFPN(body, return_layers={'layer1': '0', 'layer2': '1'}, in_channels_list=[64, 128], out_channels=FPN)
    anchors = AnchorGenerator(sizes=((16,), (32,), (64,)), aspect_ratios=((0.5, 1.0, 2.0),) * 3)
    return MaskRCNN(
        backbone, num_classes=None,
        rpn_anchor_generator=anchors, rpn_head=RPNHead(FPN, 3),
        box_roi_pool=MultiScaleRoIAlign(['0', '1'], 7, 2), box_head=TwoMLPHead(FPN * 49, 64),
        box_predictor=FastRCNNPredictor(64, NUM_CLASSES),
        mask_roi_pool=MultiScaleRoIAlign(['0', '1'], 14, 2), mask_head=MaskRCNNHeads(FPN, (FPN, FPN), 1),
        mask_predictor=MaskRCNNPredictor(FPN, FPN, NUM_CLASSES),
        **SETTINGS)


def build(name):
    torch.manual_seed(0)
    if name == 'maskrcnn_small':
        model = small_maskrcnn()
    else:
        model = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=NUM_CLASSES, **SETTINGS)
    # Random BatchNorm statistics (FrozenBatchNorm2d buffers) so the backbone is not an identity scale.
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torchvision.ops.FrozenBatchNorm2d):
            c = m.weight.shape[0]
            m.weight.copy_(0.5 + torch.rand(c, generator=g))
            m.bias.copy_(0.1 * torch.randn(c, generator=g))
            m.running_mean.copy_(0.1 * torch.randn(c, generator=g))
            m.running_var.copy_(0.5 + torch.rand(c, generator=g))
    return model.eval()


def make(name, out_dir):
    torch.set_num_threads(1)
    model = build(name)
    img = image(2)
    with torch.no_grad():
        (result,) = model([img])
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f'{name}.onnx')
    torch.onnx.export(model, ([img],), path, opset_version=OPSET, input_names=['image'],
                      output_names=['boxes', 'labels', 'scores', 'masks'], do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    hist = histogram(m.graph)
    np.save(os.path.join(out_dir, f'{name}.input.npy'), img.numpy().astype(np.float32))
    outputs = {}
    for key in ['boxes', 'labels', 'scores', 'masks']:
        v = result[key].numpy()
        np.save(os.path.join(out_dir, f'{name}.{key}.npy'), v)
        outputs[key] = {'dtype': str(v.dtype), 'shape': list(v.shape)}
    manifest = {
        'model': name,
        'builder': 'MaskRCNN(resnet18 layer1-2 + 32-channel FPN, small heads)' if name == 'maskrcnn_small' else 'maskrcnn_resnet50_fpn',
        'opset': OPSET,
        'torch': torch.__version__, 'torchvision': torchvision.__version__, 'onnx': onnx.__version__,
        'num_classes': NUM_CLASSES, 'settings': SETTINGS,
        'input': {'name': 'image', 'dtype': 'float32', 'shape': [3, *IMAGE_HW], 'file': f'{name}.input.npy'},
        'outputs': outputs,
        'bytes': os.path.getsize(path),
        'nodes_top_level': len(m.graph.node),
        'nodes_total': sum(hist.values()),
        'op_types': dict(sorted(hist.items())),
        'scores': result['scores'].tolist(),
        'labels': result['labels'].tolist(),
    }
    with open(os.path.join(out_dir, f'{name}.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    print(f'{name}: {os.path.getsize(path) / 1e6:.1f} MB, {len(m.graph.node)} top-level nodes, {sum(hist.values())} in all')
    for op, n in sorted(hist.items()):
        print(f'  {op:24s} {n}')
    print('  detections:', {k: outputs[k]['shape'] for k in outputs})


def photo(name, out_dir):
    """The photo fixture: the committed model (checked to be the one the files hold) on a real photo."""
    from PIL import Image
    torch.set_num_threads(1)
    model = build(name)
    with torch.no_grad():
        (again,) = model([image(2)])
    kept = np.load(os.path.join(out_dir, f'{name}.boxes.npy'))
    assert again['boxes'].shape == kept.shape and np.allclose(again['boxes'].numpy(), kept, atol=1e-4), 'the model built is not the committed one'
    h, w = IMAGE_HW
    picture = Image.open(os.path.join(ROOT, 'assets', 'astronaut.png')).convert('RGB').resize((w, h), Image.BILINEAR)
    picture.save(os.path.join(out_dir, f'{name}.photo.png'))
    pixels = np.asarray(Image.open(os.path.join(out_dir, f'{name}.photo.png')).convert('RGB'))
    img = torch.from_numpy(pixels.copy()).permute(2, 0, 1).float() / 255
    with torch.no_grad():
        (result,) = model([img])
    for key in ['boxes', 'labels', 'scores', 'masks']:
        np.save(os.path.join(out_dir, f'{name}.photo.{key}.npy'), result[key].numpy())
    print(f'{name}.photo: {len(result["scores"])} detections, scores {result["scores"].tolist()}')


def op_cases(path):
    """Single-op cases for test/detection-ops.test.ts, their expected values from torch / numpy."""
    g = torch.Generator().manual_seed(5)
    cases = {}
    # TopK: torch.topk on distinct values (ties are hand-worked in the test).
    x = torch.randn(3, 7, 4, generator=g)
    topk = []
    for axis, k, largest in [(1, 3, True), (-1, 2, False), (0, 3, True)]:
        v, i = torch.topk(x, k, dim=axis, largest=largest, sorted=True)
        topk.append({'axis': axis, 'k': k, 'largest': int(largest), 'values': v.flatten().tolist(), 'indices': i.flatten().tolist(), 'shape': list(v.shape)})
    cases['topk'] = {'x': x.flatten().tolist(), 'shape': list(x.shape), 'cases': topk}
    # NonMaxSuppression: per batch and class, torchvision.ops.nms on the boxes scoring above the
    # threshold, truncated to max_output_boxes_per_class (ONNX's order: batch, class, selection).
    B, C, N = 2, 3, 12
    xy = torch.rand(B, N, 2, generator=g) * 40
    wh = 4 + torch.rand(B, N, 2, generator=g) * 20
    boxes = torch.cat([xy, xy + wh], dim=2)            # [x1, y1, x2, y2]
    scores = torch.rand(B, C, N, generator=g)
    nms = []
    for max_out, iou, score in [(100, 0.3, None), (2, 0.5, 0.4), (5, 0.0, 0.2)]:
        sel = []
        for b in range(B):
            for c in range(C):
                s = scores[b, c]
                keep_idx = torch.arange(N) if score is None else torch.nonzero(s > score).flatten()
                kept = torchvision.ops.nms(boxes[b, keep_idx], s[keep_idx], iou)
                for i in keep_idx[kept][:max_out].tolist():
                    sel.append([b, c, i])
        nms.append({'max_output_boxes_per_class': max_out, 'iou_threshold': iou, 'score_threshold': score, 'selected': sel})
    # ONNX's corner form is [y1, x1, y2, x2]: IoU does not change when x and y swap roles.
    cases['nms'] = {'boxes': boxes[:, :, [1, 0, 3, 2]].flatten().tolist(), 'boxes_shape': [B, N, 4],
                    'scores': scores.flatten().tolist(), 'scores_shape': [B, C, N], 'cases': nms}
    # ScatterElements: torch.scatter (distinct indices per line) and torch.scatter_add.
    data = torch.randn(4, 5, generator=g)
    index = torch.stack([torch.randperm(4, generator=g)[:3] for _ in range(5)], dim=1)   # [3, 5], axis 0
    updates = torch.randn(3, 5, generator=g)
    dup = torch.randint(0, 5, (4, 6), generator=g)                                       # axis 1, repeats
    upd2 = torch.randn(4, 6, generator=g)
    cases['scatter'] = {
        'data': data.flatten().tolist(), 'data_shape': [4, 5],
        'index0': index.flatten().tolist(), 'updates0': updates.flatten().tolist(), 'shape0': [3, 5],
        'scatter0': torch.scatter(data, 0, index, updates).flatten().tolist(),
        'index1': dup.flatten().tolist(), 'updates1': upd2.flatten().tolist(), 'shape1': [4, 6],
        'add1': torch.scatter_add(data, 1, dup, upd2).flatten().tolist(),
    }
    # NonZero: numpy.nonzero of a mask with NaN and zeros.
    m = np.array([[0, 1.5, 0], [np.nan, 0, -2], [0, 0, 0], [3, 0, 0]], dtype=np.float32)
    cases['nonzero'] = {'x': [None if np.isnan(v) else float(v) for v in m.flatten()], 'shape': list(m.shape),
                        'indices': np.stack(np.nonzero(m)).tolist()}
    with open(path, 'w') as f:
        json.dump(cases, f)
        f.write('\n')


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--resnet50', action='store_true')
    ap.add_argument('--ops-only', action='store_true', help='only the single-op cases (detection_ops.json)')
    ap.add_argument('--photo-only', action='store_true', help='only the photo fixture (maskrcnn_small.photo.*), from the committed model')
    args = ap.parse_args()
    if args.photo_only:
        photo('maskrcnn_small', os.path.join(ROOT, 'test', 'fixtures', 'maskrcnn'))
        sys.exit(0)
    op_cases(os.path.join(ROOT, 'test', 'fixtures', 'maskrcnn', 'detection_ops.json'))
    if args.ops_only:
        sys.exit(0)
    make('maskrcnn_small', os.path.join(ROOT, 'test', 'fixtures', 'maskrcnn'))
    photo('maskrcnn_small', os.path.join(ROOT, 'test', 'fixtures', 'maskrcnn'))
    if args.resnet50:
        make('maskrcnn_resnet50', os.path.join(ROOT, 'test', 'fixtures', 'large'))
