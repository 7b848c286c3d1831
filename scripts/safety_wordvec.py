"""Distils the safety second opinion's token vectors (src/domain/safety/
wordvec.bin) and vocabulary (wordpiece.txt) from all-MiniLM-L6-v2, as
model2vec does: every token of the vocabulary is run through the model
alone ([CLS] token [SEP]) and mean-pooled, the vectors are projected on the
vocabulary's 256 principal components, and each row is kept as int8 scaled
to its largest component (Jogette renormalises each row, so the scale needs
no storing). Run through scripts/safety-wordvec, which fetches the model."""
import json, sys
from pathlib import Path

import numpy as np

from minilm import MiniLM

model_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
model = MiniLM(model_dir)
size = model.W["embeddings.word_embeddings.weight"].shape[0]
tokens = np.zeros((size, 384), np.float32)
for start in range(0, size, 512):
    ids = np.arange(start, min(size, start + 512))
    tokens[ids] = model.forward(np.stack([np.full(len(ids), 101), ids, np.full(len(ids), 102)], 1)).mean(1)
_, _, components = np.linalg.svd(tokens - tokens.mean(0), full_matrices=False)
projected = (tokens - tokens.mean(0)) @ components[:256].T
rows = np.round(projected / np.abs(projected).max(1, keepdims=True) * 127).astype(np.int8)
(out_dir / "wordvec.bin").write_bytes(rows.tobytes())
vocab = sorted(json.load(open(model_dir / "tokenizer.json"))["model"]["vocab"].items(), key=lambda kv: kv[1])
assert [i for _, i in vocab] == list(range(size))
(out_dir / "wordpiece.txt").write_text("".join(piece + "\n" for piece, _ in vocab))
