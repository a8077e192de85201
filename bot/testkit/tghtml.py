"""Telegram's HTML parse mode, as the Bot API server parses it: text + entities, or its error.

A port of the rules of TDLib's `parse_html` (`td/telegram/MessageEntity.cpp`): the supported
tags, the four named entities plus numeric ones, tag names case-insensitive, every start tag
closed in order. Errors carry Telegram's own wording with byte offsets into the UTF-8 text, so
`parse_html("<foo>")` raises `HtmlError('Unsupported start tag "foo" at byte offset 0')`,
which the emulator sends as `Bad Request: can't parse entities: <that>`.

Offsets and lengths of entities are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

TAG_TYPES = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code", "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}

_SPACES = " \t\r\n\f\v"


class HtmlError(ValueError):
    """Telegram's description of why the HTML cannot be parsed (without the prefix)."""


@dataclass
class _Open:
    tag: str
    byte_offset: int
    utf16_offset: int
    argument: str = ""
    attrs: dict[str, str] = field(default_factory=dict)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """The character of the entity starting at text[i] == '&' and the index after it."""
    end = text.find(";", i + 1, i + 12)
    if end == -1:
        return None
    name = text[i + 1 : end]
    if name.startswith("#"):
        try:
            code = int(name[2:], 16) if name[1:2] in ("x", "X") else int(name[1:])
        except ValueError:
            return None
        if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), end + 1
    if name in NAMED_ENTITIES:
        return NAMED_ENTITIES[name], end + 1
    return None


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Parse Telegram HTML into (plain text, entities). Raises HtmlError with Telegram's text."""
    out: list[str] = []
    utf16 = 0
    entities: list[dict] = []
    stack: list[_Open] = []
    n = len(text)

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    i = 0
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                utf16 += utf16_len(decoded[0])
                i = decoded[1]
                continue
            out.append(ch)
            utf16 += 1
            i += 1
            continue
        if ch != "<":
            out.append(ch)
            utf16 += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        begin_bytes = byte_offset(begin)
        if i + 1 < n and text[i + 1] == "/":
            i = _end_tag(text, i, begin_bytes, stack, entities, utf16)
            continue
        i += 1
        name_begin = i
        while i < n and text[i] not in _SPACES and text[i] != ">":
            i += 1
        if i >= n:
            raise HtmlError(f"Unclosed start tag at byte offset {begin_bytes}")
        tag = text[name_begin:i].lower()
        if tag not in TAG_TYPES:
            raise HtmlError(f'Unsupported start tag "{tag}" at byte offset {begin_bytes}')
        attrs: dict[str, str] = {}
        while text[i] != ">":
            while i < n and text[i] in _SPACES:
                i += 1
            if i >= n:
                raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {begin_bytes}')
            if text[i] == ">":
                break
            attr_begin = i
            while i < n and text[i] not in _SPACES and text[i] not in "=>":
                i += 1
            attr = text[attr_begin:i].lower()
            if not attr:
                raise HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset '
                                f"{byte_offset(attr_begin)}")
            while i < n and text[i] in _SPACES:
                i += 1
            if i < n and text[i] == ">" and tag == "blockquote" and attr == "expandable":
                attrs[attr] = ""
                break
            if i >= n or text[i] != "=":
                if tag == "blockquote" and attr == "expandable" and i < n:
                    attrs[attr] = ""
                    continue
                raise HtmlError(f'Expected equal sign in declaration of an attribute of the tag '
                                f'"{tag}" at byte offset {begin_bytes}')
            i += 1
            while i < n and text[i] in _SPACES:
                i += 1
            if i >= n:
                raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {begin_bytes}')
            value: list[str] = []
            if text[i] not in "'\"":
                while i < n and (text[i].isalnum() or text[i] in "_-.:/?=&#%+~"):
                    value.append(text[i])
                    i += 1
                if not value:
                    raise HtmlError(f'Expected quote in declaration of an attribute of the tag '
                                    f'"{tag}" at byte offset {byte_offset(i)}')
            else:
                quote = text[i]
                quote_at = i
                i += 1
                while i < n and text[i] != quote:
                    if text[i] == "&":
                        decoded = _decode_entity(text, i)
                        if decoded is not None:
                            value.append(decoded[0])
                            i = decoded[1]
                            continue
                    value.append(text[i])
                    i += 1
                if i >= n:
                    raise HtmlError(f"Unclosed start tag at byte offset {byte_offset(quote_at)}")
                i += 1
            attrs[attr] = "".join(value)
            if i >= n:
                raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {begin_bytes}')
        i += 1  # past '>'
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset '
                            f"{begin_bytes}")
        stack.append(_Open(tag, begin_bytes, utf16, attrs=attrs))
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return "".join(out), _finish(entities)


