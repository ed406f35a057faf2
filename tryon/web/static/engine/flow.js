// Carrying a face from frame to frame by optical flow, as tryon.engine.flow.FlowCarrier: the last estimate, carried
// to this frame by the picture's own motion, is a second reading of where the face is, blended with the landmarks
// found in this frame. The pose: one similarity fitted (least median of squares) to pyramidal Lucas-Kanade flow of
// the face's rigid part, applied `carry` of the way; then the lips: each lip point followed further by its own flow
// and placed `lip_carry` of the way there, less where the readings disagree or the point's patch changed. With
// `warp`, the rigid points are followed again and the lips followed on the previous picture warped by the pose (a
// window that only shifts misreads a face that turns or zooms); the landmarks are first moved on by `landmark_lag`
// of the face's motion (MediaPipe's trail behind a moving face). Every constant comes from the Python engine
// (constants.json, "flow").
//
// Each frame's faces' box is read once (grey, blurred, its pyramid) and kept for the next frame, where it is the
// picture the points are followed from: boxes start on a grid of 2^levels px, so the two frames' pyramid levels line
// up whatever their boxes. The derivatives are taken on each followed window only, not on the whole box.
import { bounds, centre } from "./geometry.js";

/** One frame's box: `left`, `top` (frame px, on the grid) and its pyramid, level 0 first, each {img, w, h}
 * (Float32Array grey levels). */
class Picture {
  constructor(left, top, levels) { this.left = left; this.top = top; this.levels = levels; }
}

const reflect = (i, n) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);  // OpenCV's BORDER_REFLECT_101

/** Normalised Gaussian taps of σ `sigma` px, radius 2 (cv2.GaussianBlur(σ 0.8) reaches 3 px: that tap weighs 0.1 %). */
function gaussianTaps(sigma) {
  const taps = [0, 1, 2].map(i => Math.exp(-(i * i) / (2 * sigma * sigma)));
  const sum = taps[0] + 2 * (taps[1] + taps[2]);
  return taps.map(t => t / sum);
}

/** Float32Arrays reused from frame to frame: each frame's Picture takes its arrays from one of two pools in turn, so
 * the previous frame's (still read from) is never overwritten. */
class Pool {
  constructor() { this.arrays = []; this.next = 0; }
  /** Start handing out arrays from the beginning again. */
  rewind() { this.next = 0; }
  /** A Float32Array of `n` elements (contents undefined). */
  take(n) {
    let array = this.arrays[this.next];
    if (!array || array.length < n) this.arrays[this.next] = array = new Float32Array(Math.ceil(n * 1.25));
    this.next += 1;
    return array.subarray(0, n);
  }
}

/** Grey levels (BT.601, as cv2.COLOR_RGB2GRAY) of RGBA `rgba` (w × h), blurred by the 5 taps `[k0, k1, k2]`. */
function blurredGrey(rgba, w, h, [k0, k1, k2], pool) {
  const grey = pool.take(w * h), across = pool.take(w * h);
  for (let i = 0, j = 0; i < w * h; i++, j += 4) grey[i] = 0.299 * rgba[j] + 0.587 * rgba[j + 1] + 0.114 * rgba[j + 2];
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let i = row + 2; i < row + w - 2; i++) {
      across[i] = k0 * grey[i] + k1 * (grey[i - 1] + grey[i + 1]) + k2 * (grey[i - 2] + grey[i + 2]);
    }
    for (const x of [0, 1, w - 2, w - 1]) {
      across[row + x] = k0 * grey[row + x] + k1 * (grey[row + reflect(x - 1, w)] + grey[row + reflect(x + 1, w)])
        + k2 * (grey[row + reflect(x - 2, w)] + grey[row + reflect(x + 2, w)]);
    }
  }
  const out = grey;  // each row of `grey` is read no more: it becomes the output
  for (let y = 0; y < h; y++) {
    const m2 = reflect(y - 2, h) * w, m1 = reflect(y - 1, h) * w, c = y * w, p1 = reflect(y + 1, h) * w, p2 = reflect(y + 2, h) * w;
    for (let x = 0; x < w; x++) out[c + x] = k0 * across[c + x] + k1 * (across[m1 + x] + across[p1 + x]) + k2 * (across[m2 + x] + across[p2 + x]);
  }
  return out;
}

