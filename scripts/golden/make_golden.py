#!/usr/bin/python3
"""Writes the PyTorch golden files of tests/Data/Golden, which tests/Transformer/GoldenTests.cs reads
(docs/design.md, How things are measured).

The model is GoSeqZero's Gpt (src/Transformer/Gpt.cs) written again in PyTorch, op for op: token + position +
point-id embeddings summed; pre-LayerNorm blocks whose attention splits qkv as [query heads | key heads | value heads]
with causal softmax scaled by 1/sqrt(head size); an MLP of width 4C with GELU's tanh approximation; a final
LayerNorm and an untied head without bias. The loss is Σ weight·(−log softmax over the allowed tokens [target]) / Σ weight.

Everything is computed in float64 from float32 weights, so the files hold the exact answer for those weights rounded
once to float32; our float32 engine is then compared with the truth, not with another float32 run.

Run with Debian's PyTorch: /usr/bin/python3 scripts/golden/make_golden.py [output folder]
The same torch version and seed write the same files.
"""

import json
import math
import struct
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

SEED = 20261201

CONFIG = {
    "layers": 2,
    "heads": 2,
    "channels": 16,
    "context_length": 8,
    "vocabulary_size": 40,  # above 32, so the allowed-token masks have two words per row
    "point_count": 10,
    "seed": 1,  # our own initialisation's seed; the golden weights below come from SEED instead
}

# Constant learning rate; the maximum norm sits inside the range of the gradient norms, so some steps clip and
# some do not (expected.json lists every norm before clipping).
OPTIMIZER = {
    "learning_rate": 0.01,
    "beta1": 0.9,
    "beta2": 0.95,
    "epsilon": 1e-8,
    "weight_decay": 0.1,
    "max_gradient_norm": 1.2,
}
STEPS = 10

SEQUENCES = 2
TOKENS = 8
REAL_LENGTHS = [8, 5]  # the second sequence is padded to TOKENS with weight-0 rows


def parameter_shapes(config):
    """Names and shapes in ParameterLayout's order: the tensors AdamW decays (two or more dimensions), then the rest."""
    c, v = config["channels"], config["vocabulary_size"]
    shapes = [
        ("token_embedding", [v, c]),
        ("position_embedding", [config["context_length"], c]),
        ("point_embedding", [config["point_count"], c]),
    ]
    for layer in range(config["layers"]):
        p = f"blocks.{layer}."
        shapes += [
            (p + "ln1.weight", [c]), (p + "ln1.bias", [c]),
            (p + "attn.qkv.weight", [3 * c, c]), (p + "attn.qkv.bias", [3 * c]),
            (p + "attn.proj.weight", [c, c]), (p + "attn.proj.bias", [c]),
            (p + "ln2.weight", [c]), (p + "ln2.bias", [c]),
            (p + "mlp.fc.weight", [4 * c, c]), (p + "mlp.fc.bias", [4 * c]),
            (p + "mlp.proj.weight", [c, 4 * c]), (p + "mlp.proj.bias", [c]),
        ]
    shapes += [("ln_f.weight", [c]), ("ln_f.bias", [c]), ("head.weight", [v, c])]
    return [s for s in shapes if len(s[1]) >= 2] + [s for s in shapes if len(s[1]) < 2]


def initial_weights(config, generator):
    """Random weights unlike our initialisation: O(1) embeddings, matrices scaled by 1/sqrt(fan-in), LayerNorm gains
    near 1 and biases away from 0, so every term of every gradient is exercised. Rounded to float32 once."""
    weights = {}
    for name, shape in parameter_shapes(config):
        noise = torch.randn(shape, generator=generator, dtype=torch.float64)
        if name.endswith("embedding"):
            value = 0.5 * noise
        elif name.endswith(".weight") and len(shape) == 2:
            value = noise / math.sqrt(shape[1])
        elif "ln" in name and name.endswith(".weight"):
            value = 1 + 0.1 * noise
        else:
            value = 0.1 * noise
        weights[name] = value.to(torch.float32)
    return weights


def make_batch(config, generator):
    """Two sequences of different real lengths; one weight-0 row inside the first, weights other than 1, and rows whose
    softmax is restricted to a subset of the tokens (always containing the target)."""
    v = config["vocabulary_size"]
    rows = SEQUENCES * TOKENS

    def integers(high, count):
        return torch.randint(0, high, (count,), generator=generator).tolist()

    token_ids = integers(v, rows)
    point_ids = integers(config["point_count"], rows)
    targets = integers(v, rows)
    positions = [r % TOKENS for r in range(rows)]
    weights = [1.0] * rows
    weights[0] = 0.0  # a prompt token that is not trained on
    weights[2], weights[5], weights[9] = 0.5, 2.0, 1.5
    for s, length in enumerate(REAL_LENGTHS):
        for t in range(length, TOKENS):
            r = s * TOKENS + t
            token_ids[r], point_ids[r], targets[r], weights[r] = 0, 0, 0, 0.0
    allowed = [None] * rows  # None: every token allowed
    for r in [1, 3, 6, 7, 9, 11]:
        subset = set(torch.randperm(v, generator=generator)[: 3 + r % 7].tolist())
        subset.add(targets[r])
        # Row 7 allows only tokens on both sides of the word boundary at 32.
        allowed[r] = sorted(subset | ({31, 32, 39} if r == 7 else set()))
    return {
        "sequences": SEQUENCES,
        "tokens": TOKENS,
        "token_ids": token_ids,
        "positions": positions,
        "point_ids": point_ids,
        "targets": targets,
        "weights": weights,
        "allowed_tokens": allowed,
    }


def layer_norm(x, weight, bias):
    return F.layer_norm(x, (x.shape[-1],), weight, bias, eps=1e-5)


