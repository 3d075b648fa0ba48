#!/usr/bin/python3
"""
Label-map fixtures for `segwgpu eval`: test/fixtures/eval/{pred,truth}/*.png and expected.json.

Run with Debian's interpreter (numpy only; the PNGs are written by hand, with zlib):

    /usr/bin/python3 scripts/make_eval_fixtures.py

CI never runs this script; what it writes is committed (a few KB). Output is deterministic (a
fixed seed), so rerunning it reproduces the files byte for byte.

The label maps
--------------
CLASSES = 10 classes, IGNORE = 255 in the truth. Three pairs, matched by file name, each in a
different PNG form, since a label is the pixel's gray value or palette index (never its colour):

  a.png  truth: 8-bit palette (256 entries, a VOC-like colour map), with ignored pixels;
         pred:  8-bit grayscale.
  b.png  truth: 8-bit grayscale, with ignored pixels;
         pred:  4-bit palette (16 entries, indices packed two to a byte, as PIL writes a
                palette of at most 16 colours).
  c.png  truth and pred: 8-bit palette, a small odd size (9x5), no ignored pixels.

Class 6 appears nowhere (IoU 0/0: NaN in numpy, null in the JSON; mIoU skips it), class 8 only in
the predictions (IoU 0) and class 9 only in the truth (IoU 0). With 10 classes, np.nanmean sums
the IoUs in numpy's pairwise order (8 running sums), which the TS metrics follow.

expected.json
-------------
numpy's figures over all pixels of all three pairs, ignored truth pixels left out:

    keep = truth != IGNORE
    confusion = np.bincount(CLASSES * truth[keep] + pred[keep], minlength=CLASSES**2).reshape(CLASSES, CLASSES)
    iou = np.diag(confusion) / (confusion.sum(0) + confusion.sum(1) - np.diag(confusion))
    miou = np.nanmean(iou); pixelAccuracy = np.diag(confusion).sum() / confusion.sum()

as {"classes", "ignore", "iou" (null for NaN), "miou", "pixelAccuracy", "confusion"}, and the same
per file under "files".
"""
import json
import os
import struct
import zlib

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'eval')
CLASSES = 10
IGNORE = 255
ABSENT = 6          # in neither truth nor prediction
PREDICTED_ONLY = 8  # predicted, never true
TRUTH_ONLY = 9      # true, never predicted


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(labels: np.ndarray, *, palette_entries: int = 0, depth: int = 8) -> bytes:
    """An 8-bit grayscale PNG (palette_entries 0) or a palette PNG of `depth` bits per index."""
    height, width = labels.shape
    assert labels.min() >= 0 and labels.max() < (1 << depth)
    color_type = 3 if palette_entries else 0
    rows = []
    for row in labels.astype(np.uint8):
        if depth == 8:
            packed = row.tobytes()
        else:
            per_byte = 8 // depth
            padded = np.concatenate([row, np.zeros((-len(row)) % per_byte, np.uint8)])
            groups = padded.reshape(-1, per_byte)
            packed = bytes(int(sum(int(v) << (8 - depth * (k + 1)) for k, v in enumerate(g))) for g in groups)
        rows.append(b'\x00' + packed)  # filter type 0 (none)
    out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, depth, color_type, 0, 0, 0))
    if palette_entries:
        # A VOC-like colour map: the colours are what viewers show; the index is the label.
        colours = bytearray()
        for i in range(palette_entries):
            r = g = b = 0
            c = i
            for j in range(8):
                r |= ((c >> 0) & 1) << (7 - j)
                g |= ((c >> 1) & 1) << (7 - j)
                b |= ((c >> 2) & 1) << (7 - j)
                c >>= 3
            colours += bytes([r, g, b])
        out += chunk(b'PLTE', bytes(colours))
    out += chunk(b'IDAT', zlib.compress(b''.join(rows), 9))
    return out + chunk(b'IEND', b'')


def label_pair(rng: np.random.Generator, height: int, width: int, ignore_share: float):
    """Blocky truth (as real label maps are), a prediction that mostly agrees, some pixels ignored."""
    classes = [c for c in range(CLASSES) if c not in (ABSENT, PREDICTED_ONLY)]
    blocks = rng.choice(classes, size=((height + 3) // 4, (width + 3) // 4))
    truth = np.kron(blocks, np.ones((4, 4), np.int64))[:height, :width]
    pred = truth.copy()
    wrong = rng.random((height, width)) < 0.3
    pred_classes = [c for c in range(CLASSES) if c not in (ABSENT, TRUTH_ONLY)]
    pred[wrong] = rng.choice(pred_classes, size=int(wrong.sum()))
    pred[pred == TRUTH_ONLY] = 0
    truth[rng.random((height, width)) < ignore_share] = IGNORE
    return truth, pred


def metrics(truth: np.ndarray, pred: np.ndarray) -> dict:
    keep = truth != IGNORE
    confusion = np.bincount(CLASSES * truth[keep] + pred[keep], minlength=CLASSES * CLASSES).reshape(CLASSES, CLASSES)
    with np.errstate(invalid='ignore', divide='ignore'):
        iou = np.diag(confusion) / (confusion.sum(0) + confusion.sum(1) - np.diag(confusion))
    miou = np.nanmean(iou)
    accuracy = np.diag(confusion).sum() / confusion.sum()
    return {
        'iou': [None if np.isnan(v) else float(v) for v in iou],
        'miou': float(miou),
        'pixelAccuracy': float(accuracy),
        'confusion': confusion.tolist(),
    }


def main() -> None:
    rng = np.random.default_rng(15)
    pairs = {
        'a': label_pair(rng, 24, 32, 0.08),
        'b': label_pair(rng, 15, 20, 0.1),
        'c': label_pair(rng, 5, 9, 0.0),
    }
    # b's prediction is a 4-bit palette: indices below 16 only (they are: classes < 10).
    forms = {
        'a': ({'palette_entries': 256}, {}),
        'b': ({}, {'palette_entries': 16, 'depth': 4}),
        'c': ({'palette_entries': 256}, {'palette_entries': 256}),
    }
    for side in ('truth', 'pred'):
        os.makedirs(os.path.join(ROOT, side), exist_ok=True)
    for name, (truth, pred) in pairs.items():
        truth_form, pred_form = forms[name]
        with open(os.path.join(ROOT, 'truth', f'{name}.png'), 'wb') as f:
            f.write(png(truth, **truth_form))
        with open(os.path.join(ROOT, 'pred', f'{name}.png'), 'wb') as f:
            f.write(png(pred, **pred_form))
    truth_all = np.concatenate([t.ravel() for t, _ in pairs.values()])
    pred_all = np.concatenate([p.ravel() for _, p in pairs.values()])
    expected = {
        'generator': 'scripts/make_eval_fixtures.py',
        'numpy': np.__version__,
        'classes': CLASSES,
        'ignore': IGNORE,
        **metrics(truth_all, pred_all),
        'files': {name: metrics(t, p) for name, (t, p) in pairs.items()},
    }
    assert expected['iou'][ABSENT] is None and expected['iou'][PREDICTED_ONLY] == 0 and expected['iou'][TRUTH_ONLY] == 0
    # One key a line, each value on its line in json.dumps' default spacing.
    with open(os.path.join(ROOT, 'expected.json'), 'w') as f:
        f.write('{\n' + ',\n'.join(f' {json.dumps(k)}: {json.dumps(v)}' for k, v in expected.items()) + '\n}\n')


if __name__ == '__main__':
    main()