/** The next pyramid level of `img` (w × h): cv2.pyrDown's 5×5 binomial filter, every second pixel kept. */
function pyrDown(img, w, h, pool) {
  const ow = (w + 1) >> 1, oh = (h + 1) >> 1, out = pool.take(ow * oh), column = pool.take(w);
  for (let y = 0; y < oh; y++) {
    const m2 = reflect(2 * y - 2, h) * w, m1 = reflect(2 * y - 1, h) * w, c = 2 * y * w;
    const p1 = reflect(2 * y + 1, h) * w, p2 = reflect(2 * y + 2, h) * w;
    for (let x = 0; x < w; x++) column[x] = img[m2 + x] + 4 * img[m1 + x] + 6 * img[c + x] + 4 * img[p1 + x] + img[p2 + x];
    const o = y * ow;
    for (let x = 1, cx = 2; cx < w - 2; x++, cx += 2) {
      out[o + x] = (column[cx - 2] + 4 * column[cx - 1] + 6 * column[cx] + 4 * column[cx + 1] + column[cx + 2]) / 256;
    }
    for (const x of ow > 1 ? [0, ow - 1] : [0]) {
      const cx = 2 * x;
      out[o + x] = (column[reflect(cx - 2, w)] + 4 * column[reflect(cx - 1, w)] + 6 * column[cx] + 4 * column[reflect(cx + 1, w)] + column[reflect(cx + 2, w)]) / 256;
    }
  }
  return { img: out, w: ow, h: oh };
}

/** Similarity `m` (fitSimilarity's, frame px to frame px) with its turn and scale rounded to steps of `step` and
 * its shift to whole pixels in the frame's coordinates, taking `[cx, cy]` where `m` does, to within half a pixel
 * (tryon.engine.flow._rounded_warp): {a, b, tx, ty}, x' = a x − b y + tx, y' = b x + a y + ty. */
function roundedWarp(m, [cx, cy], step) {
  const scale = 1 + Math.round((Math.hypot(m.a, m.b) - 1) / step) * step, angle = Math.round(Math.atan2(m.b, m.a) / step) * step;
  const a = scale * Math.cos(angle), b = scale * Math.sin(angle);
  // m: X' = A X + t, A = [[m.a, −m.b], [m.b, m.a]]; rounded: t' = round(t + (A − A') c).
  const tx = Math.round(m.tx - m.a * m.cx + m.b * m.cy + (m.a - a) * cx - (m.b - b) * cy);
  const ty = Math.round(m.ty - m.b * m.cx - m.a * m.cy + (m.b - b) * cx + (m.a - a) * cy);
  return { a, b, cx: 0, cy: 0, tx, ty };
}

/** Picture `from` warped by `warp` (roundedWarp's) over Picture `to`'s box (where the face is now): a Picture whose
 * pixel at X is `from`'s at the warp's inverse of X — bilinear, `from`'s edge repeated beyond it, as cv2.warpAffine's
 * INTER_LINEAR and BORDER_REPLICATE on the Python engine's 8-bit pictures: positions to 1/32 px, grey levels
 * rounded — with `depth` + 1 pyramid levels. */
