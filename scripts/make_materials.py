#!/usr/bin/env python3
"""Make the content's materials from the cards themselves, so they never drift from them.

    .venv/bin/python scripts/make_materials.py            # the materials that are out of date
    .venv/bin/python scripts/make_materials.py --all      # every material
    .venv/bin/python scripts/make_materials.py --check    # exit 1 if one is out of date

- Every SOP card (`kind: sop`) gets a printable PDF in each language, `<id>.<lang>.pdf` beside
  the card (the card names it with `document:`): title, version, the text's date, review
  status, legal basis, a flow chart of the steps, the whole procedure and whom to call.
- The cards in INFOGRAPHICS get a phone-sized infographic of their steps (`image:`), one per
  language: the same steps, in the same order, as the card.
- `messages/materials.json` records, for each file, the fingerprint of the card it was made from
  and the file's sha256; tests/test_materials.py fails when a card changed and its materials
  were not made again.

Headless chromium (/usr/bin/chromium, or PREGONERO_CHROMIUM) lays out HTML and prints the PDFs
and screenshots; nothing leaves the machine (the pages are set with set_content, no network).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import html
import json
import os
import sys
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.check import check_folder  # noqa: E402
from bot.content.materials import MANIFEST, Step, fingerprint, sections, steps  # noqa: E402
from bot.content.model import Kind, ParsedCard, ParsedTranslation  # noqa: E402

CHROMIUM = os.environ.get("PREGONERO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
# card id -> the infographic file of each language (the card names it with `image:`)
INFOGRAPHICS = {"nna-no-acompanados": {"es": "nna-flujo.png", "en": "nna-flow.png"}}
PHONE_WIDTH = 390  # CSS pixels: a phone's screen; drawn at 2x for sharpness
MD = MarkdownIt("commonmark", {"html": False})

# Each label of the documents in Spanish, then in English.
WORDS: dict[str, tuple[str, str]] = {
    "kind": ("Procedimiento operativo", "Standard operating procedure"),
    "version": ("Versión", "Version"),
    "date": ("Texto del", "Text of"),
    "review": ("Revisión", "Review"),
    "basis": ("Fundamento", "Legal basis"),
    "glance": ("De un vistazo", "At a glance"),
    "procedure": ("Procedimiento", "Procedure"),
    "call": ("A quién llamar", "Whom to call"),
    "region": ("Contactos de tu región: /directorio en Pregonero.",
               "Your region's contacts: /directory in Pregonero."),
    "pending": ("PENDIENTE de validación: {who}. Hasta entonces, confirma con tu superior antes "
                "de actuar.",
                "PENDING sign-off: {who}. Until then, check with your supervisor before acting "
                "on it."),
    "signed": ("{date}, {who}", "{date}, {who}"),
    "source": ("Generado de {source} (versión {version}) con scripts/make_materials.py. Si la "
               "tarjeta cambia, este documento se vuelve a generar.",
               "Made from {source} (version {version}) by scripts/make_materials.py. When the "
               "card changes, this document is made again."),
    "page": ("Página", "Page"),
    "if": ("Si aplica", "When it applies"),
    "verify": ("Verificar antes del {date}", "Verify by {date}"),
}
LABELS = {lang: {key: pair[i] for key, pair in WORDS.items()}
          for i, lang in enumerate(("es", "en"))}

STYLE = """
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1e1e1e;
       margin: 0; }
