/* errbook search client. Plain JavaScript, no library, no build step, no network:
 * the locale's index is a script (search-index.js) inserted on first use, so it works
 * from file://. The tokenizer mirrors src/search/tokenize.rs and src/search/lang.rs
 * rule for rule; tests/fixtures/tokenizer_cases.json keeps the two in step.
 * See docs/search.md. */
(function (root) {
  'use strict';

  // ---------------------------------------------------------------- tokenizer
  var MAX_RUN = 12;
  var MAX_TOKEN = 64;
  var STOP_WORDS = {};
  ['a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'for', 'from', 'in', 'is', 'it', 'its',
    'of', 'on', 'or', 'that', 'the', 'this', 'to', 'was', 'were', 'with'
  ].forEach(function (w) { STOP_WORDS[w] = true; });

  var SEP = 0, WORD = 1, HANGUL = 2, HAN_KANA = 3;
  var RE_WORD = /^[\p{Alphabetic}\p{N}_]$/u;
  var RE_UPPER = /^\p{Uppercase}$/u;
  var RE_LOWER = /^\p{Lowercase}$/u;
  var RE_DIGIT = /^[0-9]$/;
  var RE_HEX = /^0[xX][0-9a-fA-F]+$/;

  function isHangul(c) {
    return (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F) ||
      (c >= 0xA960 && c <= 0xA97F) || (c >= 0xAC00 && c <= 0xD7A3) ||
      (c >= 0xD7B0 && c <= 0xD7FF);
  }

  function isHanKana(c) {
    return c === 0x3005 || c === 0x3007 || (c >= 0x3041 && c <= 0x3096) ||
      (c >= 0x309D && c <= 0x309F) || (c >= 0x30A1 && c <= 0x30FA) ||
      (c >= 0x30FC && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||
      (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
      (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FA1F);
  }

  function classOf(ch) {
    var c = ch.codePointAt(0);
    if (isHangul(c)) return HANGUL;
    if (isHanKana(c)) return HAN_KANA;
    if (RE_WORD.test(ch)) return WORD;
    return SEP;
  }

  function lower(chars) {
    var s = Array.from(chars.join('').toLowerCase());
    return (s.length > MAX_TOKEN ? s.slice(0, MAX_TOKEN) : s).join('');
  }

  function wordParts(word) {
    var parts = [];
    var pieces = [];
    var cur = [];
    word.forEach(function (ch) {
      if (ch === '_') {
        if (cur.length) pieces.push(cur);
        cur = [];
      } else {
        cur.push(ch);
      }
    });
    if (cur.length) pieces.push(cur);
    pieces.forEach(function (piece) {
      var from = 0;
      for (var k = 1; k < piece.length; k++) {
        var prev = piece[k - 1], ch = piece[k];
        var nextLower = k + 1 < piece.length && RE_LOWER.test(piece[k + 1]);
        var cut = RE_UPPER.test(ch) &&
          (RE_LOWER.test(prev) || RE_DIGIT.test(prev) || (RE_UPPER.test(prev) && nextLower));
        if (cut) {
          parts.push(piece.slice(from, k));
          from = k;
        }
      }
      parts.push(piece.slice(from));
    });
    return parts;
  }

  function wordTokens(word, out) {
    var start = 0, end = word.length;
    while (start < end && word[start] === '_') start++;
    while (end > start && word[end - 1] === '_') end--;
    word = word.slice(start, end);
    if (!word.length) return;
    out.push(lower(word));
    if (RE_HEX.test(word.join('')) || word.indexOf('.') >= 0) return;
    var parts = wordParts(word);
    if (parts.length > 1) parts.forEach(function (p) { out.push(lower(p)); });
  }

  function runTokens(run, out) {
    if (run.length <= MAX_RUN) out.push(lower(run));
    if (run.length > 2) {
      for (var k = 0; k + 1 < run.length; k++) out.push(lower(run.slice(k, k + 2)));
    }
  }

  /** Raw tokens of a text, before stop words and stemming (tokenize.rs `tokenize`). */
  function rawTokens(text) {
    var chars = Array.from(String(text).normalize('NFKC'));
    var out = [];
    var i = 0;
    while (i < chars.length) {
      var cls = classOf(chars[i]);
      var j = i + 1;
      if (cls === WORD) {
        while (j < chars.length) {
          var c = chars[j];
          var dotted = c === '.' && RE_DIGIT.test(chars[j - 1]) &&
            j + 1 < chars.length && RE_DIGIT.test(chars[j + 1]);
          if (classOf(c) !== WORD && !dotted) break;
          j++;
        }
        wordTokens(chars.slice(i, j), out);
      } else if (cls !== SEP) {
        while (j < chars.length && classOf(chars[j]) === cls) j++;
        runTokens(chars.slice(i, j), out);
      }
      i = j;
    }
    return out;
  }

  // Porter stemmer: a line-by-line port of the one elasticlunr-rs ships
  // (src/lang/en.rs, after Martin Porter's C version), so both sides stem alike.
  function porter(word) {
    if (word.length <= 2) return word;
    var b = word.split(''), k = b.length, j = 0;

    function cons(i) {
      switch (b[i]) {
        case 'a': case 'e': case 'i': case 'o': case 'u': return false;
        case 'y': return i === 0 ? true : !cons(i - 1);
        default: return true;
      }
    }
    function m() {
      var n = 0, i = 0;
      for (;;) {
        if (i >= j) return n;
        if (!cons(i)) break;
        i++;
      }
      i++;
      for (;;) {
        for (;;) {
          if (i >= j) return n;
          if (cons(i)) break;
          i++;
        }
        i++;
        n++;
        for (;;) {
          if (i >= j) return n;
          if (!cons(i)) break;
          i++;
        }
        i++;
      }
    }
    function vowelInStem() {
      for (var i = 0; i < j; i++) if (!cons(i)) return true;
      return false;
    }
    function doublec(i) { return i >= 1 && b[i] === b[i - 1] && cons(i); }
    function cvc(i) {
      if (i < 2 || !cons(i) || cons(i - 1) || !cons(i - 2)) return false;
      return !(b[i] === 'w' || b[i] === 'x' || b[i] === 'y');
    }
    function ends(s) {
      var len = s.length;
      if (len > k) return false;
      if (b.slice(k - len, k).join('') !== s) return false;
      j = k - len;
      return true;
    }
    function setto(s) {
      for (var i = 0; i < s.length; i++) b[j + i] = s[i];
      k = j + s.length;
    }
    function r(s) { if (m() > 0) setto(s); }

    function step1ab() {
      if (b[k - 1] === 's') {
        if (ends('sses')) k -= 2;
        else if (ends('ies')) setto('i');
        else if (b[k - 2] !== 's') k -= 1;
      }
      if (ends('eed')) {
        if (m() > 0) k -= 1;
      } else if ((ends('ed') || ends('ing')) && vowelInStem()) {
        k = j;
        if (ends('at')) setto('ate');
        else if (ends('bl')) setto('ble');
        else if (ends('iz')) setto('ize');
        else if (doublec(k - 1)) {
          k -= 1;
          var ch = b[k - 1];
          if (ch === 'l' || ch === 's' || ch === 'z') k += 1;
        } else if (m() === 1 && cvc(k - 1)) setto('e');
      }
    }
    function step1c() {
      if (k > 2 && ends('y') && 'aeiou'.indexOf(b[k - 2]) < 0) b[k - 1] = 'i';
    }
    function step2() {
      if (k < 2) return;
      switch (b[k - 2]) {
        case 'a':
          if (ends('ational')) { r('ate'); return; }
          if (ends('tional')) r('tion');
          break;
        case 'c':
          if (ends('enci')) { r('ence'); return; }
          if (ends('anci')) r('ance');
          break;
        case 'e':
          if (ends('izer')) r('ize');
          break;
        case 'l':
          if (ends('bli')) { r('ble'); return; }
          if (ends('alli')) { r('al'); return; }
          if (ends('entli')) { r('ent'); return; }
          if (ends('eli')) { r('e'); return; }
          if (ends('ousli')) r('ous');
          break;
        case 'o':
          if (ends('ization')) { r('ize'); return; }
          if (ends('ation')) { r('ate'); return; }
          if (ends('ator')) r('ate');
          break;
        case 's':
          if (ends('alism')) { r('al'); return; }
          if (ends('iveness')) { r('ive'); return; }
          if (ends('fulness')) { r('ful'); return; }
          if (ends('ousness')) r('ous');
          break;
        case 't':
          if (ends('aliti')) { r('al'); return; }
          if (ends('iviti')) { r('ive'); return; }
          if (ends('biliti')) r('ble');
          break;
        case 'g':
          if (ends('logi')) r('log');
          break;
      }
    }
    function step3() {
      switch (b[k - 1]) {
        case 'e':
          if (ends('icate')) { r('ic'); return; }
          if (ends('ative')) { r(''); return; }
          if (ends('alize')) r('al');
          break;
        case 'i':
          if (ends('iciti')) r('ic');
          break;
        case 'l':
          if (ends('ical')) { r('ic'); return; }
          if (ends('ful')) r('');
          break;
        case 's':
          if (ends('ness')) r('');
          break;
      }
    }
    function step4() {
      if (k < 2) return;
      var matched;
      switch (b[k - 2]) {
        case 'a': matched = ends('al'); break;
        case 'c': matched = ends('ance') || ends('ence'); break;
        case 'e': matched = ends('er'); break;
        case 'i': matched = ends('ic'); break;
        case 'l': matched = ends('able') || ends('ible'); break;
        case 'n': matched = ends('ant') || ends('ement') || ends('ment') || ends('ent'); break;
        case 'o':
          matched = (ends('ion') && j > 0 && (b[j - 1] === 's' || b[j - 1] === 't')) ||
            ends('ou');
          break;
        case 's': matched = ends('ism'); break;
        case 't': matched = ends('ate') || ends('iti'); break;
        case 'u': matched = ends('ous'); break;
        case 'v': matched = ends('ive'); break;
        case 'z': matched = ends('ize'); break;
        default: matched = false;
      }
      if (matched && m() > 1) k = j;
    }
    function step5() {
      j = k;
      if (b[k - 1] === 'e') {
        var a = m();
        if (a > 1 || (a === 1 && !cvc(k - 2))) k -= 1;
      }
      if (b[k - 1] === 'l' && doublec(k - 1) && m() > 1) k -= 1;
    }

    step1ab();
    step1c();
    step2();
    step3();
    step4();
    step5();
    return b.slice(0, k).join('');
  }

  function stems(locale) {
    var l = String(locale || '').toLowerCase();
    return l === 'en' || l.indexOf('en-') === 0;
  }

  /** The pipeline after the tokenizer (lang.rs): stop words, then stemming of
   *  ASCII-letter tokens in English locales. Returns null for a dropped token. */
  function pipe(token, stem) {
    if (STOP_WORDS.hasOwnProperty(token)) return null;
    if (stem && /^[a-z]+$/.test(token)) return porter(token);
    return token;
  }

  /** Tokens of a text as the index stores them for a locale (lang.rs `analyze`). */
  function tokenize(text, locale) {
    var stem = stems(locale);
    var out = [];
    rawTokens(text).forEach(function (t) {
      var p = pipe(t, stem);
      if (p !== null) out.push(p);
    });
    return out;
  }

  function encodeSegment(s) {
    var bytes = unescape(encodeURIComponent(s));
    var out = '';
    for (var i = 0; i < bytes.length; i++) {
      var ch = bytes.charAt(i);
      if (/[A-Za-z0-9\-._~]/.test(ch)) out += ch;
      else {
        var h = bytes.charCodeAt(i).toString(16).toUpperCase();
        out += '%' + (h.length < 2 ? '0' + h : h);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- index
  var prepared = typeof WeakMap === 'function' ? new WeakMap() : null;

  /** Internal view of a raw index (the object search-index.js assigns). */
  function prep(raw) {
    var p = prepared && prepared.get(raw);
    if (p) return p;
    p = {
      raw: raw,
      n: raw.n,
      stem: !!raw.stem,
      boost: raw.boost,
      nfields: raw.fields.length,
      terms: typeof raw.terms === 'string' ? decodeTerms(raw.terms, Object.create(null)) : Object.create(null),
      docs: raw.docs || [],
      sections: raw.sections || [],
      guides: raw.guides || [],
      keys: null,
      decoded: Object.create(null),
      codes: raw.codes || {},
      shards: raw.shards || null,
      loaded: {}
    };
    if (prepared) prepared.set(raw, p);
    return p;
  }

  /** Merges a loaded shard (`t<k>` terms or `d<k>` documents) into an index. */
  function addShard(raw, name, data) {
    var p = prep(raw);
    if (p.loaded[name]) return;
    p.loaded[name] = true;
    if (name.charAt(0) === 't') {
      decodeTerms(data.terms, p.terms);
      if (p.codes === raw.codes) p.codes = Object.assign({}, p.codes);
      Object.keys(data.codes).forEach(function (c) { p.codes[c] = data.codes[c]; });
      p.keys = null;
    } else {
      if (p.docs === raw.docs) p.docs = p.docs.slice();
      if (p.guides === raw.guides) p.guides = p.guides.slice();
      data.guides.forEach(function (g, i) { p.guides[data.gfirst + i] = g; });
      // The shard's section numbers index its own table: store the titles.
      data.docs.forEach(function (d, i) {
        p.docs[data.first + i] = [d[0], d[1], d[2], data.sections[d[3]], d[4]];
      });
    }
  }

  /** Decodes the front-coded term string (compact.rs `front_code`) into `into`. */
  function decodeTerms(s, into) {
    var prev = [];
    var i = 0;
    while (i < s.length) {
      var sp = s.indexOf(' ', i);
      var bar = s.indexOf('|', sp);
      if (sp < 0 || bar < 0) break;
      var shared = parseInt(s.charAt(i), 36);
      var term = prev.slice(0, shared).concat(Array.from(s.slice(i + 1, sp)));
      into[term.join('')] = s.slice(sp + 1, bar);
      prev = term;
      i = bar + 1;
    }
    return into;
  }

  /** Term shard holding `term` (shards are ranges of terms in string order). */
  function termShard(p, term) {
    var firsts = p.shards.terms;
    var lo = 0, hi = firsts.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (firsts[mid][0] <= term) lo = mid + 1; else hi = mid;
    }
    return Math.max(lo - 1, 0);
  }

  /** Document shard holding document `d`. */
  function docShard(p, d) {
    var firsts = p.shards.docs;
    var lo = 0, hi = firsts.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (firsts[mid] <= d) lo = mid + 1; else hi = mid;
    }
    return Math.max(lo - 1, 0);
  }

  function sortedKeys(p) {
    if (!p.keys) p.keys = Object.keys(p.terms).sort();
    return p.keys;
  }

  /** Index terms starting with `prefix`, at most `max` of them. */
  function expand(p, prefix, max) {
    var keys = sortedKeys(p);
    var lo = 0, hi = keys.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (keys[mid] < prefix) lo = mid + 1; else hi = mid;
    }
    var out = [];
    for (var i = lo; i < keys.length && out.length < max; i++) {
      if (keys[i].lastIndexOf(prefix, 0) !== 0) break;
      out.push(keys[i]);
    }
    return out;
  }

  // Digits of the postings' numbers (compact.rs `varint`): values 0–44 end a number,
  // 45–89 continue it.
  var ALPHABET = "#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{}~";
  var DIGIT = [];
  for (var ai = 0; ai < 128; ai++) DIGIT.push(-1);
  for (ai = 0; ai < ALPHABET.length; ai++) DIGIT[ALPHABET.charCodeAt(ai)] = ai;
  var WEIGHT_STEP = Math.log(1.1) / 2;

  /** Postings of a term: [{f, docs: [...], weights: [...]}], one entry per field; a
   *  weight is sqrt(count / field length) as quantized by compact.rs. */
  function postings(p, term) {
    var cached = p.decoded[term];
    if (cached) return cached;
    var s = p.terms[term];
    var out = [];
    if (typeof s !== 'string') return (p.decoded[term] = out);
    var byField = {};
    var cur = null, w = 0, prev = 0, acc = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0x100) {
        // A group header: U+0100 + weight class · fields + field.
        var key = c - 0x100;
        var f = key % p.nfields;
        w = Math.exp(-WEIGHT_STEP * Math.floor(key / p.nfields));
        cur = byField[f];
        if (!cur) { cur = byField[f] = { f: f, docs: [], weights: [] }; out.push(cur); }
        prev = 0;
        acc = 0;
        continue;
      }
      var d = c < 128 ? DIGIT[c] : -1;
      if (d < 0) continue;
      if (d >= 45) { acc = acc * 45 + d - 45; continue; }
      acc = acc * 45 + d;
      if (cur) {
        prev += acc;
        cur.docs.push(prev);
        cur.weights.push(w);
      }
      acc = 0;
    }
    return (p.decoded[term] = out);
  }

  // ---------------------------------------------------------------- query
  var PREFIX_PENALTY = 0.5;   // elasticlunr uses 0.15; as-you-type needs more weight
  var MAX_EXPANSIONS = 64;
  var EXACT_CODE = 1000;
  var EXACT_IDENTIFIER = 100;

  /** A query as groups (one per whitespace-separated word) of unique terms. */
  function parseQuery(query, stem) {
    var text = String(query || '');
    var words = text.normalize('NFKC').split(/\s+/).filter(Boolean);
    var open = !/\s$/.test(text);
    var groups = [];
    words.forEach(function (w, wi) {
      var raw = rawTokens(w);
      var terms = [];
      raw.forEach(function (t) {
        var s = pipe(t, stem);
        if (s !== null && terms.indexOf(s) < 0) terms.push(s);
      });
      if (terms.length) {
        // An identifier: a Latin word the tokenizer cut into parts (CamelCase, `_`).
        var ident = raw.length > 1 && classOf(Array.from(raw[0])[0]) === WORD ? terms[0] : null;
        groups.push({ raw: raw, terms: terms, prefix: open && wi === words.length - 1,
          ident: ident });
      }
    });
    return groups;
  }

  /** Term shards a query needs that are not loaded yet (for a sharded index): the
   *  shard of each token and raw token, of the whole query as a code, and for the word
   *  being typed the shards its expansions may be in. */
  function neededShards(raw, query) {
    var p = prep(raw);
    var need = [];
    if (!p.shards) return need;
    function add(k) {
      var name = 't' + k;
      if (!p.loaded[name] && need.indexOf(name) < 0) need.push(name);
    }
    var words = [normalizeCode(query)];
    parseQuery(query, p.stem).forEach(function (g) {
      words = words.concat(g.terms, g.raw);
      if (g.prefix) g.terms.forEach(function (t) { prefixShards(p, t).forEach(add); });
    });
    words.forEach(function (t) { if (t) add(termShard(p, t)); });
    return need;
  }

  /** Shards of the first MAX_EXPANSIONS terms starting with `prefix` (what `expand`
   *  takes): the prefix's shard, then the next shards that start with it, until those
   *  made only of such terms hold enough of them. */
  function prefixShards(p, prefix) {
    var firsts = p.shards.terms;
    var k = termShard(p, prefix);
    var out = [k];
    var sure = 0;
    for (var j = k + 1; j < firsts.length && sure < MAX_EXPANSIONS &&
      firsts[j][0].lastIndexOf(prefix, 0) === 0; j++) {
      out.push(j);
      // Shard j holds only such terms when the next one starts with the prefix too.
      if (j + 1 < firsts.length && firsts[j + 1][0].lastIndexOf(prefix, 0) === 0) {
        sure += firsts[j][1];
      }
    }
    return out;
  }

  /** Document shards needed to show results. */
  function neededDocShards(raw, docs) {
    var p = prep(raw);
    var need = [];
    if (!p.shards) return need;
    docs.forEach(function (d) {
      var name = 'd' + docShard(p, d);
      if (!p.loaded[name] && need.indexOf(name) < 0) need.push(name);
    });
    return need;
  }

  /** Scores of one query term: doc → score, best over the term's expansions. */
  function termScores(p, term, prefix) {
    var keys = prefix ? expand(p, term, MAX_EXPANSIONS) : (p.terms[term] ? [term] : []);
    if (prefix && p.terms[term] && keys.indexOf(term) < 0) keys.unshift(term);
    var best = new Map();
    keys.forEach(function (key) {
      var penalty = key === term ? 1 : PREFIX_PENALTY * term.length / key.length;
      var sums = new Map();
      postings(p, key).forEach(function (fp) {
        var idf = 1 + Math.log(p.n / (fp.docs.length + 1));
        var boost = p.boost[fp.f];
        for (var i = 0; i < fp.docs.length; i++) {
          var d = fp.docs[i];
          // weight = tf · field-length norm, sqrt(count) / sqrt(length)
          var s = fp.weights[i] * idf * boost * penalty;
          sums.set(d, (sums.get(d) || 0) + s);
        }
      });
      sums.forEach(function (s, d) {
        if (s > (best.get(d) || 0)) best.set(d, s);
      });
    });
    return best;
  }

  function normalizeCode(s) {
    return String(s).normalize('NFKC').trim().toLowerCase();
  }

  /** Ranked results of a query: [{id, url, title, score, guide, section, snippet,
   *  kind, doc, exact}], best first, at most `limit` (default 10). */
  function search(raw, query, limit) {
    var p = prep(raw);
    limit = limit || 10;
    var groups = parseQuery(query, p.stem);
    if (!groups.length) return [];

    var total = new Map();      // doc → text score
    var cover = new Map();      // doc → Σ over groups of matched fraction
    var full = new Map();       // doc → groups fully matched
    var idents = new Map();     // doc → identifiers matched as a whole
    groups.forEach(function (g) {
      var matched = new Map();
      g.terms.forEach(function (t) {
        termScores(p, t, g.prefix).forEach(function (s, d) {
          total.set(d, (total.get(d) || 0) + s);
          matched.set(d, (matched.get(d) || 0) + 1);
        });
        if (t === g.ident) {
          termScores(p, t, false).forEach(function (s, d) {
            idents.set(d, (idents.get(d) || 0) + 1);
          });
        }
      });
      matched.forEach(function (m, d) {
        cover.set(d, (cover.get(d) || 0) + m / g.terms.length);
        if (m === g.terms.length) full.set(d, (full.get(d) || 0) + 1);
      });
    });

    // Exact code matches: the whole query, or any raw token of it, equal to a code.
    var exact = new Map();
    var codes = p.codes;
    var candidates = [normalizeCode(query)];
    groups.forEach(function (g) { g.raw.forEach(function (t) { candidates.push(t); }); });
    candidates.forEach(function (c) {
      if (c && Object.prototype.hasOwnProperty.call(codes, c)) {
        codes[c].forEach(function (d) {
          exact.set(d, true);
          if (!total.has(d)) { total.set(d, 0); cover.set(d, 0); }
        });
      }
    });

    var results = [];
    total.forEach(function (s, d) {
      var coverage = (cover.get(d) || 0) / groups.length;
      var score = s * (0.25 + 0.75 * coverage);
      if ((full.get(d) || 0) === groups.length) score *= 2;
      score += EXACT_IDENTIFIER * (idents.get(d) || 0);
      if (exact.has(d)) score += EXACT_CODE;
      results.push({ doc: d, score: score, exact: exact.has(d) });
    });
    results.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
    results = results.slice(0, limit);
    return results.map(function (r) { return describe(p, r); });
  }

  function describe(p, r) {
    var row = p.docs[r.doc];
    var out = { doc: r.doc, score: r.score, exact: r.exact, id: '', url: '', title: '',
      guide: '', section: '', snippet: '', kind: 'entry' };
    if (!row) return out;
    var g = p.guides[row[0]] || ['', ''];
    out.guide = g[1];
    out.snippet = row[4];
    if (row[1] === '') {
      out.kind = 'guide';
      out.id = g[0];
      out.url = encodeSegment(g[0]) + '/index.html';
      out.title = g[1];
    } else {
      out.id = row[1];
      out.url = encodeSegment(g[0]) + '/' + encodeSegment(row[1]) + '.html';
      out.title = row[2];
      out.section = typeof row[3] === 'number' ? p.sections[row[3]] : row[3];
    }
    return out;
  }

  // ---------------------------------------------------------------- browser UI
  /** Appends `text` to `el` as text nodes, with the query's words in <mark>. */
  function highlightInto(el, text, query, stem) {
    var doc = el.ownerDocument;
    var lowerText = text.toLowerCase();
    var ranges = [];
    if (lowerText.length === text.length) {
      var needles = [];
      parseQuery(query, stem).forEach(function (g) {
        g.raw.concat(g.terms).forEach(function (t) {
          var cjk = classOf(Array.from(t)[0] || ' ') >= HANGUL;
          if ((t.length > 1 || cjk) && needles.indexOf(t) < 0) needles.push(t);
        });
      });
      needles.forEach(function (n) {
        var at = lowerText.indexOf(n);
        while (at >= 0) {
          ranges.push([at, at + n.length]);
          at = lowerText.indexOf(n, at + n.length);
        }
      });
      ranges.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    }
    var pos = 0;
    ranges.forEach(function (r) {
      if (r[1] <= pos) return;
      var from = Math.max(r[0], pos);
      if (from > pos) el.appendChild(doc.createTextNode(text.slice(pos, from)));
      var mark = doc.createElement('mark');
      mark.appendChild(doc.createTextNode(text.slice(from, r[1])));
      el.appendChild(mark);
      pos = r[1];
    });
    if (pos < text.length) el.appendChild(doc.createTextNode(text.slice(pos)));
  }

  var GLOBAL_INDEX = 'errbookSearchIndex';
  var scriptsLoading = {};

  function loadScript(doc, src, done) {
    if (scriptsLoading[src] === true) { done(true); return; }
    if (Array.isArray(scriptsLoading[src])) { scriptsLoading[src].push(done); return; }
    scriptsLoading[src] = [done];
    var s = doc.createElement('script');
    s.src = src;
    s.async = true;
    function finish(ok) {
      var waiting = scriptsLoading[src];
      scriptsLoading[src] = ok ? true : undefined;
      waiting.forEach(function (cb) { cb(ok); });
    }
    s.onload = function () { finish(true); };
    s.onerror = function () { finish(false); };
    doc.head.appendChild(s);
  }

  function baseOf(path) {
    var i = path.lastIndexOf('/');
    return i < 0 ? '' : path.slice(0, i + 1);
  }

  /** Loads the index (and any shards a query needs), then calls back with it. */
  function withIndex(ctx, query, cb) {
    var doc = ctx.doc;
    var win = doc.defaultView || root;
    function ready() {
      var raw = win[GLOBAL_INDEX];
      if (!raw) { cb(null); return; }
      var need = neededShards(raw, query);
      loadShards(raw, need, function () { cb(raw); });
    }
    function loadShards(raw, names, next) {
      var left = names.length;
      if (!left) { next(); return; }
      names.forEach(function (name) {
        var file = ctx.base + 'search-index.' + name + '.js';
        loadScript(doc, file, function () {
          var key = raw.locale + '/' + name;
          var store = win.errbookSearchShards || {};
          if (store[key]) addShard(raw, name, store[key]);
          if (--left === 0) next();
        });
      });
    }
    ctx.loadShards = loadShards;
    if (win[GLOBAL_INDEX]) ready();
    else loadScript(doc, ctx.indexPath, function (ok) { if (ok) ready(); else cb(null); });
  }

  /** Runs a query and calls back with results whose documents are loaded. */
  function query(ctx, q, limit, cb) {
    withIndex(ctx, q, function (raw) {
      if (!raw) { cb(null, []); return; }
      var first = search(raw, q, limit);
      var need = neededDocShards(raw, first.map(function (r) { return r.doc; }));
      if (!need.length) { cb(raw, first); return; }
      ctx.loadShards(raw, need, function () { cb(raw, search(raw, q, limit)); });
    });
  }

  function renderResults(ctx, list, raw, q, results) {
    var doc = ctx.doc;
    while (list.firstChild) list.removeChild(list.firstChild);
    var stem = raw ? !!raw.stem : false;
    results.forEach(function (r, i) {
      var li = doc.createElement('li');
      li.setAttribute('role', 'option');
      li.id = list.id + '-' + i;
      var a = doc.createElement('a');
      a.href = ctx.base + r.url;
      a.className = 'search-result' + (r.kind === 'guide' ? ' search-result-guide' : '');
      var title = doc.createElement('span');
      title.className = 'search-title';
      highlightInto(title, r.title, q, stem);
      var meta = doc.createElement('span');
      meta.className = 'search-meta';
      meta.appendChild(doc.createTextNode(r.section ? r.guide + ' › ' + r.section : r.guide));
      a.appendChild(title);
      a.appendChild(meta);
      if (r.snippet) {
        var snip = doc.createElement('span');
        snip.className = 'search-snippet';
        highlightInto(snip, r.snippet, q, stem);
        a.appendChild(snip);
      }
      li.appendChild(a);
      list.appendChild(li);
    });
    if (!results.length && q.trim()) {
      var none = doc.createElement('li');
      none.className = 'search-none';
      none.appendChild(doc.createTextNode(ctx.emptyText));
      list.appendChild(none);
    }
    list.hidden = !q.trim();
  }

  var counter = 0;

  /** Wires one search form: `data-index` (on the form or its input) is the relative
   *  path of search-index.js; results go into `data-results` (an element id) or a list
   *  created after the form. */
  function attach(form) {
    var doc = form.ownerDocument;
    var input = form.querySelector('input[type=search], input[name=q], input');
    if (!input || form.getAttribute('data-errbook-attached')) return null;
    form.setAttribute('data-errbook-attached', '1');
    var indexPath = form.getAttribute('data-index') || input.getAttribute('data-index') ||
      'search-index.js';
    var ctx = {
      doc: doc,
      indexPath: indexPath,
      base: baseOf(indexPath),
      emptyText: form.getAttribute('data-empty') || 'No results',
      limit: parseInt(form.getAttribute('data-limit') || '10', 10)
    };
    var listId = form.getAttribute('data-results');
    var list = listId && doc.getElementById(listId);
    if (!list) {
      list = doc.createElement('ul');
      list.className = 'search-results';
      form.parentNode.insertBefore(list, form.nextSibling);
    }
    if (!list.id) list.id = 'errbook-search-results-' + (++counter);
    list.setAttribute('role', 'listbox');
    list.hidden = true;
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-controls', list.id);
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('autocomplete', 'off');

    var active = -1, seq = 0;
    function items() { return list.querySelectorAll('li[role=option]'); }
    function setActive(i) {
      var all = items();
      if (!all.length) { active = -1; return; }
      active = (i + all.length) % all.length;
      for (var k = 0; k < all.length; k++) {
        all[k].classList.toggle('active', k === active);
        all[k].setAttribute('aria-selected', k === active ? 'true' : 'false');
      }
      input.setAttribute('aria-activedescendant', all[active].id);
      if (all[active].scrollIntoView) all[active].scrollIntoView({ block: 'nearest' });
    }
    function run() {
      var q = input.value;
      var mine = ++seq;
      if (!q.trim()) { renderResults(ctx, list, null, q, []); active = -1; return; }
      query(ctx, q, ctx.limit, function (raw, results) {
        if (mine !== seq) return;
        renderResults(ctx, list, raw, q, results);
        input.setAttribute('aria-expanded', results.length ? 'true' : 'false');
        active = -1;
        if (results.length) setActive(0);
      });
    }
    function warm() { withIndex(ctx, '', function () {}); }
    input.addEventListener('focus', warm);
    input.addEventListener('input', run);
    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') { e.preventDefault(); setActive(active + 1); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); setActive(active - 1); }
      else if (e.key === 'Escape') { list.hidden = true; input.blur(); }
      else if (e.key === 'Enter') {
        var all = items();
        var pick = all[active >= 0 ? active : 0];
        var link = pick && pick.querySelector('a');
        if (link && !list.hidden) {
          e.preventDefault();
          (doc.defaultView || root).location.href = link.href;
        }
      }
    });
    if (input.value.trim()) run();
    return { input: input, list: list, run: run };
  }

  /** Fills a search page: reads `q` from the address, runs it, shows up to `limit`
   *  results in `container` (for search.html?q=…). */
  function renderPage(container, options) {
    options = options || {};
    var doc = container.ownerDocument;
    var win = doc.defaultView || root;
    var params = new URLSearchParams(win.location.search);
    var q = params.get('q') || '';
    var indexPath = options.index || container.getAttribute('data-index') || 'search-index.js';
    var ctx = {
      doc: doc, indexPath: indexPath, base: baseOf(indexPath),
      emptyText: options.empty || container.getAttribute('data-empty') || 'No results'
    };
    var input = doc.querySelector('form.search input[name=q], form.search input');
    if (input && !input.value) input.value = q;
    var list = doc.createElement('ol');
    list.className = 'search-results search-page-results';
    list.id = 'errbook-search-page-' + (++counter);
    container.appendChild(list);
    if (!q.trim()) return;
    query(ctx, q, options.limit || 50, function (raw, results) {
      renderResults(ctx, list, raw, q, results);
    });
  }

  function init(doc) {
    var forms = doc.querySelectorAll('form.search, form[data-errbook-search]');
    var attached = [];
    for (var i = 0; i < forms.length; i++) {
      var a = attach(forms[i]);
      if (a) attached.push(a);
    }
    var page = doc.querySelector('[data-search-page]');
    if (page) renderPage(page);
    doc.addEventListener('keydown', function (e) {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || !attached.length) return;
      var t = e.target;
      var tag = t && t.tagName ? t.tagName.toLowerCase() : '';
      if (tag === 'input' || tag === 'textarea' || tag === 'select' || (t && t.isContentEditable)) {
        return;
      }
      e.preventDefault();
      attached[0].input.focus();
    });
  }

  var api = {
    tokenize: tokenize,
    search: search,
    rawTokens: rawTokens,
    stem: porter,
    encodeSegment: encodeSegment,
    addShard: addShard,
    neededShards: neededShards,
    neededDocShards: neededDocShards,
    attach: attach,
    renderPage: renderPage,
    init: init
  };

  if (typeof module === 'object' && module.exports) {
    module.exports = api;
  } else {
    root.errbookSearch = api;
    var doc = root.document;
    if (doc) {
      if (doc.readyState === 'loading') {
        doc.addEventListener('DOMContentLoaded', function () { init(doc); });
      } else {
        init(doc);
      }
    }
  }
})(typeof window !== 'undefined' ? window : globalThis);
