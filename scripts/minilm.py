"""all-MiniLM-L6-v2's forward pass in numpy, from its released weights:
shared by scripts/safety_second_opinion.py (the full model, measured) and
scripts/safety_wordvec.py (the token vectors Jogette ships)."""
import math
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file


class MiniLM:
    def __init__(self, model_dir):
        weights = load_file(Path(model_dir) / "model.safetensors")
        self.W = {k.replace("bert.", ""): v.astype(np.float32) for k, v in weights.items()}

    def layer_norm(self, x, p):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + 1e-12) * self.W[p + ".weight"] + self.W[p + ".bias"]

    def linear(self, x, p):
        return x @ self.W[p + ".weight"].T + self.W[p + ".bias"]

    def forward(self, ids):
        """The last hidden states for a batch of equal-length rows of token ids."""
        W = self.W
        b, n = ids.shape
        x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:n]
        x = self.layer_norm(x + W["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        for layer in range(6):
            p = f"encoder.layer.{layer}."
            q, k, v = [self.linear(x, p + f"attention.self.{m}").reshape(b, n, 12, 32).transpose(0, 2, 1, 3) for m in ("query", "key", "value")]
            a = q @ k.transpose(0, 1, 3, 2) / math.sqrt(32)
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            context = (a @ v).transpose(0, 2, 1, 3).reshape(b, n, 384)
            x = self.layer_norm(self.linear(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = self.linear(x, p + "intermediate.dense")
            h = 0.5 * h * (1 + np.tanh(0.7978845608 * (h + 0.044715 * h**3)))  # GELU, tanh form
            x = self.layer_norm(self.linear(h, p + "output.dense") + x, p + "output.LayerNorm")
        return x
