// <tryon-lipstick>: lipstick try-on computed entirely in the browser. The camera frame never leaves the page.
//   attributes: catalog (URL of a catalog JSON: {"shades": [...]}), shade (a shade id), intensity (0-1; 0 shows the
//   bare camera frame), mirror ("true"/"false"), resolution ("640x480" default, or "1280x720"); each takes effect on
//   the next frame. Optional: model (URL of face_landmarker.task), wasm (URL of the tasks-vision wasm folder).
//   property view: the <canvas> it draws, camera-frame size, readable at any time (toDataURL, drawImage).
//   methods: snapshot() → PNG Blob with the shade in its "tryon" iTXt chunk; cameraPicture() → JPEG Blob of the
//   bare camera frame (for a measurement the shopper asked for).
//   events: tryon-ready (detail: finder — "worker" or "page", where faces are found — and worker_resources, the
//   scripts the worker loaded: [{name, bytes}]), tryon-frame (detail: per-stage ms), tryon-error (detail: {reason,
//   message}).
// Pipeline per camera frame: grab → the face finder (engine/finder.js: MediaPipe FaceLandmarker, tasks-vision WASM,
// VIDEO mode; when it finds no face, a second one in IMAGE mode on squares of the frame; in a worker where the
// browser allows, so one frame's faces are found while the page paints the one before) → each face blended with
// where optical flow carried it from the frame before (engine/flow.js) → One-Euro smoothing → lip mask and
// statistics over the lip box (engine/mask.js) → WebGL2 colour model (engine/renderer.js).
import { startFinder } from "./engine/finder.js";
import { FlowCarrier } from "./engine/flow.js";
import { lipPaint } from "./engine/mask.js";
import { LipstickRenderer, RenderError } from "./engine/renderer.js";
import { LandmarkSmoother } from "./engine/smoothing.js";

const HERE = new URL(".", import.meta.url);
// A tiny module using one SIMD instruction: validates only where WebAssembly SIMD exists.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

export const MESSAGES = {
  "no-webgl2": "This browser cannot draw the try-on here (no WebGL2).",
  "no-simd": "This browser is too old to run the try-on itself (no WebAssembly SIMD; iOS 16.4 or newer works).",
  "landmarker": "The face finder could not start in this browser.",
  "tracking": "The face finder stopped working in this browser.",
  "renderer": "This browser could not prepare the lipstick drawing.",
  "no-camera-api": "This browser cannot use the camera here. Open the page over https in Safari or Chrome.",
  "camera-refused": "Camera access was refused. Allow the camera for this page in your browser's settings, then reload.",
  "no-camera": "No front camera was found on this device.",
  "camera": "The camera could not start.",
  "catalog": "The shades could not be loaded.",
};
/** Reasons where the browser itself cannot run the engine (a server-rendered stream can still help). */
export const ENGINE_FAILURES = new Set(["no-webgl2", "no-simd", "landmarker", "tracking", "renderer"]);

class TryonError extends Error { constructor(reason, detail) { super(detail || reason); this.reason = reason; } }

function crc32(bytes) {
  let c, crc = 0xFFFFFFFF;
  for (const byte of bytes) { c = (crc ^ byte) & 0xFF; for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1; crc = (crc >>> 8) ^ c; }
  return (crc ^ 0xFFFFFFFF) >>> 0;
}

/** `png` (ArrayBuffer) with an iTXt chunk `keyword` = `text` (UTF-8) right after IHDR, where readers find it
 * without decoding the pixels. */
function withText(png, keyword, text) {
  const enc = new TextEncoder(), body = [...enc.encode(keyword), 0, 0, 0, 0, 0, ...enc.encode(text)];
  const typed = new Uint8Array([...enc.encode("iTXt"), ...body]);
  const chunk = new Uint8Array(12 + body.length), view = new DataView(chunk.buffer);
  view.setUint32(0, body.length); chunk.set(typed, 4); view.setUint32(8 + body.length, crc32(typed));
  const bytes = new Uint8Array(png), afterHeader = 8 + 25;  // the signature, then IHDR (13 bytes of data)
  return new Blob([bytes.slice(0, afterHeader), chunk, bytes.slice(afterHeader)], { type: "image/png" });
}