function warpedPicture(from, to, warp, depth, pool) {
  const { img, w, h } = from.levels[0], { w: ow, h: oh } = to.levels[0], { a: ra, b: rb, tx, ty } = warp;
  const norm = ra * ra + rb * rb, ia = ra / norm, ib = rb / norm;  // A'⁻¹ = [[ia, ib], [−ib, ia]]
  const out = pool.take(ow * oh);
  for (let v = 0; v < oh; v++) {
    for (let u = 0; u < ow; u++) {
      const du = u + to.left - tx, dv = v + to.top - ty;
      const sx = Math.round((ia * du + ib * dv - from.left) * 32) / 32, sy = Math.round((-ib * du + ia * dv - from.top) * 32) / 32;
      const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
      const xa = Math.min(w - 1, Math.max(0, x0)), xb = Math.min(w - 1, Math.max(0, x0 + 1));
      const ya = Math.min(h - 1, Math.max(0, y0)) * w, yb = Math.min(h - 1, Math.max(0, y0 + 1)) * w;
      out[v * ow + u] = Math.round((1 - fy) * ((1 - fx) * img[ya + xa] + fx * img[ya + xb]) + fy * ((1 - fx) * img[yb + xa] + fx * img[yb + xb]));
    }
  }
  let level = { img: out, w: ow, h: oh };
  const levels = [level];
  for (let l = 1; l <= depth; l++) {
    level = pyrDown(level.img, level.w, level.h, pool);
    if (level.w < 8 || level.h < 8) break;
    levels.push(level);
  }
  return new Picture(to.left, to.top, levels);
}

const MAX_WINDOW = 63 * 63;
const RING = new Float32Array(65 * 65);
const PATCH = new Float32Array(MAX_WINDOW), PATCH_X = new Float32Array(MAX_WINDOW), PATCH_Y = new Float32Array(MAX_WINDOW);
const MIN_EIGENVALUE = 1e-3;  // (grey levels / px)² per window pixel: below it the window is flat, the point not followed
const ITERATIONS = 30, EPSILON_SQ = 0.01 * 0.01;  // cv2.calcOpticalFlowPyrLK's criteria in tryon.engine.flow

/**
 * Pyramidal Lucas-Kanade (Bouguet's, as cv2.calcOpticalFlowPyrLK) of one point: frame px (x, y) of `from` followed
 * into `to` (Pictures), starting from the guess (gx, gy) (frame px), over levels `top`..0 with a `win` px window.
 * Writes [x, y, residual] (frame px; the mean absolute grey difference of the window at the end) into `out`;
 * returns false when the point cannot be followed (a flat window, or one leaving the box).
 */
