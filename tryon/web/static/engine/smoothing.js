// One-Euro filtering of face landmarks across frames, as tryon.engine.smoothing.LandmarkSmoother: per point a
// low-pass whose cut-off rises with speed (speeds per 100 px of face width), and a deadband that holds a still
// face's points while they move less than `deadband_px`. Faces are matched to the last frame's by position.

import { bounds, centre } from "./geometry.js";

function smoothingFactor(dtS, cutoffHz) { const tau = 1 / (2 * Math.PI * cutoffHz); return 1 / (1 + tau / dtS); }

function faceWidth(points) { const { x0, x1 } = bounds(points); return x1 - x0; }

class Track {
  constructor(points, timestampMs) {
    this.points = Float64Array.from(points);
    this.shown = Float64Array.from(points);
    this.velocity = new Float64Array(points.length);
    this.timestampMs = timestampMs;
  }

  update(raw, timestampMs, p) {
    const dtS = Math.max(1e-3, (timestampMs - this.timestampMs) / 1000);
    const scale = Math.max(1, faceWidth(raw) / 100);
    const aD = smoothingFactor(dtS, p.derivative_cutoff_hz);
    const out = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i += 2) {
      let speed = 0;
      for (let c = 0; c < 2; c++) {
        const v = (raw[i + c] - this.points[i + c]) / dtS / scale;
        this.velocity[i + c] += aD * (v - this.velocity[i + c]);
        speed += this.velocity[i + c] ** 2;
      }
      speed = Math.sqrt(speed);
      const a = smoothingFactor(dtS, p.min_cutoff_hz + p.beta * speed);
      let dx = 0, dy = 0;
      for (let c = 0; c < 2; c++) this.points[i + c] += a * (raw[i + c] - this.points[i + c]);
      dx = this.points[i] - this.shown[i]; dy = this.points[i + 1] - this.shown[i + 1];
      const distance = Math.hypot(dx, dy);
      let band = p.deadband_px * scale;
      if (p.deadband_release_speed !== null) band *= Math.min(1, Math.max(0, 1 - speed / p.deadband_release_speed));
      const move = Math.max(distance - band, 0) / Math.max(distance, 1e-12);
      this.shown[i] += dx * move; this.shown[i + 1] += dy * move;
      out[i] = this.shown[i]; out[i + 1] = this.shown[i + 1];
    }
    this.timestampMs = timestampMs;
    return out;
  }
}

export class LandmarkSmoother {
  constructor(params) { this.params = params; this.tracks = []; }

  reset() { this.tracks = []; }

  /** Smoothed copies of `faces` (each a flat Float32Array [x0, y0, ...] in px), in the same order. */
  update(faces, timestampMs) {
    const unmatched = [...this.tracks], tracks = [], out = [];
    for (const points of faces) {
      const c = centre(points), width = faceWidth(points);
      let best = null, bestDistance = Infinity;
      for (const track of unmatched) {
        const t = centre(track.points), d = Math.hypot(t[0] - c[0], t[1] - c[1]);
        if (d < bestDistance) { best = track; bestDistance = d; }
      }
      if (best !== null && bestDistance < 0.5 * width) {  // farther: another face, or a cut
        unmatched.splice(unmatched.indexOf(best), 1);
        out.push(best.update(points, timestampMs, this.params));
        tracks.push(best);
      } else {
        tracks.push(new Track(points, timestampMs));
        out.push(points);
      }
    }
    this.tracks = tracks;
    return out;
  }
}