export class TryonLipstick extends HTMLElement {
  static observedAttributes = ["catalog", "resolution"];  // shade, intensity, mirror: read on every frame

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();  // a constructed sheet, not a <style>: pages with a strict CSP allow it
    sheet.replaceSync(":host{display:block;position:relative;background:#000}canvas{display:block;width:100%;height:100%;object-fit:contain}video{position:absolute;width:1px;height:1px;opacity:0;pointer-events:none}");
    root.adoptedStyleSheets = [sheet];
    this._view = document.createElement("canvas");
    this._view.setAttribute("part", "view");
    this._video = document.createElement("video");
    this._video.muted = true; this._video.playsInline = true; this._video.autoplay = true;
    root.append(this._view, this._video);
    this._raster = document.createElement("canvas");     // scratch: lip contours rasterised
    this._lipPixels = document.createElement("canvas");  // scratch: the lip box's camera pixels
    this._facePixels = document.createElement("canvas");  // scratch: the faces' box's camera pixels (the flow)
    this._shades = new Map();
    this._frames = 0; this._lastTs = -1; this._running = false; this._generation = 0; this._cameraFps = 30;
  }

  /** The canvas the try-on is drawn on (camera-frame size). */
  get view() { return this._view; }
  /** Shades of the loaded catalog, in file order. */
  get shades() { return [...this._shades.values()]; }
  /** Frames painted so far. */
  get frames() { return this._frames; }
  get shade() { return this._shades.get(this.getAttribute("shade")) || this.shades[0] || null; }
  get intensity() { const v = Number(this.getAttribute("intensity") ?? 1); return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 1; }
  get mirror() { return this.getAttribute("mirror") !== "false"; }

  connectedCallback() { if (!this._running) this._start(); }
  disconnectedCallback() { this._stop(); }

  attributeChangedCallback(name, old, value) {
    if (!this._running || old === value) return;
    if (name === "catalog") this._loadCatalog().catch(e => this._fail(e));
    if (name === "resolution") this._startCamera().catch(e => this._fail(e));
  }

  _fail(error) {
    const reason = error instanceof TryonError ? error.reason : "landmarker";
    console.error("tryon:", reason, error);
    this._stop();
    this.dispatchEvent(new CustomEvent("tryon-error", { detail: { reason, message: MESSAGES[reason] || String(error) }, bubbles: true }));
  }

  async _start() {
    this._running = true;
    const generation = ++this._generation;
    try {
      if (!WebAssembly.validate(SIMD_PROBE)) throw new TryonError("no-simd");
      // The face finder first (13 MB of WebAssembly and the model: the longest wait), then the constants, the
      // catalog and the camera, all side by side.
      const constants = fetch(new URL("engine/constants.json", HERE)).then(response => response.json());
      const folder = new URL(this.getAttribute("wasm") || new URL("vendor/tasks-vision/", HERE).href, document.baseURI).href;
      const model = new URL(this.getAttribute("model") || new URL("face_landmarker.task", HERE).href, document.baseURI).href;
      const finder = startFinder(folder, model, constants.then(c => c.landmarks.count))
        .catch(e => { throw new TryonError("landmarker", String(e)); });
      finder.then(found => { if (generation !== this._generation) found.close(); }, () => {});  // stopped meanwhile
      this._constants = await constants;
      try { this._renderer = new LipstickRenderer(this._constants); }
      catch (e) { throw new TryonError(e instanceof RenderError && e.message === "no-webgl2" ? "no-webgl2" : "renderer", String(e)); }
      this._smoother = new LandmarkSmoother(this._constants.smoothing);
      this._carrier = new FlowCarrier(this._constants, this._facePixels);
      const [, found] = await Promise.all([this._loadCatalog(), finder, this._startCamera()]);
      if (generation !== this._generation) return;
      this._finder = found;
      this.dispatchEvent(new CustomEvent("tryon-ready", { detail: { finder: found.where, worker_resources: found.resources }, bubbles: true }));
      this._run(generation);
    } catch (e) { if (generation === this._generation) this._fail(e); }
  }

  _stop() {
    this._running = false;
    this._generation++;
    if (this._stream) for (const track of this._stream.getTracks()) track.stop();
    this._stream = null;
    if (this._finder) { this._finder.close(); this._finder = null; }
  }

  async _loadCatalog() {
    const url = this.getAttribute("catalog");
    if (!url) return;
    let data;
    try { data = await (await fetch(url)).json(); } catch (e) { throw new TryonError("catalog", String(e)); }
    if (!data || !Array.isArray(data.shades)) throw new TryonError("catalog", "no shades");
    this._shades = new Map(data.shades.map(s => [s.id, s]));
  }

  // Camera (re)starts run one after another, each opening the resolution asked for when its turn comes (quick
  // changes used to race: an earlier request finishing last left the camera at the wrong size). While one runs the
  // video has no picture to grab: frames are skipped, not failed (a grab racing a switch stopped the element).
  async _startCamera() {
    this._switching = (this._switching || 0) + 1;
    const turn = (this._cameraQueue || Promise.resolve()).catch(() => {}).then(() => {
      const [width, height] = (this.getAttribute("resolution") || "640x480").split("x").map(Number);
      return this._openCamera(width, height);
    });
    this._cameraQueue = turn;
    try { await turn; } finally { this._switching -= 1; }
  }

  async _openCamera(width, height) {
    if (this._stream) for (const track of this._stream.getTracks()) track.stop();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new TryonError("no-camera-api");
    try {
      this._stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user", width: { ideal: width }, height: { ideal: height } }, audio: false });
    } catch (e) {
      if (e.name === "NotAllowedError") throw new TryonError("camera-refused");
      if (e.name === "NotFoundError" || e.name === "OverconstrainedError") throw new TryonError("no-camera");
      throw new TryonError("camera", e.name);
    }
    this._video.srcObject = this._stream;
    await this._video.play();
    const rate = this._stream.getVideoTracks()[0]?.getSettings().frameRate;
    this._cameraFps = rate > 0 ? Math.min(rate, 60) : 30;
    this._smoother?.reset();
    this._carrier?.reset();
    this._finder?.reset();
  }

  // Paced by the camera's frame rate: a frame is grabbed one camera frame after the last one was, or at once when the
  // last took longer (then every frame shows the newest camera picture). Not tied to the page's rendering steps
  // (requestVideoFrameCallback): a busy page gets those late, and would wait for them. Where the face finder runs in
  // a worker, it finds one frame's faces while the page paints the frame before and grabs the next; on the page
  // the three follow one another.
  async _run(generation) {
    const live = () => this._running && generation === this._generation;
    let grabbed = null, waiting = null;
    try {
      grabbed = await this._grabAt(0);
      while (live()) {
        if (!grabbed) {  // the camera is being switched
          if (waiting) { this._paint(waiting); waiting = null; }
          grabbed = await this._grabAt(performance.now() + 1000 / this._cameraFps);
          continue;
        }
        const timestamp = Math.max(this._lastTs + 1, Math.round(grabbed.t1));
        this._lastTs = timestamp;
        const finding = this._finder.find(grabbed.frame, timestamp);
        if (waiting) { this._paint(waiting); waiting = null; }
        let nextReady = false;
        const next = this._grabAt(grabbed.t0 + 1000 / this._cameraFps).then(g => { nextReady = true; return g; });
        let found;
        try { found = { ...grabbed, ...await finding, timestamp }; }
        catch (e) { next.then(g => g?.frame.close(), () => {}); throw new TryonError("tracking", String(e)); }
        if (!live()) { found.frame.close(); next.then(g => g?.frame.close(), () => {}); return; }
        // The next frame already grabbed (the finder took longer than a camera frame): it goes to the finder first,
        // and this one is painted meanwhile. Otherwise this one is painted now, not a camera frame later.
        if (nextReady) waiting = found; else this._paint(found);
        grabbed = await next;
      }
      if (grabbed) grabbed.frame.close();
      if (waiting) waiting.frame.close();
    } catch (e) {
      if (live()) this._fail(e instanceof TryonError ? e : new TryonError("tracking", String(e)));
    }
  }

  /** The camera picture at `at` (performance.now() ms; when that has passed, as the page's next task), as _grab
   * gives it. Always after a task boundary: a loop of promises alone would starve the page's own events. */
  async _grabAt(at) {
    const wait = at - performance.now();
    if (wait > 1) await new Promise(resolve => setTimeout(resolve, wait));
    else await this._nextTask();
    return this._running ? await this._grab() : null;
  }

  /** Resolves as a task of its own: a message, not setTimeout(0), which browsers clamp to 4 ms in a chain of timers
   * (a tenth of a frame). */
  _nextTask() {
    if (!this._wake) {
      this._wake = new MessageChannel();
      this._wakers = [];
      this._wake.port1.onmessage = () => this._wakers.shift()?.();
    }
    return new Promise(resolve => { this._wakers.push(resolve); this._wake.port2.postMessage(0); });
  }

  /** The newest camera picture as {frame: ImageBitmap, t0, t1} (ms: grab start and end), or null while the camera
   * is being switched. */
  async _grab() {
    const video = this._video, width = video.videoWidth, height = video.videoHeight;
    const ready = () => !this._switching && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA;
    if (!width || !height || !ready()) return null;
    const t0 = performance.now();
    // One still of the camera frame, read by the landmarker, the lip statistics and the shader alike.
    let frame;
    try { frame = await createImageBitmap(video); }
    catch (e) { if (!ready()) return null; throw e; }  // the camera was being switched meanwhile: skip this frame
    if (frame.width !== width || frame.height !== height) { frame.close(); return null; }  // ... or switched under it
    return { frame, t0, t1: performance.now() };
  }

  /** Carry and smooth the landmarks `found` in its frame, paint the lips and show it. Frames come in order. */
  _paint(found) {
    const { frame, faces, foundIn, timestamp, t0, t1 } = found, width = frame.width, height = frame.height;
    try {
      const t2 = performance.now();
      const carried = this._carrier.update(frame, faces);
      const tFlow = performance.now();
      const smoothed = this._smoother.update(carried, timestamp);
      const t3 = performance.now();
      const shade = this.shade, intensity = this.intensity;
      const paints = shade && intensity > 0
        ? smoothed.map(points => lipPaint(frame, points, shade, this._constants, this._raster, this._lipPixels, width, height)) : [];
      const t4 = performance.now();
      this._show(frame, paints, shade, intensity);
      const t5 = performance.now();
      this._frames += 1;
      const detail = {
        frame: this._frames, faces: faces.length, found_in: foundIn, finder: this._finder.where,
        painted: paints.filter(Boolean).length, shade: shade ? shade.id : null,
        grab_ms: t1 - t0, landmarks_ms: found.ms, waited_ms: t2 - t1 - found.ms, flow_ms: tFlow - t2, smoothing_ms: t3 - tFlow, mask_ms: t4 - t3,
        render_ms: t5 - t4, latency_ms: t5 - t0, at_ms: t5,
      };
      requestAnimationFrame(() => {  // the painted frame reaches the screen with the next composited frame
        detail.display_ms = performance.now() - t5;
        this.dispatchEvent(new CustomEvent("tryon-frame", { detail }));
      });
      if (this._keep) this._keep.close();
      this._keep = frame;  // the camera picture for cameraPicture()
    } catch (e) { frame.close(); throw e; }
  }

  /** The camera frame on the view (mirrored when asked), each face's painted lip box laid over it. */
  _show(frame, paints, shade, intensity) {
    const view = this._view, width = frame.width, height = frame.height;
    if (view.width !== width || view.height !== height) { view.width = width; view.height = height; }
    const g = view.getContext("2d", { alpha: false });
    g.imageSmoothingEnabled = false;
    if (this.mirror) g.setTransform(-1, 0, 0, 1, width, 0); else g.setTransform(1, 0, 0, 1, 0, 0);
    g.drawImage(frame, 0, 0);
    for (const paint of paints) {
      if (!paint) continue;
      g.drawImage(this._renderer.paint(paint, shade, intensity), paint.roi.x0, paint.roi.y0);
    }
    g.setTransform(1, 0, 0, 1, 0, 0);
  }

  /** The view as a PNG Blob, with the shade and intensity as JSON in its "tryon" iTXt chunk (tryon.media.export). */
  async snapshot() {
    const shade = this.shade, intensity = this.intensity;
    const blob = await new Promise(resolve => this._view.toBlob(resolve, "image/png"));
    if (!blob) throw new Error("nothing to save yet");
    if (!shade) return blob;
    const metadata = {
      shade_id: shade.id, shade_name: shade.name, brand: shade.brand, collection: shade.collection, finish: shade.finish,
      color: shade.color, intensity: Math.round(intensity * 1000) / 1000, software: "Tryon", layout: "picture", compared_shade_ids: [],
    };
    return withText(await blob.arrayBuffer(), "tryon", JSON.stringify(metadata));
  }

  /** The last camera frame as it came, not mirrored, unpainted: a JPEG Blob. */
  async cameraPicture(quality = 0.92) {
    if (!this._keep) throw new Error("no camera frame yet");
    const canvas = document.createElement("canvas");
    canvas.width = this._keep.width; canvas.height = this._keep.height;
    canvas.getContext("2d").drawImage(this._keep, 0, 0);
    return await new Promise(resolve => canvas.toBlob(resolve, "image/jpeg", quality));
  }
}

if (!customElements.get("tryon-lipstick")) customElements.define("tryon-lipstick", TryonLipstick);
