"""Seeded random weights that keep every model's activations O(1) and its detection scores non-trivial.

randomize()        every Conv/Linear/norm/attention parameter drawn from a torch.Generator seeded per model;
                   BatchNorm gets random affine parameters and running statistics (var in [0.5, 2]).
calibrate_bn()     one forward pass on uniform [0, 1) input: the convolution feeding each BatchNorm is rescaled
                   per output channel so that the BN input's variance equals that BN's (random) running_var, and
                   running_mean is set near the channel mean (plus noise); the pass continues with the rescaled
                   tensor. So outputs neither explode nor vanish through 50+ layers, and BN stays non-trivial.
calibrate_scores() shifts score-layer biases (sigmoid heads) or scales score layers (softmax heads) so that a
                   chosen fraction of scores exceeds a threshold on uniform random input: decoded detections exist.
"""
import math
import weakref

import torch
import torch.nn as nn


def _fixed(m):
    return getattr(m, "_zoo_fixed", False)


@torch.no_grad()
def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)

    def randn(*shape):
        return torch.randn(*shape, generator=g)

    def rand(*shape):
        return torch.rand(*shape, generator=g)

    for mod in model.modules():
        if _fixed(mod):
            continue
        if isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d)):
            fan_in = mod.weight[0].numel()
            mod.weight.copy_(randn(*mod.weight.shape) * math.sqrt(2.0 / fan_in))
            if mod.bias is not None:
                mod.bias.copy_(randn(*mod.bias.shape) * 0.1)
        elif isinstance(mod, nn.Linear):
            fan_in = mod.weight.shape[1]
            mod.weight.copy_(randn(*mod.weight.shape) * math.sqrt(1.0 / fan_in))
            if mod.bias is not None:
                mod.bias.copy_(randn(*mod.bias.shape) * 0.05)
        elif isinstance(mod, nn.modules.batchnorm._BatchNorm):
            c = mod.num_features
            if mod.affine:
                mod.weight.copy_(rand(c) * 1.0 + 0.5)
                mod.bias.copy_(randn(c) * 0.2)
            if mod.track_running_stats:
                mod.running_mean.copy_(randn(c) * 0.2)
                mod.running_var.copy_(rand(c) * 1.5 + 0.5)
        elif isinstance(mod, (nn.GroupNorm, nn.LayerNorm)):
            if getattr(mod, "weight", None) is not None:
                mod.weight.copy_(rand(*mod.weight.shape) * 0.5 + 0.75)
            if getattr(mod, "bias", None) is not None:
                mod.bias.copy_(randn(*mod.bias.shape) * 0.1)
        elif isinstance(mod, nn.MultiheadAttention):
            if mod.in_proj_weight is not None:
                mod.in_proj_weight.copy_(randn(*mod.in_proj_weight.shape) * math.sqrt(1.0 / mod.embed_dim))
            else:
                for w in (mod.q_proj_weight, mod.k_proj_weight, mod.v_proj_weight):
                    w.copy_(randn(*w.shape) * math.sqrt(1.0 / w.shape[1]))
            if mod.in_proj_bias is not None:
                mod.in_proj_bias.copy_(randn(*mod.in_proj_bias.shape) * 0.05)
    return model.eval()