function follow(from, to, x, y, gx, gy, top, win, out) {
  const half = (win - 1) >> 1, n = win * win;
  let ux = (gx - x) / (1 << top), uy = (gy - y) / (1 << top);
  for (let l = top; l >= 0; l--) {
    const scale = 1 / (1 << l), b = from.levels[l], a = to.levels[l];
    if (!b || !a) return false;
    const px = (x - from.left) * scale, py = (y - from.top) * scale;  // in `from`'s level
    const shiftX = (from.left - to.left) * scale, shiftY = (from.top - to.top) * scale;  // whole px (the grid)
    const bx = Math.floor(px) - half, by = Math.floor(py) - half, fx = px - Math.floor(px), fy = py - Math.floor(py);
    // A window leaving the box: this level is skipped (the coarser levels' guess kept), and the point lost at level 0.
    if (bx < 1 || by < 1 || bx + win + 1 >= b.w || by + win + 1 >= b.h) { if (l === 0) return false; ux *= 2; uy *= 2; continue; }
    // The window and a 1 px ring around it, at the point's sub-pixel position; the derivatives are taken on it
    // (Scharr's: the same as interpolating the picture's own, both being linear).
    const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
    const bw = b.w, img = b.img, ring = win + 2;
    for (let j = 0, k = 0; j < ring; j++) {
      for (let i = 0, s = (by - 1 + j) * bw + bx - 1; i < ring; i++, k++, s++) {
        RING[k] = w00 * img[s] + w01 * img[s + 1] + w10 * img[s + bw] + w11 * img[s + bw + 1];
      }
    }
    let a11 = 0, a12 = 0, a22 = 0;
    for (let j = 0, k = 0; j < win; j++) {
      for (let i = 0, c = (j + 1) * ring + 1; i < win; i++, k++, c++) {
        const nw = RING[c - ring - 1], no = RING[c - ring], ne = RING[c - ring + 1], we = RING[c - 1], ea = RING[c + 1];
        const sw = RING[c + ring - 1], so = RING[c + ring], se = RING[c + ring + 1];
        const dx = (3 * (ne - nw + se - sw) + 10 * (ea - we)) / 32, dy = (3 * (sw - nw + se - ne) + 10 * (so - no)) / 32;
        PATCH[k] = RING[c]; PATCH_X[k] = dx; PATCH_Y[k] = dy;
        a11 += dx * dx; a12 += dx * dy; a22 += dy * dy;
      }
    }
    const det = a11 * a22 - a12 * a12;
    const minEigenvalue = (a11 + a22 - Math.sqrt((a11 - a22) ** 2 + 4 * a12 * a12)) / (2 * n);
    if (minEigenvalue < MIN_EIGENVALUE || det < 1e-9) { if (l === 0) return false; ux *= 2; uy *= 2; continue; }
    const aw = a.w, next = a.img;
    let lastX = 0, lastY = 0;
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const qx = px + shiftX + ux, qy = py + shiftY + uy;
      const ax = Math.floor(qx) - half, ay = Math.floor(qy) - half, hx = qx - Math.floor(qx), hy = qy - Math.floor(qy);
      if (ax < 0 || ay < 0 || ax + win >= a.w || ay + win >= a.h) { if (l === 0) return false; break; }
      const v00 = (1 - hx) * (1 - hy), v01 = hx * (1 - hy), v10 = (1 - hx) * hy, v11 = hx * hy;
      let bx1 = 0, by1 = 0;
      for (let j = 0, k = 0; j < win; j++) {
        for (let i = 0, s = (ay + j) * aw + ax; i < win; i++, k++, s++) {
          const d = v00 * next[s] + v01 * next[s + 1] + v10 * next[s + aw] + v11 * next[s + aw + 1] - PATCH[k];
          bx1 += d * PATCH_X[k]; by1 += d * PATCH_Y[k];
        }
      }
      const dx = (a12 * by1 - a22 * bx1) / det, dy = (a12 * bx1 - a11 * by1) / det;
      ux += dx; uy += dy;
      if (dx * dx + dy * dy <= EPSILON_SQ) break;
      if (iteration > 0 && Math.abs(dx + lastX) < 0.01 && Math.abs(dy + lastY) < 0.01) {  // swinging: settle between
        ux -= dx * 0.5; uy -= dy * 0.5; break;
      }
      lastX = dx; lastY = dy;
    }
    if (l > 0) { ux *= 2; uy *= 2; }
  }
  // The residual at level 0, where the loop ended.
  const a = to.levels[0];
  const px = x - from.left, py = y - from.top, qx = px + from.left - to.left + ux, qy = py + from.top - to.top + uy;
  const ax = Math.floor(qx) - half, ay = Math.floor(qy) - half, hx = qx - Math.floor(qx), hy = qy - Math.floor(qy);
  if (ax < 0 || ay < 0 || ax + win >= a.w || ay + win >= a.h) return false;
  const v00 = (1 - hx) * (1 - hy), v01 = hx * (1 - hy), v10 = (1 - hx) * hy, v11 = hx * hy, aw = a.w, next = a.img;
  let residual = 0;
  for (let j = 0, k = 0; j < win; j++) {
    for (let i = 0, s = (ay + j) * aw + ax; i < win; i++, k++, s++) {
      residual += Math.abs(v00 * next[s] + v01 * next[s + 1] + v10 * next[s + aw] + v11 * next[s + aw + 1] - PATCH[k]);
    }
  }
  out[0] = x + ux; out[1] = y + uy; out[2] = residual / n;
  return true;
}

