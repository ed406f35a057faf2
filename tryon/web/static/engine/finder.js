// Finding a face's landmarks in a camera frame: MediaPipe's FaceLandmarker (tasks-vision, WASM) in VIDEO mode on
// the whole frame; when that finds no face, a second one in IMAGE mode on squares of the frame, which finds faces too
// small for the whole frame (engine/squares.js). Runs on the page or in a worker (engine/finder-worker.js): it needs
// nothing of the page but WebGL (tasks-vision's CPU delegate still converts images with it), which a worker gets
// from OffscreenCanvas.
import { FaceLandmarker } from "../vendor/tasks-vision/vision_bundle.mjs";
import { fromSquare, searchSquares } from "./squares.js";

const MAX_FACES = 1;
// A face found in a square and narrower than this share of the square's side is looked for in that square first on
// the next frame (the whole frame would miss it again); a wider one is left to the whole frame's tracking.
const SMALL_IN_SQUARE = 0.3;
// tasks-vision's ES-module build of its WebAssembly (SIMD): importing it yields the module factory, so it loads the
// same way on a page and in a module worker (the classic build is loaded with a <script> tag or importScripts, which
// module workers do not have).
const LOADER = "vision_wasm_module_internal.js", BINARY = "vision_wasm_module_internal.wasm";

export class FaceFinder {
  /** The landmarkers: `folder`, URL of the tasks-vision folder (its loader is imported from there); `wasm`, its
   * WebAssembly compiled (a WebAssembly.Module: compiled once, by the page, for every landmarker); `model`, the
   * model's bytes (ArrayBuffer); `count`, landmarks per face. Resolves once the whole-frame (VIDEO) landmarker is
   * ready; the squares' (IMAGE) one, needed only for faces too small for the whole frame, is made once the first
   * frame has been answered (not before: on the same thread, it would hold the first lipstick back by ~0.5 s), or
   * at once when a square is searched before that. */
  static async create(folder, wasm, model, count) {
    const { default: factory } = await import(new URL(LOADER, folder).href);
    const bytes = new Uint8Array(model);
    // One after the other: tasks-vision takes the factory and the module's settings from globals, and clears them
    // after each.
    const made = mode => {
      self.ModuleFactory = factory;
      self.Module = { instantiateWasm: (imports, done) => { WebAssembly.instantiate(wasm, imports).then(done); return {}; } };
      return FaceLandmarker.createFromOptions({ wasmLoaderPath: "", wasmBinaryPath: "" }, {
        baseOptions: { modelAssetBuffer: bytes, delegate: "CPU" }, runningMode: mode, numFaces: MAX_FACES,
      });
    };
    return new FaceFinder(await made("VIDEO"), () => made("IMAGE"), count);
  }

  /** `video`: a FaceLandmarker; `makeImage`: makes the IMAGE one (a promise). */
  constructor(video, makeImage, count) {
    this._video = video; this._makeImage = makeImage; this._image = null; this._count = count; this._lastSquare = null;
    this._closed = false;
  }

  /** The IMAGE landmarker (a promise), made on first call; close() closes it whenever it comes. */
  _imageLandmarker() {
    if (this._closed) return Promise.reject(new Error("the face finder was closed"));
    this._image ??= this._makeImage();
    return this._image;
  }

  close() {
    this._closed = true;
    this._video.close();
    this._image?.then(landmarker => landmarker.close(), () => {});
  }

  /** Forget the face followed in a square (the camera changed). */
  reset() { this._lastSquare = null; }

  /** The faces' landmarks in `frame` (an ImageBitmap) as flat Float32Array [x0, y0, ...] frame pixels, and where
   * they were found: "frame" (VIDEO mode, whole frame), "square" (IMAGE mode, one of `searchSquares`) or null.
   * `timestamp` (ms) must grow from call to call. */
  async find(frame, timestamp) {
    const width = frame.width, height = frame.height, count = this._count;
    const inSquare = async square => {
      const image = await this._imageLandmarker();
      const crop = await createImageBitmap(frame, square.x, square.y, square.side, square.side);
      try { return image.detect(crop).faceLandmarks.map(points => fromSquare(points, square, count)); }
      finally { crop.close(); }
    };
    const small = (faces, square) => {
      let left = Infinity, right = -Infinity;
      for (let i = 0; i < faces[0].length; i += 2) { left = Math.min(left, faces[0][i]); right = Math.max(right, faces[0][i]); }
      return right - left < square.side * SMALL_IN_SQUARE;
    };
    const squares = searchSquares(width, height);
    const was = this._lastSquare;
    const last = was && squares.find(s => s.x === was.x && s.y === was.y && s.side === was.side);
    this._lastSquare = null;
    if (last) {
      const faces = await inSquare(last);
      if (faces.length) { if (small(faces, last)) this._lastSquare = last; return [faces, "square"]; }
    }
    const whole = this._video.detectForVideo(frame, timestamp).faceLandmarks.map(points => {
      const flat = new Float32Array(count * 2);
      for (let i = 0; i < count; i++) { flat[2 * i] = points[i].x * width; flat[2 * i + 1] = points[i].y * height; }
      return flat;
    });
    // After this answer; a failure is reported by the search that needs it.
    if (!this._image) setTimeout(() => { if (!this._closed) this._imageLandmarker().catch(() => {}); }, 0);
    if (whole.length) return [whole, "frame"];
    for (const square of squares) {
      if (square === last) continue;
      const faces = await inSquare(square);
      if (faces.length) { if (small(faces, square)) this._lastSquare = square; return [faces, "square"]; }
    }
    return [[], null];
  }
}

