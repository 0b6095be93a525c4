"""Relation models on disk in skops format, loaded with an explicit list of trusted types.

A pickle or joblib file runs whatever code it holds when it is loaded, so framewatch never reads one:
`save_model` writes skops (a zip of JSON and arrays), and `load_model` refuses a file whose types are
not on `TRUSTED_TYPES` (scikit-learn's own types are checked by skops itself) or that is not skops at
all, with a message naming the file.

    >>> load_model("model.joblib")  # doctest: +SKIP
    ValueError: model.joblib is not a skops model file ...
"""
from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import skops.io as sio

# Our own callables and estimators inside a RelationClassifier; nothing else outside scikit-learn.
TRUSTED_TYPES: tuple[str, ...] = (
    "framing.classifier.RelationClassifier",
    "framing.classifier.RelationFeatures",
    "framing.classifier._masked",
    "framing.classifier._rules",
    "framing.classifier._scale",
    "framing.coverage_head.CoverageHead",
)
SUFFIX = ".skops"


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes (used to verify shipped and cached models)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(model: object, path: str | os.PathLike) -> Path:
    """Write `model` as a compressed skops file at `path` (the .skops suffix is added when missing)."""
    path = Path(path)
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    sio.dump(model, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    os.replace(tmp, path)
    return path


def load_model(path: str | os.PathLike, expected_sha256: str | None = None) -> object:
    """Read a model written by `save_model`, executing nothing from the file.

    Refuses (ValueError naming the file) anything that is not a skops file, holds a type outside
    scikit-learn and TRUSTED_TYPES, or, when `expected_sha256` is given, has other bytes than expected.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no relation model at {path}")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a skops model file; framewatch loads only models saved as .skops "
                         "(pickle and joblib files can run code when loaded, so they are refused)")
    if expected_sha256 is not None and file_sha256(path) != expected_sha256:
        raise ValueError(f"{path} does not match its recorded SHA-256; it was changed after it was written")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a damaged zip or one that is not a skops archive
        raise ValueError(f"{path} is not a readable skops model file: {exc}") from exc
    foreign = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if foreign:
        raise ValueError(f"{path} holds types framewatch does not trust, refused: {', '.join(foreign)}")
    try:
        return sio.load(path, trusted=list(untrusted))
    except Exception as exc:
        raise ValueError(f"{path} could not be read as a framewatch model: {exc}") from exc
