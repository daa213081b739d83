/* bertstory explorer: one input and one head at a time. Attention, local attribution, global
   attribution and the layer's token contribution as token-labelled SVG heat maps on one colour scale,
   the value under the pointer, and the selected view as lines (query token → input token).

   No library and no network. The data arrive as scripts, because browsers refuse fetch() of local
   files under file://: explorer/index.js calls bertstoryExplorer.run(index) (with every sampled input's
   tokens) and, when a layer of an input is shown, explorer/data/<id>/<layer>.js calls
   bertstoryExplorer.register(layerData) (format: report/explorer/export.py): one layer is loaded at a time.
   The state lives in the URL hash, both ways: #input=<id>&layer=<1..L>&head=<1..H>&view=<kind>.
   Layers, heads and token positions are numbered from 1 on screen; arrays are 0-based. */
(function () {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const CELL = 12;            // heat-map cell, SVG units
  const CHAR = 5.4;           // width of one label character at the labels' font size (9 units)
  const MAX_LABEL = 14;       // longer tokens are cut on the axes (whole in the readout)
  const MIN_CELL_PX = 9;      // panels wrap onto more rows before a cell gets smaller than this
  const ROW = 15;             // lines view: height of one token row, SVG units
  const GAP = 170;            // lines view: width between the two token columns, SVG units
  const LINE_MIN = 0.01;      // lines view: shares below this are not drawn
  const TICKS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1];
  const KEYS_VIEW = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6, "8": 7, "9": 8};

  let index = null;           // what explorer/index.js handed over
  let dataBase = null;        // URL that data/<id>/<layer>.js is resolved against (index.js's own URL)
  let root = null;
  const loaded = {};          // id -> layer (from 1) -> decoded maps of that layer
  const requested = {};       // "<id>/<layer>" -> true while its script loads
  const state = {input: null, layer: 1, head: 1, view: "attention"};
  const ui = {};
  let built = null;           // id of the input whose panels are built
  let current = null;         // values drawn now: kind -> Float64Array(n·n)
  let notice = "";            // what the URL hash asked for and could not be shown

  function element(tag, attrs, parent, ns) {
    const node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value; else node.setAttribute(key, value);
    }
    if (parent) parent.appendChild(node);
    return node;
  }
  const svg = (tag, attrs, parent) => element(tag, attrs, parent, SVG_NS);

  function decode(base64) {
    const binary = atob(base64);
    const codes = new Uint8Array(binary.length);
    for (let k = 0; k < binary.length; k++) codes[k] = binary.charCodeAt(k);
    return codes;
  }

  /* The n×n map of one kind for a 0-based head, from one layer's data, as read back: code × the map's scale. */
  function matrix(data, kind, head, n) {
    const map = data.maps[kind];
    const which = map.shape.length === 3 ? head : 0;
    const scale = map.scales[which];
    const offset = which * n * n;
    const out = new Float64Array(n * n);
    for (let k = 0; k < n * n; k++) out[k] = map.codes[offset + k] * scale;
    return out;
  }

  /* Position on the colour scale (0..1) and colour: matplotlib's PowerNorm and colormap lookup. */
  function position(value) {
    const s = index.scale;
    const t = (value - s.vmin) / (s.vmax - s.vmin);
    return t <= 0 ? 0 : t >= 1 ? 1 : Math.pow(t, s.gamma);
  }
  function colour(value) {
    const map = index.scale.colormap;
    return map[Math.min(Math.floor(position(value) * map.length), map.length - 1)];
  }

  const label = (token) => (token.length > MAX_LABEL ? token.slice(0, MAX_LABEL - 1) + "…" : token);
  const show = (value) => (value !== 0 && value < 0.001 ? value.toExponential(1) : value.toFixed(3));
  const headName = () => `L${state.layer}-H${state.head}`;

  function setStatus(text) {
    ui.status.textContent = text;
  }

  /* ---- data ---------------------------------------------------------------------------------- */

  const entryOf = (id) => index.inputs.find((entry) => entry.id === id);
  const layerData = (id, layer) => (loaded[id] || {})[layer];

  function register(payload) {
    const maps = {};
    for (const [kind, map] of Object.entries(payload.maps)) {
      maps[kind] = {shape: map.shape, scales: map.scales, codes: decode(map.codes)};
    }
    (loaded[payload.id] = loaded[payload.id] || {})[payload.layer] = {maps: maps};
    delete requested[`${payload.id}/${payload.layer}`];
    if (index && payload.id === state.input && payload.layer === state.layer) render();
  }

  function request(id, layer) {
    const key = `${id}/${layer}`;
    if (requested[key]) return;
    requested[key] = true;
    const script = document.createElement("script");
    script.src = new URL(`data/${encodeURIComponent(id)}/${layer}.js`, dataBase).href;
    script.onerror = () => {
      delete requested[key];
      script.remove();
      setStatus(`Could not load the data of input ${id}, layer ${layer} (${script.src}).`);
    };
    document.head.appendChild(script);
  }

  /* ---- state and URL hash -------------------------------------------------------------------- */

  function readHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const notes = [];
    const ids = index.inputs.map((entry) => entry.id);
    if (params.has("input")) {
      if (ids.includes(params.get("input"))) state.input = params.get("input");
      else notes.push(`input ${params.get("input")} is not among the explorer's inputs`);
    }
    for (const [key, top] of [["layer", index.num_layers], ["head", index.num_heads]]) {
      if (!params.has(key)) continue;
      const value = Number(params.get(key));
      if (Number.isInteger(value) && value >= 1 && value <= top) state[key] = value;
      else notes.push(`${key} ${params.get(key)} is not in 1..${top}`);
    }
    if (params.has("view")) {
      if (index.kinds.includes(params.get("view"))) state.view = params.get("view");
      else notes.push(`view ${params.get("view")} is not one of ${index.kinds.join(", ")}`);
    }
    return notes;
  }

  function writeHash() {
    const hash = `#input=${encodeURIComponent(state.input)}&layer=${state.layer}&head=${state.head}&view=${state.view}`;
    if (location.hash === hash) return;
    try {
      history.replaceState(history.state, "", hash);
    } catch (error) {
      location.hash = hash;
    }
  }

  function go(change) {
    Object.assign(state, change);
    update([]);
  }

  function step(key, delta) {
    if (key === "input") {
      const ids = index.inputs.map((entry) => entry.id);
      const k = (ids.indexOf(state.input) + delta + ids.length) % ids.length;
      go({input: ids[k]});
    } else if (key === "head") {
      // past the last head of a layer: the first head of the next layer (and back)
      let flat = (state.layer - 1) * index.num_heads + state.head - 1 + delta;
      flat = Math.max(0, Math.min(flat, index.num_layers * index.num_heads - 1));
      go({layer: Math.floor(flat / index.num_heads) + 1, head: (flat % index.num_heads) + 1});
    } else if (key === "layer") {
      go({layer: Math.max(1, Math.min(state.layer + delta, index.num_layers))});
    }
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName))) return;
    const moves = {ArrowLeft: ["head", -1], ArrowRight: ["head", 1], ArrowUp: ["layer", -1], ArrowDown: ["layer", 1],
                   "[": ["input", -1], "]": ["input", 1]};
    if (moves[event.key]) step(...moves[event.key]);
    else if (event.key in KEYS_VIEW && index.kinds[KEYS_VIEW[event.key]]) go({view: index.kinds[KEYS_VIEW[event.key]]});
    else return;
    event.preventDefault();
  }

  /* ---- page ---------------------------------------------------------------------------------- */

  function buildControls() {
    const bar = element("div", {class: "bs-controls"}, root);
    const field = (name) => element("label", {class: "bs-field", text: `${name} `}, bar);

    const inputField = field("Input");
    ui.input = element("select", {"data-control": "input", "aria-label": "input"}, inputField);
    for (const entry of index.inputs) {
      const kind = entry.pair ? "pair" : "sentence";
      const text = entry.text + (entry.pair ? ` | ${entry.text_pair}` : "");
      const short = text.length > 48 ? text.slice(0, 47) + "…" : text;
      element("option", {value: entry.id, text: `${entry.id} · ${entry.n} tokens · ${kind} · ${short}`}, ui.input);
    }
    ui.input.addEventListener("change", () => go({input: ui.input.value}));
    for (const [text, delta, title] of [["◀", -1, "previous input ( [ )"], ["▶", 1, "next input ( ] )"]]) {
      element("button", {type: "button", class: "bs-step", title: title, "aria-label": title, text: text}, bar)
        .addEventListener("click", () => step("input", delta));
    }
    for (const [key, top, title] of [["layer", index.num_layers, "Layer"], ["head", index.num_heads, "Head"]]) {
      const select = element("select", {"data-control": key, "aria-label": key}, field(title));
      for (let k = 1; k <= top; k++) element("option", {value: String(k), text: String(k)}, select);
      select.addEventListener("change", () => go({[key]: Number(select.value)}));
      ui[key] = select;
    }
    const views = element("span", {class: "bs-views", role: "group", "aria-label": "view"}, bar);
    ui.views = index.kinds.map((kind, k) => {
      const button = element("button", {type: "button", "data-view": kind, title: `${index.titles[kind]} (${k + 1})`,
                                         text: index.titles[kind]}, views);
      button.addEventListener("click", () => go({view: kind}));
      return button;
    });
    ui.headLink = element("a", {class: "bs-head-link"}, bar);
  }

  function buildPage() {
    const links = {};
    for (const link of root.querySelectorAll(".bs-head-links a")) links[link.textContent.trim()] = link.getAttribute("href");
    ui.links = links;
    buildControls();
    ui.text = element("p", {class: "bs-text"}, root);
    ui.readout = element("p", {class: "bs-readout", "aria-live": "polite"}, root);
    ui.panels = element("div", {class: "bs-panels"}, root);
    ui.panels.addEventListener("pointerover", onPointer);
    ui.panels.addEventListener("pointerleave", () => point(null));
    ui.colourbar = element("div", {class: "bs-colourbar"}, root);
    drawColourbar();
    ui.linesBox = element("figure", {class: "bs-lines-box"}, root);
    ui.status = element("p", {class: "bs-status"}, root);
  }

  function drawColourbar() {
    const width = 300, bar = 12;
    const box = svg("svg", {viewBox: `0 0 ${width + 40} 34`, class: "bs-colourbar-svg", role: "img",
                            "aria-label": "colour scale"}, ui.colourbar);
    const gradient = svg("linearGradient", {id: "bs-gradient"}, svg("defs", {}, box));
    const map = index.scale.colormap;
    for (let k = 0; k <= 32; k++) {
      svg("stop", {offset: `${(100 * k) / 32}%`, "stop-color": map[Math.min(Math.floor((k / 32) * map.length), map.length - 1)]}, gradient);
    }
    svg("rect", {x: 20, y: 2, width: width, height: bar, fill: "url(#bs-gradient)"}, box);
    for (const tick of TICKS) {
      const x = 20 + position(tick) * width;
      svg("line", {x1: x, x2: x, y1: 2 + bar, y2: 6 + bar, class: "bs-tick"}, box);
      svg("text", {x: x, y: 15 + bar, "text-anchor": "middle", text: String(tick)}, box);
    }
    element("span", {text: " share of the query's row (one scale for all maps, as on the head pages)"}, ui.colourbar);
  }

  /* Heat-map panels for an input's tokens: cells and labels; colours come from paint(). */
  function buildPanels(input) {
    ui.panels.textContent = "";
    const n = input.n;
    const labelWidth = 6 + CHAR * Math.max(...input.tokens.map((t) => label(t).length));
    const top = labelWidth + 4;
    const width = labelWidth + n * CELL + 4;
    const height = top + n * CELL + 4;
    ui.panels.style.setProperty("--bs-panel-min", `${Math.round((width * MIN_CELL_PX) / CELL)}px`);
    ui.maps = {};
    for (const kind of index.kinds) {
      const figure = element("figure", {class: "bs-panel", "data-kind": kind}, ui.panels);
      const caption = element("figcaption", {}, figure);
      const box = svg("svg", {class: "bs-heatmap", viewBox: `0 0 ${width} ${height}`, "data-view": kind, role: "img",
                              style: `max-width: ${2 * width}px`}, figure);
      const cells = svg("g", {class: "bs-cells"}, box);
      const rects = new Array(n * n);
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          rects[j * n + i] = svg("rect", {x: labelWidth + i * CELL, y: top + j * CELL, width: CELL, height: CELL,
                                          "data-j": j, "data-i": i}, cells);
        }
      }
      const rows = [], cols = [];
      input.tokens.forEach((token, k) => {
        rows.push(svg("text", {x: labelWidth - 3, y: top + k * CELL + CELL / 2, class: "bs-label bs-row",
                               "text-anchor": "end", "dominant-baseline": "central", text: label(token)}, box));
        const x = labelWidth + k * CELL + CELL / 2;
        cols.push(svg("text", {x: x, y: top - 3, class: "bs-label bs-col", transform: `rotate(-90 ${x} ${top - 3})`,
                               "dominant-baseline": "central", text: label(token)}, box));
      });
      const cursor = svg("rect", {class: "bs-cursor", width: CELL, height: CELL, visibility: "hidden"}, box);
      ui.maps[kind] = {figure, caption, box, rects, rows, cols, cursor, labelWidth, top};
    }
    built = input.id;
  }

  function paint(kind, values) {
    const panel = ui.maps[kind];
    const selected = kind === state.view;
    panel.figure.classList.toggle("bs-selected", selected);
    panel.caption.textContent = index.scopes[kind] === "layer" ? `${index.titles[kind]} · layer ${state.layer}`
                                                        : `${index.titles[kind]} · ${headName()}`;
    panel.box.setAttribute("aria-label", panel.caption.textContent);
    for (const [key, value] of [["input", state.input], ["layer", state.layer], ["head", state.head]]) {
      panel.box.setAttribute(`data-${key}`, value);
    }
    panel.rects.forEach((rect, k) => {
      rect.setAttribute("fill", colour(values[k]));
      rect.setAttribute("data-value", String(values[k]));
    });
  }

  /* The selected view as lines from query tokens (left) to input tokens (right). */
  function drawLines(input, kind, values) {
    ui.linesBox.textContent = "";
    const n = input.n;
    const labelWidth = 6 + CHAR * Math.max(...input.tokens.map((t) => label(t).length));
    const width = 2 * labelWidth + GAP;
    const height = n * ROW + 8;
    element("figcaption", {text: `Lines: ${index.titles[kind]} of ${index.scopes[kind] === "layer" ? `layer ${state.layer}` : headName()}` +
                                 ` — query tokens left, input tokens right; line weight = share (shares under ${LINE_MIN} left out). Point at a token to follow its lines.`},
            ui.linesBox);
    const box = svg("svg", {class: "bs-lines", viewBox: `0 0 ${width} ${height}`, "data-view": kind, "data-input": state.input,
                            "data-layer": state.layer, "data-head": state.head, style: `max-width: ${1.6 * width}px`}, ui.linesBox);
    const links = svg("g", {class: "bs-links", stroke: index.colors[kind]}, box);
    const y = (k) => 4 + k * ROW + ROW / 2;
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const value = values[j * n + i];  // a share of row j: width and opacity grow with it, as in bertviz
        if (value < LINE_MIN) continue;
        svg("line", {x1: labelWidth, y1: y(j), x2: labelWidth + GAP, y2: y(i), "stroke-width": (0.5 + 3 * value).toFixed(2),
                     "stroke-opacity": Math.min(1, 0.1 + value).toFixed(3), "data-j": j, "data-i": i,
                     "data-value": String(value)}, links);
      }
    }
    input.tokens.forEach((token, k) => {
      svg("text", {x: labelWidth - 4, y: y(k), "text-anchor": "end", "dominant-baseline": "central",
                   class: "bs-label bs-query", "data-j": k, text: label(token)}, box);
      svg("text", {x: labelWidth + GAP + 4, y: y(k), "dominant-baseline": "central",
                   class: "bs-label bs-key", "data-i": k, text: label(token)}, box);
    });
    box.addEventListener("pointerover", (event) => {
      const target = event.target;
      const focus = target.classList.contains("bs-query") ? "data-j" : target.classList.contains("bs-key") ? "data-i" : null;
      if (target.tagName === "line") {
        const j = Number(target.getAttribute("data-j")), i = Number(target.getAttribute("data-i"));
        ui.readout.textContent = `${index.titles[kind]}: query ${j + 1} “${input.tokens[j]}” → input token ${i + 1} ` +
                                 `“${input.tokens[i]}”: ${show(Number(target.getAttribute("data-value")))}`;
      }
      if (!focus) return;
      box.classList.add("bs-focus");
      for (const line of links.children) line.classList.toggle("bs-on", line.getAttribute(focus) === target.getAttribute(focus));
    });
    box.addEventListener("pointerleave", () => box.classList.remove("bs-focus"));
  }

  function point(cell) {
    for (const kind of index.kinds) {
      const panel = ui.maps && ui.maps[kind];
      if (!panel) return;
      panel.rows.concat(panel.cols).forEach((text) => text.classList.remove("bs-hot"));
      if (!cell) {
        panel.cursor.setAttribute("visibility", "hidden");
        continue;
      }
      panel.cursor.setAttribute("x", panel.labelWidth + cell.i * CELL);
      panel.cursor.setAttribute("y", panel.top + cell.j * CELL);
      panel.cursor.setAttribute("visibility", "visible");
      panel.rows[cell.j].classList.add("bs-hot");
      panel.cols[cell.i].classList.add("bs-hot");
    }
    if (!cell) return;
    const input = entryOf(state.input);
    const n = input.n;
    ui.readout.textContent = `${headName()} · query ${cell.j + 1} “${input.tokens[cell.j]}” → input token ${cell.i + 1} “${input.tokens[cell.i]}”: `;
    index.kinds.forEach((kind, k) => {
      const part = element(kind === cell.kind ? "strong" : "span", {text: `${index.titles[kind]} ${show(current[kind][cell.j * n + cell.i])}`}, ui.readout);
      part.setAttribute("data-kind", kind);
      if (k < index.kinds.length - 1) ui.readout.appendChild(document.createTextNode(" · "));
    });
  }

  function onPointer(event) {
    const target = event.target;
    if (!target.hasAttribute || !target.hasAttribute("data-j")) return;
    const kind = target.closest("svg").getAttribute("data-view");
    point({j: Number(target.getAttribute("data-j")), i: Number(target.getAttribute("data-i")), kind: kind});
  }

  function render() {
    const data = layerData(state.input, state.layer);
    if (!data) return;
    const input = entryOf(state.input);
    if (built !== input.id) buildPanels(input);
    current = {};
    for (const kind of index.kinds) {
      current[kind] = matrix(data, kind, state.head - 1, input.n);
      paint(kind, current[kind]);
    }
    drawLines(input, state.view, current[state.view]);
    point(null);
    ui.readout.textContent = "Point at a cell to read its value in every map.";
    ui.text.textContent = input.pair ? `“${input.text}” | “${input.text_pair}”` : `“${input.text}”`;
    const kB = (bytes) => (bytes / 1000).toFixed(0);
    const all = input.layer_bytes.reduce((a, b) => a + b, 0);
    setStatus(`Input ${input.id}: ${input.n} tokens; layer ${state.layer}: ${kB(input.layer_bytes[state.layer - 1])} kB ` +
              `of data (${kB(all)} kB for all ${index.num_layers} layers).${notice}`);
    for (const [key, value] of Object.entries(state)) root.setAttribute(`data-${key}`, value);
    root.setAttribute("data-ready", "true");
  }

  /* Controls and hash follow the state; the maps follow once the shown layer's data are loaded. */
  function update(notes) {
    notice = notes.length ? ` Not shown: ${notes.join("; ")}.` : "";
    ui.input.value = state.input;
    ui.layer.value = String(state.layer);
    ui.head.value = String(state.head);
    for (const button of ui.views) button.setAttribute("aria-pressed", String(button.getAttribute("data-view") === state.view));
    const href = ui.links[headName()];
    ui.headLink.textContent = `${headName()} head page`;
    if (href) ui.headLink.setAttribute("href", href); else ui.headLink.removeAttribute("href");
    writeHash();
    root.setAttribute("data-ready", "false");
    if (layerData(state.input, state.layer)) render();
    else {
      setStatus(`Loading input ${state.input}, layer ${state.layer}…${notice}`);
      request(state.input, state.layer);
    }
  }

  function start(runIndex) {
    index = runIndex;
    dataBase = document.currentScript ? document.currentScript.src : location.href;
    root = document.getElementById("bs-explorer");
    if (!root || !index.inputs.length) return;
    state.input = index.inputs[0].id;
    buildPage();
    const notes = readHash();
    window.addEventListener("hashchange", () => update(readHash()));
    document.addEventListener("keydown", onKey);
    update(notes);
  }

  // the stylesheet lies beside this script
  if (document.currentScript) {
    element("link", {rel: "stylesheet", href: new URL("explorer.css", document.currentScript.src).href}, document.head);
  }
  window.bertstoryExplorer = {run: start, register: register};
})();
