// The lip mask and the per-pixel inputs of the shader, over the lip box only (tryon.engine.mask.lip_mask and the
// statistics of tryon.engine.render / lip_patterns): coverage of the outer contour minus the mouth opening, the
// lip-likeness refinement (teeth, cavity), the edge feather, the lips' mean lightness and light factor, the local
// mean lightness highlights are measured against, sparkle flecks, and the ombre / liner depth.
import { closedSpline, lipRoi } from "./geometry.js";
import { imageLab } from "./colour.js";

const pyRound = x => { const r = Math.round(x); return (Math.abs(x % 1) === 0.5 && r % 2 !== 0) ? r - 1 : r; };  // half to even

/** OpenCV's MORPH_ELLIPSE element of radius r: [dx, dy] offsets. */
function disk(r) {
  const offsets = [];
  for (let dy = -r; dy <= r; dy++) {
    const dx = pyRound(r * Math.sqrt((r * r - dy * dy) / (r * r)));
    for (let x = -dx; x <= dx; x++) offsets.push([x, dy]);
  }
  return offsets;
}

/** Binary erode (keep where every offset is set) or dilate (set where any offset is set); outside the box is
 * ignored, as OpenCV's default border. */
function morph(bits, w, h, offsets, erode) {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let value = erode ? 1 : 0;
    for (const [dx, dy] of offsets) {
      const xx = x + dx, yy = y + dy;
      if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
      const bit = bits[yy * w + xx];
      if (erode && !bit) { value = 0; break; }
      if (!erode && bit) { value = 1; break; }
    }
    out[y * w + x] = value;
  }
  return out;
}

function gaussianKernel(sigma) {
  const size = Math.round(sigma * 8 + 1) | 1, half = (size - 1) / 2, kernel = new Float32Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) { kernel[i] = Math.exp(-((i - half) ** 2) / (2 * sigma * sigma)); total += kernel[i]; }
  for (let i = 0; i < size; i++) kernel[i] /= total;
  return kernel;
}

/** Separable Gaussian blur of a float plane; `constant` = zero outside (BORDER_CONSTANT), else reflect-101. */
function blur(plane, w, h, sigma, constant) {
  const kernel = gaussianKernel(sigma), half = (kernel.length - 1) / 2;
  const reflect = (i, n) => { if (n === 1) return 0; while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i; return i; };
  const pass = (src, horizontal) => {
    const dst = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let k = 0; k < kernel.length; k++) {
        let xx = x, yy = y;
        if (horizontal) xx += k - half; else yy += k - half;
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) {
          if (constant) continue;
          xx = reflect(xx, w); yy = reflect(yy, h);
        }
        sum += kernel[k] * src[yy * w + xx];
      }
      dst[y * w + x] = sum;
    }
    return dst;
  };
  return pass(pass(plane, true), false);
}

/** Two-pass 3x3 chamfer distance (OpenCV's DIST_L2 with mask 3) of each set pixel to the nearest unset one. */
function chamferDistance(bits, w, h) {
  const A = 0.955, B = 1.3693, FAR = 1e6, d = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) d[i] = bits[i] ? FAR : 0;
  const at = (x, y) => (x < 0 || y < 0 || x >= w || y >= h) ? FAR : d[y * w + x];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (d[i] === 0) continue;
    d[i] = Math.min(d[i], at(x - 1, y) + A, at(x, y - 1) + A, at(x - 1, y - 1) + B, at(x + 1, y - 1) + B);
  }
  for (let y = h - 1; y >= 0; y--) for (let x = w - 1; x >= 0; x--) {
    const i = y * w + x;
    if (d[i] === 0) continue;
    d[i] = Math.min(d[i], at(x + 1, y) + A, at(x, y + 1) + A, at(x + 1, y + 1) + B, at(x - 1, y + 1) + B);
  }
  return d;
}

/** Area-average downscale of a float plane to (dw, dh), as OpenCV's INTER_AREA (fractional edges weighted). */
function shrinkArea(plane, w, h, dw, dh) {
  const sx = w / dw, sy = h / dh, out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const y0 = y * sy, y1 = y0 + sy;
    for (let x = 0; x < dw; x++) {
      const x0 = x * sx, x1 = x0 + sx;
      let sum = 0;
      for (let yy = Math.floor(y0); yy < Math.min(h, Math.ceil(y1)); yy++) {
        const wy = Math.min(y1, yy + 1) - Math.max(y0, yy);
        for (let xx = Math.floor(x0); xx < Math.min(w, Math.ceil(x1)); xx++) {
          sum += plane[yy * w + xx] * wy * (Math.min(x1, xx + 1) - Math.max(x0, xx));
        }
      }
      out[y * dw + x] = sum / (sx * sy);
    }
  }
  return out;
}