/** The finder in a worker (engine/finder-worker.js), used like a FaceFinder except that `find` takes the frame
 * over and hands it back: it resolves to {faces, foundIn, frame, ms}. */
class WorkerFinder {
  static async create(folder, wasm, model, count) {
    const worker = new Worker(new URL("finder-worker.js", import.meta.url), { type: "module" });
    const finder = new WorkerFinder(worker);
    try {
      finder.resources = (await finder._ask({ type: "start", folder, wasm, model, count }, [], "ready")).resources;
      return finder;
    } catch (e) { worker.terminate(); throw e; }
  }

  constructor(worker) {
    this.where = "worker"; this.resources = [];
    this._worker = worker; this._waiting = null;
    worker.onmessage = ({ data }) => {
      const waiting = this._waiting; this._waiting = null;
      if (!waiting) return;
      if (data.type === "error") waiting.reject(new Error(data.message)); else waiting.resolve(data);
    };
    worker.onerror = event => {
      event.preventDefault();
      const waiting = this._waiting; this._waiting = null;
      waiting?.reject(new Error(event.message || "the face finder's worker failed"));
    };
  }

  _ask(message, transfer, expected) {
    if (this._waiting) return Promise.reject(new Error("the face finder is busy"));
    return new Promise((resolve, reject) => {
      this._waiting = { resolve: data => data.type === expected ? resolve(data) : reject(new Error(`unexpected ${data.type}`)), reject };
      this._worker.postMessage(message, transfer);
    });
  }

  find(frame, timestamp) { return this._ask({ type: "find", frame, timestamp }, [frame], "found"); }
  reset() { this._worker.postMessage({ type: "reset" }); }
  close() {
    this._worker.terminate();
    const waiting = this._waiting; this._waiting = null;
    waiting?.reject(new Error("the face finder was closed"));
  }
}

/** The same interface over a FaceFinder on the page (where a worker cannot run the landmarker: WebKit refuses WebGL
 * on OffscreenCanvas in workers). */
class PageFinder {
  constructor(finder) { this.where = "page"; this.resources = []; this._finder = finder; }
  async find(frame, timestamp) {
    const t0 = performance.now();
    const [faces, foundIn] = await this._finder.find(frame, timestamp);
    return { faces, foundIn, frame, ms: performance.now() - t0 };
  }
  reset() { this._finder.reset(); }
  close() { this._finder.close(); }
}

/** A face finder: in a worker where the browser can, else on the page. `folder`: URL of the tasks-vision folder;
 * `modelUrl`: the model's; `count`: landmarks per face (or a promise of it: the downloads do not wait for it). The
 * page fetches the model and fetches and compiles the WebAssembly side by side (compiled once for all landmarkers),
 * and hands both over: the worker fetches nothing but its scripts, listed with their bytes on the wire in
 * `resources` ([{name, bytes}]). Rejects when neither can start. */
export async function startFinder(folder, modelUrl, count) {
  if (!folder.endsWith("/")) folder += "/";
  const [wasm, model] = await Promise.all([
    fetch(new URL(BINARY, folder)).then(response => {
      if (!response.ok) throw new Error(`${BINARY}: HTTP ${response.status}`);
      return WebAssembly.compileStreaming(response);
    }),
    fetch(modelUrl).then(response => {
      if (!response.ok) throw new Error(`the model: HTTP ${response.status}`);
      return response.arrayBuffer();
    }),
  ]);
  count = await count;
  if (typeof Worker === "function" && typeof OffscreenCanvas === "function") {
    try { return await WorkerFinder.create(folder, wasm, model.slice(0), count); }
    catch (e) { console.warn("tryon: the face finder runs on the page, not in a worker:", e); }
  }
  return new PageFinder(await FaceFinder.create(folder, wasm, model, count));
}
