"""Search quality gate: the eval script on the dev queries, on our held-out set and on
paraphrases of our own, and probes of known weak spots on the evaluation corpus.

These are quality thresholds, not timings. The dev set's targets come from the issue; the
held-out set (tests/data/search-heldout.tsv, ~100 queries written from the corpus cards, not
from the dev queries) and the paraphrases guard against fitting the dev queries: the same
kinds of query, worded differently.
"""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.library import import_folder
from bot.search import search
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "eval"
HELDOUT = ROOT / "tests" / "data" / "search-heldout.tsv"
HELDOUT_2 = ROOT / "tests" / "data" / "search-heldout-2.tsv"  # written later, harder details
STORIES = ROOT / "tests" / "data" / "search-stories-dev.tsv"

PARAPHRASES = [
    ('niño viajando solo', 'es', 'nna-no-acompanados', 'keywords'),
    ('indicadores de explotación laboral', 'es', 'indicadores-trata,trata-vs-trafico', 'keywords'),
    ('persona que pide asilo', 'es', 'solicitud-refugio', 'keywords'),
    ('huellas dactilares', 'es', 'captura-biometrica,falla-biometrica', 'keywords'),
    ('holograma del pasaporte', 'es', 'elementos-seguridad', 'keywords'),
    ('golpe de calor', 'es', 'desmayo-calor', 'keywords'),
    ('lengua indígena', 'es', 'pueblos-indigenas,interpretacion', 'keywords'),
    ('mujer lactando', 'es', 'embarazadas', 'keywords'),
    ('reporte de incidente', 'es', 'reporte-incidentes', 'keywords'),
    ('silla de ruedas', 'es', 'discapacidad', 'keywords'),
    ('anciano en la fila', 'es', 'adultos-mayores', 'keywords'),
    ('¿qué hago si alguien me ofrece dinero para dejarlo pasar?', 'es', 'anticorrupcion',
     'question'),
    ('¿cómo reviso a una persona trans?', 'es', 'revision-corporal,personas-lgbti', 'question'),
    ('¿a quién aviso si llega un menor sin sus padres?', 'es', 'nna-no-acompanados', 'question'),
    ('¿qué hago si una persona se pone a llorar y tiembla?', 'es',
     'primeros-auxilios-psicologicos', 'question'),
    ('¿cómo distingo a un traficante de un tratante?', 'es', 'trata-vs-trafico', 'question'),
    ('¿puedo usar esposas con una persona migrante?', 'es', 'uso-fuerza', 'question'),
    ('¿qué hago si llega una caravana de mil personas?', 'es', 'caravanas,informacion-grupos',
     'question'),
    ('¿cómo sé si el pasaporte es de otra persona?', 'es', 'impostores', 'question'),
    ('pasaporte faslo', 'es', 'documento-falso', 'typo'),
    ('huelas que no se leen', 'es', 'falla-biometrica', 'typo'),
    ('soborrno', 'es', 'anticorrupcion', 'typo'),
    ('embarasada', 'es', 'embarazadas', 'typo'),
    ('vilencia sexual', 'es', 'violencia-sexual', 'typo'),
    ('morro sin papás', 'es', 'nna-no-acompanados', 'abbrev-slang'),
    ('me ofrecieron una mordida', 'es', 'anticorrupcion', 'abbrev-slang'),
    ('coyote con migrantes', 'es', 'trafico-migrantes,trata-vs-trafico', 'abbrev-slang'),
    ('la chava está embarazada', 'es', 'embarazadas', 'abbrev-slang'),
    ('unaccompanied minor at the border', 'en', 'nna-no-acompanados', 'english'),
    ('bribe offered by a traveller', 'en', 'anticorrupcion', 'english'),
    ('pregnant woman fainted', 'en', 'embarazadas,desmayo-calor', 'english'),
    ('consular notification', 'en', 'notificacion-consular', 'english'),
    ('contagious disease at the airport', 'en', 'enfermedad-contagiosa', 'english'),
    ('¿a qué hora abre el banco?', 'es', '', 'out-of-scope'),
    ('precio del dólar hoy', 'es', '', 'out-of-scope'),
    ('¿dónde está el estacionamiento?', 'es', '', 'out-of-scope'),
    ('recipe for tamales', 'en', '', 'out-of-scope'),
    ('resultados del futbol', 'es', '', 'out-of-scope'),
    ('mi jefe no me paga las horas extra', 'es', '', 'out-of-scope'),
    ('chamaco que viaja con su abuela', 'es', 'nna-acompanados,salida-menores', 'abbrev-slang'),
    ('me ofrecieron varo para no revisarlo', 'es', 'anticorrupcion', 'abbrev-slang'),
    ('polleros con un grupo de migrantes', 'es',
     'trafico-migrantes,trata-vs-trafico', 'abbrev-slang'),
    ('la FMM se le venció', 'es', 'fmm', 'abbrev-slang'),
    ('menor con la TVR', 'es', 'tvr', 'abbrev-slang'),
    ('huellas que no se leen en el sistema', 'es', 'falla-biometrica', 'keywords'),
    ('señales de trata', 'es', 'indicadores-trata', 'keywords'),
    ('uso de esposas', 'es', 'uso-fuerza', 'keywords'),
    ('mujer víctima de violación', 'es', 'violencia-sexual', 'keywords'),
    ('persona sorda en la fila', 'es', 'discapacidad', 'keywords'),
    ('notificar al consulado', 'es', 'notificacion-consular', 'keywords'),
    ('datos personales de los pasajeros', 'es', 'datos-personales', 'keywords'),
    ('pasaporte con la foto cambiada', 'es', 'documento-falso,impostores', 'keywords'),
    ('¿qué hago si una persona no habla español?', 'es',
     'interpretacion,pueblos-indigenas', 'question'),
    ('¿cómo reviso a una mujer embarazada?', 'es', 'embarazadas,revision-corporal', 'question'),
    ('¿qué hago si alguien se niega a dar sus huellas?', 'es',
     'captura-biometrica,falla-biometrica', 'question'),
    ('¿qué le explico a una persona que va a la estación migratoria?', 'es',
     'ingreso-estacion,informacion-derechos', 'question'),
    ('¿qué hago si un compañero trata mal a un migrante?', 'es',
     'denuncia-irregularidades,trato-digno', 'question'),
    ('¿cómo sé si una oferta de trabajo es trampa?', 'es', 'ofertas-empleo', 'question'),
    ('¿a quién llamo si un niño dice que lo obligan a viajar?', 'es',
     'nna-no-acompanados,victima-trata', 'question'),
    ('enbarazada', 'es', 'embarazadas', 'typo'),
    ('pasaprote', 'es', 'revision-pasaporte', 'typo'),
    ('trata de presonas', 'es', 'indicadores-trata,trata-vs-trafico,victima-trata', 'typo'),
    ('indijena', 'es', 'pueblos-indigenas', 'typo'),
    ('retorno voluntrio', 'es', 'retorno-asistido', 'typo'),
    ('how to talk to a child', 'en', 'hablar-con-ninos', 'english'),
    ('woman who was raped', 'en', 'violencia-sexual', 'english'),
    ('someone is afraid to go back home', 'en', 'expresiones-temor,no-devolucion', 'english'),
    ('expired visa', 'en', 'visas', 'english; es-only card'),
    ('tourist card days', 'en', 'fmm', 'english'),
    ('¿a qué hora es la junta?', 'es', '', 'out-of-scope'),
    ('quiero cambiar mi turno', 'es', '', 'out-of-scope'),
    ('¿cuánto cuesta la comida en la cafetería?', 'es', '', 'out-of-scope'),
    ('where is the bathroom', 'en', '', 'out-of-scope'),
    ('dame el número de mi jefe', 'es', '', 'out-of-scope'),
]


