"""Spam or ham with a small Transformer encoder: token + position embeddings, one
MultiHeadAttention block with residual LayerNormalization, a feed-forward block, average pooling.

Run: ``python examples/text_transformer.py [--epochs N] [--limit N] [--data DIR]``. Same seeded
80/20 split of SMS Spam as ``sms_spam.py``; texts become 40 token ids (TextVectorization, 5000
tokens). The padded positions are averaged out by passing Embedding's mask to
GlobalAveragePooling1D (masks are not propagated automatically yet, so the model is a small
subclass that hands the mask over). Prints ``test accuracy: 0.xxxx`` last.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from shendu import ops
from shendu.datasets import sms_spam
from shendu.layers import (
    Dense,
    Dropout,
    Embedding,
    GlobalAveragePooling1D,
    LayerNormalization,
    MultiHeadAttention,
    TextVectorization,
)
from shendu.models import Model
from shendu.utils import set_random_seed

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sms_spam"
LENGTH, VOCAB, DIM = 40, 5000, 32


class SpamTransformer(Model):
    """ids (batch, LENGTH) → P(spam): one post-norm Transformer encoder block."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.tokens = Embedding(VOCAB, DIM, mask_zero=True)
        self.positions = Embedding(LENGTH, DIM)
        self.attention = MultiHeadAttention(num_heads=2, key_dim=16, dropout=0.1)
        self.norm1 = LayerNormalization(epsilon=1e-6)
        self.ff1 = Dense(64, activation="relu")
        self.ff2 = Dense(DIM)
        self.norm2 = LayerNormalization(epsilon=1e-6)
        self.pool = GlobalAveragePooling1D()
        self.dropout = Dropout(0.1)
        self.out = Dense(1, activation="sigmoid")

    def call(self, inputs, training=False):
        mask = self.tokens.compute_mask(inputs)
        x = ops.add(self.tokens(inputs), self.positions(np.arange(LENGTH)[None, :]))
        attended = self.attention(x, x, attention_mask=mask[:, None, :], training=training)
        x = self.norm1(ops.add(x, attended))
        x = self.norm2(ops.add(x, self.ff2(self.ff1(x))))
        x = self.pool(x, mask=mask)
        return self.out(self.dropout(x, training=training))


def main(epochs: int = 3, limit: int | None = None, seed: int = 0, data: Path = DATA,
         verbose: int = 0) -> float:
    set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = sms_spam.load_data(data)
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    vectorizer = TextVectorization(max_tokens=VOCAB, output_sequence_length=LENGTH)
    vectorizer.adapt(x_train)
    ids_train, ids_test = vectorizer(x_train).numpy(), vectorizer(x_test).numpy()
    model = SpamTransformer()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(ids_train, y_train.astype("float32"), batch_size=32, epochs=epochs,
              verbose=verbose)
    _, accuracy = model.evaluate(ids_test, y_test.astype("float32"), verbose=0)
    print(f"test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="use the first N training texts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()
    main(args.epochs, args.limit, args.seed, args.data, args.verbose)
