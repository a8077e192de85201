"""Markdown to Telegram HTML (parse_mode="HTML") and to plain text. Pure functions.

Telegram accepts only a few tags (b, i, s, u, code, pre, a, blockquote, ...), no <p> or <br>,
and only the entities &lt; &gt; &amp; &quot; plus numeric ones. So the Markdown tree from
markdown-it-py is walked and written out with newlines for structure:

- **bold** -> <b>, _italic_ -> <i>, ~~strike~~ -> <s>, `code` -> <code>, fences -> <pre>
- links -> <a href> for http(s), tg and mailto only (other links keep their text)
- headings -> a bold line; lists -> "• item" / "1. item", nested ones indented
- > quotes -> <blockquote> (never nested: Telegram refuses that)
- a line break inside a paragraph stays a line break (as in chat apps); blocks are separated by
  one blank line, or by a plain line break where the source has none between them (a bold
  line right above its list); raw HTML is shown as text, never passed through.

Length is what Telegram counts: Unicode code points of the text after entity parsing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

ALLOWED_SCHEMES = ("http://", "https://", "tg://", "mailto:")
TELEGRAM_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
     "tg-emoji", "tg-time", "code", "pre", "blockquote"}
)
INDENT = "   "
_MD = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
_TAG = re.compile(r"<[^>]*>")
_LANG_CLASS = re.compile(r"[^A-Za-z0-9_+#.-]")


@dataclass(frozen=True)
class _Ctx:
    html: bool
    styles: frozenset[str] = frozenset()  # tags open around this point (never nest the same)
    in_quote: bool = False
    depth: int = 0  # list nesting
    lines: tuple[str, ...] = ()  # the source, to keep blocks tight where it has no blank line


def render_html(markdown: str) -> str:
    """Telegram HTML for a Markdown text."""
    return render_both(markdown)[0]


def render_text(markdown: str) -> str:
    """Plain text for a Markdown text (search index, terminal, length checks)."""
    return render_both(markdown)[1]


def render_both(markdown: str) -> tuple[str, str]:
    """(Telegram HTML, plain text) for a Markdown text, parsed once."""
    markdown = markdown or ""
    tree = SyntaxTreeNode(_MD.parse(markdown))
    lines = tuple(markdown.split("\n"))
    html_text, plain = (
        _blocks(tree.children, _Ctx(html=mode, lines=lines), "\n\n").strip("\n")
        for mode in (True, False))
    return html_text, plain


def telegram_length(html_text: str) -> int:
    """Characters Telegram counts for an HTML message: code points after entity parsing."""
    return len(html.unescape(_TAG.sub("", html_text)))


def card_message_html(title: str, body_html: str) -> str:
    """The message a card is sent as: its title in bold, a blank line, its body."""
    head = f"<b>{escape(title)}</b>"
    return f"{head}\n\n{body_html}" if body_html else head


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def _blocks(nodes: list[SyntaxTreeNode], ctx: _Ctx, sep: str) -> str:
    """Blocks separated by `sep`, or by one newline where the source had no blank line
    between them (a bold line right above its list stays right above it)."""
    out = ""
    for node in nodes:
        text = _block(node, ctx)
        if not text.strip():
            continue
        out += (("\n" if _follows_directly(node, ctx) else sep) + text) if out else text
    return out


def _follows_directly(node: SyntaxTreeNode, ctx: _Ctx) -> bool:
    if node.map is None or not 0 < node.map[0] <= len(ctx.lines):
        return False
    above = ctx.lines[node.map[0] - 1]
    return bool(above.strip().lstrip(">").strip())


def _block(node: SyntaxTreeNode, ctx: _Ctx) -> str:
    kind = node.type
    if kind == "paragraph":
        return _inlines(node.children, ctx)
    if kind == "heading":
        return _wrap("b", _inlines(node.children, _styled(ctx, "b")), ctx)
    if kind in ("bullet_list", "ordered_list"):
        return _list(node, ctx)
    if kind == "blockquote":
        inner = _blocks(node.children, replace(ctx, in_quote=True), "\n\n")
        if ctx.in_quote or not ctx.html:
            return "\n".join("» " + line if line else line for line in inner.split("\n"))
        return f"<blockquote>{inner}</blockquote>"
    if kind in ("fence", "code_block"):
        code = node.content.rstrip("\n")
        if not ctx.html or ctx.in_quote:  # no <pre> inside a blockquote
            return _text(code, ctx)
        lang = _LANG_CLASS.sub("", (node.info or "").split(" ")[0]) if kind == "fence" else ""
        if not code:
            return ""
        if lang:
            return f'<pre><code class="language-{lang}">{escape(code)}</code></pre>'
        return f"<pre>{escape(code)}</pre>"
    if kind == "hr":
        return "———"
    if kind == "inline":
        return _inlines(node.children, ctx)
    if kind in ("html_block", "text"):  # html is off, but be safe: show it as text
        return _text(node.content, ctx)
    return _blocks(node.children, ctx, "\n\n")


def _list(node: SyntaxTreeNode, ctx: _Ctx) -> str:
    ordered = node.type == "ordered_list"
    number = int(node.attrs.get("start", 1) or 1) if ordered else 0
    indent = INDENT * ctx.depth
    lines = []
    inner_ctx = replace(ctx, depth=ctx.depth + 1)
    for item in node.children:
        marker = f"{number}." if ordered else ("•" if ctx.depth == 0 else "◦")
        number += 1
        body = ""
        for child in item.children:
            text = _block(child, inner_ctx)
            if not text.strip():
                continue
            if child.type in ("bullet_list", "ordered_list"):
                body += "\n" + text  # already indented one level deeper
            else:
                text = text.replace("\n", "\n" + indent + INDENT)
                body += (("\n" + indent + INDENT) if body else " ") + text
        lines.append(f"{indent}{marker}{body}")
    return "\n".join(lines)


def _inlines(nodes: list[SyntaxTreeNode], ctx: _Ctx) -> str:
    return "".join(_inline(node, ctx) for node in nodes)


def _inline(node: SyntaxTreeNode, ctx: _Ctx) -> str:
    kind = node.type
    if kind in ("text", "html_inline"):
        return _text(node.content, ctx)
    if kind in ("softbreak", "hardbreak"):
        return "\n"
    if kind == "code_inline":
        return _wrap("code", _text(node.content, ctx), ctx)
    if kind == "strong":
        return _wrap("b", _inlines(node.children, _styled(ctx, "b")), ctx)
    if kind == "em":
        return _wrap("i", _inlines(node.children, _styled(ctx, "i")), ctx)
    if kind == "s":
        return _wrap("s", _inlines(node.children, _styled(ctx, "s")), ctx)
    if kind == "link":
        return _link(str(node.attrs.get("href", "")), node.children, ctx)
    if kind == "image":
        return _link(str(node.attrs.get("src", "")), node.children, ctx)
    if kind == "inline":
        return _inlines(node.children, ctx)
    return _inlines(node.children, ctx) if node.children else _text(node.content or "", ctx)


def _link(href: str, children: list[SyntaxTreeNode], ctx: _Ctx) -> str:
    safe = href.lower().startswith(ALLOWED_SCHEMES)
    label = _inlines(children, _styled(ctx, "a") if safe else ctx)
    if not label.strip():
        label = _text(href, ctx) if safe else ""
    if not safe:
        return label
    if not ctx.html:
        plain = href[7:] if href.lower().startswith("mailto:") else href
        return label if label in (href, plain) else f"{label} ({href})"
    if "a" in ctx.styles:
        return label
    return f'<a href="{html.escape(href, quote=True)}">{label}</a>'


def _styled(ctx: _Ctx, tag: str) -> _Ctx:
    return replace(ctx, styles=ctx.styles | {tag})


def _wrap(tag: str, inner: str, ctx: _Ctx) -> str:
    if not ctx.html or not inner or tag in ctx.styles:
        return inner
    if tag == "code" and ctx.styles:  # Telegram: code may not sit inside b, i, s or a
        return inner
    return f"<{tag}>{inner}</{tag}>"


def _text(text: str, ctx: _Ctx) -> str:
    return escape(text) if ctx.html else text
