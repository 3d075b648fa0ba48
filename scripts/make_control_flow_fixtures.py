"""Control-flow fixtures (If, Loop) for test/control-flow.test.ts, in test/fixtures/control-flow/.

Run with /usr/bin/python3 (onnx 1.12, numpy, torch 1.13). Hand-built models use onnx.helper;
one is a torch.jit.script module (a data-dependent if inside a for loop) exported at opset 11.
onnx 1.12 has no onnx.reference, so expected values are computed here in numpy from the ONNX
semantics, or by torch for the exported module. cases.json lists each case: model, inputs and
expected outputs (.npy files; BOOL values are written as int32 0/1, as segwgpu holds them).
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'control-flow')
os.makedirs(OUT, exist_ok=True)
F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
cases = []


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def save_model(name, graph, opset=13):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, f'{name}.onnx'))


def npy(name, a):
    a = np.asarray(a).copy(order='C')
    if a.dtype == np.bool_:
        a = a.astype(np.int32)
    np.save(os.path.join(OUT, name), a)
    return name


def case(model, label, inputs, outputs):
    entry = {'model': f'{model}.onnx', 'label': label, 'inputs': {}, 'outputs': {}}
    for k, v in inputs.items():
        entry['inputs'][k] = npy(f'{model}.{label}.in.{k}.npy', v)
    for k, v in outputs.items():
        entry['outputs'][k] = npy(f'{model}.{label}.out.{k}.npy', v)
    cases.append(entry)


rng = np.random.default_rng(15)

# --- If on a runtime condition; both branches read outer values; then_branch has its own initializer.
then_g = helper.make_graph(
    [helper.make_node('Add', ['x', 'y'], ['t_sum']), helper.make_node('Mul', ['t_sum', 'k_then'], ['t_out'])],
    'then_g', [], [vi('t_out', F, [2, 3])], [numpy_helper.from_array(np.array([2.0], np.float32), 'k_then')])
else_g = helper.make_graph([helper.make_node('Sub', ['x', 'y'], ['e_out'])], 'else_g', [], [vi('e_out', F, [2, 3])])
g = helper.make_graph(
    [helper.make_node('If', ['c'], ['z'], name='branch', then_branch=then_g, else_branch=else_g)],
    'if_outer', [vi('c', B, []), vi('x', F, [2, 3]), vi('y', F, [2, 3])], [vi('z', F, [2, 3])])
save_model('if_outer', g)
x = rng.standard_normal((2, 3)).astype(np.float32)
y = rng.standard_normal((2, 3)).astype(np.float32)
case('if_outer', 'then', {'c': np.array(True), 'x': x, 'y': y}, {'z': (x + y) * 2})
case('if_outer', 'else', {'c': np.array(False), 'x': x, 'y': y}, {'z': x - y})

# --- If whose branches differ in shape (the output shape depends on the condition's value);
# else_branch has no nodes: its output is the outer value x itself.
then_g = helper.make_graph([helper.make_node('Transpose', ['x'], ['t_tr'], perm=[1, 0])], 'then_tr', [], [vi('t_tr', F, ['r', 'c'])])
else_g = helper.make_graph([], 'else_pass', [], [vi('x', F, ['r', 'c'])])
g = helper.make_graph(
    [helper.make_node('Greater', ['s', 'zero'], ['c']),
     helper.make_node('If', ['c'], ['z'], name='pick', then_branch=then_g, else_branch=else_g)],
    'if_shapes', [vi('s', F, []), vi('x', F, [2, 3])], [vi('z', F, ['r', 'c'])],
    [numpy_helper.from_array(np.array(0.0, np.float32), 'zero')])
save_model('if_shapes', g)
case('if_shapes', 'then', {'s': np.array(1.5, np.float32), 'x': x}, {'z': x.T})
case('if_shapes', 'else', {'s': np.array(-1.0, np.float32), 'x': x}, {'z': x})

# --- Loop with trip count and cond, a loop-carried value, a scan output, an outer read (w).
body = helper.make_graph(
    [helper.make_node('Add', ['a_in', 'w'], ['a_out']),
     helper.make_node('Cast', ['i'], ['i_f'], to=F),
     helper.make_node('Mul', ['a_out', 'i_f'], ['scan']),
     helper.make_node('Identity', ['c_in'], ['c_out'])],
    'scan_body', [vi('i', I64, []), vi('c_in', B, []), vi('a_in', F, [3])],
    [vi('c_out', B, []), vi('a_out', F, [3]), vi('scan', F, [3])])
g = helper.make_graph(
    [helper.make_node('Loop', ['M', 'c0', 'a0'], ['a_final', 'scans'], name='loop', body=body)],
    'loop_scan', [vi('M', I64, []), vi('c0', B, []), vi('a0', F, [3]), vi('w', F, [3])],
    [vi('a_final', F, [3]), vi('scans', F, ['trips', 3])])
save_model('loop_scan', g)
a0 = rng.standard_normal(3).astype(np.float32)
w = rng.standard_normal(3).astype(np.float32)


def loop_scan(m, c0):
    a, scans = a0.copy(), []
    for i in range(m if c0 else 0):
        a = (a + w).astype(np.float32)
        scans.append(a * np.float32(i))
    return a, (np.stack(scans) if scans else np.zeros((0, 3), np.float32))


for m, c0, label in [(4, True, 'four'), (0, True, 'zero_trips'), (3, False, 'cond_false')]:
    af, sc = loop_scan(m, c0)
    case('loop_scan', label, {'M': np.array(m, np.int64), 'c0': np.array(c0), 'a0': a0, 'w': w}, {'a_final': af, 'scans': sc})

# --- A while loop: no trip count, the body's cond ends it (x doubles until it reaches limit).
body = helper.make_graph(
    [helper.make_node('Mul', ['x_in', 'two'], ['x_out']),
     helper.make_node('Less', ['x_out', 'limit'], ['c_out'])],
    'while_body', [vi('i', I64, []), vi('c_in', B, []), vi('x_in', F, [])],
    [vi('c_out', B, []), vi('x_out', F, []), vi('x_out', F, [])],
    [numpy_helper.from_array(np.array(2.0, np.float32), 'two')])
# The scan output repeats x_out: a body output may name one value twice.
body.output[2].name = 'x_out'
g = helper.make_graph(
    [helper.make_node('Loop', ['', 'c0', 'x0'], ['x_final', 'xs'], name='while', body=body)],
    'loop_while', [vi('c0', B, []), vi('x0', F, []), vi('limit', F, [])], [vi('x_final', F, []), vi('xs', F, ['trips'])])
save_model('loop_while', g)
for x0, limit, c0, label in [(1.0, 20.0, True, 'five_trips'), (1.0, 1.0, True, 'one_trip'), (1.0, 20.0, False, 'no_trip')]:
    xv, xs, c = np.float32(x0), [], c0
    while c:
        xv = np.float32(xv * 2)
        xs.append(xv)
        c = xv < limit
    case('loop_while', label, {'c0': np.array(c0), 'x0': np.array(x0, np.float32), 'limit': np.array(limit, np.float32)},
         {'x_final': np.array(xv, np.float32), 'xs': np.array(xs, np.float32).reshape(len(xs))})

# --- If nested in a Loop body; its branches read u, a value of the outermost graph.
then_g = helper.make_graph([helper.make_node('Add', ['acc_in', 'u'], ['n_then'])], 'n_then_g', [], [vi('n_then', F, [2])])
else_g = helper.make_graph([helper.make_node('Sub', ['acc_in', 'u'], ['n_else'])], 'n_else_g', [], [vi('n_else', F, [2])])
body = helper.make_graph(
    [helper.make_node('Less', ['i', 'two_i'], ['early']),
     helper.make_node('If', ['early'], ['acc_out'], name='inner_if', then_branch=then_g, else_branch=else_g),
     helper.make_node('Constant', [], ['always'], value=helper.make_tensor('t', B, [], [True]))],
    'nested_body', [vi('i', I64, []), vi('c_in', B, []), vi('acc_in', F, [2])],
    [vi('always', B, []), vi('acc_out', F, [2]), vi('acc_out', F, [2])])
body.output[2].name = 'acc_out'
g = helper.make_graph(
    [helper.make_node('Loop', ['M', '', 'acc0'], ['acc_final', 'accs'], name='outer_loop', body=body)],
    'loop_nested_if', [vi('M', I64, []), vi('acc0', F, [2]), vi('u', F, [2])], [vi('acc_final', F, [2]), vi('accs', F, ['trips', 2])],
    [numpy_helper.from_array(np.array(2, np.int64), 'two_i')])
save_model('loop_nested_if', g)
acc0 = rng.standard_normal(2).astype(np.float32)
u = rng.standard_normal(2).astype(np.float32)
acc, accs = acc0.copy(), []
for i in range(5):
    acc = (acc + u if i < 2 else acc - u).astype(np.float32)
    accs.append(acc)
case('loop_nested_if', 'five', {'M': np.array(5, np.int64), 'acc0': acc0, 'u': u}, {'acc_final': acc, 'accs': np.stack(accs)})

# --- torch.jit.script: a for loop over a runtime count with a data-dependent if, opset 11.
try:
    import torch

    class Scripted(torch.nn.Module):
        def forward(self, x, n):
            y = x
            for i in range(int(n)):
                if bool(y.sum() > 0):
                    y = y * 0.5 - float(i)
                else:
                    y = y + 1.0
            return y

    m = torch.jit.script(Scripted())
    xt = torch.tensor(rng.standard_normal((2, 4)).astype(np.float32)) + 1.0
    nt = torch.tensor(6, dtype=torch.int64)
    path = os.path.join(OUT, 'torch_script_loop.onnx')
    torch.onnx.export(m, (xt, nt), path, opset_version=11, input_names=['x', 'n'], output_names=['y'])
    onnx.checker.check_model(onnx.load(path))
    for n, label in [(6, 'six'), (0, 'zero')]:
        nt = torch.tensor(n, dtype=torch.int64)
        case('torch_script_loop', label, {'x': xt.numpy(), 'n': nt.numpy()}, {'y': m(xt, nt).detach().numpy()})
except ImportError:
    print('torch not installed: torch_script_loop skipped')

with open(os.path.join(OUT, 'cases.json'), 'w') as f:
    json.dump(cases, f, indent=1)
print(f'{len(cases)} cases in {OUT}')
