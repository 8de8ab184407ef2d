// The Fpo dashboard: polls the silo's API every two seconds and draws plain SVG. No dependencies.
"use strict";

const state = { sort: "drift", order: "desc", latent: null, throughput: new Map(), alerts: [], hostsTrainer: false };
const $ = id => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

function token() { return sessionStorage.getItem("fpo-token"); }

// A token given as #token=... is kept for the session and removed from the address bar.
function takeTokenFromHash() {
  const m = location.hash.match(/token=([^&]+)/);
  if (!m) return;
  sessionStorage.setItem("fpo-token", decodeURIComponent(m[1]));
  history.replaceState(null, "", location.pathname);
}

async function api(path, options = {}) {
  const headers = token() ? { Authorization: "Bearer " + token() } : {};
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) { $("token-form").hidden = false; throw new Error("token needed"); }
  if (!response.ok) throw new Error(path + ": " + response.status);
  return response.json();
}

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const fmt = (x, digits = 3) => x === null || x === undefined ? "–" : typeof x !== "number" ? String(x) : Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toFixed(digits);

// A line chart of one or more series [{points: [[x, y], ...], cls}], axes (reference series hollow) labelled with their ranges.
function lineChart(target, series, xLabel) {
  const root = $(target);
  root.replaceChildren();
  const all = series.flatMap(s => s.points).filter(p => p[1] !== null && Number.isFinite(p[1]));
  const [W, H, L, B] = [320, 160, 40, 20];
  root.append(svg("line", { x1: L, y1: H - B, x2: W - 4, y2: H - B, class: "axis" }), svg("line", { x1: L, y1: 4, x2: L, y2: H - B, class: "axis" }));
  if (all.length === 0) { root.append(svg("text", { x: L + 8, y: H / 2 }, "no data yet")); return; }
  const xs = all.map(p => p[0]), ys = all.map(p => p[1]);
  let [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(0, ...ys), Math.max(...ys)];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  const X = x => L + (x - x0) / (x1 - x0) * (W - L - 10), Y = y => H - B - (y - y0) / (y1 - y0) * (H - B - 10);
  root.append(svg("text", { x: 2, y: 12 }, fmt(y1)), svg("text", { x: 2, y: H - B }, fmt(y0)),
    svg("text", { x: L, y: H - 4 }, xLabel + " " + x0), svg("text", { x: W - 40, y: H - 4 }, String(x1)));
  for (const s of series) {
    const pts = s.points.filter(p => p[1] !== null && Number.isFinite(p[1]));
    root.append(svg("polyline", { points: pts.map(p => X(p[0]) + "," + Y(p[1])).join(" "), class: s.cls }));
    for (const p of pts) root.append(svg("circle", { cx: X(p[0]), cy: Y(p[1]), r: 2.5, class: s.cls + " point" }));
  }
}

async function refreshRun() {
  const s = await api("/api/run");
  $("run-id").textContent = s.runId;
  $("run-state").textContent = s.state;
  $("run-state").className = "badge " + s.state;
  $("run-summary").textContent = `snapshot ${s.snapshotVersion} · ${s.pairsProduced} pairs (${fmt(s.pairsPerMinute, 1)}/min) · ${s.judgeLabels} labels, ${s.judgeAbstentions} abstentions`;
  state.hostsTrainer = s.state !== "observing";
  $("stop").hidden = !(state.hostsTrainer && s.state === "running");
  $("start").hidden = !(state.hostsTrainer && s.state === "stopped");
  state.throughput.set(s.snapshotVersion, s.pairsPerMinute);
}

async function refreshCharts() {
  const evaluations = await api("/api/evaluations");
  const features = await api("/api/features/snapshots");
  const by = f => evaluations.map(e => [e.version, f(e)]);
  lineChart("chart-win", [
    { points: by(e => e.lengthControlledWinRate), cls: "policy" }, { points: by(e => e.winRateWithTies), cls: "reference" },
    { points: by(e => e.lengthControlledLow), cls: "band" }, { points: by(e => e.lengthControlledHigh), cls: "band" }], "snapshot");
  const last = evaluations[evaluations.length - 1];
  const pct = x => x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%";
  $("win-summary").textContent = !last ? "no evaluation yet" :
    `snapshot ${last.version} under judge ${last.judge}${last.judgeIsTrainingJudge ? " (the training judge)" : ""}: ` +
    `LC ${pct(last.lengthControlledWinRate)} [${pct(last.lengthControlledLow)}, ${pct(last.lengthControlledHigh)}], ` +
    `raw ${pct(last.winRateWithTies)} [${pct(last.winRateLow)}, ${pct(last.winRateHigh)}] · ` +
    `${last.wins}W ${last.losses}L ${last.ties}T ${last.abstentions}A · length ${fmt(last.meanLength, 1)} vs ${fmt(last.referenceMeanLength, 1)} tokens`;
  lineChart("chart-kl", [{ points: by(e => e.klPerToken), cls: "policy" }], "snapshot");
  lineChart("chart-drift", [{ points: by(e => e.featureDrift), cls: "policy" }, { points: features.map(f => [f.version, f.drift]), cls: "reference" }], "snapshot");
  lineChart("chart-throughput", [{ points: [...state.throughput].sort((a, b) => a[0] - b[0]), cls: "policy" }], "snapshot");
  lineChart("chart-abstentions", [{ points: by(e => e.abstentions), cls: "policy" }], "snapshot");
  return features;
}