/** The least-squares similarity taking `from`'s points `use` onto `to`'s (flat [x0, y0, ...]), about `from`'s
 * centroid (cx, cy): x' = a (x − cx) − b (y − cy) + tx, y' = b (x − cx) + a (y − cy) + ty — a = scale · cos(angle),
 * b = scale · sin(angle), (tx, ty) `to`'s centroid (tryon.engine.flow._similarity). */
function fitSimilarity(from, to, use) {
  let cx = 0, cy = 0, tx = 0, ty = 0;
  for (const i of use) { cx += from[2 * i]; cy += from[2 * i + 1]; tx += to[2 * i]; ty += to[2 * i + 1]; }
  cx /= use.length; cy /= use.length; tx /= use.length; ty /= use.length;
  let dot = 0, cross = 0, norm = 0;
  for (const i of use) {
    const ax = from[2 * i] - cx, ay = from[2 * i + 1] - cy, bx = to[2 * i] - tx, by = to[2 * i + 1] - ty;
    dot += ax * bx + ay * by; cross += ax * by - ay * bx; norm += ax * ax + ay * ay;
  }
  return { a: dot / Math.max(norm, 1e-9), b: cross / Math.max(norm, 1e-9), cx, cy, tx, ty };
}

/** Flat `points` moved by similarity `m` (fitSimilarity's), a new Float64Array. */
function moved(points, m) {
  const out = new Float64Array(points.length);
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i] - m.cx, y = points[i + 1] - m.cy;
    out[i] = m.a * x - m.b * y + m.tx; out[i + 1] = m.b * x + m.a * y + m.ty;
  }
  return out;
}

/** Similarity `m` taken `k` of the way from the identity: its scale to the power k, its angle and its shift times k. */
function partWay(m, k) {
  const scale = Math.hypot(m.a, m.b) ** k, angle = Math.atan2(m.b, m.a) * k;
  return { a: scale * Math.cos(angle), b: scale * Math.sin(angle), cx: m.cx, cy: m.cy, tx: m.cx + (m.tx - m.cx) * k, ty: m.cy + (m.ty - m.cy) * k };
}

const LMEDS_TRIALS = 50;

/** A similarity taking `from` onto `to` (flat, `n` points) robustly, as cv2.estimateAffinePartial2D(method=LMEDS):
 * the 2-point fit with the least median squared error over `LMEDS_TRIALS` fixed draws, then least squares over the
 * points it explains (within 2.5 robust σ). */
function robustSimilarity(from, to, n) {
  let seed = 12345, best = null, bestMedian = Infinity;
  const draw = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  const errors = new Float64Array(n), all = [...Array(n).keys()];
  const error = (m, k) => {
    const x = from[2 * k] - m.cx, y = from[2 * k + 1] - m.cy;
    return (m.a * x - m.b * y + m.tx - to[2 * k]) ** 2 + (m.b * x + m.a * y + m.ty - to[2 * k + 1]) ** 2;
  };
  for (let trial = 0; trial < LMEDS_TRIALS; trial++) {
    const i = draw(); let j = draw();
    if (i === j) j = (j + 1) % n;
    const m = fitSimilarity(from, to, [i, j]);
    for (let k = 0; k < n; k++) errors[k] = error(m, k);
    const median = errors.sort()[n >> 1];
    if (median < bestMedian) { bestMedian = median; best = m; }
  }
  const sigma = 2.5 * 1.4826 * (1 + 5 / Math.max(n - 2, 1)) * Math.sqrt(bestMedian);
  const inliers = all.filter(k => error(best, k) <= Math.max(sigma * sigma, 1e-6));
  return inliers.length >= 2 ? fitSimilarity(from, to, inliers) : best;
}

