// Anonymous try-on events from the page (the kinds and rules of tryon.analytics.events): which shade was on the lips
// and for how long with a face in view, intensity changes, pictures saved. No image, no face, no identity: a random
// session id links one visit's events and nothing else. Sent in batches (every 10 s, at most 500) with fetch and an
// Idempotency-Key — a batch that fails is sent again with the same key, so the collector stores it once — and with
// navigator.sendBeacon when the page is hidden (a beacon carries its key in the URL: it cannot set headers).

const BATCH_EVERY_MS = 10000;
const MAX_BATCH = 500;
const randomHex = bytes => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), b => b.toString(16).padStart(2, "0")).join("");

export class TryonEvents {
  constructor(url) {
    this.url = url;
    this.sessionId = randomHex(12);
    this.queue = [];
    this.pending = null;  // {key, events}: a batch sent but not acknowledged
    this.shown = null;    // {shade_id, dwellMs, lastSeen}
    this.started = false;
    setInterval(() => this.flush(), BATCH_EVERY_MS);
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") this.beacon(); });
    window.addEventListener("pagehide", () => this.beacon());
  }

  record(kind, fields = {}) {
    this.queue.push({ kind, at: new Date().toISOString(), session_id: this.sessionId, ...fields });
  }

  start(shadeId) {
    if (this.started) return;
    this.started = true;
    this.record("session_start");
    if (shadeId) this.shade(shadeId);
  }

  /** The shade on the lips changed: the last one's dwell is recorded. */
  shade(shadeId) {
    this._closeShade();
    this.shown = { shade_id: shadeId, dwellMs: 0, lastSeen: null };
  }

  /** Called per painted frame: `seen` when a face was in view with the lipstick on. */
  frame(seen) {
    if (!this.shown) return;
    const now = performance.now();
    if (seen && this.shown.lastSeen !== null) this.shown.dwellMs += Math.min(now - this.shown.lastSeen, 1000);
    this.shown.lastSeen = seen ? now : null;
  }

  _closeShade() {
    if (this.shown && this.shown.dwellMs > 0) this.record("shade_shown", { shade_id: this.shown.shade_id, dwell_ms: Math.round(this.shown.dwellMs) });
    if (this.shown) this.shown.dwellMs = 0;
  }

  async flush() {
    if (!this.url) return;
    if (this.pending) {  // retry the unacknowledged batch first, with its key
      if (!(await this._post(this.pending))) return;
      this.pending = null;
    }
    this._closeShade();
    if (!this.queue.length) return;
    this.pending = { key: randomHex(16), events: this.queue.splice(0, MAX_BATCH) };
    if (await this._post(this.pending)) this.pending = null;
  }

  async _post(batch) {
    try {
      const response = await fetch(this.url, {
        method: "POST", body: JSON.stringify({ events: batch.events }), keepalive: true,
        headers: { "content-type": "application/json", "idempotency-key": batch.key },
      });
      if (response.status === 404) this.url = null;  // this server collects no events: stop sending
      // 202 stored; 400 refused for good (not worth sending again); else (429, 503, a dropped connection) later.
      return response.status === 202 || response.status === 400 || response.status === 404;
    } catch (error) { return false; }
  }

  /** The page is going away: the rest leaves as a beacon (with the session's end). */
  beacon() {
    if (!this.url || !this.started || !navigator.sendBeacon) return;
    this._closeShade();
    this.record("session_end");
    this.started = false;
    const batches = this.pending ? [this.pending] : [];
    while (this.queue.length) batches.push({ key: randomHex(16), events: this.queue.splice(0, MAX_BATCH) });
    this.pending = null;
    for (const batch of batches) {
      const url = `${this.url}${this.url.includes("?") ? "&" : "?"}idempotency_key=${batch.key}`;
      navigator.sendBeacon(url, new Blob([JSON.stringify({ events: batch.events })], { type: "text/plain" }));
    }
  }
}
