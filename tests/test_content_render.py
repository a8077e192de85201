"""Markdown becomes Telegram HTML that Telegram accepts, and plain text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.render import (
    TELEGRAM_TAGS,
    card_message_html,
    render_html,
    render_text,
    telegram_length,
)
from bot.testkit.tghtml import parse_html


def test_bold_italic_strike_and_code_become_telegram_tags():
    assert render_html("**a** __b__ _c_ *d* ~~e~~ `f`") == (
        "<b>a</b> <b>b</b> <i>c</i> <i>d</i> <s>e</s> <code>f</code>")


def test_special_characters_are_escaped_with_the_entities_telegram_knows():
    assert render_html("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"
    assert render_html("`x<y>&z`") == "<code>x&lt;y&gt;&amp;z</code>"


def test_raw_html_is_shown_as_text_never_passed_through():
    assert render_html('<b onclick="x">hi</b> <script>') == (
        "&lt;b onclick=\"x\"&gt;hi&lt;/b&gt; &lt;script&gt;")
    assert render_html("<div>\nblock\n</div>") == "&lt;div&gt;\nblock\n&lt;/div&gt;"


def test_links_keep_http_tg_and_mailto_and_escape_quotes_in_the_href():
    assert render_html('[sitio](https://example.org/?a=1&b="2")') == (
        '<a href="https://example.org/?a=1&amp;b=%222%22">sitio</a>')
    assert render_html("[mail](mailto:a@b.mx)") == '<a href="mailto:a@b.mx">mail</a>'
    assert render_html("[yo](tg://user?id=1)") == '<a href="tg://user?id=1">yo</a>'


def test_links_with_other_schemes_become_plain_text():
    assert render_html("[archivo](ftp://host/x)") == "archivo"
    assert "<a" not in render_html("[x](javascript:alert(1))")


def test_an_image_in_the_body_becomes_a_link():
    assert render_html("![mapa](https://example.org/m.png)") == (
        '<a href="https://example.org/m.png">mapa</a>')


def test_a_heading_becomes_a_bold_line_without_nesting_bold_in_bold():
    assert render_html("# Pasos **clave**\n\nTexto") == "<b>Pasos clave</b>\n\nTexto"


def test_paragraphs_are_separated_by_one_blank_line_and_line_breaks_are_kept():
    assert render_html("uno\ndos\n\n\n\ntres") == "uno\ndos\n\ntres"


def test_bullet_lists_use_dots_and_nested_lists_are_indented():
    assert render_html("- a\n- b\n  - c\n    - d") == "• a\n• b\n   ◦ c\n      ◦ d"


def test_ordered_lists_keep_their_numbers_from_the_start_value():
    assert render_html("3. tres\n4. cuatro") == "3. tres\n4. cuatro"


def test_a_second_paragraph_in_a_list_item_is_indented_under_it():
    assert render_html("1. uno\n\n   sigue\n2. dos") == "1. uno\n   sigue\n2. dos"


def test_a_blockquote_becomes_one_blockquote_and_nested_quotes_are_flattened():
    assert render_html("> cita\n>\n> > dentro") == "<blockquote>cita\n\n» dentro</blockquote>"


def test_blocks_without_a_blank_line_between_them_stay_on_consecutive_lines():
    assert render_html("**Pasos**\n1. uno\n2. dos\n\nFin") == (
        "<b>Pasos</b>\n1. uno\n2. dos\n\nFin")
    assert render_html("# Título\ntexto") == "<b>Título</b>\ntexto"


def test_fenced_code_becomes_pre_with_its_language():
    assert render_html("```python\nx = 1 < 2\n```") == (
        '<pre><code class="language-python">x = 1 &lt; 2</code></pre>')
    assert render_html("    indented") == "<pre>indented</pre>"


def test_code_inside_bold_is_not_nested_because_telegram_refuses_it():
    assert render_html("**a `b` c**") == "<b>a b c</b>"


def test_plain_text_drops_the_markup_and_spells_out_links():
    assert render_text("**Hola** [sitio](https://x.mx) & <b>") == (
        "Hola sitio (https://x.mx) & <b>")


def test_length_counts_code_points_after_entities_are_parsed():
    assert telegram_length("<b>a&amp;b</b> &lt;ñ&gt; 👮") == len("a&b <ñ> 👮")


def test_a_card_message_is_its_bold_title_then_its_body():
    assert card_message_html("A & B", "texto") == "<b>A &amp; B</b>\n\ntexto"


class _TagChecker(HTMLParser):
    """Records every tag and whether they nest as Telegram allows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.balanced = True
        self.tags: set[str] = set()
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag in self.stack:  # the same entity twice, or a blockquote in a blockquote
            self.balanced = False
        if self.stack and self.stack[-1] in ("code", "pre") and (tag, self.stack[-1]) != (
                "code", "pre"):
            self.balanced = False  # nothing may sit inside code or pre
        if tag in ("code", "pre") and set(self.stack) & {"b", "i", "s", "a"}:
            self.balanced = False  # code may not sit inside b, i, s or a
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False

    def handle_data(self, data):
        self.text += data


markdown_pieces = st.lists(
    st.sampled_from(["**", "__", "_", "*", "~~", "`", "```", "\n", "\n\n", "# ", "- ", "1. ",
                     "> ", "[", "](", ")", "http://x.mx/?a=1&b", "<b>", "</i>", "&", "&amp;",
                     "<", ">", '"', "'", "  ", "    ", "![", "javascript:", "ñ", "👮", "texto",
                     "<http://a.b>", "---", "\\", "|"])
    | st.text(max_size=8),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(markdown_pieces)
def test_any_markdown_renders_to_balanced_tags_from_telegrams_whitelist(source):
    rendered = render_html(source)
    checker = _TagChecker()
    checker.feed(rendered)
    checker.close()
    assert checker.balanced and not checker.stack, rendered
    assert checker.tags <= TELEGRAM_TAGS, rendered
    assert not re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", rendered), rendered
    assert telegram_length(rendered) == len(checker.text)
    text, _ = parse_html(rendered)  # the emulator's port of Telegram's parser accepts it
    assert len(text) <= len(checker.text)  # Telegram trims leading and trailing spaces


def test_the_starter_cards_parse_as_telegram_html_within_one_message():
    from pathlib import Path

    from bot.content.check import check_folder
    from bot.content.render import card_message_html

    root = Path(__file__).resolve().parent.parent
    for card in check_folder(root / "messages").cards:
        for t in card.translations.values():
            text, entities = parse_html(card_message_html(t.title, t.body_html))
            assert entities and 0 < len(text) <= 4096, t.source
