"""The participatory pages: one HTML file each, with inline style and script, no outside file.

:func:`phone_page` is what a student's phone downloads to join (a few kilobytes: no
framework, nothing from the internet); :func:`teacher_page` is the projector with the
teacher's controls. Both talk to the server with the JSON messages of
:mod:`governance_sim.participatory.protocol` and wait for changes with long polls.
Text from students (nicknames) is only ever set with ``textContent``; the SVG pictures come
from :mod:`governance_sim.participatory.figures`, which escapes every label.
"""

from __future__ import annotations

import json
from pathlib import Path

from governance_sim.participatory.texts import TEXTS

__all__ = ["phone_page", "teacher_page", "message_page"]

_ASSETS = Path(__file__).with_name("assets")


def _asset(name: str) -> str:
    """One of the pages' style sheets or scripts (``assets/``), inlined into the page."""
    return (_ASSETS / name).read_text(encoding="utf-8")


_PHONE_KEYS = ("title", "join_here", "code", "nickname", "join", "wait_start", "round", "month",
               "send", "sent", "not_sent", "seconds_left", "over", "freed", "what_happened",
               "yes", "no", "full", "wrong_code", "rate")

_STYLE = _asset("phone.css")

_PHONE_SCRIPT = _asset("phone.js")


def phone_page() -> str:
    """The student's page (join form, then the role's controls and what happened)."""
    texts = {lang: {k: TEXTS[lang][k] for k in _PHONE_KEYS} for lang in TEXTS}
    data = json.dumps(texts, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>governance-sim</title><style>{_STYLE}</style></head><body data-joined="0"><main>
<span class="lang"><a href="?lang=en" data-lang="en">English</a><a href="?lang=nb"
data-lang="nb">norsk</a></span><h1 id="t-title"></h1>
<section id="joinbox" class="card"><h2 id="t-join"></h2>
<label id="l-code" for="code"></label><input id="code" type="text" autocomplete="off"
autocapitalize="characters" maxlength="12">
<label id="l-nick" for="nick"></label><input id="nick" type="text" autocomplete="off"
maxlength="24"><button id="b-join" type="button"></button><p id="join-msg" class="err"></p>
</section>
<section id="game" hidden><div class="card"><strong id="role"></strong>
<p id="about" class="muted"></p><p id="logic" class="muted"></p><p><strong id="round"></strong>
<span id="timer" class="muted"></span></p></div>
<div class="card" id="happened" hidden><h2 id="t-happened">·</h2><div id="story"></div>
<div id="picture"></div></div>
<div class="card" id="choose" hidden><div id="controls"></div><p id="note" class="muted"></p>
<button id="send" type="button"></button><p id="status" class="muted"></p></div></section>
</main><script id="texts" type="application/json">{data}</script>
<script>{_PHONE_SCRIPT}</script></body></html>"""


_TEACHER_STYLE = _asset("teacher.css")

_TEACHER_SCRIPT = _asset("teacher.js")


def teacher_page(lang: str = "en") -> str:
    """The projector with the teacher's controls (served only with the teacher's cookie)."""
    data = json.dumps(TEXTS, ensure_ascii=False).replace("</", "<\\/")
    x = TEXTS.get(lang, TEXTS["en"])
    lang = lang if lang in TEXTS else "en"
    logic_options = "".join(f'<option value="{k}">{x[k]}</option>'
                            for k in ("bureaucracy", "npm", "co_creation"))
    shares = "".join(f'<label>{x["k_" + k]} <input id="s-{k}" type="number" min="0" max="1" '
                     f'step="0.05"></label> ' for k in ("citizen", "professional", "leader",
                                                        "politician"))
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{x['projector']} · governance-sim</title><style>{_TEACHER_STYLE}</style></head>
<body data-phase=""><header><div id="qr"><img src="/qr.svg" alt="QR" width="110" height="110">
</div><div><div class="url">{x['join_at']} <strong id="url"></strong> {x['with_code']}</div>
<div class="code" id="code"></div></div><div><div class="big" id="state"></div>
<div id="count"></div><div id="timer" class="big"></div></div></header>
<main><div><div class="card"><h2>{x['curves']}</h2><div id="curves"></div></div>
<div class="pair"><div class="card"><h2>{x['network']}</h2><div id="network"></div></div>
<div class="card"><h2>{x['units']}</h2><div id="units"></div></div></div>
<div class="card" id="debrief" hidden><h2>{x['debrief']}</h2><h2>{x['d_choices']}</h2>
<table id="d-table"></table><h2>{x['d_leaders']}</h2><p id="d-leaders"></p>
<h2>{x['d_left_behind']}</h2><p id="d-left"></p><h2>{x['d_questions']}</h2><ol id="d-questions">
</ol><p><a href="/export/session.csv">{x['export_csv']}</a> ·
<a href="/export/report.html?lang={lang}">{x['export_html']}</a></p></div></div>
<div><div class="card" id="controls"><button id="b-start">{x['start']}</button>
<button id="b-next" hidden>{x['next']}</button><button id="b-end">{x['end']}</button>
<button id="b-new">{x['new_game']}</button><div id="error" class="muted"></div></div>
<div class="card"><h2>{x['seats']}</h2><div class="seats" id="seats"></div></div>
<div class="card"><h2>{x['log']}</h2><pre id="log"></pre></div>
<details class="card" id="settings"><summary>{x['settings']}</summary>
<label>{x['max_students']} <input id="s-max" type="number" min="1" max="200"></label>
<label>{x['months_per_round']} <select id="s-months"><option value="1">1</option>
<option value="3">3</option></select></label>
<label>{x['round_timer']} <input id="s-timer" type="number" min="0" max="600"></label>
<label>{x['start_logic']} <select id="s-logic">{logic_options}</select></label>
<p>{x['shares']}: {shares}</p><button id="b-apply">{x['apply']}</button>
<p class="muted">{x['teacher_only']}</p></details></div></main>
<script id="texts" type="application/json">{data}</script>
<script>{_TEACHER_SCRIPT}</script></body></html>"""


def message_page(title: str, text: str) -> str:
    """A plain page with one message (e.g. the teacher's page without the teacher's key)."""
    from html import escape

    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'</head><body style="font-family:sans-serif;padding:2rem"><h1>{escape(title)}</h1>'
            f"<p>{escape(text)}</p></body></html>")
