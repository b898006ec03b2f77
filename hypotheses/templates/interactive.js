// hypscore's interactive report: the reader moves a judgment or leaves an item out and the
// posterior means, evidence weights and bottom line follow, computed in the page by a port of
// the numpy engine's posterior means (hypotheses/model/numpy_engine.py, components.py, factors.py,
// prior.py, quadrature.py; analysis/weights.py). Exact where the engine is exact (closed forms,
// the Gauss rules over one shared uncertain reliability and over coupled ones, or the grid);
// where the engine samples (uncertain prior factors, coupled sources past the rule's budget)
// the page samples too, with its own fixed seed, and says so.
// The case's text only ever reaches the page as textContent: nothing in a case can run here.
// The script has two parts. `engine(data)` is the numerics alone, a pure function of the page's
// data with no DOM: the tests run it under an embedded JavaScript engine against the numpy engine
// on every example and on random cases (tests/test_page_engine.py). Its constants come from the
// data (hypotheses/analysis/page_data.py reads them from the engine's own names). The page part
// below it wires the controls and cells to it, in a browser only.
"use strict";
(function () {
  // ---------- the engine ----------
  function engine(data) {
    const H = data.hypotheses.length;
    const DB = 10 / Math.LN10;
    const {
      grid_cells: GRID_CELLS, grid_zooms: GRID_ZOOMS, source_draws: SOURCE_DRAWS, source_batches: SOURCE_BATCHES,
      pool_elements: POOL_ELEMENTS, pool_floor: POOL_FLOOR, quadrature_nodes: QUADRATURE_NODES, rule_nodes: RULE_NODES,
      prior_draws: PRIOR_DRAWS, prior_floor: PRIOR_FLOOR, prior_batches: PRIOR_BATCHES, prior_budget: PRIOR_BUDGET,
      tiny: TINY, // Beta draws are clipped there (numpy's finfo(float).tiny), as the engine does
    } = data.engine;
    const ALL = [...Array(H).keys()];

    // ---------- log-space arithmetic ----------
    function lse(xs) {
      let m = -Infinity;
      for (const x of xs) if (x > m) m = x;
      if (!isFinite(m)) m = 0;
      let s = 0;
      for (const x of xs) s += Math.exp(x - m);
      return m + Math.log(s);
    }
    function lae(a, b) { // lse([a, b]) without an array, and with one exp (the hot path's)
      const m = b > a ? b : a;
      if (!isFinite(m)) return lse([a, b]);
      return m + Math.log1p(Math.exp(-Math.abs(a - b)));
    }
    function softmax(xs) {
      let m = -Infinity;
      for (const x of xs) if (x > m) m = x;
      const w = xs.map((x) => Math.exp(x - m));
      const s = w.reduce((a, b) => a + b, 0);
      return w.map((x) => x / s);
    }
    const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
      -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
      1.5056327351493116e-7];
    function lgamma(x) {
      if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
      x -= 1;
      let a = LANCZOS[0];
      const t = x + 7.5;
      for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
      return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
    }

    // ---------- judgments: {p: v} | {beta: [a, b]} | {lognormal: [mu, sigma]} ----------
    function mean(j) {
      if ("p" in j) return j.p;
      if ("beta" in j) return j.beta[0] / (j.beta[0] + j.beta[1]);
      return Math.exp(j.lognormal[0] + 0.5 * j.lognormal[1] ** 2);
    }
    const isPoint = (j) => "p" in j;
    function complement(j) {
      if ("p" in j) return { p: 1 - j.p };
      return { beta: [j.beta[1], j.beta[0]] };
    }
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

    // ---------- a seeded generator (sfc32) and the samplers the engine uses ----------
    function rng(seed) {
      let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
      function next32() {
        a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
        const t = (a + b) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (c << 21) | (c >>> 11);
        d = (d + 1) | 0;
        const out = (t + d) | 0;
        c = (c + out) | 0;
        return out >>> 0;
      }
      for (let i = 0; i < 15; i++) next32();
      const uniform = () => ((next32() >>> 5) * 67108864 + (next32() >>> 6) + 0.5) / 9007199254740992;
      let spare = null;
      function normal() {
        if (spare !== null) { const s = spare; spare = null; return s; }
        let u, v, s;
        do { u = 2 * uniform() - 1; v = 2 * uniform() - 1; s = u * u + v * v; } while (s >= 1 || s === 0);
        const f = Math.sqrt(-2 * Math.log(s) / s);
        spare = v * f;
        return u * f;
      }
      function gamma(shape) { // Marsaglia and Tsang; shape < 1 through shape + 1
        if (shape < 1) return gamma(shape + 1) * Math.pow(uniform(), 1 / shape);
        const d3 = shape - 1 / 3, c3 = 1 / Math.sqrt(9 * d3);
        for (;;) {
          let x, v;
          do { x = normal(); v = 1 + c3 * x; } while (v <= 0);
          v = v * v * v;
          const u = uniform();
          if (Math.log(u) < 0.5 * x * x + d3 - d3 * v + d3 * Math.log(v)) return d3 * v;
        }
      }
      function sample(j) {
        if ("p" in j) return j.p;
        if ("beta" in j) { const x = gamma(j.beta[0]), y = gamma(j.beta[1]); return Math.max(x / (x + y), TINY); }
        return Math.exp(j.lognormal[0] + j.lognormal[1] * normal());
      }
      return { uniform, sample };
    }

    // ---------- the prior: E[pi_h] = E[w_h / sum w] (prior.py) ----------
    function priorMean(kase) {
      const factors = kase.priors; // per hypothesis: judgments
      const allPoint = factors.every((fs) => fs.every(isPoint));
      if (allPoint) {
        return { pi: softmax(factors.map((fs) => fs.reduce((s, j) => s + Math.log(j.p), 0))), batches: null };
      }
      // As printed: the engine's own estimate and its batches (so evidence edits stay its numbers).
      if (same(factors, baselinePriors)) return { pi: data.prior_mean.slice(), batches: data.prior_batches };
      const uncertain = factors.reduce((n, fs) => n + fs.filter((j) => !isPoint(j)).length, 0);
      const size = Math.floor(Math.max(PRIOR_FLOOR, Math.min(PRIOR_DRAWS, Math.floor(PRIOR_BUDGET / uncertain))) / PRIOR_BATCHES);
      const logMeanW = factors.map((fs) => fs.reduce((s, j) => s + Math.log(mean(j)), 0));
      const shift = -Math.max(...logMeanW);
      const meanW = logMeanW.map((x) => Math.exp(x + shift));
      const meanWSum = meanW.reduce((a, b) => a + b, 0);
      const r = rng(data.seed + 1);
      const S = { p: zeros(H), x: zeros(H), s: 0, xx: zeros(H), ss: 0, px: zeros(H), ps: zeros(H), xs: zeros(H) };
      const batch = { p: [], x: [], s: [] };
      for (let k = 0; k < PRIOR_BATCHES; k++) {
        const bp = zeros(H), bx = zeros(H);
        let bs = 0;
        for (let n = 0; n < size; n++) {
          const logw = factors.map((fs) => fs.reduce((s, j) => s + Math.log(r.sample(j)), 0));
          const pi = softmax(logw);
          const w = logw.map((x) => Math.exp(x + shift));
          const total = w.reduce((a, b) => a + b, 0) - meanWSum;
          for (let h = 0; h < H; h++) {
            const x = w[h] - meanW[h];
            S.p[h] += pi[h]; S.x[h] += x; S.xx[h] += x * x; S.px[h] += pi[h] * x; S.ps[h] += pi[h] * total;
            S.xs[h] += x * total; bp[h] += pi[h]; bx[h] += x;
          }
          S.s += total; S.ss += total * total; bs += total;
        }
        batch.p.push(bp.map((v) => v / size)); batch.x.push(bx.map((v) => v / size)); batch.s.push(bs / size);
      }
      const n = PRIOR_BATCHES * size;
      const m = (v) => v / n;
      const cov = (e, a, b) => (m(e) - m(a) * m(b)) * n / (n - 1);
      const beta = [];
      for (let h = 0; h < H; h++) {
        const vxx = cov(S.xx[h], S.x[h], S.x[h]), vss = cov(S.ss, S.s, S.s), vxs = cov(S.xs[h], S.x[h], S.s);
        const vpx = cov(S.px[h], S.p[h], S.x[h]), vps = cov(S.ps[h], S.p[h], S.s);
        beta.push(pinvTimes([[vxx, vxs], [vxs, vss]], [vpx, vps]));
      }
      const adjusted = (p, x, s) => {
        const v = p.map((ph, h) => Math.max(0, ph - beta[h][0] * x[h] - beta[h][1] * s));
        const t = v.reduce((a, b) => a + b, 0);
        return v.map((q) => q / t);
      };
      return {
        pi: adjusted(S.p.map(m), S.x.map(m), m(S.s)),
        batches: batch.p.map((p, k) => adjusted(p, batch.x[k], batch.s[k])),
      };
    }
    function zeros(n) { return new Array(n).fill(0); }
    function pinvTimes(A, y) { // symmetric 2 x 2 pseudo-inverse (numpy's pinv, rcond 1e-15) times y
      const [[a, b], [, d]] = A;
      const tr = a + d, det = a * d - b * b;
      const disc = Math.sqrt(Math.max(0, tr * tr / 4 - det));
      const l1 = tr / 2 + disc, l2 = tr / 2 - disc;
      const vecs = [];
      for (const l of [l1, l2]) {
        let v = Math.abs(b) > 0 ? [l - d, b] : (a >= d ? (l === l1 ? [1, 0] : [0, 1]) : (l === l1 ? [0, 1] : [1, 0]));
        const norm = Math.hypot(v[0], v[1]);
        vecs.push(norm > 0 ? [v[0] / norm, v[1] / norm] : [0, 0]);
      }
      const cutoff = 1e-15 * Math.max(Math.abs(l1), Math.abs(l2));
      const out = [0, 0];
      [l1, l2].forEach((l, i) => {
        if (Math.abs(l) > cutoff && Math.abs(l) > 0) {
          const v = vecs[i], c = (v[0] * y[0] + v[1] * y[1]) / l;
          out[0] += c * v[0]; out[1] += c * v[1];
        }
      });
      return out;
    }

    // ---------- how an item is reported (factors.item_rates, components._Rates) ----------
    // [H, F], Schum's hit and false-alarm rates through a chain of reliability rho, with b the
    // expected base rate of what the item reports (a point: docs/model.md section 2).
    // p: {kappa} from a credibility, or {hit, fa} given (then mixed with the item's expected
    // rate q = hit b + fa (1 - b) by the chain, whose only link is then model error's).
    // `out`: an array to write them into (the sampled path's hot loop allocates nothing).
    function rates(p, rho, b, out = [0, 0]) {
      if (p.hit === undefined) {
        const c = p.kappa * rho;
        out[0] = lambda(c, 1, b);
        out[1] = lambda(c, 0, b);
        return out;
      }
      const q = p.hit * b + p.fa * (1 - b);
      out[0] = rho * p.hit + (1 - rho) * q;
      out[1] = rho * p.fa + (1 - rho) * q;
      return out;
    }
    // An item's own parameters of how it is reported, at their means.
    function reporting(it) {
      return it.cred ? { kappa: mean(it.cred) } : { kappa: 1, hit: mean(it.hit), fa: mean(it.fa) };
    }

    // ---------- components (factors.py) and their factors ----------
    function lambda(c, theta, mix) { return c * theta + (1 - c) * mix; }
    // log[theta P(reports | it occurred) + (1 - theta) P(reports | it did not)], from [log H, log F].
    function eventLog(theta, [logHit, logFalse]) {
      return lae(Math.log(theta) + logHit, Math.log1p(-theta) + logFalse);
    }

    // The one term an item is weighed in: its event's or its origin's id (ids of events and
    // origins never clash), null for an item alone (weights.group_of).
    const groupOf = (it) => (it.reports !== null ? it.reports : it.origin);

    function components(kase) {
      const uncertain = new Set(kase.sources.filter((s) => !isPoint(s.j)).map((s) => s.id));
      // Units (factors.Factor): an item alone, an event with its reports, an origin with its
      // items, in the order their first item stands.
      const units = [];
      const unitOf = {};
      for (const it of kase.items) {
        const group = groupOf(it);
        if (group === null) units.push({ items: [it], event: null, origin: null });
        else if (group in unitOf) units[unitOf[group]].items.push(it);
        else { unitOf[group] = units.length; units.push({ items: [it], event: it.reports, origin: it.origin }); }
      }
      const parent = units.map((_, k) => k);
      const root = (k) => { while (parent[k] !== k) { parent[k] = parent[parent[k]]; k = parent[k]; } return k; };
      const first = {};
      units.forEach((u, k) => {
        for (const s of new Set(u.items.flatMap((it) => it.chain).filter((s) => uncertain.has(s)))) {
          if (s in first) parent[root(k)] = root(first[s]); else first[s] = k;
        }
      });
      const members = new Map();
      units.forEach((u, k) => { const r = root(k); if (!members.has(r)) members.set(r, []); members.get(r).push(u); });
      const out = [];
      const rel = Object.fromEntries(kase.sources.map((s) => [s.id, s.j]));
      for (const us of members.values()) {
        const used = [...new Set(us.flatMap((u) => u.items.flatMap((it) => it.chain)).filter((s) => uncertain.has(s)))].sort();
        // A component's factor depends only on what it is made of: unchanged by an edit
        // elsewhere, it is not computed again (a sampled or gridded one is most of the work).
        // Each unit's key: all that its factor reads, its chain's reliabilities included.
        for (const u of us) {
          u.key = JSON.stringify([
            [...new Set(u.items.flatMap((it) => it.chain))].sort().map((s) => [s, rel[s]]),
            u.items, u.event === null ? null : kase.events[u.event], u.origin === null ? null : kase.origins[u.origin],
          ]);
        }
        const key = JSON.stringify([used, used.map((s) => rel[s]), us.map((u) => u.key)]);
        if (!built.has(key)) {
          if (built.size > 4 * members.size + 64) built.clear(); // this case's and a few edits
          built.set(key, component(kase, used, us));
        }
        out.push(built.get(key));
      }
      return out;
    }
    const built = new Map(); // component key -> its factor

    function component(kase, used, units) {
      const rel = Object.fromEntries(kase.sources.map((s) => [s.id, s.j]));
      const chainParts = (it) => {
        let constant = 1;
        for (const s of it.chain) if (!used.includes(s)) constant *= mean(rel[s]);
        // The indices (into r) of the used sources on its chain.
        return { constant, uses: used.flatMap((s, k) => (it.chain.includes(s) ? [k] : [])) };
      };
      const items = units.filter((u) => u.event === null && u.origin === null).map((u) => {
        const it = u.items[0];
        const theta = it.theta.map(mean);
        return { ...chainParts(it), ...reporting(it), theta, mix: theta.reduce((a, b) => a + b, 0) / H, key: u.key };
      });
      const events = units.filter((u) => u.event !== null).map((u) => {
        const theta = kase.events[u.event].map(mean);
        return {
          reports: u.items.map((it) => ({ ...chainParts(it), ...reporting(it) })),
          theta,
          b: theta.reduce((a, x) => a + x, 0) / H,
          key: u.key,
        };
      });
      // A possible common origin (components._OriginFactor): each item reported as in an event
      // of the origin's likelihoods at the origin's base rate b, or alone with its own
      // likelihoods and base rate; its credibility (rates) and chain the same in both branches.
      const origins = units.filter((u) => u.origin !== null).map((u) => {
        const o = kase.origins[u.origin];
        const theta = o.theta.map(mean);
        return {
          reports: u.items.map((it) => {
            const own = it.theta.map(mean);
            return { ...chainParts(it), ...reporting(it), own, b: own.reduce((a, x) => a + x, 0) / H };
          }),
          theta,
          b: theta.reduce((a, x) => a + x, 0) / H,
          s: mean(o.shared),
          alone: u.items.map(() => [0, 0]), // each item's rates alone, per draw (reused)
          key: u.key,
        };
      });
      function rho(part, r) {
        let c = part.constant;
        for (const k of part.uses) c *= r[k];
        return c;
      }
      // log E[prod of the component's factors | r, h] for h in cols (the others left 0): a zoomed
      // grid needs one hypothesis only, as the engine computes it.
      const scratch = [0, 0], logRates = [0, 0];
      // Each unit's log factor given r, added into total[h] for h in cols.
      function addItem(it, r, cols, total) {
        if (it.hit === undefined) {
          const c = rho(it, r) * it.kappa;
          for (const h of cols) total[h] += Math.log(lambda(c, it.theta[h], it.mix));
        } else { // given rates: theta H + (1 - theta) F
          const [hit, fa] = rates(it, rho(it, r), it.mix, scratch);
          for (const h of cols) total[h] += Math.log(it.theta[h] * hit + (1 - it.theta[h]) * fa);
        }
      }
      function addEvent(ev, r, cols, total) { // theta_h prod H + (1 - theta_h) prod F, exact at the means given r
        reported(ev.reports, ev.b, r);
        for (const h of cols) total[h] += eventLog(ev.theta[h], logRates);
      }
      // s Lambda_h + (1 - s) prod_j lambda_jh: linear in each judgment given r, so exact at the
      // means too (docs/model.md section 2).
      function addOrigin(o, r, cols, total) {
        reported(o.reports, o.b, r);
        const alone = o.alone;
        for (let j = 0; j < alone.length; j++) rates(o.reports[j], rho(o.reports[j], r), o.reports[j].b, alone[j]);
        const logS = Math.log(o.s), log1mS = Math.log1p(-o.s);
        for (const h of cols) {
          let own = 0;
          for (let j = 0; j < o.reports.length; j++) {
            const t = o.reports[j].own[h];
            own += Math.log(t * alone[j][0] + (1 - t) * alone[j][1]);
          }
          total[h] += lae(logS + eventLog(o.theta[h], logRates), log1mS + own);
        }
      }
      const parts = [...items.map((x) => [x, addItem]), ...events.map((x) => [x, addEvent]), ...origins.map((x) => [x, addOrigin])];
      // log E[prod of the component's factors | r, h] for h in cols (the others left 0): a zoomed
      // grid needs one hypothesis only, as the engine computes it.
      function condLog(r, cols = ALL) {
        const total = zeros(H);
        for (const [part, add] of parts) add(part, r, cols, total);
        return total;
      }
      // [sum log H, sum log F] of reports at base rate b given r, into logRates.
      function reported(reports, b, r) {
        let logHit = 0, logFalse = 0;
        for (const p of reports) {
          rates(p, rho(p, r), b, scratch);
          logHit += Math.log(scratch[0]);
          logFalse += Math.log(scratch[1]);
        }
        logRates[0] = logHit;
        logRates[1] = logFalse;
        return logRates;
      }
      const judgments = used.map((s) => rel[s]);
      const grouped = events.length + origins.length;
      if (used.length === 0 || (used.length === 1 && items.length === 1 && grouped === 0)) {
        return { method: "exact", logFactor: condLog(judgments.map(mean)) };
      }
      // Each used source's degree (Component.degrees): how many of the component's items use it;
      // the exact rule within its budgets (quadrature.fits).
      const degrees = used.map((s) => units.flatMap((u) => u.items).filter((it) => it.chain.includes(s)).length);
      const nodes = degrees.reduce((n, d) => n * (Math.floor(d / 2) + 1), 1);
      const fits = nodes <= QUADRATURE_NODES && degrees.every((d) => Math.floor(d / 2) + 1 <= RULE_NODES);
      if (used.length === 1) {
        return { method: "grid", logFactor: fits ? quadrature(judgments, degrees, condLog) : grid(judgments[0], condLog) };
      }
      if (fits && judgments.every((j) => j.beta !== undefined)) {
        return { method: "quadrature", logFactor: quadrature(judgments, degrees, condLog) };
      }
      return sampled(judgments, parts, used);
    }

    // ---------- the tensor Gauss rule over coupled sources (hypotheses/model/quadrature.py) ----------
    // Given r the factors are a polynomial in each r_k of the degree its users make, so the
    // product of each source's Gauss rule for its Beta prior, of degree // 2 + 1 nodes,
    // integrates them exactly.
    function tridiagonalEigenvalues(diagonal, off) { // off[i] joins i and i + 1; implicit QL
      const n = diagonal.length, d = diagonal.slice(), e = [...off, 0];
      for (let l = 0; l < n; l++) {
        for (let iter = 0; ; iter++) {
          let m = l;
          for (; m < n - 1; m++) {
            const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
            if (Math.abs(e[m]) + dd === dd) break;
          }
          if (m === l) break;
          if (iter === 100) throw new Error("the quadrature's eigenvalues did not converge");
          let g = (d[l + 1] - d[l]) / (2 * e[l]);
          let r = Math.hypot(g, 1);
          g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
          let s = 1, c = 1, p = 0, i = m - 1, deflated = false;
          for (; i >= l; i--) {
            const f = s * e[i], b = c * e[i];
            r = Math.hypot(f, g);
            e[i + 1] = r;
            if (r === 0) { d[i + 1] -= p; e[m] = 0; deflated = true; break; }
            s = f / r; c = g / r; g = d[i + 1] - p;
            r = (d[i] - g) * s + 2 * c * b;
            p = s * r; d[i + 1] = g + p; g = c * r - b;
          }
          if (deflated) continue;
          d[l] -= p; e[l] = g; e[m] = 0;
        }
      }
      return d.sort((x, y) => x - y);
    }
    function betaRule(a, b, n) { // quadrature.beta_rule: nodes in [0, 1] and log weights
      if (n === 1) return [[a / (a + b)], [0]];
      const alpha = b - 1, beta = a - 1, sum = alpha + beta;
      const diagonal = [], off = [0];
      for (let k = 0; k < n; k++) {
        diagonal.push(k === 0 ? (beta - alpha) / (sum + 2) : (beta * beta - alpha * alpha) / ((2 * k + sum) * (2 * k + sum + 2)));
        if (k === 1) off.push((4 * (1 + alpha) * (1 + beta)) / ((2 + sum) ** 2 * (3 + sum)));
        else if (k > 1) {
          off.push((4 * k * (k + alpha) * (k + beta) * (k + sum)) / ((2 * k + sum) ** 2 * (2 * k + sum + 1) * (2 * k + sum - 1)));
        }
      }
      const root = off.map(Math.sqrt);
      const xs = tridiagonalEigenvalues(diagonal, root.slice(1));
      const logW = xs.map((x) => { // Christoffel: 1 / sum_k p_k(x)^2, rescaled in log space
        let previous = 0, current = 1, logScale = 0, logSum = 0;
        for (let k = 0; k < n - 1; k++) {
          const following = ((x - diagonal[k]) * current - (k ? root[k] * previous : 0)) / root[k + 1];
          previous = current;
          current = following;
          const big = Math.max(Math.abs(current), Math.abs(previous));
          if (big > 1e100) { previous /= big; current /= big; logScale += Math.log(big); }
          logSum = lae(logSum, 2 * (Math.log(Math.abs(current)) + logScale));
        }
        return -logSum;
      });
      const total = lse(logW);
      return [xs.map((x) => Math.min(1, Math.max(0, 0.5 * (1 + x)))), logW.map((w) => w - total)];
    }
    function quadrature(judgments, degrees, condLog) {
      let nodes = [[]], logW = [0];
      judgments.forEach((j, k) => { // the first source varying slowest, as tensor_rule
        const [r, w] = betaRule(j.beta[0], j.beta[1], Math.floor(degrees[k] / 2) + 1);
        const next = [], nextW = [];
        nodes.forEach((node, i) => r.forEach((x, m) => { next.push([...node, x]); nextW.push(logW[i] + w[m]); }));
        nodes = next;
        logW = nextW;
      });
      const columns = nodes.map((node) => condLog(node));
      return ALL.map((h) => lse(columns.map((c, n) => logW[n] + c[h])));
    }

    // ---------- the grid over one shared uncertain reliability (numpy_engine._grid) ----------
    function grid(judgment, condLog) {
      const [a, b] = judgment.beta;
      const ka = Math.min(a, 1), kb = Math.min(b, 1);
      const toT = (r) => -Math.expm1(kb * Math.log1p(-(r ** ka)));
      const toR = (t) => (-Math.expm1(Math.log1p(-t) / kb)) ** (1 / ka);
      const logBeta = lgamma(a) + lgamma(b) - lgamma(a + b);
      function nodes(edges, columns) {
        const logW = columns.map(() => []);
        for (let i = 0; i + 1 < edges.length; i++) {
          const half = 0.5 * (edges[i + 1] - edges[i]), middle = 0.5 * (edges[i] + edges[i + 1]);
          for (const sign of [-1, 1]) {
            const t = middle + (sign * half) / Math.sqrt(3);
            const r = toR(t);
            const lw = Math.log1p(-t) / kb;
            const logR = Math.log(-Math.expm1(lw)) / ka;
            let log1mr;
            if (ka === 1) log1mr = lw;
            else log1mr = lw < -30 ? lw - Math.log(ka) : Math.log(-Math.expm1(Math.log1p(-Math.exp(lw)) / ka));
            const logMap = Math.log(ka) + Math.log(kb) + (ka - 1) * logR + (kb - 1) * lw;
            let logPrior = (a - 1) * logR + (b - 1) * log1mr - logBeta - logMap + Math.log(half);
            if (Number.isNaN(logPrior)) logPrior = -Infinity;
            const cond = condLog([r], columns);
            columns.forEach((h, k) => logW[k].push(logPrior + cond[h]));
          }
        }
        return logW;
      }
      function massRegion(logW, tail = 1e-12) {
        const m = Math.max(...logW);
        const w = logW.map((x) => Math.exp(x - m));
        const total = w.reduce((s, x) => s + x, 0);
        let acc = 0, firstCell = -1, lastCell = -1;
        for (let i = 0; i < w.length; i++) {
          acc += w[i];
          const c = acc / total;
          if (firstCell < 0 && c >= tail) firstCell = i;
          if (lastCell < 0 && c >= 1 - tail) lastCell = i;
        }
        if (firstCell < 0) firstCell = w.length;
        if (lastCell < 0) lastCell = w.length - 1;
        return [firstCell, Math.min(lastCell, w.length - 1)];
      }
      const linspace = (lo, hi, n) => Array.from({ length: n }, (_, i) => (i === n - 1 ? hi : lo + ((hi - lo) * i) / (n - 1)));
      const m = a / (a + b);
      const sd = Math.sqrt((m * (1 - m)) / (a + b + 1));
      const bulk = linspace(Math.max(0, m - 12 * sd), Math.min(1, m + 12 * sd), GRID_CELLS + 1).map(toT);
      const start = [...new Set([...linspace(0, 1, GRID_CELLS + 1), ...bulk])].sort((x, y) => x - y);
      const all = [...Array(H).keys()];
      const startW = nodes(start, all);
      const out = [];
      for (let h = 0; h < H; h++) {
        let edges = start, logW = startW[h];
        for (let z = 0; z < GRID_ZOOMS; z++) {
          const [f2, l2] = massRegion(logW);
          const f = Math.floor(f2 / 2), l = Math.floor(l2 / 2);
          if (edges.length === GRID_CELLS + 1 && l - f >= GRID_CELLS / 2) break;
          const lo = edges[Math.max(f - 1, 0)], hi = edges[Math.min(l + 2, edges.length - 1)];
          edges = linspace(lo, hi, GRID_CELLS + 1);
          logW = nodes(edges, [h])[0];
        }
        out.push(lse(logW));
      }
      return out;
    }

    // ---------- importance sampling over two or more coupled uncertain sources ----------
    // The reliabilities' draws depend only on the sources and their judgments: drawn once for
    // them, and reused while the reader edits anything else (the same numbers, in a fraction of
    // the time: drawing is half the work).
    const drawn = new Map();
    function draws(judgments, used) {
      const key = JSON.stringify([used, judgments]);
      if (drawn.has(key)) return drawn.get(key);
      let seed = data.seed;
      for (const ch of used.join(" ")) seed = (Math.imul(seed, 31) + ch.codePointAt(0)) >>> 0;
      const r = rng(seed);
      // components.pool_draws: fewer draws of thousands of sources, in bounded memory.
      const fits = Math.floor(Math.floor(POOL_ELEMENTS / Math.max(1, judgments.length)) / SOURCE_BATCHES) * SOURCE_BATCHES;
      const count = Math.min(SOURCE_DRAWS, Math.max(POOL_FLOOR, fits));
      const out = [];
      for (let n = 0; n < count; n++) out.push(judgments.map((j) => r.sample(j)));
      if (drawn.size > 8) drawn.clear();
      drawn.set(key, out);
      return out;
    }
    // Each unit's log factor at every draw of the pool, kept while the unit and the pool are
    // unchanged: an edit then recomputes one unit's column, not the whole component.
    const columnsOf = new WeakMap(); // pool -> unit key -> column
    function column(pool, part, add) {
      if (!columnsOf.has(pool)) columnsOf.set(pool, new Map());
      let out = columnsOf.get(pool).get(part.key);
      if (out === undefined) {
        out = new Float64Array(pool.length * H);
        const row = zeros(H);
        for (let n = 0; n < pool.length; n++) {
          row.fill(0);
          add(part, pool[n], ALL, row);
          for (let h = 0; h < H; h++) out[n * H + h] = row[h];
        }
        columnsOf.get(pool).set(part.key, out);
      }
      return out;
    }
    function sampled(judgments, parts, used) {
      const pool = draws(judgments, used);
      const total = new Float64Array(pool.length * H);
      const kept = new Map();
      for (const [part, add] of parts) {
        const c = column(pool, part, add);
        kept.set(part.key, c);
        for (let i = 0; i < total.length; i++) total[i] += c[i];
      }
      // The current case's columns stay, and as many of the others (the edit before, which the
      // reader may go back to): memory for at most two sets per pool.
      for (const [k, c] of columnsOf.get(pool)) if (kept.size < 2 * parts.length && !kept.has(k)) kept.set(k, c);
      columnsOf.set(pool, kept);
      const size = pool.length / SOURCE_BATCHES;
      // Each column's log-sum-exp over a batch's rows, and over all rows, by the batches' own
      // (the same sums as lse of the whole column, in another order).
      const batches = [];
      for (let k = 0; k < SOURCE_BATCHES; k++) {
        const each = [];
        for (let h = 0; h < H; h++) {
          let m = -Infinity;
          for (let n = k * size; n < (k + 1) * size; n++) if (total[n * H + h] > m) m = total[n * H + h];
          if (!isFinite(m)) m = 0;
          let sum = 0;
          for (let n = k * size; n < (k + 1) * size; n++) sum += Math.exp(total[n * H + h] - m);
          each.push(m + Math.log(sum) - Math.log(size));
        }
        batches.push(each);
      }
      const logFactor = [];
      for (let h = 0; h < H; h++) logFactor.push(lse(batches.map((b) => b[h])) - Math.log(SOURCE_BATCHES));
      return { method: "sampled", logFactor, batches };
    }

    function batchMcse(posteriorBatches) {
      let worst = 0;
      for (let h = 0; h < H; h++) {
        const xs = posteriorBatches.map((p) => p[h]);
        const mu = xs.reduce((a, b) => a + b, 0) / xs.length;
        const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mu) ** 2, 0) / (xs.length - 1));
        worst = Math.max(worst, sd / Math.sqrt(xs.length));
      }
      return worst;
    }

    // P(h | E): softmax(log E[pi_h] + sum of the components' log factors), with its Monte Carlo
    // error where anything was sampled (numpy_engine._exact_parts).
    function posterior(kase) {
      const prior = priorMean(kase);
      const parts = components(kase);
      const logPi = prior.pi.map(Math.log);
      const total = logPi.slice();
      for (const g of parts) for (let h = 0; h < H; h++) total[h] += g.logFactor[h];
      const post = softmax(total);
      let mcse = 0;
      if (prior.batches) {
        const rest = total.map((x, h) => x - logPi[h]);
        mcse = batchMcse(prior.batches.map((b) => softmax(b.map((p, h) => Math.log(p) + rest[h]))));
      }
      for (const g of parts) {
        if (g.method !== "sampled") continue;
        const rest = total.map((x, h) => x - g.logFactor[h]);
        mcse = Math.hypot(mcse, batchMcse(g.batches.map((b) => softmax(b.map((x, h) => x + rest[h])))));
      }
      // Estimated wherever anything was sampled, even when the posterior itself is degenerate.
      const estimated = mcse > 0 || prior.batches !== null || parts.some((g) => g.method === "sampled");
      return { post, prior: prior.pi, mcse, estimated };
    }

    // ---------- evidence weights at the means (analysis/weights.py) ----------
    function meanLogLik(kase) {
      const rel = Object.fromEntries(kase.sources.map((s) => [s.id, mean(s.j)]));
      const seen = {};
      const mixed = {}; // origin -> its items so far: [sum log lambda_h, [sum log H', sum log F'], log P]
      const average = (xs) => xs.reduce((x, y) => x + y, 0) / H;
      return kase.items.map((it) => {
        const rho = it.chain.reduce((x, s) => x * rel[s], 1);
        const theta = it.reports === null ? it.theta.map(mean) : kase.events[it.reports].map(mean);
        const b = average(theta);
        // H and F as the compiled case holds them (factors.item_rates), c = kappa * rho.
        const [rateHit, rateFa] = rates(reporting(it), rho, b);
        if (it.origin !== null) {
          // The chain rule over the mixture's prefix (CompiledCase.origin_log_prefix): the
          // mixture over the items up to this one, less that over those above it.
          const o = kase.origins[it.origin];
          const [own, [logHit, logFalse], before] = mixed[it.origin] || [zeros(H), [0, 0], zeros(H)];
          const origin = o.theta.map(mean);
          const [sharedHit, sharedFa] = rates(reporting(it), rho, average(origin)); // at the origin's b
          const own2 = own.map((x, h) => x + Math.log(theta[h] * rateHit + (1 - theta[h]) * rateFa));
          const logRates = [logHit + Math.log(sharedHit), logFalse + Math.log(sharedFa)];
          const s = mean(o.shared);
          const after = origin.map((t, h) => lae(Math.log(s) + eventLog(t, logRates), Math.log1p(-s) + own2[h]));
          mixed[it.origin] = [own2, logRates, after];
          return after.map((x, h) => (before[h] === -Infinity ? -Infinity : x - before[h]));
        }
        if (it.reports === null) return theta.map((t) => Math.log(t * rateHit + (1 - t) * rateFa));
        const [hit, fa] = seen[it.reports] || [zeros(H), zeros(H)];
        const ev = (h1, f1) => theta.map((t, h) => lae(Math.log(t) + h1[h], Math.log1p(-t) + f1[h]));
        const before = ev(hit, fa);
        const hit2 = hit.map((x) => x + Math.log(rateHit));
        const fa2 = fa.map((x) => x + Math.log(rateFa));
        seen[it.reports] = [hit2, fa2];
        const after = ev(hit2, fa2);
        return after.map((x, h) => (before[h] === -Infinity ? -Infinity : x - before[h]));
      });
    }
    function weightsGiven(logP, logLik) {
      return logP.map((_, h) => {
        const o = [], ol = [];
        for (let k = 0; k < H; k++) if (k !== h) { o.push(logP[k]); ol.push(logP[k] + logLik[k]); }
        const alt = lse(ol) - lse(o);
        const w = DB * (logLik[h] - alt);
        return Number.isNaN(w) || alt === Infinity ? NaN : w;
      });
    }
    function entropyBits(p) { return -p.reduce((s, x) => (x > 0 ? s + x * Math.log2(x) : s), 0); }
    function gain(p, lik) {
      const seen = p.map((x, h) => x * lik[h]), unseen = p.map((x, h) => x * (1 - lik[h]));
      const ps = seen.reduce((a, b) => a + b, 0), pu = unseen.reduce((a, b) => a + b, 0);
      let g = entropyBits(p);
      if (ps > 0) g -= ps * entropyBits(seen.map((x) => x / ps));
      if (pu > 0) g -= pu * entropyBits(unseen.map((x) => x / pu));
      return Math.max(g, 0);
    }
    function weights(kase, prior) {
      const rows = meanLogLik(kase);
      // Case order, an event's reports (an origin's items) moved up to follow the first one
      // (weights.weighing_order).
      const order = [];
      const placed = new Set();
      kase.items.forEach((it, i) => {
        const group = groupOf(it);
        if (group === null) order.push(i);
        else if (!placed.has(group)) {
          placed.add(group);
          kase.items.forEach((o, j) => { if (groupOf(o) === group) order.push(j); });
        }
      });
      const start = prior.map(Math.log);
      let logP = start.map((x) => x - lse(start));
      const items = {}, events = {}, origins = {};
      for (const i of order) {
        const it = kase.items[i];
        const group = groupOf(it);
        const together = it.reports !== null ? events : origins;
        if (group !== null && !(group in together)) { // its items' rows add up to its term
          const combined = zeros(H);
          kase.items.forEach((o, j) => { if (groupOf(o) === group) rows[j].forEach((x, h) => { combined[h] += x; }); });
          together[group] = weightsGiven(logP, combined);
        }
        const p = logP.map(Math.exp);
        items[it.id] = {
          w: weightsGiven(logP, rows[i]),
          bits: it.ratios ? NaN : gain(p, rows[i].map(Math.exp)),
        };
        const joint = logP.map((x, h) => x + rows[i][h]);
        const t = lse(joint);
        if (isFinite(t)) logP = joint.map((x) => x - t);
      }
      return { items, events, origins };
    }

    // ---------- formatting, as hypscore prints (hypotheses/text.py, output/wording.py) ----------
    // Python rounds the exact binary value half to even; JavaScript's toFixed rounds ties up. So
    // numbers are rounded here on their exact decimal expansion (toFixed(100) is exact), as Python does.
    function exactDigits(x) { // x > 0 as [significant digits, point]: x = 0.digits x 10^point
      const m = x.toPrecision(100).match(/^(\d+)(?:\.(\d*))?(?:e([+-]\d+))?$/);
      const all = m[1] + (m[2] || "");
      const lead = all.search(/[1-9]/);
      return [all.slice(lead).replace(/0+$/, ""), m[1].length + Number(m[3] || 0) - lead];
    }
    function roundDigits(digits, keep) { // the first `keep` digits rounded half to even; one more on a carry
      const head = digits.slice(0, keep), rest = digits.slice(keep);
      if (!rest) return [head.padEnd(keep, "0"), 0];
      const odd = Number(head[head.length - 1] || "0") % 2 === 1;
      const up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || odd));
      if (!up) return [head, 0];
      const n = (BigInt(head || "0") + 1n).toString().padStart(keep, "0");
      return [n, n.length > keep ? 1 : 0];
    }
    function fixed(x, places) { // Python's f"{x:.{places}f}", x >= 0
      if (x === 0) return (0).toFixed(places);
      const [digits, point] = exactDigits(x);
      const keep = point + places;
      if (keep < 0) return (0).toFixed(places);
      const [all, carry] = roundDigits(digits, keep);
      const intLen = point + carry;
      const whole = intLen > 0 ? all.slice(0, intLen) : "0";
      const frac = intLen > 0 ? all.slice(intLen) : "0".repeat(-intLen) + all;
      return places ? `${whole}.${frac}` : whole;
    }
    function fmtG(x, digits) { // Python's f"{x:.{digits}g}", x > 0
      const [d, point] = exactDigits(x);
      const [kept, carry] = roundDigits(d, digits);
      const exp = point - 1 + carry;
      const mantissa = kept.slice(0, digits).replace(/0+$/, "") || "0";
      if (exp < -4 || exp >= digits) {
        const m = mantissa.length > 1 ? `${mantissa[0]}.${mantissa.slice(1)}` : mantissa;
        return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
      }
      if (exp < 0) return `0.${"0".repeat(-exp - 1)}${mantissa}`;
      const whole = mantissa.slice(0, exp + 1).padEnd(exp + 1, "0"), frac = mantissa.slice(exp + 1);
      return frac ? `${whole}.${frac}` : whole;
    }
    function percent(p) { // hypotheses/text.py percent: only an exact 0 or 1 reads as certain
      if (p === 0) return "0%";
      if (p === 1) return "100.0%";
      const shown = fixed(p * 100, 1);
      if (shown === "0.0") return "<0.1%";
      if (shown === "100.0") return ">99.9%";
      return `${shown}%`;
    }
    function db(w) {
      if (Number.isNaN(w)) return "n/a";
      if (w === Infinity) return "+inf dB";
      if (w === -Infinity) return "-inf dB";
      return Math.abs(w) < 0.05 ? "0.0 dB" : `${w > 0 ? "+" : "-"}${fixed(Math.abs(w), 1)} dB`;
    }
    function termFor(p) { // output/wording.py in_words: beyond the scale's ends, the end it passes
      const terms = data.scale;
      const top = terms[terms.length - 1], bottom = terms[0];
      if (p > top.hi) return { text: `${top.term} (above the scale's ${fmtG(top.hi * 100, 6)}%)` };
      if (p < bottom.lo) return { text: `${bottom.term} (below the scale's ${fmtG(bottom.lo * 100, 6)}%)` };
      for (const t of terms) if ((t.lo <= p && p < t.hi) || (t.lo === t.hi && t.hi === p)) return t;
      for (const t of terms) if (p === t.hi) return t;
      for (let i = 0; i + 1 < terms.length; i++) {
        if (terms[i].hi < p && p < terms[i + 1].lo) return { text: `between ${terms[i].term} and ${terms[i + 1].term}` };
      }
      return terms[terms.length - 1];
    }
    const inWords = (p) => termFor(p).text;

    // ---------- the case as the controls describe it ----------
    const places = Object.fromEntries(data.places.map((p) => [p.place, p]));
    const baselinePriors = data.priors.map((ps) => ps.map((p) => places[p].j));
    // current: place -> judgment; included: item id -> counted. Either left out: as printed.
    function caseAt(current = {}, included = {}) {
      const at = (p) => (Object.prototype.hasOwnProperty.call(current, p) ? current[p] : places[p].j);
      // An item left out leaves its origin, whose other items stay a mixture (the mixture's
      // marginal over them, as edits.without_item); an origin with no item left goes.
      const origins = data.origins.map((o) => ({
        id: o.id,
        items: o.items.filter((id) => included[id] !== false),
        theta: o.lik.map(at),
        shared: at(o.shared),
      })).filter((o) => o.items.length > 0);
      const originOf = Object.fromEntries(origins.flatMap((o) => o.items.map((id) => [id, o.id])));
      const items = data.items.filter((it) => included[it.id] !== false).map((it) => ({
        id: it.id,
        chain: it.chain,
        reports: it.reports,
        ratios: it.ratios,
        cred: it.cred ? at(it.cred) : null,
        // An absent item's rates are stored swapped and complemented (building.py).
        hit: it.hit ? (it.swap ? complement(at(it.fa)) : at(it.hit)) : null,
        fa: it.fa ? (it.swap ? complement(at(it.hit)) : at(it.fa)) : null,
        theta: it.lik ? it.lik.map(at) : null,
        origin: originOf[it.id] ?? null,
      }));
      return {
        priors: data.priors.map((ps) => ps.map(at)),
        // Model error's link: its reliability is 1 - model_error.
        sources: data.sources.map((s) => ({ id: s.id, j: s.complement ? complement(at(s.place)) : at(s.place) })),
        events: Object.fromEntries(data.events.map((e) => [e.id, e.lik.map(at)])),
        origins: Object.fromEntries(origins.map((o) => [o.id, o])),
        items,
      };
    }

    return { posterior, weights, caseAt, mean, complement, same, inWords, format: { percent, db, fixed, fmtG } };
  }
  globalThis.hypscoreEngine = engine;

  // ---------- the edited case as YAML ("Download the edited case") ----------
  // `caseYaml(data, written, included)` is pure, like the engine (tests/test_page_yaml.py runs it
  // without a page): the case file as parsed (data.download.document, in its own keys and order)
  // with each edited place written where data.download.at says (docs/model.md section 4), and the
  // items not counted taken out. written: place -> {value, digit?, letter?}, the value as the
  // reader chose it (a word of the case's scale, an Admiralty code, or the number as typed); an
  // absent item's likelihood as judged, P(found | h), as the case file states it. Every string is
  // written double-quoted and escaped, so no case text can become YAML structure; comments of the
  // original file are not kept (the document is the parsed data). Returns {yaml, file} or
  // {error} when the edited case cannot be written as a case file.
  const PLAIN = "__yaml__";
  const PLAIN_FORM = /^(\d{4}-\d\d-\d\d([Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?([Zz]|[-+]\d\d(:?\d\d)?)?)?|-?\.inf|\.nan)$/;
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const isPlain = (v) => isObject(v) && Object.keys(v).length === 1 && typeof v[PLAIN] === "string";
  function quote(text) {
    let out = '"';
    for (const ch of text) {
      const c = ch.codePointAt(0);
      if (ch === '"' || ch === "\\") out += "\\" + ch;
      else if (c === 10) out += "\\n";
      else if (c === 9) out += "\\t";
      else if ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff && c !== 0x2028 && c !== 0x2029)
        || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) || c >= 0x10000) out += ch;
      else if (c < 0x100) out += "\\x" + c.toString(16).padStart(2, "0");
      else out += "\\u" + c.toString(16).padStart(4, "0");
    }
    return out + '"';
  }
  // YAML 1.1 (PyYAML) reads y, no, on, off, ... as booleans: such a key is quoted.
  const key = (k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !/^(y|n|yes|no|true|false|on|off|null)$/i.test(k) ? k : quote(k));
  function number(x) {
    if (!Number.isFinite(x)) return x > 0 ? ".inf" : x < 0 ? "-.inf" : ".nan";
    const s = String(x);
    if (Number.isInteger(x) && !/e/.test(s)) return s;
    return /\./.test(s) ? s : s.replace("e", ".0e"); // YAML 1.1 floats need a point: 1.0e-7
  }
  function scalar(v) {
    if (v === null || v === undefined) return "null";
    if (typeof v === "boolean") return String(v);
    if (typeof v === "number") return number(v);
    if (typeof v === "string") return quote(v);
    if (isPlain(v)) return PLAIN_FORM.test(v[PLAIN]) ? v[PLAIN] : quote(v[PLAIN]);
    return null; // not a scalar
  }
  function inline(v) { // a scalar, an empty mapping or list, or a list of scalars: on one line
    const s = scalar(v);
    if (s !== null) return s;
    if (Array.isArray(v)) return v.every((x) => scalar(x) !== null) ? `[${v.map(scalar).join(", ")}]` : null;
    return Object.keys(v).length === 0 ? "{}" : null;
  }
  function block(v, indent) { // lines of a mapping or list that does not fit on one line
    const pad = " ".repeat(indent);
    const lines = [];
    if (Array.isArray(v)) {
      for (const x of v) {
        const one = inline(x);
        if (one !== null) lines.push(`${pad}- ${one}`);
        else {
          const inner = block(x, indent + 2);
          lines.push(`${pad}- ${inner[0].slice(indent + 2)}`, ...inner.slice(1));
        }
      }
      return lines;
    }
    for (const [k, x] of Object.entries(v)) {
      const one = inline(x);
      if (one !== null) lines.push(`${pad}${key(k)}: ${one}`);
      else lines.push(`${pad}${key(k)}:`, ...block(x, indent + 2));
    }
    return lines;
  }
  function caseYaml(data, written, included) {
    const dl = data.download;
    if (!dl) return { error: "The case file was not at hand when this report was made, so the page cannot write it back." };
    const original = dl.document;
    const doc = JSON.parse(JSON.stringify(original));
    const get = (root, path) => path.reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), root);
    function put(path, value) {
      let v = doc;
      for (const k of path.slice(0, -1)) {
        if (!isObject(v[k]) && !Array.isArray(v[k])) v[k] = {};
        v = v[k];
      }
      v[path[path.length - 1]] = value;
    }
    const left = new Set(data.items.filter((it) => included[it.id] === false).map((it) => it.id));
    const problems = [];
    // An origin without likelihoods of its own takes its first item's (as the file states them):
    // written out before that item is edited or left out, so that the origin keeps them.
    for (const o of data.origins) {
      const fill = dl.at[o.lik[0]].fill;
      if (!fill || get(doc, ["origins", o.id, "likelihoods"]) !== undefined) continue;
      const first = o.items[0];
      const touched = left.has(first) || o.lik.some((p) => p in written)
        || Object.keys(written).some((p) => p.startsWith(`lik/${first}/`));
      if (touched) put(["origins", o.id, "likelihoods"], JSON.parse(JSON.stringify(get(original, fill))));
    }
    const GRADING = /^\s*([A-Za-z])\s*([0-9])\s*$/;
    for (const p of data.places) {
      if (!(p.place in written)) continue;
      const w = written[p.place], at = dl.at[p.place];
      if (!at.grading) { put(at.path, w.value); continue; }
      // A grading (B2) holds the reliability of the item's own source (its letter) and the
      // item's credibility (its digit): an edit of either is written into it where it can be.
      const item = get(doc, at.path.slice(0, -1));
      const [, letter, digit] = String(item.grading).match(GRADING) || [];
      if (at.grading === "letter" && w.letter) item.grading = `${w.letter}${digit}`;
      else if (at.grading === "digit" && w.digit) item.grading = `${letter}${w.digit}`;
      else if (at.grading === "digit" && item.source !== undefined && item.source !== null) {
        delete item.grading; // the cited source's reliability stands for the letter
        item.credibility = w.value;
      } else {
        problems.push(`${p.place}: a grading can only hold ${at.grading === "letter" ? "an Admiralty letter A-F" : "one of the six credibility words"} here; choose one`);
      }
    }
    if (left.size > 0) {
      doc.evidence = (doc.evidence || []).filter((e) => !(isObject(e) && left.has(e.id)));
      for (const [id, o] of Object.entries(doc.origins || {})) {
        if (!isObject(o) || !Array.isArray(o.items)) continue;
        o.items = o.items.filter((i) => !left.has(i));
        if (o.items.length === 0) delete doc.origins[id];
        else if (o.items.length === 1) problems.push(`origin ${id} would keep one item (${o.items[0]}), which a case file cannot state; count another of its items again, or leave this one out too`);
      }
      // A key assumption about a judgment of an item left out goes with it.
      const mine = (place) => { const [kind, id] = place.split("/"); return ["lik", "credibility", "hit", "false_alarm"].includes(kind) && left.has(id); };
      for (const [id, a] of Object.entries(doc.assumptions || {})) {
        if (!isObject(a) || !isObject(a.if_wrong)) continue;
        for (const place of Object.keys(a.if_wrong)) if (mine(place)) delete a.if_wrong[place];
        if (Object.keys(a.if_wrong).length === 0) delete doc.assumptions[id];
      }
      if (isObject(doc.assumptions) && Object.keys(doc.assumptions).length === 0) delete doc.assumptions;
    }
    if (problems.length) return { error: `The edited case cannot be written as a case file: ${problems.join("; ")}.` };
    const edits = [...Object.keys(written).filter((p) => p in dl.at), ...[...left].map((id) => `${id} left out`)];
    const header = [
      "# Edited in hypscore's interactive report: the printed case with the edits below.",
      "# The original file's comments are not kept.",
      ...edits.map((e) => `#   ${e.replace(/[^A-Za-z0-9_/:. -]/g, "?")}`),
    ];
    return { yaml: [...header, ...block(doc, 0)].join("\n") + "\n", file: dl.file };
  }
  globalThis.hypscoreCaseYaml = caseYaml;
  if (typeof document === "undefined") return; // the engine alone, evaluated without a page

  // ---------- the case the controls describe ----------
  const data = JSON.parse(document.getElementById("hypscore-data").textContent);
  const { posterior, weights, caseAt, mean, complement, same, inWords, format } = engine(data);
  const { percent, db, fixed, fmtG } = format;
  const places = Object.fromEntries(data.places.map((p) => [p.place, p]));
  const current = Object.fromEntries(data.places.map((p) => [p.place, p.j]));
  const included = Object.fromEntries(data.items.map((it) => [it.id, true]));
  const chosen = {}; // place -> what the reader chose there, in words, for the list of edits
  const written = {}; // place -> how the case file states it: {value, digit?, letter?} (caseYaml)
  const currentCase = () => caseAt(current, included);
  // The places edited, as the case file will state them.
  const writtenEdits = () => Object.fromEntries(data.places.filter((p) => !same(current[p.place], p.j)).map((p) => [p.place, written[p.place]]));

  // ---------- the page ----------
  const cells = (name) => document.querySelectorAll(`[data-hs="${CSS.escape(name)}"]`);
  function set(name, text, value) {
    for (const el of cells(name)) {
      el.textContent = text;
      if (value === undefined) continue;
      // An undefined number (NaN) or none at all carries no data-value, as printed.
      if (value === "" || Number.isNaN(value)) delete el.dataset.value;
      else el.dataset.value = String(value);
    }
  }
  const printed = new Map();
  for (const el of document.querySelectorAll("[data-hs]")) printed.set(el, [el.textContent, el.dataset.value]);
  const live = document.getElementById("hs-live");
  const liveText = document.getElementById("hs-live-text");
  const bottom = document.getElementById("hs-bottom");
  const edits = document.getElementById("hs-edits");
  const span = (place) => document.querySelector(`[data-hs-place="${CSS.escape(place)}"]`);
  const bottomPrinted = bottom.cloneNode(true); // with its markup, for Reset

  // What changed, so that a printout of the edited page can be audited and reproduced.
  function listEdits() {
    const lines = data.places.filter((p) => !same(current[p.place], p.j)).map(
      (p) => `${p.place}: ${chosen[p.place]} instead of ${span(p.place).textContent} as written`,
    );
    lines.push(...data.items.filter((it) => !included[it.id]).map((it) => `${it.id}: left out`));
    edits.replaceChildren(...lines.map((line) => {
      const li = document.createElement("li");
      li.textContent = line;
      return li;
    }));
  }

  function update() {
    const kase = currentCase();
    const edited = data.places.some((p) => !same(current[p.place], p.j)) || data.items.some((it) => !included[it.id]);
    document.body.classList.toggle("hs-edited", edited);
    live.hidden = !edited;
    for (const span of document.querySelectorAll("[data-hs-place]")) {
      const place = span.dataset.hsPlace;
      span.classList.toggle("hs-changed", !same(current[place], places[place].j));
    }
    if (!edited) {
      for (const [el, [text, value]] of printed) {
        el.textContent = text;
        el.classList.remove("hs-changed");
        if (value !== undefined) el.dataset.value = value; else delete el.dataset.value;
      }
      edits.replaceChildren();
      bottom.replaceChildren(...bottomPrinted.cloneNode(true).childNodes);
      for (const row of document.querySelectorAll("[data-hs-row]")) row.classList.remove("hs-out");
      for (const el of cells("stale")) el.removeAttribute("title");
      return;
    }
    const { post, prior, mcse, estimated } = posterior(kase);
    if (!post.every(Number.isFinite)) {
      // Every hypothesis ruled out (by the priors, or by the evidence between them): the case the
      // controls describe has no posterior, and `hypscore score` refuses it. Nothing is shown as
      // if it had one.
      for (const [el] of printed) if (el.dataset.hs !== "stale") { el.textContent = "\u2013"; delete el.dataset.value; }
      bottom.textContent = "No posterior: this edit rules out every hypothesis (each has probability 0 given the priors and evidence as edited); hypscore score would refuse such a case. Change it back or Reset.";
      liveText.textContent = `Edited case with no posterior. ${bottom.textContent} Edits:`;
      live.dataset.mcse = "NaN";
      listEdits();
      return;
    }
    const ids = data.hypotheses.map((h) => h.id);
    const order = ids.map((_, h) => h).sort((x, y) => post[y] - post[x] || x - y);
    const tie = (x, y) => Math.abs(post[x] - post[y]) <= Math.max(1e-9 * Math.max(post[x], post[y]), 1e-12);
    ids.forEach((id, h) => {
      set(`post:${id}`, percent(post[h]), post[h]);
      set(`prior:${id}`, percent(prior[h]), prior[h]);
      set(`words:${id}`, inWords(post[h]));
      set(`interval:${id}`, "not recomputed");
      set(`rank:${id}`, String(1 + order.filter((k) => post[k] > post[h] && !tie(k, h)).length));
    });
    for (const g of data.groups) {
      const p = g.members.reduce((s, m) => s + post[ids.indexOf(m)], 0);
      set(`gpost:${g.id}`, percent(p), p);
      set(`gprior:${g.id}`, percent(g.members.reduce((s, m) => s + prior[ids.indexOf(m)], 0)));
      set(`gwords:${g.id}`, inWords(p));
      set(`ginterval:${g.id}`, "not recomputed");
    }
    const w = weights(kase, prior);
    for (const it of data.items) {
      for (const row of document.querySelectorAll(`[data-hs-row="${CSS.escape(it.id)}"]`)) {
        row.classList.toggle("hs-out", !included[it.id]);
      }
      const mine = w.items[it.id];
      ids.forEach((h, k) => set(`w:${it.id}:${h}`, mine ? db(mine.w[k]) : "left out", mine ? mine.w[k] : ""));
      set(`bits:${it.id}`, mine ? (Number.isNaN(mine.bits) ? "n/a" : fixed(mine.bits, 3)) : "", mine ? mine.bits : "");
    }
    // An origin's row is its items' weight together, in the cells an event's row uses.
    const together = [...data.events.map((e) => [e.id, w.events[e.id]]), ...data.origins.map((o) => [o.id, w.origins[o.id]])];
    for (const [id, mine] of together) {
      ids.forEach((h, k) => set(`ew:${id}:${h}`, mine ? db(mine[k]) : "left out", mine ? mine[k] : ""));
    }
    for (const el of cells("stale")) {
      el.textContent = "\u2013";
      el.title = "not recomputed for the edited case";
    }
    const lead = order[0], rival = order[1];
    const tied = order.filter((k) => tie(k, lead));
    if (tied.length > 1) {
      const names = tied.map((k) => `${data.hypotheses[k].label} (${ids[k]})`);
      bottom.textContent = `No hypothesis leads: ${names.slice(0, -1).join(", ")} and ${names[names.length - 1]} are tied at ${percent(post[lead])} each, ${inWords(post[lead])}.`;
    } else {
      const runner = rival === undefined ? "" : ` The runner-up, ${ids[rival]}, is ${inWords(post[rival])}: ${percent(post[rival])}.`;
      bottom.textContent = `${data.hypotheses[lead].label} (${ids[lead]}) is ${inWords(post[lead])}: ${percent(post[lead])} (90% interval not recomputed).${runner}`;
    }
    listEdits();
    // Colour what the edit changed; not the cells that merely say they were not recomputed.
    const recomputed = (el) => el.dataset.hs !== "stale" && !/^g?interval:/.test(el.dataset.hs);
    for (const [el, [text]] of printed) el.classList.toggle("hs-changed", recomputed(el) && el.textContent !== text);
    const points = mcse * 100 < 0.01 ? "below 0.01" : `up to ${(mcse * 100).toFixed(2)}`;
    const error = estimated ? ` Part of the model is integrated by sampling, as hypscore does: Monte Carlo error ${points} percentage points.` : "";
    liveText.textContent = `Edited case: the numbers marked in colour are those of a case changed in this page, not of the printed assessment. ${bottom.textContent}${error} Intervals, leave-one-out, conflict, the plots, the sensitivity and what would change the conclusion still show the printed case (dimmed). Edits:`;
    live.dataset.mcse = String(mcse);
  }

  // ---------- controls: words on the case's scale and a number, per judgment; a toggle per item ----------
  function control(span) {
    const place = places[span.dataset.hsPlace];
    const words = place.kind === "ratio" ? [] : data.words[place.kind];
    const box = document.createElement("span");
    box.className = "hs-control";
    const select = document.createElement("select");
    select.setAttribute("aria-label", `${place.place}: word`);
    const asWritten = document.createElement("option");
    asWritten.value = "";
    asWritten.textContent = "as written";
    select.append(asWritten);
    words.forEach((w, i) => {
      const o = document.createElement("option");
      o.value = String(i);
      o.textContent = w.word;
      select.append(o);
    });
    // Text, not type=number: a reader may write 30% as the case file allows.
    const number = document.createElement("input");
    number.type = "text";
    number.inputMode = "decimal";
    number.setAttribute("aria-label", `${place.place}: number`);
    const shown = () => mean(place.absent ? complement(place.j) : place.j);
    // An absent item's place holds P(not E | h), as the engine uses it; its control sets P(E | h).
    function apply(j) {
      current[place.place] = j === null ? place.j : place.absent ? complement(j) : j;
      update();
    }
    select.addEventListener("change", () => {
      number.value = "";
      if (select.value !== "") {
        const w = words[Number(select.value)];
        chosen[place.place] = w.word;
        written[place.place] = { value: w.write, digit: w.digit, letter: w.letter };
      }
      apply(select.value === "" ? null : words[Number(select.value)].j);
    });
    // Probabilities in [0, 1]; a prior (a probability or a relative weight) and a ratio above 0.
    // What the case file accepts at this place: a probability in [0, 1] (a prior factor too), a
    // single prior also any weight from 0 (Rootclaim's 200:40:3), a likelihood ratio above 0.
    const range = { weight: [0, Infinity, "a probability, or a relative weight, from 0"], ratio: [Number.MIN_VALUE, Infinity, "a ratio above 0"] }[place.kind] || [0, 1, "a probability from 0 to 1"];
    number.placeholder = range[1] === 1 ? "0-1" : range[0] === 0 ? ">= 0" : "> 0";
    number.addEventListener("change", () => {
      const typed = number.value.trim();
      const v = typed.endsWith("%") ? Number(typed.slice(0, -1)) / 100 : Number(typed);
      const ok = typed !== "" && Number.isFinite(v) && v >= range[0] && v <= range[1];
      if (!ok) {
        number.setCustomValidity(range[2]);
        number.reportValidity();
        return;
      }
      number.setCustomValidity("");
      select.value = "";
      chosen[place.place] = typed;
      written[place.place] = { value: typed.endsWith("%") ? typed : v }; // 30% stays 30%
      apply({ p: v });
    });
    const asNumber = fmtG(shown(), 3);
    number.title = place.absent
      ? `P(found | h), for an item looked for and not found; as written, mean ${asNumber}`
      : `as written, mean ${asNumber}`;
    box.append(select, number);
    span.after(box);
    resets.push(() => { select.value = ""; number.value = ""; number.setCustomValidity(""); });
  }
  const resets = [];
  for (const span of document.querySelectorAll("[data-hs-place]")) control(span);
  for (const cell of document.querySelectorAll("[data-hs-toggle]")) {
    const id = cell.dataset.hsToggle;
    const label = document.createElement("label");
    label.className = "hs-control";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.setAttribute("aria-label", `include ${id}`);
    box.dataset.hsInclude = id;
    box.addEventListener("change", () => { included[id] = box.checked; update(); });
    label.append(box, document.createTextNode(" counted"));
    cell.prepend(label);
    resets.push(() => { box.checked = true; });
  }
  document.getElementById("hs-reset").addEventListener("click", () => {
    for (const p of data.places) { current[p.place] = p.j; delete written[p.place]; }
    for (const it of data.items) included[it.id] = true;
    resets.forEach((r) => r());
    update();
  });
  // The edited case as a file: YAML made here (caseYaml), handed over as a download, no network.
  const download = document.getElementById("hs-download");
  const downloadError = document.getElementById("hs-download-error");
  download.addEventListener("click", () => {
    const made = caseYaml(data, writtenEdits(), included);
    downloadError.textContent = made.error || "";
    downloadError.hidden = !made.error;
    if (made.error) return;
    const url = URL.createObjectURL(new Blob([made.yaml], { type: "application/yaml" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = made.file;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
  document.getElementById("hs-intro").hidden = false;
  // The printed case computed once while the reader reads: its draws and each unit's factor are
  // then at hand, so that the first edit recomputes only what it changes.
  (window.requestIdleCallback || setTimeout)(() => posterior(currentCase()));
  window.hypscore = {
    posterior: () => posterior(currentCase()),
    currentCase,
    format: { percent, db, fixed, fmtG },
    // The YAML the download button hands over, for a test or a reader's tool.
    caseYaml: () => caseYaml(data, writtenEdits(), included),
  };
})();