const percent = x => `${(100 * x).toFixed(x < 0.1 ? 2 : 1)}%`;

// An alert's move, its significance (q: Benjamini–Hochberg over every latent tested) and, on hover, the counts behind it.
function alertItem(a, prefix) {
  return el("li", {
    "data-latent": a.latent,
    title: `${a.fromCount} of ${a.fromTokens} tokens → ${a.toCount} of ${a.toTokens}; p = ${fmt(a.pValue)}, q = ${fmt(a.qValue)} (false discovery rate over the latents tested)`,
  }, `${prefix}${a.direction} ×${fmt(a.ratio, 2)} (${percent(a.fromFrequency)} → ${percent(a.toFrequency)}, q=${fmt(a.qValue)}) at snapshot ${a.fromVersion}→${a.toVersion}`);
}

async function refreshAlerts() {
  const alerts = await api("/api/alerts");
  state.alerts = alerts;
  $("alerts").replaceChildren(...alerts.slice(0, 40).map(a => {
    const li = alertItem(a, `latent ${a.latent} `);
    li.addEventListener("click", () => { location.hash = "latent=" + a.latent; });
    return li;
  }));
  if (alerts.length === 0) $("alerts").replaceChildren(el("li", { class: "none" }, "none"));
}

async function refreshTable(haveStatistics) {
  if (!haveStatistics) { $("features-caption").textContent = "no statistics yet"; return; }
  const minFrequency = Number($("min-frequency").value) || 0;
  const t = await api(`/api/features?sort=${state.sort}&order=${state.order}&limit=200&min_frequency=${Math.min(1, Math.max(0, minFrequency))}`);
  $("features-caption").textContent = `snapshot ${t.version}: ${t.total} active of ${t.latents} latents, ${t.policyTokens} policy / ${t.referenceTokens} reference tokens, pooled D_fpo ${fmt(t.drift)} over |I_k| = ${t.featureSetSize}`;
  const query = $("search").value.trim().toLowerCase();
  const rows = t.rows.filter(r => !query || String(r.drift.latent) === query || (r.explanation || "").toLowerCase().includes(query));
  $("features").tBodies[0].replaceChildren(...rows.map(r => {
    const d = r.drift;
    const tr = el("tr", { "data-latent": d.latent, "data-drift": d.driftContribution });
    // Highlight the latents that alerted on the way into the table's snapshot.
    if (state.alerts.some(a => a.latent === d.latent && a.toVersion === t.version)) tr.className = "alert";
    for (const text of [d.latent, r.explanation ?? "", fmt(d.policyFrequency), fmt(d.referenceFrequency), fmt(d.frequencyRatio, 2), fmt(d.meanDifference), fmt(d.driftContribution)])
      tr.append(el("td", {}, String(text)));
    tr.addEventListener("click", () => { location.hash = "latent=" + d.latent; });
    return tr;
  }));
  for (const th of document.querySelectorAll("th[data-sort]")) {
    th.classList.toggle("sorted", th.dataset.sort === state.sort);
    th.classList.toggle("asc", th.dataset.sort === state.sort && state.order === "asc");
  }
}

function contexts(target, list) {
  $(target).replaceChildren(...list.map(c => {
    const div = el("div", { class: "context" });
    div.append(el("span", { class: "act" }, fmt(c.activation, 2)));
    const peak = Math.max(...c.tokens.map(t => t.activation), 1e-9);
    c.tokens.forEach((t, i) => {
      const span = el("span", { class: "tok", title: "activation " + fmt(t.activation) }, t.text);
      if (t.activation > 0) {
        span.classList.add("hot");
        span.style.backgroundColor = `rgba(37, 99, 235, ${0.15 + 0.6 * t.activation / peak})`;
      }
      if (c.windowStart + i === c.position) span.classList.add("peak");
      div.append(span);
    });
    return div;
  }));
  if (list.length === 0) $(target).replaceChildren(el("p", {}, "no contexts"));
}