.navy { color: #123456; }
.flow { display: flex; flex-direction: column; align-items: stretch; gap: 0; }
.box { border: 2px solid #123456; border-radius: 10px; padding: 8px 12px; background: #e6eef6;
       display: flex; gap: 10px; align-items: flex-start; }
.box.if { border-style: dashed; background: #fff7e0; border-color: #9a6a00; }
.num { flex: 0 0 auto; width: 30px; height: 30px; border-radius: 50%; background: #123456;
       color: #fff; font-weight: 700; display: flex; align-items: center;
       justify-content: center; }
.box.if .num { background: #9a6a00; }
.lead { font-weight: 700; }
.arrow { text-align: center; color: #123456; line-height: 1; }
"""


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def review_text(t: ParsedTranslation, labels: dict[str, str]) -> str:
    review = t.reviewed
    if review is None:
        return "—"
    if review.pending:
        return labels["pending"].format(who=review.reviewer or "?")
    return labels["signed"].format(date=review.on.isoformat(), who=review.reviewer)


def flow_html(items: tuple[Step, ...], labels: dict[str, str], detail: bool) -> str:
    parts = []
    for i, step in enumerate(items):
        if i:
            parts.append('<div class="arrow">▼</div>')
        lead = step.lead or step.detail
        rest = step.detail if step.lead and detail else ""
        tag = f' <span class="tag">({esc(labels["if"])})</span>' if step.conditional else ""
        parts.append(
            f'<div class="box{" if" if step.conditional else ""}"><div class="num">'
            f'{step.number}</div><div><div class="lead">{esc(lead)}{tag}</div>'
            + (f'<div class="detail">{esc(rest)}</div>' if rest else "") + "</div></div>")
    return '<div class="flow">' + "".join(parts) + "</div>"


def contacts_of(t: ParsedTranslation, directory: dict[str, ParsedTranslation]
                ) -> list[ParsedTranslation]:
    return [directory[c] for c in t.calls if c in directory]


def pdf_html(card: ParsedCard, t: ParsedTranslation, directory: dict[str, ParsedTranslation]
             ) -> str:
    labels = LABELS[t.lang]
    body = "\n".join(line for line in t.body_md.splitlines() if "PDF" not in line)
    date = t.reviewed.on.isoformat() if t.reviewed else ""
    rows = [(labels["version"], esc(card.version)), (labels["date"], esc(date)),
            (labels["review"], esc(review_text(t, labels))),
            (labels["basis"], "<br>".join(esc(b) for b in t.legal_basis) or "—")]
    meta = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    calls = []
    for c in contacts_of(t, directory):
        info = c.contact
        how = []
        if info and info.phone:
            how.append(f"<b>{esc(info.phone)}</b>")
        if info and info.website:
            how.append(esc(info.website))
        if info and info.verify:
            how.append(f"<small>{esc(labels['verify'].format(date=info.verify.isoformat()))}"
                       "</small>")
        calls.append(f"<li><b>{esc(c.title)}</b> · {' · '.join(how)}<br>"
                     f"<span class=\"muted\">{esc(c.summary)}</span></li>")
    glance = "".join(
        (f"<h3>{esc(s.heading)}</h3>" if s.heading else "") + flow_html(s.steps, labels, False)
        for s in sections(t.body_md))
    source = f"messages/{card.topic}/{card.id}.{t.lang}.md"
    return f"""<!doctype html><html lang="{t.lang}"><head><meta charset="utf-8">
<title>{esc(t.title)}</title><style>{STYLE}
@page {{ size: Letter; margin: 18mm 16mm 20mm 16mm; }}
body {{ font-size: 10.5pt; line-height: 1.4; }}
header {{ border-bottom: 3px solid #123456; padding-bottom: 6px; margin-bottom: 10px; }}
header .kind {{ text-transform: uppercase; letter-spacing: .08em; font-size: 8.5pt;
               color: #c41e3a; font-weight: 700; }}
h1 {{ font-size: 17pt; margin: 2px 0 0; color: #123456; }}
h2 {{ font-size: 12.5pt; color: #123456; border-bottom: 1px solid #b8c6d6; padding-bottom: 2px;
     margin: 16px 0 8px; break-after: avoid; }}
h3 {{ font-size: 10.5pt; margin: 10px 0 6px; color: #123456; }}
table.meta {{ border-collapse: collapse; width: 100%; font-size: 9.5pt; }}
table.meta th {{ text-align: left; width: 24%; padding: 3px 8px; background: #e6eef6;
                vertical-align: top; }}
table.meta td {{ padding: 3px 8px; border-bottom: 1px solid #e6eef6; }}
.box {{ padding: 5px 10px; break-inside: avoid; }} .num {{ width: 24px; height: 24px;
font-size: 9.5pt; }} .arrow {{ font-size: 9pt; margin: 1px 0; }}
.tag {{ font-weight: 400; font-size: 8.5pt; color: #9a6a00; }}
.procedure p {{ margin: 6px 0; }} .procedure li {{ margin: 3px 0; }}
ul.calls {{ padding-left: 18px; }} ul.calls li {{ margin: 5px 0; break-inside: avoid; }}
.muted {{ color: #555; font-size: 9pt; }}
footer {{ margin-top: 16px; font-size: 8pt; color: #555; border-top: 1px solid #b8c6d6;
         padding-top: 4px; }}
</style></head><body>
<header><div class="kind">Pregonero · {esc(labels["kind"])}</div><h1>{esc(t.title)}</h1></header>
<table class="meta">{meta}</table>
<h2>{esc(labels["glance"])}</h2>{glance}
<h2>{esc(labels["procedure"])}</h2><div class="procedure">{MD.render(body)}</div>
<h2>{esc(labels["call"])}</h2><ul class="calls">{"".join(calls)}</ul>
<p class="muted">{esc(labels["region"])}</p>
<footer>{esc(labels["source"].format(source=source, version=card.version))}</footer>
</body></html>"""


def infographic_html(t: ParsedTranslation, directory: dict[str, ParsedTranslation]) -> str:
    labels = LABELS[t.lang]
    calls = " · ".join(esc(c.title) + (f" {esc(c.contact.phone)}" if c.contact and
                                       c.contact.phone else "")
                       for c in contacts_of(t, directory))
    return f"""<!doctype html><html lang="{t.lang}"><head><meta charset="utf-8"><style>{STYLE}
body {{ width: {PHONE_WIDTH}px; background: #fff; }}
#card {{ padding: 14px 14px 12px; }}
h1 {{ font-size: 21px; line-height: 1.2; margin: 0 0 4px; color: #123456; }}
.kicker {{ font-size: 12px; font-weight: 700; letter-spacing: .06em; color: #c41e3a;
          text-transform: uppercase; margin-bottom: 4px; }}
.box {{ font-size: 15px; line-height: 1.3; }} .lead {{ font-size: 16.5px; }}
.detail {{ font-size: 14px; color: #333; margin-top: 2px; }}
.arrow {{ font-size: 13px; margin: 2px 0; }}
.tag {{ font-weight: 400; font-size: 12.5px; color: #9a6a00; }}
.calls {{ margin-top: 10px; font-size: 14px; background: #123456; color: #fff;
         border-radius: 10px; padding: 8px 12px; }}
.calls b {{ display: block; font-size: 12px; letter-spacing: .05em; text-transform: uppercase; }}
</style></head><body><div id="card">
<div class="kicker">{esc(labels["kind"])}</div><h1>{esc(t.title)}</h1>
{flow_html(steps(t.body_md), labels, True)}
<div class="calls"><b>{esc(labels["call"])}</b>{calls}</div>
</div></body></html>"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plan(messages: Path) -> list[tuple[ParsedCard, ParsedTranslation, str, Path]]:
    """(card, translation, "pdf" | "png", target) for every material to make."""
    result = check_folder(messages)
    if not result.ok:
        raise SystemExit(f"content check finds errors in {messages}: fix them first")
    todo = []
    for card in result.cards:
        for lang, t in card.translations.items():
            folder = messages / card.topic
            if card.kind == Kind.SOP:
                todo.append((card, t, "pdf", folder / f"{card.id}.{lang}.pdf"))
            name = INFOGRAPHICS.get(card.id, {}).get(lang)
            if name:
                todo.append((card, t, "png", folder / name))
    return todo


def directories(messages: Path) -> dict[str, dict[str, ParsedTranslation]]:
    result = check_folder(messages)
    found: dict[str, dict[str, ParsedTranslation]] = {}
    for lang in ("es", "en"):
        found[lang] = {c.id: c.translations.get(lang) or c.primary
                       for c in result.cards if c.kind == Kind.CONTACT}
    return found


async def make(messages: Path, everything: bool = False) -> dict[str, dict[str, str]]:
    """Make the stale materials (all with `everything`); the manifest of every material."""
    from playwright.async_api import async_playwright

    path = messages / MANIFEST
    recorded = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    todo = plan(messages)
    wanted = {target.relative_to(messages).as_posix() for _c, _t, _k, target in todo}
    manifest = {rel: entry for rel, entry in recorded.items() if rel in wanted}
    if not everything:
        out_of_date = {line.split(":", 1)[0] for line in stale(messages)}
        todo = [item for item in todo
                if item[3].relative_to(messages).as_posix() in out_of_date]
    dirs = directories(messages)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for card, t, kind, target in todo:
                directory = dirs[t.lang]
                if kind == "pdf":
                    page = await browser.new_page()
                    await page.set_content(pdf_html(card, t, directory))
                    footer = (f'<div style="font-size:8px;width:100%;text-align:center;'
                              f'color:#555">{esc(t.title)} · {LABELS[t.lang]["page"]} '
                              '<span class="pageNumber"></span>/<span class="totalPages">'
                              "</span></div>")
                    await page.pdf(path=str(target), format="Letter", print_background=True,
                                   display_header_footer=True, header_template="<div></div>",
                                   footer_template=footer,
                                   margin={"top": "16mm", "bottom": "18mm", "left": "16mm",
                                           "right": "16mm"})
                else:
                    page = await browser.new_page(
                        viewport={"width": PHONE_WIDTH, "height": 800}, device_scale_factor=2)
                    await page.set_content(infographic_html(t, directory))
                    await page.locator("#card").screenshot(path=str(target))
                await page.close()
                rel = target.relative_to(messages).as_posix()
                manifest[rel] = {"card": card.id, "lang": t.lang,
                                 "fingerprint": fingerprint(t, directory),
                                 "sha256": sha256(target)}
                print(f"{target.relative_to(ROOT)}: {target.stat().st_size} bytes")
        finally:
            await browser.close()
    return manifest


def stale(messages: Path) -> list[str]:
    """Materials whose card changed since they were made, or that are missing or edited."""
    path = messages / MANIFEST
    recorded = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    dirs = directories(messages)
    out = []
    for _card, t, _kind, target in plan(messages):
        rel = target.relative_to(messages).as_posix()
        entry = recorded.get(rel)
        if entry is None or not target.exists():
            out.append(f"{rel}: missing")
        elif entry["fingerprint"] != fingerprint(t, dirs[t.lang]):
            out.append(f"{rel}: its card changed")
        elif entry["sha256"] != sha256(target):
            out.append(f"{rel}: the file was edited by hand")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale materials")
    parser.add_argument("--all", action="store_true", help="make every material again")
    parser.add_argument("--messages", default=str(ROOT / "messages"))
    args = parser.parse_args()
    messages = Path(args.messages)
    if args.check:
        problems = stale(messages)
        for line in problems:
            print(line)
        return 1 if problems else 0
    manifest = asyncio.run(make(messages, everything=args.all))
    (messages / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1,
                                                sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