@torch.no_grad()
def calibrate_bn(model, x, seed):
    """See the module docstring. Pairs each BatchNorm2d with the Conv2d whose output tensor it receives (a dry
    pass finds the pairs); in the calibration pass, a Conv2d that feeds no BatchNorm (heads, FPN, VGG) and whose
    output standard deviation is outside [0.5, 2] is rescaled to 1, so norm-free stacks stay O(1) too."""
    g = torch.Generator().manual_seed(seed + 1)
    stats = {"bn": 0, "paired": 0, "rescaled_convs": 0}
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    paired = set()

    def run(conv_hook, bn_pre):
        hooks = [c.register_forward_hook(conv_hook) for c in convs] + [b.register_forward_pre_hook(bn_pre) for b in bns]
        try:
            model.eval()
            model(x)
        finally:
            for h in hooks:
                h.remove()

    producers = {}

    def record(m, inp, out):
        if isinstance(out, torch.Tensor):
            producers[id(out)] = (m, weakref.ref(out))

    def find_pair(m, inp):
        ent = producers.get(id(inp[0]))
        if ent is not None and ent[1]() is inp[0]:
            paired.add(id(ent[0]))

    run(record, find_pair)
    producers.clear()
    done = set()

    def conv_hook(m, inp, out):
        if not isinstance(out, torch.Tensor):
            return None
        if id(m) in paired or _fixed(m):
            producers[id(out)] = (m, weakref.ref(out))
            return None
        if id(m) in done:
            return None
        done.add(id(m))
        std = out.float().std().item()
        if 0.5 <= std <= 2.0 or std == 0.0:
            return None
        f = min(max(1.0 / std, 1e-3), 1e3)
        m.weight.mul_(f)
        if m.bias is not None:
            m.bias.mul_(f)
        stats["rescaled_convs"] += 1
        return out * f

    def bn_pre(m, inp):
        t = inp[0]
        stats["bn"] += 1
        if t.dim() != 4 or id(m) in done:
            return None
        done.add(id(m))
        ent = producers.get(id(t))
        if ent is None or ent[1]() is not t or _fixed(ent[0]):
            return None
        conv = ent[0]
        tf = t.float()
        var = tf.var(dim=(0, 2, 3), unbiased=False)
        mean = tf.mean(dim=(0, 2, 3))
        target = m.running_var.float()
        f = torch.sqrt(target / (var + 1e-12)).clamp(1e-3, 1e3)
        conv.weight.mul_(f.view(-1, *([1] * (conv.weight.dim() - 1))))
        if conv.bias is not None:
            conv.bias.mul_(f)
        noise = torch.randn(mean.shape, generator=g) * 0.3 * torch.sqrt(target)
        m.running_mean.copy_((mean * f + noise.to(mean.device)).to(m.running_mean.dtype))
        stats["paired"] += 1
        return (t * f.view(1, -1, 1, 1).to(t.dtype),)

    run(conv_hook, bn_pre)
    return stats


def _capture(model, x, modules):
    outs = {}
    hooks = [m.register_forward_hook(lambda mod, i, o, k=id(m): outs.setdefault(k, []).append(o.detach()))
             for m in modules]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return outs


def _channels_last_dim(mod, t):
    """Moves the output-channel axis last and flattens: [*, C]."""
    if isinstance(mod, nn.Conv2d):
        return t.permute(0, 2, 3, 1).reshape(-1, t.shape[1])
    return t.reshape(-1, t.shape[-1])


@torch.no_grad()
def calibrate_scores(model, x, specs):
    """specs: dicts with module (Conv2d or Linear producing score logits), kind 'sigmoid' or 'softmax',
    channels (list of output channels, None = all; sigmoid only), frac, thr; softmax also 'classes' (K, the
    logits are laid out [A, K] per location, class 0 the background). Returns a summary per spec."""
    if not specs:
        return []
    mods = [s["module"] for s in specs]
    outs = _capture(model, x, mods)
    summary = []
    for s in specs:
        mod = s["module"]
        got = outs.get(id(mod))
        if not got:
            summary.append("not reached")
            continue
        t = _channels_last_dim(mod, got[0].float())
        if s["kind"] == "sigmoid":
            ch = s.get("channels")
            v = t if ch is None else t[:, ch]
            q = torch.quantile(v.flatten()[:2_000_000], 1.0 - s["frac"]).item()
            shift = math.log(s["thr"] / (1 - s["thr"])) - q
            if ch is None:
                mod.bias.add_(shift)
            else:
                mod.bias[ch] += shift
            summary.append(f"bias {shift:+.2f}")
        else:
            k = s["classes"]
            z = t.reshape(-1, k)

            def frac(scale):
                p = torch.softmax(z * scale, dim=1)[:, 1:]
                return (p.max(dim=1).values > s["thr"]).float().mean().item()
            lo, hi = 1e-3, 200.0
            for _ in range(40):
                mid = math.sqrt(lo * hi)
                if frac(mid) < s["frac"]:
                    lo = mid
                else:
                    hi = mid
            scale = math.sqrt(lo * hi)
            mod.weight.mul_(scale)
            if mod.bias is not None:
                mod.bias.mul_(scale)
            summary.append(f"scale {scale:.2f} ({frac(scale):.3f} of anchors > {s['thr']})")
    return summary
