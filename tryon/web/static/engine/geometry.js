// Lip contours from landmarks: the closed centripetal Catmull-Rom spline (tryon.engine.mask.closed_spline) and the
// lip box (tryon.engine.mask.lip_roi), points as [x, y] in frame pixels; and a face's centre and box, its landmarks
// as one flat array [x0, y0, x1, y1, ...].

/** The mean of flat `points` [x0, y0, ...]: [x, y]. */
export function centre(points) {
  let x = 0, y = 0;
  for (let i = 0; i < points.length; i += 2) { x += points[i]; y += points[i + 1]; }
  return [2 * x / points.length, 2 * y / points.length];
}

/** The box {x0, y0, x1, y1} around flat `points` [x0, y0, ...]. */
export function bounds(points) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < points.length; i += 2) {
    x0 = Math.min(x0, points[i]); x1 = Math.max(x1, points[i]); y0 = Math.min(y0, points[i + 1]); y1 = Math.max(y1, points[i + 1]);
  }
  return { x0, y0, x1, y1 };
}

/** Centripetal Catmull-Rom spline through a closed polygon: `samples` points per segment, as flat [x0, y0, ...]. */
export function closedSpline(points, samples) {
  const n = points.length, out = new Float64Array(n * samples * 2);
  const step = (a, b) => Math.max(Math.sqrt(Math.hypot(b[0] - a[0], b[1] - a[1])), 1e-6);
  for (let i = 0; i < n; i++) {
    const p0 = points[(i + n - 1) % n], p1 = points[i], p2 = points[(i + 1) % n], p3 = points[(i + 2) % n];
    const d01 = step(p0, p1), d12 = step(p1, p2), d23 = step(p2, p3);
    for (let k = 0; k < samples; k++) {
      const s = k / samples;
      const h00 = 2 * s ** 3 - 3 * s ** 2 + 1, h10 = s ** 3 - 2 * s ** 2 + s, h01 = -2 * s ** 3 + 3 * s ** 2, h11 = s ** 3 - s ** 2;
      for (let c = 0; c < 2; c++) {
        const t1 = ((p1[c] - p0[c]) / d01 - (p2[c] - p0[c]) / (d01 + d12) + (p2[c] - p1[c]) / d12) * d12;
        const t2 = ((p2[c] - p1[c]) / d12 - (p3[c] - p1[c]) / (d12 + d23) + (p3[c] - p2[c]) / d23) * d12;
        out[2 * (i * samples + k) + c] = h00 * p1[c] + h10 * t1 + h01 * p2[c] + h11 * t2;
      }
    }
  }
  return out;
}

/** {x0, y0, x1, y1} (end-exclusive) around the outer contour plus `margin` px, clipped to the frame. */
export function lipRoi(outer, margin, width, height) {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of outer) { minX = Math.min(minX, x); minY = Math.min(minY, y); maxX = Math.max(maxX, x); maxY = Math.max(maxY, y); }
  return {
    x0: Math.max(0, Math.floor(minX - margin)), y0: Math.max(0, Math.floor(minY - margin)),
    x1: Math.min(width, Math.ceil(maxX + margin)), y1: Math.min(height, Math.ceil(maxY + margin)),
  };
}