def _end_tag(text: str, i: int, begin_bytes: int, stack: list[_Open], entities: list[dict],
             utf16: int) -> int:
    n = len(text)
    if not stack:
        raise HtmlError(f"Unexpected end tag at byte offset {begin_bytes}")
    i += 2
    name_begin = i
    while i < n and text[i] not in _SPACES and text[i] != ">":
        i += 1
    name = text[name_begin:i].lower()
    while i < n and text[i] in _SPACES:
        i += 1
    if i >= n or text[i] != ">":
        raise HtmlError(f"Unclosed end tag at byte offset {begin_bytes}")
    opened = stack[-1]
    if name and name != opened.tag:
        raise HtmlError(f'Unmatched end tag at byte offset {begin_bytes}, expected '
                        f'"</{opened.tag}>", found "</{name}>"')
    stack.pop()
    length = utf16 - opened.utf16_offset
    if length > 0:
        entity = _entity(opened, length)
        if entity is not None:
            if entity["type"] == "code" and stack and stack[-1].tag == "pre":
                lang = opened.attrs.get("class", "")
                if lang.startswith("language-"):
                    stack[-1].argument = lang.removeprefix("language-")
                entities.append(entity)
            else:
                if entity["type"] == "pre":
                    if opened.argument:
                        entity["language"] = opened.argument
                    # an inner <code> covering the whole pre merges into it
                    for j in range(len(entities) - 1, -1, -1):
                        e = entities[j]
                        if (e["type"] == "code" and e["offset"] == entity["offset"]
                                and e["length"] == entity["length"]):
                            del entities[j]
                            break
                entities.append(entity)
    return i + 1


def _entity(opened: _Open, length: int) -> dict | None:
    kind = TAG_TYPES[opened.tag]
    entity: dict = {"type": kind, "offset": opened.utf16_offset, "length": length}
    if kind == "text_link":
        url = opened.attrs.get("href", "")
        if not url:
            return None
        if url.startswith("tg://user?id="):
            user_id = url.removeprefix("tg://user?id=")
            if not user_id.isdigit():
                return None
            return {"type": "text_mention", "offset": opened.utf16_offset, "length": length,
                    "user": {"id": int(user_id), "is_bot": False, "first_name": ""}}
        entity["url"] = url
    elif kind == "blockquote" and "expandable" in opened.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        emoji_id = opened.attrs.get("emoji-id", "")
        if not emoji_id.isdigit():
            return None
        entity["custom_emoji_id"] = emoji_id
    elif kind == "date_time":
        unix = opened.attrs.get("unix", "")
        if not unix.isdigit():
            return None
        entity["unix_time"] = int(unix)
        if opened.attrs.get("format"):
            entity["date_time_format"] = opened.attrs["format"]
    return entity


_OPAQUE = ("code", "pre")
_QUOTES = ("blockquote", "expandable_blockquote")


def _finish(entities: list[dict]) -> list[dict]:
    """Sorted as Telegram sends them; nothing styled inside code or pre, no quote in a quote."""
    ordered = sorted(entities, key=lambda e: (e["offset"], -e["length"]))
    kept: list[dict] = []
    for e in ordered:
        inside = [k for k in kept if k["offset"] <= e["offset"]
                  and e["offset"] + e["length"] <= k["offset"] + k["length"]]
        if any(k["type"] in _OPAQUE for k in inside):
            continue
        if e["type"] in _QUOTES and any(k["type"] in _QUOTES for k in inside):
            continue
        kept.append(e)
    return kept


def strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram trims leading and trailing whitespace; entities shift and shrink with it."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    result = []
    for e in entities:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, total)
        if end > start:
            result.append({**e, "offset": start, "length": end - start})
    return stripped, result


def to_html(text: str, entities: list[dict]) -> str:
    """Entities back to Telegram HTML (for transcripts and the sandbox)."""
    import html

    units = text.encode("utf-16-le")

    def piece(a: int, b: int) -> str:
        return units[a * 2 : b * 2].decode("utf-16-le")

    opens: dict[int, list[dict]] = {}
    closes: dict[int, list[dict]] = {}
    for e in _finish(entities):
        opens.setdefault(e["offset"], []).append(e)
        closes.setdefault(e["offset"] + e["length"], []).insert(0, e)
    out: list[str] = []
    points = sorted({0, len(units) // 2, *opens, *closes})
    for a, b in zip(points, [*points[1:], None], strict=False):
        for e in closes.get(a, []):
            out.append(_close_tag(e))
        for e in opens.get(a, []):
            out.append(_open_tag(e))
        if b is not None:
            out.append(html.escape(piece(a, b), quote=False))
    return "".join(out)


_OPEN = {"bold": "b", "italic": "i", "underline": "u", "strikethrough": "s",
         "spoiler": "tg-spoiler", "code": "code", "pre": "pre", "blockquote": "blockquote",
         "expandable_blockquote": "blockquote", "text_link": "a", "text_mention": "a"}


def _open_tag(e: dict) -> str:
    import html

    tag = _OPEN.get(e["type"])
    if tag is None:
        return ""
    if e["type"] == "text_link":
        return f'<a href="{html.escape(e["url"])}">'
    if e["type"] == "text_mention":
        return f'<a href="tg://user?id={e["user"]["id"]}">'
    if e["type"] == "expandable_blockquote":
        return "<blockquote expandable>"
    if e["type"] == "pre" and e.get("language"):
        return f'<pre><code class="language-{html.escape(e["language"])}">'
    return f"<{tag}>"


def _close_tag(e: dict) -> str:
    tag = _OPEN.get(e["type"])
    if tag is None:
        return ""
    if e["type"] == "pre" and e.get("language"):
        return "</code></pre>"
    return f"</{tag}>"