/** The least-squares similarity of flat `from` onto `to`, fitted again `rounds` times, each time without the points
 * the last fit leaves more than `trim` times the median distance (at least 0.5 px) from their place
 * (tryon.engine.flow._trimmed_similarity). */
function trimmedSimilarity(from, to, trim, rounds) {
  const all = [...Array(from.length / 2).keys()];
  let fit = fitSimilarity(from, to, all);
  for (let round = 0; round < rounds; round++) {
    const there = moved(from, fit);
    const distance = all.map(k => Math.hypot(there[2 * k] - to[2 * k], there[2 * k + 1] - to[2 * k + 1]));
    const sorted = [...distance].sort((a, b) => a - b), mid = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    const keep = all.filter(k => distance[k] <= Math.max(trim * median, 0.5));
    if (keep.length < 2) break;
    fit = fitSimilarity(from, to, keep);
  }
  return fit;
}

export class FlowCarrier {
  /** `C`: the engine constants (constants.json); `pixels`: a scratch canvas the frame's box is read through. */
  constructor(C, pixels) {
    this.p = C.flow; this.pixels = pixels;
    this.lips = [...C.landmarks.lips_outer, ...C.landmarks.lips_inner];  // tryon.engine.face.LIP_POINTS
    this.excluded = new Set(this.p.eyes);
    this.taps = gaussianTaps(this.p.smooth_px || 1e-6);
    this.grid = 1 << Math.max(this.p.levels, this.p.lip_levels);
    this.tracks = []; this.previous = null;
    this.pools = [new Pool(), new Pool()]; this.turn = 0;
  }

  reset() { this.tracks = []; this.previous = null; }

  /** `faces` (flat Float32Array landmarks, frame px) found in `frame` (an ImageBitmap), each blended with where the
   * flow carried its last estimate (Float32Arrays, in the same order). Frames must come in order. */
  update(frame, faces) {
    const previous = this.previous;
    this.previous = faces.length ? this._read(frame, faces) : null;
    if (!faces.length) { this.tracks = []; return faces; }
    const unmatched = [...this.tracks], tracks = [], out = [];
    for (const found of faces) {
      let points = Float64Array.from(found);
      const [cx, cy] = centre(points), { x0, x1 } = bounds(points), width = x1 - x0;
      let track = null, best = Infinity;
      for (const t of unmatched) { const d = Math.hypot(t.cx - cx, t.cy - cy); if (d < best) { best = d; track = t; } }
      let strained = 0, shown = found;
      if (track && best < width / 2) {
        unmatched.splice(unmatched.indexOf(track), 1);
        strained = track.strained;
        const carried = previous && this.previous ? this._carry(previous, this.previous, track.points) : null;
        if (carried) {
          [points, strained] = this._blend(points, carried, width, strained);
          shown = Float32Array.from(points);
        }
      }
      const [tx, ty] = centre(points);
      tracks.push({ points, cx: tx, cy: ty, strained });
      out.push(shown);
    }
    this.tracks = tracks;
    return out;
  }

