"""The semantic layer's costs: vectors stored as int8, the matrix loaded off the store's
thread and updated from the previous one after an import, an import embedded by worker
processes, and the start-up preload. (Timings are in scripts/bench_search.py.)"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from bot.library import import_folder
from bot.search import search, semantic, warm_async
from bot.search.context import context
from bot.store import Store
from bot.store import search as search_store
from bot.store.search import PassageHash

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "eval" / "corpus"
VECTORS = ROOT / "tests" / "data" / "eval" / "vectors-e5.npz"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(semantic.DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def test_a_packed_vector_keeps_its_cosines_within_two_thousandths():
    saved = np.load(VECTORS)["vectors"]  # real e5 vectors: passages and questions
    vectors, questions = saved[:300], saved[-50:]
    packed = np.vstack([semantic.unpack(semantic.pack(v)) for v in vectors])
    assert all(len(semantic.pack(v)) == semantic.PACKED for v in vectors[:3])
    assert np.abs(packed @ questions.T - vectors @ questions.T).max() < 2e-3


def test_the_matrix_scores_cards_by_their_best_passage_from_packed_and_float32_blobs():
    vectors = {f"h{i:019d}": unit(i) for i in range(5)}
    rows = [PassageHash("a", "es", "h0000000000000000000"),
            PassageHash("a", "en", "h0000000000000000001"),
            PassageHash("b", "es", "h0000000000000000002"),
            PassageHash("c", "es", "h0000000000000000003"),
            PassageHash("c", "es", "h0000000000000000004")]
    blobs = {h: (semantic.pack(v) if i % 2 else v.tobytes())  # old databases: float32
             for i, (h, v) in enumerate(vectors.items())}
    matrix = semantic.Matrix.build(rows, lambda hashes: blobs)
    query = unit(7)
    want = [max(float(vectors[r.hash] @ query) for r in rows if r.card_id == card)
            for card in ("a", "b", "c")]
    assert matrix.cards == ["a", "b", "c"]
    assert np.allclose(matrix.scores(query), want, atol=1e-3)


def test_a_new_matrix_reads_only_the_vectors_its_previous_one_lacks():
    blobs = {f"{i:020d}": semantic.pack(unit(i)) for i in range(40)}
    rows = [PassageHash(f"card{i // 4:02d}", "es", h) for i, h in enumerate(blobs)]
    asked: list[list[str] | None] = []

    def fetch(hashes):
        asked.append(hashes)
        return blobs if hashes is None else {h: blobs[h] for h in hashes}

    first = semantic.Matrix.build(rows, fetch)
    assert asked == [None]  # nothing to reuse: every vector, in one read
    changed = f"{99:020d}"
    blobs[changed] = semantic.pack(unit(99))
    second = semantic.Matrix.build([*rows[:-1], PassageHash("card09", "es", changed)], fetch,
                                   first)
    assert asked[-1] == [changed] and second.fetched == 1
    query = unit(5)
    assert np.allclose(second.scores(query)[:9], first.scores(query)[:9])


@pytest.fixture(scope="module")
def model(e5_model):
    return e5_model


def test_worker_processes_embed_an_import_like_this_process_does(model, monkeypatch):
    texts = [f"Pasaporte {i}: el oficial revisa la hoja de datos número {i}." for i in range(6)]
    here = np.vstack([semantic.unpack(b) for b in semantic.embed_passages(texts, processes=1)])
    for t in texts:
        semantic._known.pop(semantic.passage_hash(t))
    monkeypatch.setattr(semantic, "PARALLEL_MIN", 2)
    monkeypatch.setattr(semantic, "BATCH", 2)
    spawned: list[int] = []
    real = semantic._embed_in_processes
    monkeypatch.setattr(semantic, "_embed_in_processes",
                        lambda batches, text_of, n, done: (spawned.append(n),
                                                           real(batches, text_of, n, done)))
    there = np.vstack([semantic.unpack(b) for b in semantic.embed_passages(texts, processes=2)])
    assert spawned == [2]
    assert np.allclose(here, there, atol=2e-3)


def test_the_vectors_load_on_the_semantic_thread_and_at_start_up(model, tmp_path):
    store = Store.open(tmp_path / "x.db")
    try:
        import_folder(store.db, CORPUS, NOW)
        loaders: list[str] = []
        real = search_store.vectors_of

        def spying(db, model_name, hashes):
            loaders.append(threading.current_thread().name)
            return real(db, model_name, hashes)

        search_store.vectors_of = spying  # type: ignore[assignment]
        try:
            asyncio.run(warm_async(store.run))
        finally:
            search_store.vectors_of = real  # type: ignore[assignment]
        ctx = context(store.db)
        assert loaders and all(name.startswith("semantic") for name in loaders)
        assert ctx.loaded_matrix() is not None and len(ctx.loaded_matrix() or []) > 50
        outcome = search(store.db, "un hombre me dice en voz baja que los pandilleros lo "
                                   "amenazaron y le da miedo regresar a su pais", "es")
        assert outcome.semantic
    finally:
        semantic._questions.clear()
        store.close()


def test_an_interrupted_import_keeps_what_it_embedded_and_shows_progress(tmp_path,
                                                                         monkeypatch):
    calls: list[int] = []
    fail = [True]

    def flaky(texts, is_query):  # fails on its third batch, like a Ctrl-C mid-import
        calls.append(len(texts))
        if fail[0] and len(calls) == 3:
            raise KeyboardInterrupt
        return np.vstack([unit(sum(map(ord, t))) for t in texts])

    from bot import search as search_api
    from bot.search import index

    monkeypatch.setattr(index, "SAVE_EVERY", 1)
    monkeypatch.setattr(semantic, "BATCH", 8)
    semantic.reset(flaky)
    semantic._known.clear()  # nothing embedded already in this process
    store = Store.open(tmp_path / "x.db")
    try:
        with pytest.raises(KeyboardInterrupt):
            import_folder(store.db, CORPUS, NOW)
        saved = store.db.execute("SELECT count(*) FROM search_vectors").fetchone()[0]
        assert saved == 16  # two batches, saved as they were embedded
        assert store.db.execute("SELECT count(*) FROM cards").fetchone()[0] == 0
        seen: list[tuple[str, int, int]] = []
        calls.clear()
        fail[0] = False
        semantic._known.clear()
        import_folder(store.db, CORPUS, NOW, progress=lambda *a: seen.append(a))
        embedded = sum(calls)
        total = store.db.execute("SELECT count(DISTINCT hash) FROM search_passages"
                                 ).fetchone()[0]
        assert embedded == total - 16
        steps = [(d, t) for stage, d, t in seen if stage == "embed"]
        assert steps[0] == (0, total - 16) and steps[-1] == (total - 16, total - 16)
        assert search_api.search(store.db, "menor no acompañado", "es").hits
    finally:
        store.close()
        semantic._known.clear()
        semantic.reset()