async function refreshLatent() {
  const p = await api(`/api/features/${state.latent}?contexts=8&lens=10`);
  $("latent-title").textContent = `Latent ${p.latent} · snapshot ${p.version}`;
  $("latent-explanation").textContent = p.explanation ? `“${p.explanation.text}” (score ${fmt(p.explanation.score, 2)}, ${p.explanation.model})` : "no explanation (fpo sae explain writes one)";
  const d = p.drift;
  $("latent-drift").textContent = `frequency ${fmt(d.policyFrequency)} vs ${fmt(d.referenceFrequency)} (ratio ${fmt(d.frequencyRatio, 2)}), mean ${fmt(d.policyMean)} vs ${fmt(d.referenceMean)} (difference ${fmt(d.meanDifference)}), contribution to D_fpo ${fmt(d.driftContribution)}${d.inFeatureSet ? "" : " (not in I_k)"}`;
  $("latent-alerts").replaceChildren(...p.alerts.map(a => alertItem(a, "")));
  lineChart("chart-latent-frequency", [{ points: p.series.map(s => [s.version, s.policyFrequency]), cls: "policy" },
    { points: p.series.map(s => [s.version, s.referenceFrequency]), cls: "reference" }], "snapshot");
  histogram(p.histogram);
  const lens = (target, list) => $(target).replaceChildren(...(list || []).map(t => el("li", {}, `${JSON.stringify(t.text)} ${fmt(t.logit, 2)}`)));
  lens("lens-promoted", p.logitLens?.promoted);
  lens("lens-suppressed", p.logitLens?.suppressed);
  contexts("contexts-policy", p.policyContexts);
  contexts("contexts-reference", p.referenceContexts);
}

function histogram(h) {
  const root = $("chart-latent-histogram");
  root.replaceChildren();
  const used = h.policy.map((n, b) => n + h.reference[b] > 0 ? b : -1).filter(b => b >= 0);
  if (used.length === 0) { root.append(svg("text", { x: 40, y: 80 }, "never active")); return; }
  const [lo, hi] = [used[0], used[used.length - 1]];
  const bins = hi - lo + 1, top = Math.max(...h.policy, ...h.reference), w = 280 / bins;
  for (let b = lo; b <= hi; b++) {
    const x = 30 + (b - lo) * w;
    root.append(svg("rect", { x, y: 140 - 120 * h.policy[b] / top, width: w * 0.45, height: 120 * h.policy[b] / top, class: "policy" }),
      svg("rect", { x: x + w * 0.5, y: 140 - 120 * h.reference[b] / top, width: w * 0.45, height: 120 * h.reference[b] / top, class: "reference" }));
  }
  root.append(svg("text", { x: 30, y: 155 }, "≥" + fmt(h.lowerEdges[lo])), svg("text", { x: 250, y: 155 }, "≥" + fmt(h.lowerEdges[hi])), svg("text", { x: 2, y: 20 }, String(top)));
}

function route() {
  const m = location.hash.match(/latent=(\d+)/);
  state.latent = m ? Number(m[1]) : null;
  $("overview").hidden = state.latent !== null;
  $("latent").hidden = state.latent === null;
}

let busy = false;
async function tick() {
  if (busy) return;
  busy = true;
  try {
    await refreshRun();
    if (state.latent === null) {
      const features = await refreshCharts();
      await refreshAlerts();
      await refreshTable(features.length > 0);
    } else {
      await refreshLatent();
    }
    $("token-form").hidden = true;
  } catch (e) {
    document.body.dataset.error = String(e.message);
  } finally {
    busy = false;
  }
}

function init() {
  takeTokenFromHash();
  route();
  window.addEventListener("hashchange", () => { route(); tick(); });
  for (const th of document.querySelectorAll("th[data-sort]"))
    th.addEventListener("click", () => {
      state.order = state.sort === th.dataset.sort && state.order === "desc" ? "asc" : "desc";
      state.sort = th.dataset.sort;
      tick();
    });
  $("min-frequency").addEventListener("change", tick);
  $("search").addEventListener("input", tick);
  $("stop").addEventListener("click", () => api("/api/run/stop", { method: "POST" }).then(tick, () => {}));
  $("start").addEventListener("click", () => api("/api/run/start", { method: "POST" }).then(tick, () => {}));
  $("token-form").addEventListener("submit", e => { e.preventDefault(); sessionStorage.setItem("fpo-token", $("token").value); tick(); });
  tick();
  setInterval(tick, 2000);
}

init();