def forward(config, p, batch):
    """Logits [B, T, V] and the weighted mean loss, in the same order of ops as Gpt.Forward."""
    b, t = batch["sequences"], batch["tokens"]
    c, nh = config["channels"], config["heads"]
    hs = c // nh

    def rows_of(key):
        return torch.tensor(batch[key]).view(b, t)

    x = (p["token_embedding"][rows_of("token_ids")]
         + p["position_embedding"][rows_of("positions")]
         + p["point_embedding"][rows_of("point_ids")])
    causal = torch.ones(t, t, dtype=torch.bool).tril()
    for layer in range(config["layers"]):
        q_ = f"blocks.{layer}."
        h = layer_norm(x, p[q_ + "ln1.weight"], p[q_ + "ln1.bias"])
        qkv = F.linear(h, p[q_ + "attn.qkv.weight"], p[q_ + "attn.qkv.bias"])
        q, k, v = (part.view(b, t, nh, hs).transpose(1, 2) for part in qkv.split(c, dim=-1))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        attention = scores.masked_fill(~causal, float("-inf")).softmax(dim=-1) @ v
        attention = attention.transpose(1, 2).reshape(b, t, c)
        x = x + F.linear(attention, p[q_ + "attn.proj.weight"], p[q_ + "attn.proj.bias"])
        h = layer_norm(x, p[q_ + "ln2.weight"], p[q_ + "ln2.bias"])
        hidden = F.gelu(F.linear(h, p[q_ + "mlp.fc.weight"], p[q_ + "mlp.fc.bias"]), approximate="tanh")
        x = x + F.linear(hidden, p[q_ + "mlp.proj.weight"], p[q_ + "mlp.proj.bias"])
    logits = F.linear(layer_norm(x, p["ln_f.weight"], p["ln_f.bias"]), p["head.weight"])

    vocabulary = config["vocabulary_size"]
    allowed = torch.ones(b * t, vocabulary, dtype=torch.bool)
    for r, subset in enumerate(batch["allowed_tokens"]):
        if subset is not None:
            allowed[r] = False
            allowed[r, subset] = True
    masked = logits.view(b * t, vocabulary).masked_fill(~allowed, float("-inf"))
    targets = torch.tensor(batch["targets"])
    weights = torch.tensor(batch["weights"], dtype=logits.dtype)
    negative_log_likelihood = -masked.log_softmax(dim=-1).gather(1, targets.view(-1, 1)).view(-1)
    loss = (weights * negative_log_likelihood).sum() / weights.sum()
    return logits, loss


def safetensors_bytes(tensors):
    """The safetensors format: an 8-byte little-endian header length, a JSON header giving each tensor's dtype, shape
    and byte range (padded with spaces to 8 bytes), then the raw little-endian float32 data in header order."""
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().to(torch.float32).contiguous().view(-1).tolist()
        chunk = struct.pack(f"<{len(data)}f", *data)
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(chunk)]}
        chunks.append(chunk)
        offset += len(chunk)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "tests" / "Data" / "Golden"
    out.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(SEED)
    weights = initial_weights(CONFIG, generator)
    batch = make_batch(CONFIG, generator)

    names = list(weights)
    parameters = {name: weights[name].to(torch.float64).requires_grad_() for name in names}
    logits, loss = forward(CONFIG, parameters, batch)
    loss.backward()
    gradients = {name: parameters[name].grad.clone() for name in names}
    gradient_norm = torch.sqrt(sum((g * g).sum() for g in gradients.values())).item()

    # AdamW in two groups as AdamWOptimizer does: decay on tensors of two or more dimensions only.
    decayed = [parameters[n] for n in names if parameters[n].dim() >= 2]
    rest = [parameters[n] for n in names if parameters[n].dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decayed, "weight_decay": OPTIMIZER["weight_decay"]}, {"params": rest, "weight_decay": 0.0}],
        lr=OPTIMIZER["learning_rate"], betas=(OPTIMIZER["beta1"], OPTIMIZER["beta2"]), eps=OPTIMIZER["epsilon"])
    losses, norms = [], []
    for _ in range(STEPS):
        optimizer.zero_grad()
        _, step_loss = forward(CONFIG, parameters, batch)
        step_loss.backward()
        losses.append(step_loss.item())
        norms.append(torch.nn.utils.clip_grad_norm_(list(parameters.values()), OPTIMIZER["max_gradient_norm"]).item())
        optimizer.step()
    with torch.no_grad():
        losses.append(forward(CONFIG, parameters, batch)[1].item())

    (out / "config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
    (out / "batch.json").write_text(json.dumps(batch) + "\n")
    expected = {
        "generated_by": f"scripts/golden/make_golden.py, torch {torch.__version__}, float64, seed {SEED}",
        "loss": loss.item(),
        "gradient_norm": gradient_norm,
        "optimizer": dict(OPTIMIZER, steps=STEPS, schedule="constant"),
        "losses": losses,
        "losses_note": "losses[k] is the loss after k AdamW steps; losses[0] is the loss above",
        "gradient_norms": norms,
        "gradient_norms_note": "the global gradient norm before clipping at steps 1..10",
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    (out / "weights.safetensors").write_bytes(safetensors_bytes(weights))
    outputs = {"logits": logits}
    outputs.update({"gradients." + name: gradients[name] for name in names})
    (out / "expected.safetensors").write_bytes(safetensors_bytes(outputs))
    clipped = sum(n > OPTIMIZER["max_gradient_norm"] for n in norms)
    print(f"loss {loss.item():.6f}, gradient norm {gradient_norm:.4f}, {clipped} of {STEPS} steps clipped, "
          f"loss after {STEPS} steps {losses[-1]:.6f}; written to {out}")


if __name__ == "__main__":
    main()
