#!/usr/bin/env python3
"""Make the starter content's materials with the standard library only.

    .venv/bin/python scripts/make_materials.py

- messages/ninez/nna-flujo.png and nna-flow.png: the unaccompanied-children SOP as a flow
  infographic (Spanish, English), drawn with a 5x7 bitmap font and written as a palette PNG.
- messages/refugio/sop-refugio.pdf: the asylum-referral SOP as a one-page PDF (Helvetica),
  its text taken from the card itself so the two never drift apart.
"""

from __future__ import annotations

import struct
import sys
import textwrap
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.parse import split_front_matter  # noqa: E402
from bot.content.render import render_text  # noqa: E402

# --- a 5x7 bitmap font (uppercase, digits, a little punctuation) --------------------------
GLYPHS = {
    "A": ".###.#...##...#######...##...##...#", "B": "####.#...#####.#...##...##...#####.",
    "C": ".####.....#....#....#....#.....####", "D": "####.#...##...##...##...##...#####.",
    "E": "######....####.#....#....#....#####", "F": "######....####.#....#....#....#....",
    "G": ".####.....#....#..###...##...#.####", "H": "#...##...#######...##...##...##...#",
    "I": "#####..#....#....#....#....#..#####", "J": "....#....#....#....##...##...#.###.",
    "K": "#...##..#.###..#.#..#..#.#...##...#", "L": "#....#....#....#....#....#....#####",
    "M": "#...###.###.#.##...##...##...##...#", "N": "#...###..##.#.##..###...##...##...#",
    "O": ".###.#...##...##...##...##...#.###.", "P": "####.#...##...#####.#....#....#....",
    "Q": ".###.#...##...##...##.#.##..#..##.#", "R": "####.#...##...#####.#.#..#..#.#...#",
    "S": ".#####....#.....###.....#....######", "T": "#####..#....#....#....#....#....#..",
    "U": "#...##...##...##...##...##...#.###.", "V": "#...##...##...##...#.#.#..#.#...#..",
    "W": "#...##...##...##.#.##.#.##.#..#.#..", "X": "#...##...#.#.#...#...#.#.#...##...#",
    "Y": "#...##...#.#.#...#....#....#....#..", "Z": "#####....#...#...#...#...#....#####",
    "0": ".###.#...##..###.#.###..##...#.###.", "1": "..#...##....#....#....#....#...###.",
    "2": ".###.#...#....#...#...#...#...#####", "3": "####.....#....#.###.....#....#####.",
    "4": "...#...##..#.#.#..#.#####...#....#.", "5": "######....####.....#....#....#####.",
    "6": ".###.#....#....####.#...##...#.###.", "7": "#####....#...#...#...#....#....#...",
    "8": ".###.#...##...#.###.#...##...#.###.", "9": ".###.#...##...#.####....#....#.###.",
    " ": "." * 35, ".": "." * 30 + "..#..", ",": "." * 25 + "..#.." ".#...",
    ":": "....." "..#.." "....." "....." "..#.." "....." ".....",
    "-": "....." "....." "....." ".###." "....." "....." ".....",
    "?": ".###." "#...#" "....#" "...#." "..#.." "....." "..#..",
    "¿": "..#.." "....." "..#.." ".#..." "#...." "#...#" ".###.",
    "/": "....#" "....#" "...#." "..#.." ".#..." "#...." "#....",
}
ACCENTS = {"Á": "A", "É": "E", "Í": "I", "Ó": "O", "Ú": "U", "Ñ": "N"}
SCALE = 3
CHAR_W, CHAR_H = (5 + 1) * SCALE, (7 + 2) * SCALE  # one column of spacing, two accent rows

