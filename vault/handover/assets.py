"""The static site's style sheet and search script, as text written beside the pages.

Kept as Python constants rather than package data so that an installed wheel
always carries them (no packaging rule to forget). The script is plain
ES5-style JavaScript with no dependency; it reads the index that
``site/assets/search-index.js`` assigns to ``window.SITEBOOK_INDEX`` (a script
file, because browsers refuse ``fetch`` on ``file://``) and builds results with
DOM calls only (no ``innerHTML``), so no record text can run as code.
"""

from __future__ import annotations

STYLE_CSS = """\
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --accent: #1f5fbf; --warn: #9a3b00; }
* { box-sizing: border-box; }
body { font: 15px/1.5 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 62rem; padding: 1rem 1.5rem 3rem; }
a { color: var(--accent); }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center;
             border-bottom: 1px solid var(--line); padding-bottom: .5rem; margin-bottom: 1rem; }
header.top .crumbs { flex: 1 1 auto; }
header.top form { display: flex; gap: .25rem; }
input[type=search] { font: inherit; padding: .25rem .5rem; min-width: 16rem;
                     border: 1px solid var(--line); border-radius: 4px; }
button { font: inherit; padding: .25rem .75rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); }
.meta, .note, .muted { color: var(--muted); }
.banner { border: 1px solid var(--warn); color: var(--warn); padding: .5rem .75rem;
          border-radius: 4px; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem;
         border-bottom: 1px solid var(--line); }
table.fields th { width: 14rem; font-weight: 600; }
.secret { color: var(--muted); font-style: italic; }
.missing { color: var(--muted); }
.pre { white-space: pre-wrap; }
.md p:first-child { margin-top: 0; }
.md h1, .md h2, .md h3, .md h4 { font-size: 1.05rem; border: 0; margin: .5rem 0 .25rem; }
.md pre, code { background: #f3f4f7; }
.md pre { padding: .5rem; overflow-x: auto; }
ul.results { padding-left: 1.2rem; }
ul.results .type { color: var(--muted); font-size: .9em; }
.tags span { display: inline-block; border: 1px solid var(--line); border-radius: 3px;
             padding: 0 .35rem; margin-right: .25rem; font-size: .9em; }
details { margin: .25rem 0; }
footer { margin-top: 2rem; border-top: 1px solid var(--line); padding-top: .5rem;
         color: var(--muted); font-size: .9em; }
@media print {
  header.top form, .noprint { display: none; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; }
  tr, details { break-inside: avoid; }
  details > * { display: block; }
}
"""

SEARCH_JS = """\
/* Sitebook handover: offline search over window.SITEBOOK_INDEX (no network). */
(function () {
  "use strict";
  var MAX_RESULTS = 100;

  function terms(text) {
    return text.toLowerCase().split(/\\s+/).filter(function (t) { return t.length > 0; });
  }

  function search(query) {
    var wanted = terms(query);
    var index = window.SITEBOOK_INDEX || [];
    var hits = [];
    if (!wanted.length) { return hits; }
    for (var i = 0; i < index.length; i++) {
      var entry = index[i];            /* [href, type, title, text] */
      var title = entry[2].toLowerCase();
      var haystack = title + "\\n" + entry[3];
      var score = 0, ok = true;
      for (var j = 0; j < wanted.length; j++) {
        if (haystack.indexOf(wanted[j]) < 0) { ok = false; break; }
        score += title.indexOf(wanted[j]) >= 0 ? 10 : 1;
      }
      if (ok) { hits.push([score, entry]); }
    }
    hits.sort(function (a, b) { return b[0] - a[0] || (a[1][2] < b[1][2] ? -1 : 1); });
    return hits;
  }

  function show(query) {
    var box = document.getElementById("results");
    var status = document.getElementById("result-count");
    if (!box || !status) { return; }
    while (box.firstChild) { box.removeChild(box.firstChild); }
    if (!query.trim()) { status.textContent = ""; return; }
    var hits = search(query);
    status.textContent = hits.length === 1 ? "1 record found" : hits.length + " records found";
    for (var i = 0; i < hits.length && i < MAX_RESULTS; i++) {
      var entry = hits[i][1];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = entry[0];
      a.textContent = entry[2];
      var type = document.createElement("span");
      type.className = "type";
      type.textContent = " \\u2014 " + entry[1];
      li.appendChild(a);
      li.appendChild(type);
      box.appendChild(li);
    }
    if (hits.length > MAX_RESULTS) {
      var more = document.createElement("li");
      more.textContent = "\\u2026 and " + (hits.length - MAX_RESULTS) +
        " more; add a word to narrow the search.";
      box.appendChild(more);
    }
  }

  window.sitebookSearch = search;

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("q");
    if (!input || !document.getElementById("results")) { return; }
    var params = new URLSearchParams(window.location.search);
    if (params.get("q")) { input.value = params.get("q"); }
    input.addEventListener("input", function () { show(input.value); });
    var form = input.form;
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        show(input.value);
      });
    }
    show(input.value);
  });
})();
"""
