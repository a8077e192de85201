// Pregonero sandbox: a Telegram-like chat with the bot, through the emulator's control routes.
// Bot messages are built from text + entities with DOM nodes only (no innerHTML).
"use strict";
(function () {
  const cfg = JSON.parse(document.getElementById("sandbox-config").textContent);
  const t = cfg.t;
  const chat = document.getElementById("chat");
  const intro = document.getElementById("intro");
  const composer = document.getElementById("composer");
  const input = document.getElementById("text");
  const toast = document.getElementById("toast");
  const storeKey = "pregonero-sandbox-user-" + cfg.lang;
  let userId = Number(localStorage.getItem(storeKey)) || 0;
  let rev = 0;
  let generation = 0;
  const bubbles = new Map();

  const TAGS = {
    bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
    blockquote: "blockquote", expandable_blockquote: "blockquote",
  };

  function elementFor(e) {
    if (e.type === "text_link" && /^(https?:|tg:|mailto:)/i.test(e.url || "")) {
      const a = document.createElement("a");
      a.href = e.url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      return a;
    }
    if (e.type === "spoiler") {
      const s = document.createElement("span");
      s.className = "spoiler";
      s.addEventListener("click", () => s.classList.add("shown"));
      return s;
    }
    return document.createElement(TAGS[e.type] || "span");
  }

  function rich(text, entities) {
    const frag = document.createDocumentFragment();
    const sorted = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
    function build(parent, start, end, list) {
      let pos = start;
      let i = 0;
      while (i < list.length) {
        const e = list[i];
        const eEnd = Math.min(e.offset + e.length, end);
        const inner = [];
        let j = i + 1;
        while (j < list.length && list[j].offset < eEnd) { inner.push(list[j]); j++; }
        if (e.offset > pos) parent.appendChild(document.createTextNode(text.slice(pos, e.offset)));
        const el = elementFor(e);
        build(el, Math.max(e.offset, pos), eEnd, inner);
        parent.appendChild(el);
        pos = Math.max(pos, eEnd);
        i = j;
      }
      if (pos < end) parent.appendChild(document.createTextNode(text.slice(pos, end)));
    }
    build(frag, 0, text.length, sorted);
    return frag;
  }

  async function api(method, path, body) {
    const opts = { method, headers: {} };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const resp = await fetch(path, opts);
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(data.error || resp.statusText);
    return data;
  }

  function showToast(text) {
    if (!text) return;
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(showToast.timer);
    showToast.timer = setTimeout(() => { toast.hidden = true; }, 3500);
  }

  async function tap(msg, button) {
    try {
      const r = await api("POST", `/_emulator/users/${userId}/tap`,
                          { message_id: msg.message_id, data: button.callback_data });
      const answer = await api("GET", `/_emulator/callbacks/${r.callback_query_id}?wait=10`);
      if (answer.answered) showToast(answer.text);
    } catch (err) {
      showToast(String(err.message || err));
    }
  }

  function draw(msg) {
    let el = bubbles.get(msg.message_id);
    if (msg.deleted) {
      if (el) { el.remove(); bubbles.delete(msg.message_id); }
      return;
    }
    const fresh = !el;
    if (fresh) {
      el = document.createElement("div");
      bubbles.set(msg.message_id, el);
    }
    el.className = "msg " + (msg.from_bot ? "bot" : "me");
    el.dataset.messageId = msg.message_id;
    el.replaceChildren();
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    if (msg.photo) {
      const m = document.createElement("div");
      m.className = "media";
      m.textContent = "🖼 " + t.image;
      bubble.appendChild(m);
    }
    if (msg.document) {
      const m = document.createElement("div");
      m.className = "media";
      m.textContent = "📄 " + t.document + ": " + (msg.document.file_name || "");
      bubble.appendChild(m);
    }
    const body = document.createElement("div");
    body.className = "text";
    if (msg.text !== null && msg.text !== undefined) body.appendChild(rich(msg.text, msg.entities));
    else if (msg.caption) body.appendChild(rich(msg.caption, msg.caption_entities));
    bubble.appendChild(body);
    const meta = document.createElement("div");
    meta.className = "meta";
    const when = new Date((msg.edit_date || msg.date) * 1000);
    meta.textContent = (msg.edits ? t.edited + " " : "") +
      when.toLocaleTimeString(cfg.lang === "en" ? "en" : "es-MX", { hour: "2-digit", minute: "2-digit" });
    bubble.appendChild(meta);
    el.appendChild(bubble);
    const rows = (msg.reply_markup && msg.reply_markup.inline_keyboard) || [];
    if (rows.length) {
      const kb = document.createElement("div");
      kb.className = "keyboard";
      for (const row of rows) {
        if (!row.length) continue;
        const r = document.createElement("div");
        r.className = "row";
        for (const b of row) {
          let node;
          if (b.url && /^https?:/i.test(b.url)) {
            node = document.createElement("a");
            node.href = b.url;
            node.target = "_blank";
            node.rel = "noopener noreferrer";
          } else {
            node = document.createElement("button");
            node.type = "button";
            if (b.callback_data) node.addEventListener("click", () => tap(msg, b));
            else node.disabled = true;
          }
          node.className = "kb";
          node.textContent = b.text;
          r.appendChild(node);
        }
        kb.appendChild(r);
      }
      el.appendChild(kb);
    }
    if (fresh) {
      const after = [...bubbles.keys()].filter((id) => id > msg.message_id && bubbles.get(id).isConnected)
        .sort((a, b) => a - b)[0];
      if (after !== undefined) chat.insertBefore(el, bubbles.get(after));
      else chat.appendChild(el);
    }
  }

  async function poll(gen) {
    while (gen === generation) {
      try {
        const data = await api("GET", `/_emulator/chats/${userId}?after=${rev}&wait=25`);
        if (gen !== generation) return;
        const atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 80;
        for (const m of data.messages) draw(m);
        rev = data.rev;
        if (data.messages.length && atBottom) chat.scrollTop = chat.scrollHeight;
        document.body.classList.remove("offline");
      } catch (err) {
        document.body.classList.add("offline");
        showToast(t.offline);
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  }

  function open() {
    intro.hidden = true;
    composer.hidden = false;
    generation += 1;
    rev = 0;
    for (const el of bubbles.values()) el.remove();
    bubbles.clear();
    poll(generation);
    input.focus();
  }

  async function startChat() {
    showToast(t.enrolling);
    const r = await api("POST", "/sandbox/api/chats", { lang: cfg.lang });
    userId = r.user_id;
    localStorage.setItem(storeKey, String(userId));
    open();
  }

  document.getElementById("start").addEventListener("click", () => startChat().catch((e) => showToast(String(e.message || e))));
  document.getElementById("new-chat").addEventListener("click", () => startChat().catch((e) => showToast(String(e.message || e))));
  composer.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text || !userId) return;
    input.value = "";
    try {
      await api("POST", `/_emulator/users/${userId}/send`, { text });
    } catch (err) {
      showToast(String(err.message || err));
    }
  });

  if (userId) open();
})();
