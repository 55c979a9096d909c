#!/usr/bin/env python3
"""PyTorch (Debian python3-torch, CPU) timing of the same GPT shape as GoSeqZero's, for side-by-side tables.

Called by `dotnet run -c Release --project bench -- train` (and `decode`); prints one JSON object:
  train_tokens_per_second     forward + backward + AdamW step of a B x T batch (median of --steps)
  recompute_tokens_per_second batch B / time of one full forward over T tokens: decoding without a KV cache,
                              one new token per sequence at position T (median of --steps)
The model mirrors src/Transformer/Gpt.cs: token + position + point-id embeddings, pre-LayerNorm blocks
(qkv, causal softmax attention, projection, GELU-tanh MLP of width 4C), final LayerNorm, untied head.
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(c)
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.ln2 = nn.LayerNorm(c)
        self.fc = nn.Linear(c, 4 * c)
        self.fc_proj = nn.Linear(4 * c, c)

    def forward(self, x, mask):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        att = F.softmax(scores.masked_fill(mask[:t, :t] == 0, float("-inf")), dim=-1) @ v
        x = x + self.proj(att.transpose(1, 2).reshape(b, t, c))
        return x + self.fc_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, layers, heads, c, context, vocabulary, points):
        super().__init__()
        self.token = nn.Embedding(vocabulary, c)
        self.position = nn.Embedding(context, c)
        self.point = nn.Embedding(points, c)
        self.blocks = nn.ModuleList(Block(c, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(c)
        self.head = nn.Linear(c, vocabulary, bias=False)
        self.register_buffer("mask", torch.tril(torch.ones(context, context)))

    def forward(self, tokens, points):
        t = tokens.shape[1]
        x = self.token(tokens) + self.position(torch.arange(t)) + self.point(points)
        for block in self.blocks:
            x = block(x, self.mask)
        return self.head(self.ln_f(x))


def median_seconds(action, steps):
    action()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--channels", type=int, default=256)
    parser.add_argument("--vocabulary", type=int, default=256)
    parser.add_argument("--points", type=int, default=363)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=512)
    parser.add_argument("--decode-tokens", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--skip-decode", action="store_true")
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    context = max(args.tokens, args.decode_tokens)
    model = Gpt(args.layers, args.heads, args.channels, context, args.vocabulary, args.points)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
    tokens = torch.randint(args.vocabulary, (args.batch, args.tokens))
    points = torch.randint(args.points, (args.batch, args.tokens))
    targets = torch.randint(args.vocabulary, (args.batch, args.tokens))

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        logits = model(tokens, points)
        loss = F.cross_entropy(logits.view(-1, args.vocabulary), targets.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    if not args.skip_train:
        result["train_tokens_per_second"] = args.batch * args.tokens / median_seconds(train_step, args.steps)
    if not args.skip_decode:
        long_tokens = torch.randint(args.vocabulary, (args.batch, args.decode_tokens))
        long_points = torch.randint(args.points, (args.batch, args.decode_tokens))

        def recompute():
            with torch.no_grad():
                model(long_tokens, long_points)

        result["recompute_tokens_per_second"] = args.batch / median_seconds(recompute, args.steps)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