  /** The Picture of `frame` over the faces' box grown by `margin` of its size on each side, on the grid. */
  _read(frame, faces) {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const points of faces) {
      const b = bounds(points), gx = (b.x1 - b.x0) * this.p.margin, gy = (b.y1 - b.y0) * this.p.margin;
      x0 = Math.min(x0, b.x0 - gx); y0 = Math.min(y0, b.y0 - gy); x1 = Math.max(x1, b.x1 + gx); y1 = Math.max(y1, b.y1 + gy);
    }
    const grid = this.grid;
    const left = Math.max(0, Math.floor(x0 / grid) * grid), top = Math.max(0, Math.floor(y0 / grid) * grid);
    const right = Math.min(frame.width, Math.ceil(x1 / grid) * grid), bottom = Math.min(frame.height, Math.ceil(y1 / grid) * grid);
    const w = right - left, h = bottom - top;
    if (w < 16 || h < 16) return null;
    const canvas = this.pixels;
    if (canvas.width < w || canvas.height < h) { canvas.width = Math.max(canvas.width, w); canvas.height = Math.max(canvas.height, h); }
    const g = canvas.getContext("2d", { willReadFrequently: true });
    g.drawImage(frame, left, top, w, h, 0, 0, w, h);
    const data = g.getImageData(0, 0, w, h).data;
    const pool = this.pools[this.turn ^= 1];
    pool.rewind();
    let level = { img: blurredGrey(data, w, h, this.taps, pool), w, h };
    const levels = [];
    for (let l = 0; l <= Math.max(this.p.levels, this.p.lip_levels); l++) {
      if (l > 0) level = pyrDown(level.img, level.w, level.h, pool);
      if (level.w < 8 || level.h < 8) break;
      levels.push(level);
    }
    return new Picture(left, top, levels);
  }

  /** `points` (the last estimate, Float64Array frame px) carried from Picture `from` to `to`: {points} all moved by
   * the similarity fitted to the rigid part's flow (refined on `from` warped by it, with `warp`), {lips, residual}
   * the lip points followed further by their own (residual Infinity: not followed), {shift} how far the face's centre
   * moved ([x, y] px); null when too few rigid points could be followed. */
  _carry(from, to, points) {
    const p = this.p, chosen = this._rigidPart(points).filter((_, k) => k % p.follow_every === 0);
    const first = this._follow(from, to, points, chosen, p.levels);
    if (first.n < p.min_tracked) return null;
    const pose = robustSimilarity(first.starts, first.ends, first.n);
    let carried = moved(points, pose), source = from, atSource = points;
    if (p.warp) {
      const warp = roundedWarp(pose, centre(points), p.warp_step);
      // A whole-pixel shift (a slide, a still face) needs no warped picture: the previous one, each point followed
      // from that far on, is the same pixels (tryon.engine.flow.FlowCarrier._carry).
      let shift = [0, 0];
      if (warp.a === 1 && warp.b === 0) shift = [warp.tx, warp.ty];
      else { source = warpedPicture(from, to, warp, p.lip_levels, this.pools[this.turn]); atSource = moved(points, warp); }
      // The rigid points again, at full resolution from where the warp put them; the similarity refined by least
      // squares over those whose motion it explains (tryon.engine.flow._trimmed_similarity).
      const again = this._follow(source, to, atSource, chosen, 0, shift);
      if (again.n >= p.min_tracked) carried = moved(atSource, trimmedSimilarity(again.starts, again.ends, p.trim, p.rounds));
    }
    const out = new Float64Array(3);
    const lips = new Float64Array(2 * this.lips.length), residual = new Float64Array(this.lips.length).fill(Infinity);
    const { x0, x1 } = bounds(points);
    this.lips.forEach((i, k) => {
      const gx = carried[2 * i], gy = carried[2 * i + 1];
      lips[2 * k] = gx; lips[2 * k + 1] = gy;
      if (!(p.lip_carry > 0) || !follow(source, to, atSource[2 * i], atSource[2 * i + 1], gx, gy, p.lip_levels, p.window_px, out)) return;
      if (Math.hypot(out[0] - gx, out[1] - gy) >= p.lip_step_max * (x1 - x0)) return;
      lips[2 * k] = out[0]; lips[2 * k + 1] = out[1]; residual[k] = out[2];
    });
    const [px, py] = centre(points), [qx, qy] = centre(carried);
    return { points: carried, lips, residual, shift: [qx - px, qy - py] };
  }

  /** The flow of `points`' indices `chosen` from Picture `from` to `to` over `levels` pyramid levels, each from
   * `[dx, dy]` px on: {starts, ends} the flat positions before and after of the `n` points followed. */
  _follow(from, to, points, chosen, levels, [dx, dy] = [0, 0]) {
    const out = new Float64Array(3), starts = [], ends = [];
    for (const i of chosen) {
      const x = points[2 * i], y = points[2 * i + 1];
      if (follow(from, to, x, y, x + dx, y + dy, levels, this.p.window_px, out)) { starts.push(x, y); ends.push(out[0], out[1]); }
    }
    return { starts, ends, n: starts.length / 2 };
  }

  /** Indices of the mesh points above the top of the upper lip along the face's own up direction, eyes left out
   * (tryon.engine.flow.rigid_part). */
  _rigidPart(points) {
    const { chin, forehead, upper_lip_top: lipTop } = this.p;
    const ux = points[2 * forehead] - points[2 * chin], uy = points[2 * forehead + 1] - points[2 * chin + 1];
    const lx = points[2 * lipTop], ly = points[2 * lipTop + 1], out = [];
    for (let i = 0; i < points.length / 2; i++) {
      if (!this.excluded.has(i) && (points[2 * i] - lx) * ux + (points[2 * i + 1] - ly) * uy > 0) out.push(i);
    }
    return out;
  }

  /** `measured` moved on by `landmark_lag` of the flow's shift, then `carry` of the way along the similarity taking
   * its rigid points onto the carried ones, then its lips towards the carried lips; as it is when the poses disagree
   * too much, or a little for too long (tryon.engine.flow.FlowCarrier._blend). Returns [points, strained]. */
  _blend(measured, carried, faceWidth, strained) {
    const p = this.p;
    let pose = fitSimilarity(measured, carried.points, this._rigidPart(measured));
    const there = moved(measured, pose);
    let apart = 0;
    for (let i = 0; i < measured.length; i += 2) apart += Math.hypot(there[i] - measured[i], there[i + 1] - measured[i + 1]);
    apart /= measured.length / 2;
    if (apart > p.reset_px_per_100 * faceWidth / 100) return [measured, 0];
    strained = apart > p.persist_px_per_100 * faceWidth / 100 ? strained + 1 : 0;
    if (p.persist_frames && strained >= p.persist_frames) return [measured, 0];
    if (p.landmark_lag) {  // MediaPipe's trail behind a moving face, undone along the flow's motion
      const dx = p.landmark_lag * carried.shift[0], dy = p.landmark_lag * carried.shift[1];
      measured = moved(measured, { a: 1, b: 0, cx: 0, cy: 0, tx: dx, ty: dy });
      pose = { ...pose, cx: pose.cx + dx, cy: pose.cy + dy };  // the same fit, from the moved points' centroid
    }
    const placed = moved(measured, partWay(pose, p.carry));
    if (p.lip_carry > 0) this._blendLips(placed, carried, faceWidth);
    return [placed, strained];
  }

  /** The lip points of `placed` moved (in place) towards the carried lips, each by `lip_carry` faded by the two
   * readings' distance and by its flow's residual relative to the lips' median (tryon.engine.flow._blend_lips). */
  _blendLips(placed, carried, faceWidth) {
    const p = this.p, followed = [...carried.residual].filter(Number.isFinite).sort((a, b) => a - b);
    if (!followed.length) return;
    const mid = followed.length >> 1;
    const typical = Math.max(followed.length % 2 ? followed[mid] : (followed[mid - 1] + followed[mid]) / 2, 1e-6);
    const [low, high] = p.lip_trust, gate = p.lip_gate_px_per_100 * faceWidth / 100;
    this.lips.forEach((i, k) => {
      const relative = Number.isFinite(carried.residual[k]) ? carried.residual[k] / typical : high;
      const trust = Math.min(1, Math.max(0, (high - relative) / (high - low)));
      const dx = carried.lips[2 * k] - placed[2 * i], dy = carried.lips[2 * k + 1] - placed[2 * i + 1];
      const weight = p.lip_carry * Math.exp(-((Math.hypot(dx, dy) / gate) ** 2)) * trust;
      placed[2 * i] += weight * dx; placed[2 * i + 1] += weight * dy;
    });
  }
}
