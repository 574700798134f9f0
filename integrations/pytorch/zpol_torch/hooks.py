"""Hooks that record checked products from a real torch training loop.

`CheckedLinear` is a drop-in for `torch.nn.Linear(in, out, bias=False)` whose product is computed in the
declared arithmetic (gemm.py), bit for bit what a `verify` clause recomputes, and whose operands and result are
captured for the step: the input a = x in bf16 [M, K], the weight as the layer holds it, [out, in] = bᵀ (a verify
clause's b committed transposed is exactly torch's weight layout), and c [M, N] in bf16. The network goes on with
c: what is recorded is what trained. With `check_grad`, the backward pass computes the weight gradient
xᵀ·dy the same way (dy rounded to bf16) and captures it as a second product, `NAME.grad`: a = xᵀ [K, M],
bᵀ = dyᵀ [N, M], c = xᵀ·dy [K, N] (the gradient of the weight, transposed); the optimizer gets that gradient.
The input gradient dy·W is computed in float32 as usual (it is not checked).

    capture = Capture()
    model.up = CheckedLinear(16, 64, "blocks.0.mlp.up", capture, check_grad=True)
    ...
    capture.clear(); loss = model(x).loss; loss.backward()
    tensors = capture.step_tensors(verify, {"mlp_up": "blocks.0.mlp.up", "mlp_up_grad": "blocks.0.mlp.up.grad"})
    recorder.record_step(k, fields, tensors)
"""

import math

import torch

from .gemm import GemmError, checked_matmul
from .recorder import RecorderError, StepTensor, member_field


class Product:
    """One captured product c = a·b: a [M, K], bt = bᵀ [N, K] and c [M, N], all bf16."""

    def __init__(self, a, bt, c):
        self.a, self.bt, self.c = a, bt, c


class Capture:
    """The checked products of one training step, by name. Cleared at the start of each step."""

    def __init__(self):
        self.products = {}

    def clear(self):
        self.products = {}

    def put(self, name, a, bt, c):
        if name in self.products:
            raise RecorderError(
                f"product '{name}' was computed twice in one step (a layer called twice, or clear() not called "
                "between steps): a step records each checked product once"
            )
        self.products[name] = Product(a.detach().contiguous(), bt.detach().contiguous(), c.detach().contiguous())

    def step_tensors(self, verify, products):
        """The StepTensors of the clauses in `products` (clause -> captured product name), with the record fields
        of `verify` (run.json's: clause -> {a, b, c}); tensors named CLAUSE.a, CLAUSE.bt, CLAUSE.c in the file.
        A family's clause maps to a list of names, member l's product at index l: its tensors commit to the
        record arrays' elements (`x_root[l]`) and are named CLAUSE.l.a, CLAUSE.l.bt, CLAUSE.l.c."""
        out = {}
        for clause, names in products.items():
            if clause not in verify:
                raise RecorderError(f"verify clause '{clause}' is not one of the run's ({', '.join(sorted(verify)) or 'none'})")
            members = list(enumerate(names)) if isinstance(names, (list, tuple)) else [(None, names)]
            for member, name in members:
                if name not in self.products:
                    raise RecorderError(
                        f"verify {clause}: product '{name}' was not computed this step (captured: {', '.join(sorted(self.products)) or 'none'})"
                    )
                p, ops = self.products[name], verify[clause]
                field = (lambda f: f) if member is None else (lambda f, m=member: member_field(f, m))
                prefix = clause if member is None else f"{clause}.{member}"
                out[f"{prefix}.a"] = StepTensor(field(ops["a"]), p.a)
                out[f"{prefix}.bt"] = StepTensor(field(ops["b"]), p.bt, transposed=True)
                out[f"{prefix}.c"] = StepTensor(field(ops["c"]), p.c)
        return out


class _CheckedProduct(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, layer):
        a = x.detach().to(torch.bfloat16)
        bt = weight.detach().to(torch.bfloat16)
        c = checked_matmul(a, bt.t(), layer.order)
        layer.capture.put(layer.name, a, bt, c)
        ctx.layer = layer
        ctx.save_for_backward(a, bt)
        return c.to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        a, bt = ctx.saved_tensors
        layer = ctx.layer
        grad_x = grad @ bt.to(grad.dtype)
        if layer.check_grad:
            dy = grad.detach().to(torch.bfloat16)
            dw = checked_matmul(a.t().contiguous(), dy, layer.order)  # [K, N] = xᵀ·dy
            layer.capture.put(f"{layer.name}.grad", a.t(), dy.t(), dw)
            grad_w = dw.to(grad.dtype).t()
        else:
            grad_w = grad.t() @ a.to(grad.dtype)
        return grad_x, grad_w, None


class CheckedLinear(torch.nn.Module):
    """y = x·Wᵀ (no bias) in the declared order, bit for bit, with the product captured as `name` (see above)."""

    def __init__(self, in_features, out_features, name, capture, order="sequential", check_grad=False):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.name, self.capture, self.order, self.check_grad = name, capture, order, check_grad
        self.weight = torch.nn.Parameter(torch.empty(out_features, in_features))
        bound = 1 / math.sqrt(in_features)
        torch.nn.init.uniform_(self.weight, -bound, bound)

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise GemmError(f"{self.name}: input has {x.shape[-1]} features, the layer takes {self.in_features}")
        lead = x.shape[:-1]
        y = _CheckedProduct.apply(x.reshape(-1, self.in_features), self.weight, self)
        return y.reshape(*lead, self.out_features)