PALETTE = [(255, 255, 255), (18, 52, 86), (230, 238, 246), (196, 30, 58), (30, 30, 30)]
WHITE, NAVY, PALE, RED, INK = range(5)


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray([WHITE]) * (width * height)

    def rect(self, x: int, y: int, w: int, h: int, color: int) -> None:
        for row in range(max(0, y), min(self.height, y + h)):
            start = row * self.width
            self.pixels[start + max(0, x):start + min(self.width, x + w)] = bytes(
                [color]) * (min(self.width, x + w) - max(0, x))

    def text(self, x: int, y: int, text: str, color: int) -> None:
        for char in text.upper():
            base = ACCENTS.get(char, char)
            glyph = GLYPHS.get(base, GLYPHS[" "])
            for i, bit in enumerate(glyph.ljust(35, ".")[:35]):
                if bit == "#":
                    self.rect(x + (i % 5) * SCALE, y + (2 + i // 5) * SCALE, SCALE, SCALE, color)
            if char == "Ñ":
                self.rect(x + SCALE, y, 3 * SCALE, SCALE, color)
            elif char in ACCENTS:
                self.rect(x + 2 * SCALE, y, 2 * SCALE, SCALE, color)
            x += CHAR_W

    def centered(self, y: int, text: str, color: int) -> None:
        self.text((self.width - len(text) * CHAR_W) // 2, y, text, color)

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(self.pixels[r * self.width:(r + 1) * self.width])
                       for r in range(self.height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 3, 0, 0, 0)
        palette = b"".join(bytes(c) for c in PALETTE)
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"PLTE", palette)
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def flow_png(title: str, steps: list[str], footer: str) -> bytes:
    box_h, gap = 66, 26
    width = max(780, 210 + max(len(s) for s in steps) * CHAR_W)
    height = 120 + len(steps) * (box_h + gap) + 80
    canvas = Canvas(width, height)
    canvas.rect(0, 0, width, 90, NAVY)
    canvas.centered(32, title, WHITE)
    y = 120
    for n, step in enumerate(steps, 1):
        color = RED if n == 1 else NAVY
        canvas.rect(40, y, width - 80, box_h, PALE)
        canvas.rect(40, y, 70, box_h, color)
        canvas.text(40 + (70 - CHAR_W) // 2 + SCALE, y + (box_h - CHAR_H) // 2, str(n), WHITE)
        canvas.text(130, y + (box_h - CHAR_H) // 2, step, INK)
        if n < len(steps):
            canvas.rect(width // 2 - 3, y + box_h, 6, gap - 8, NAVY)
            for i in range(8):
                canvas.rect(width // 2 - 8 + i, y + box_h + gap - 8 + i, 16 - 2 * i, 1, NAVY)
        y += box_h + gap
    canvas.rect(0, height - 70, width, 70, NAVY)
    canvas.centered(height - 50, footer, WHITE)
    return canvas.png()


NNA_ES = ("NNA NO ACOMPAÑADOS", [
    "ATIENDE DE INMEDIATO", "PROTEGE: AGUA, COMIDA, LUGAR SEGURO",
    "AVISA A LA PROCURADURÍA Y AL DIF", "PREGUNTA LO MÍNIMO", "¿TEMOR? AVISA A LA COMAR",
    "REGISTRA TODO"], "INTERÉS SUPERIOR DE LA NIÑEZ")
NNA_EN = ("UNACCOMPANIED CHILDREN", [
    "ATTEND TO THEM AT ONCE", "PROTECT: WATER, FOOD, SAFE PLACE",
    "NOTIFY CHILD PROTECTION AND DIF", "ASK ONLY THE MINIMUM", "FEAR? INFORM COMAR",
    "RECORD EVERYTHING"], "BEST INTERESTS OF THE CHILD")


# --- a one-page PDF with Helvetica ----------------------------------------------------------
def _pdf_string(text: str) -> bytes:
    data = text.replace("◦", "-").encode("cp1252", errors="replace")
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def text_pdf(title: str, subtitle: str, body: str) -> bytes:
    lines: list[tuple[str, int, str]] = [("F2", 15, line) for line in textwrap.wrap(title, 62)]
    lines += [("F1", 9, subtitle), ("F1", 11, "")]
    for paragraph in body.split("\n"):
        indent = len(paragraph) - len(paragraph.lstrip())
        wrapped = textwrap.wrap(paragraph.strip(), 84 - indent) or [""]
        for i, line in enumerate(wrapped):
            pad = " " * (indent + (3 if i and paragraph.lstrip()[:1].isdigit() else 0))
            lines.append(("F1", 11, pad + line))
    stream = [b"BT", b"56 790 Td"]
    for font, size, line in lines:
        stream.append(f"/{font} {size} Tf 0 -{size + 5} Td".encode() + b" "
                      + _pdf_string(line) + b" Tj")
    stream.append(b"ET")
    content = b"\n".join(stream)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
        b"/Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    return bytes(out)


def card_text(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    meta, body, _ = split_front_matter(text)
    title = next(line.split(":", 1)[1].strip().strip('"') for line in meta.splitlines()
                 if line.startswith("title:"))
    body = "\n".join(line for line in body.splitlines()
                     if "PDF" not in line)  # the card's pointer to this very file
    return title, render_text(body)


def main() -> None:
    messages = ROOT / "messages"
    for (title, steps, footer), name in ((NNA_ES, "nna-flujo.png"), (NNA_EN, "nna-flow.png")):
        target = messages / "ninez" / name
        target.write_bytes(flow_png(title, steps, footer))
        print(f"{target.relative_to(ROOT)}: {target.stat().st_size} bytes")
    title, body = card_text(messages / "refugio" / "expresiones-temor.es.md")
    target = messages / "refugio" / "sop-refugio.pdf"
    target.write_bytes(text_pdf(title, "Procedimiento operativo, versión 1", body))
    print(f"{target.relative_to(ROOT)}: {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