def run_eval(*args: str) -> dict:
    env = {**os.environ, "PREGONERO_SEMANTIC": "on"}  # the engine the bot runs: both layers
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "eval_search.py"), "--json",
                           *args], capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def paraphrases(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("eval") / "paraphrases.tsv"
    lines = ["query\tlang\trelevant\tnote"] + ["\t".join(row) for row in PARAPHRASES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reports(paraphrases: Path) -> dict[Path, dict]:
    """One run of the script over every query file below but the dev set (one import of the
    corpus, one start of the model): each file's report, by file. A file's report is the same
    as in a run of its own (the script evaluates each file on the same engine)."""
    files = [paraphrases, HELDOUT, HELDOUT_2, STORIES]
    return dict(zip(files, run_eval(*map(str, files))["reports"], strict=True))


def test_the_dev_queries_meet_the_targets_and_beat_the_plain_fts5_baseline():
    report = run_eval()  # the script's default query file, alone: one report object
    ours = report["ours"]["all"]
    assert ours["mrr5"] >= 0.85
    assert ours["hit3"] >= 0.93
    assert ours["abstention"] >= 0.80
    assert ours["mrr5"] > report["baseline_or"]["all"]["mrr5"]


def test_paraphrases_of_our_own_are_answered_about_as_well(reports, paraphrases):
    ours = reports[paraphrases]["ours"]["all"]
    assert ours["mrr5"] >= 0.85
    assert ours["hit3"] >= 0.90
    assert ours["abstention"] >= 0.70


def test_the_held_out_queries_are_answered_well_and_out_of_scope_ones_get_nothing(reports):
    report = reports[HELDOUT]
    ours = report["ours"]["all"]
    assert ours["answerable"] >= 90 and ours["unanswerable"] >= 12
    assert ours["mrr5"] >= 0.85
    assert ours["hit3"] >= 0.90
    assert ours["abstention"] >= 0.75
    assert ours["mrr5"] > report["baseline_or"]["all"]["mrr5"] + 0.15


def test_a_second_held_out_set_of_card_details_is_answered_better_than_plain_fts5(reports):
    report = reports[HELDOUT_2]
    ours = report["ours"]["all"]
    assert ours["mrr5"] >= 0.78
    assert ours["hit3"] >= 0.85
    assert ours["abstention"] >= 0.6
    assert ours["mrr5"] > report["baseline_or"]["all"]["mrr5"]


def test_several_query_files_are_reported_one_by_one_in_one_run(reports):
    # the fixture's one run: a report per file, in the files' order
    assert [r["queries"] for r in reports.values()] == [str(f) for f in reports]
    assert all("mrr5" in r["ours"]["all"] and "mrr5" in r["baseline_or"]["all"]
               for r in reports.values())


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    with Store.open(tmp_path_factory.mktemp("eval") / "eval.db") as store:
        import_folder(store.db, EVAL / "corpus", datetime(2026, 1, 1, tzinfo=UTC))
        yield store.db


def ids(db, query: str, lang: str = "es") -> list[str]:
    return [h.card_id for h in search(db, query, lang, limit=5).hits]


def test_a_word_that_only_shares_its_stem_with_a_card_word_finds_nothing(corpus_db):
    # Snowball stems "estacionamiento" like "estación"; no card speaks of parking
    assert ids(corpus_db, "¿dónde está el estacionamiento?") == []
    assert ids(corpus_db, "estación migratoria")[0] == "ingreso-estacion"


def test_fear_of_going_back_in_english_finds_the_protection_cards(corpus_db):
    got = ids(corpus_db, "someone is afraid to go back home", "en")
    assert "expresiones-temor" in got[:3]


def test_a_threat_to_life_on_return_ranks_the_fear_card_above_smuggling(corpus_db):
    got = ids(corpus_db, "un migrante dice que lo van a matar si regresa")
    assert got[0] == "expresiones-temor"
    assert "trafico-migrantes" not in got[:3]


def test_someone_who_does_not_speak_spanish_finds_the_interpreter_card(corpus_db):
    assert "interpretacion" in ids(corpus_db, "persona no habla español")[:3]


def test_a_card_close_in_score_to_the_best_is_not_cut_for_lower_coverage(corpus_db):
    # the fear card says "temor de regresar" in its body; assisted return has "regreso" in
    # its title: both answer
    got = ids(corpus_db, "temor de regresar")
    assert {"expresiones-temor", "retorno-asistido"} <= set(got[:3])


def test_several_of_the_officers_own_words_together_in_one_card_body_answer(corpus_db):
    # none of these words is in a title or keywords; the personal-data card says all three
    assert ids(corpus_db, "compartir expedientes por chat")[:1] == ["datos-personales"]


def test_everyday_words_that_cards_use_in_passing_still_get_nothing(corpus_db):
    for query in ("¿a qué hora es la junta?", "quiero cambiar mi turno",
                  "mi jefe no me paga las horas extra", "¿cuándo cae el aguinaldo?"):
        assert ids(corpus_db, query) == [], query


def test_a_field_word_no_card_uses_does_not_make_the_question_out_of_scope(corpus_db):
    # no card mentions El Salvador; the question is about a borrowed passport
    assert ids(corpus_db, "salvadoreño con pasaporte prestado")[:1] == ["impostores"]


def test_short_verb_forms_of_reading_find_the_failed_fingerprint_card(corpus_db):
    assert ids(corpus_db, "huellas que no se leen")[:1] == ["falla-biometrica"]


def test_two_of_the_officers_words_one_of_them_rare_together_in_a_card_body_answer(corpus_db):
    # "perro" is in one card only, beside "asistencia": the disability card
    assert ids(corpus_db, "perro de asistencia")[:1] == ["discapacidad"]


def test_texting_without_h_and_everyday_verbs_are_phrasing_not_topic(corpus_db):
    assert ids(corpus_db, "q ago si no trae su visa")[:1] == ["visas"]


def test_an_aggressive_person_finds_the_use_of_force_card(corpus_db):
    assert "uso-fuerza" in ids(corpus_db, "persona muy enojada y violenta")[:2]


def test_stories_slang_and_phonetic_spelling_are_answered_better_with_the_semantic_layer(
        reports):
    # the fusion's tuning set of officer-style questions: both layers beat the words alone,
    # and what the cards do not answer still gets nothing
    report = reports[STORIES]
    assert report["semantic_model"], "the semantic model is not installed"
    fused, lexical = report["ours"]["all"], report["lexical"]["all"]
    assert fused["mrr5"] > lexical["mrr5"]
    assert fused["abstention"] >= 0.8