/** Bilinear upscale of a float plane from (sw, sh) to (w, h), as OpenCV's INTER_LINEAR (pixel centres aligned). */
function growLinear(plane, sw, sh, w, h) {
  const out = new Float32Array(w * h), sx = sw / w, sy = sh / h;
  for (let y = 0; y < h; y++) {
    let fy = (y + 0.5) * sy - 0.5, y0 = Math.floor(fy);
    let ty = fy - y0;
    if (y0 < 0) { y0 = 0; ty = 0; }
    const y1 = Math.min(sh - 1, y0 + 1);
    if (y0 >= sh - 1) ty = 0;
    for (let x = 0; x < w; x++) {
      let fx = (x + 0.5) * sx - 0.5, x0 = Math.floor(fx);
      let tx = fx - x0;
      if (x0 < 0) { x0 = 0; tx = 0; }
      const x1 = Math.min(sw - 1, x0 + 1);
      if (x0 >= sw - 1) tx = 0;
      const top = plane[y0 * sw + x0] * (1 - tx) + plane[y0 * sw + x1] * tx;
      const bottom = plane[y1 * sw + x0] * (1 - tx) + plane[y1 * sw + x1] * tx;
      out[y * w + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** A wide Gaussian blur (tryon.engine.lip_patterns.smooth_blur): on a copy shrunk by sigma / 2.5, then grown back. */
function smoothBlur(plane, w, h, sigma) {
  const factor = Math.floor(sigma / 2.5);
  if (factor < 2 || Math.min(w, h) < 4 * factor) return blur(plane, w, h, sigma, false);
  const sw = Math.max(1, Math.floor(w / factor)), sh = Math.max(1, Math.floor(h / factor));
  return growLinear(blur(shrinkArea(plane, w, h, sw, sh), sw, sh, sigma / factor, false), sw, sh, w, h);
}

function median(values) {  // the upper middle value, as the Python engine's
  const sorted = Float32Array.from(values).sort();
  return sorted[sorted.length >> 1];
}

const smoothstep = (e0, e1, x) => { const t = Math.min(1, Math.max(0, (x - e0) / Math.max(e1 - e0, 1e-6))); return t * t * (3 - 2 * t); };

/** Area coverage (0-1 per pixel) of a closed curve (flat [x, y, ...] in box pixels), by the 2D canvas' AA fill. */
function coverage(raster, curve, w, h) {
  const g = raster.getContext("2d", { willReadFrequently: true });
  g.clearRect(0, 0, w, h);
  g.beginPath();
  g.moveTo(curve[0], curve[1]);
  for (let i = 2; i < curve.length; i += 2) g.lineTo(curve[i], curve[i + 1]);
  g.closePath();
  g.fillStyle = "#fff";
  g.fill();
  const rgba = g.getImageData(0, 0, w, h).data, out = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) out[i] = rgba[4 * i + 3] / 255;
  return out;
}

/** Bresenham line (8-connected, as cv2.polylines at thickness 1) setting `bits`. */
function drawLine(bits, w, h, x0, y0, x1, y1) {
  const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    if (x0 >= 0 && y0 >= 0 && x0 < w && y0 < h) bits[y0 * w + x0] = 1;
    if (x0 === x1 && y0 === y1) return;
    const e2 = 2 * err;
    if (e2 >= dy) { err += dy; x0 += sx; }
    if (e2 <= dx) { err += dx; y0 += sy; }
  }
}

/** The int64 cell hash of tryon.engine.lip_patterns.sparkle → [rand, rand2] in [0, 1]. */
const cellCache = new Map();
function cellRandom(iu, iv) {
  const key = iu * 65536 + iv;
  let hit = cellCache.get(key);
  if (hit !== undefined) return hit;
  let h = BigInt.asIntN(64, (BigInt(iu) * 73856093n) ^ (BigInt(iv) * 19349663n));
  h = BigInt.asIntN(64, (h ^ (h >> 13n)) * 1274126177n);
  h = h ^ (h >> 16n);
  hit = [Number(h & 0xFFFFn) / 65535, Number((h >> 16n) & 0xFFFFn) / 65535];
  if (cellCache.size > 100000) cellCache.clear();
  cellCache.set(key, hit);
  return hit;
}

/**
 * Everything the shader needs to paint one face's lips.
 * @param frame the camera frame (an ImageBitmap, not mirrored).
 * @param points Float32Array [x0, y0, ...] of the face's 478 landmarks in frame pixels.
 * @param shade a catalog shade (web_shade form); C the engine constants; raster, pixels: scratch canvases.
 * @returns null when nothing would be painted, else {roi, width, height, rgba (the box's camera pixels), aux (RGBA
 *   float: alpha, local mean L*, sparkle, liner weight), aux2 (R: ombre outer share), meanL, light, mouthWidth}.
 */
export function lipPaint(frame, points, shade, C, raster, pixels, frameW, frameH) {
  const M = C.mask, R = C.render, P = C.patterns;
  const pick = indices => indices.map(i => [points[2 * i], points[2 * i + 1]]);
  const outer = pick(C.landmarks.lips_outer), inner = pick(C.landmarks.lips_inner);
  const roi = lipRoi(outer, M.roi_margin_px, frameW, frameH);
  const w = roi.x1 - roi.x0, h = roi.y1 - roi.y0, n = w * h;
  if (w <= 0 || h <= 0) return null;
  const mouthWidth = Math.hypot(outer[10][0] - outer[0][0], outer[10][1] - outer[0][1]);
  const local = ps => ps.map(([x, y]) => [x - roi.x0, y - roi.y0]);
  const outerCurve = closedSpline(local(outer), M.spline_samples_per_segment);
  const innerCurve = closedSpline(local(inner), M.spline_samples_per_segment);
  if (raster.width < w || raster.height < h) { raster.width = Math.max(raster.width, w); raster.height = Math.max(raster.height, h); }
  const outerCover = coverage(raster, outerCurve, w, h), opening = coverage(raster, innerCurve, w, h);
  if (pixels.width < w || pixels.height < h) { pixels.width = Math.max(pixels.width, w); pixels.height = Math.max(pixels.height, h); }
  const box = pixels.getContext("2d", { willReadFrequently: true });
  box.drawImage(frame, roi.x0, roi.y0, w, h, 0, 0, w, h);
  const rgba = box.getImageData(0, 0, w, h).data;
  const lab = imageLab(rgba, n);
  let alpha = new Float32Array(n);
  for (let i = 0; i < n; i++) alpha[i] = outerCover[i] * (1 - opening[i]);

  // Lip-likeness: what does not look like these lips' own core loses paint (teeth, the mouth's cavity).
  const margin = Math.max(1, pyRound(0.03 * mouthWidth));
  const inside = new Uint8Array(n), open = new Uint8Array(n);
  for (let i = 0; i < n; i++) { inside[i] = outerCover[i] > 0.99 && opening[i] < 0.01 ? 1 : 0; open[i] = opening[i] > 0.01 ? 1 : 0; }
  const round = disk(margin);
  const core = morph(inside, w, h, round, true), nearOpening = morph(open, w, h, round, false);
  const coreL = [], coreA = [];
  for (let i = 0; i < n; i++) if (core[i] && !nearOpening[i]) { coreL.push(lab.L[i]); coreA.push(lab.A[i]); }
  if (coreL.length >= 20) {
    const lMedian = median(coreL), aMedian = median(coreA);
    const lSpread = Math.max(4, 1.4826 * median(coreL.map(v => Math.abs(v - lMedian))));
    const aSpread = Math.max(2.5, 1.4826 * median(coreA.map(v => Math.abs(v - aMedian))));
    for (let i = 0; i < n; i++) {
      const tooDark = Math.max(0, (lMedian - lab.L[i]) / lSpread - M.dark_spreads);
      const offColour = aMedian > M.min_lip_redness
        ? Math.max(0, (aMedian - lab.A[i]) / aSpread - M.pale_spreads)
        : Math.max(0, (lab.L[i] - lMedian) / lSpread - M.bright_spreads);
      alpha[i] *= Math.min(1, Math.max(0, 1 - (tooDark + offColour) / M.falloff_spreads));
    }
  }
  // The feather: toward the skin only, within a few px of the contour, never into the mouth opening.
  const featherPx = Math.min(M.max_feather_px, Math.max(M.min_feather_px, M.feather_per_width * mouthWidth));
  const blurred = blur(alpha, w, h, featherPx, true);
  const touched = new Uint8Array(n);
  for (let i = 0; i < n; i++) touched[i] = outerCover[i] > 0 ? 1 : 0;
  const support = morph(touched, w, h, disk(M.outside_support_px), false);
  let maxAlpha = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.max(alpha[i], blurred[i]) * support[i] * (1 - Math.min(1, Math.max(0, (opening[i] - 0.5) * 2)));
    alpha[i] = Math.min(1, Math.max(0, a));
    maxAlpha = Math.max(maxAlpha, alpha[i]);
  }
  if (maxAlpha < R.min_alpha) return null;

  // The lips' statistics: mean lightness of the inner lips, the scene's light factor.
  let coreSum = 0;
  for (let i = 0; i < n; i++) if (alpha[i] >= R.min_alpha) coreSum += Math.min(1, Math.max(0, 2 * alpha[i] - 1));
  const useCore = coreSum > R.min_core_pixels;
  let weighted = 0, total = 0, plain = 0, count = 0;
  for (let i = 0; i < n; i++) {
    if (alpha[i] < R.min_alpha) continue;
    const weight = useCore ? Math.min(1, Math.max(0, 2 * alpha[i] - 1)) : alpha[i];
    weighted += lab.L[i] * weight; total += weight; plain += lab.L[i]; count += 1;
  }
  const meanL = total > 0 ? weighted / total : plain / count;
  const light = Math.min(R.light_factor_range[1], Math.max(R.light_factor_range[0], (meanL / R.reference_lip_l) ** R.light_adaptation));
  const finish = C.finishes[shade.finish];

  const aux = new Float32Array(4 * n), aux2 = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) aux[4 * i] = alpha[i];
  if (shade.gloss > 0 || finish.sparkles) {
    const localMean = smoothBlur(lab.L, w, h, Math.max(R.highlight_min_blur_px, R.highlight_blur_per_width * mouthWidth));
    for (let i = 0; i < n; i++) aux[4 * i + 1] = localMean[i];
  }
  if (finish.sparkles && shade.shimmer_density > 0) {
    const [lx, ly] = outer[0], [rx, ry] = outer[10];
    const width = Math.hypot(rx - lx, ry - ly) || 1, ux = (rx - lx) / width, uy = (ry - ly) / width;
    const cells = P.shimmer_cells_per_width / shade.shimmer_size;
    const share = P.fleck_share_base + P.fleck_share_per_density * shade.shimmer_density;
    const visible = smoothstep(P.fleck_fade_px[0], P.fleck_fade_px[1], width / cells);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (alpha[i] < R.min_alpha) continue;
      const xs = x + roi.x0 - lx, ys = y + roi.y0 - ly;
      const u = (xs * ux + ys * uy) / width * cells, v = (-xs * uy + ys * ux) / width * cells;
      const iu = Math.floor(u), iv = Math.floor(v), [rand, rand2] = cellRandom(iu, iv);
      const distance = Math.hypot(u - iu - (0.25 + 0.5 * rand2), v - iv - (0.25 + 0.5 * rand));
      let fleck = rand < share ? Math.min(1, Math.max(0, 1 - distance / P.fleck_radius_cells)) : 0;
      fleck *= 0.5 + 0.5 * rand2;
      aux[4 * i + 2] = visible * fleck + (1 - visible) * P.soft_sheen * share;
    }
  }
  if (shade.ombre || shade.liner) {
    const lipsOrMouth = new Uint8Array(n), notLine = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) { lipsOrMouth[i] = alpha[i] > 0.5 || opening[i] > 0.05 ? 1 : 0; if (opening[i] > 0.5) notLine[i] = 0; }
    const line = new Uint8Array(n);
    const mouthLine = local(inner).map(([x, y]) => [pyRound(x), pyRound(y)]);
    for (let k = 0; k < mouthLine.length; k++) {
      const [x0, y0] = mouthLine[k], [x1, y1] = mouthLine[(k + 1) % mouthLine.length];
      drawLine(line, w, h, x0, y0, x1, y1);
    }
    for (let i = 0; i < n; i++) if (line[i]) notLine[i] = 0;
    const toEdge = chamferDistance(lipsOrMouth, w, h), toLine = chamferDistance(notLine, w, h);
    for (let i = 0; i < n; i++) {
      if (shade.ombre) {
        const depth = toLine[i] / Math.max(toLine[i] + toEdge[i], 1e-3), half = 0.5 * Math.max(shade.ombre.feather, 0.02);
        aux2[4 * i] = smoothstep(shade.ombre.inner_ratio - half, shade.ombre.inner_ratio + half, depth);
      }
      if (shade.liner) {
        const linePx = Math.max(1, shade.liner.width_mm / P.mouth_width_mm * mouthWidth);
        aux[4 * i + 3] = 1 - smoothstep(linePx - 0.5, linePx + 0.5, toEdge[i]);
      }
    }
  }
  return { roi, width: w, height: h, rgba, aux, aux2, meanL, light, mouthWidth };
}
