// The face finder (engine/finder.js) in a module worker, so that the landmarks of one camera frame are computed
// while the page paints the frame before it. Messages in: {type: "start", folder, wasm, model, count}, {type: "find",
// frame, timestamp}, {type: "reset"}; out: {type: "ready", resources}, {type: "found", faces, foundIn, frame, ms}
// (the frame handed back), {type: "error", message}.
import { FaceFinder } from "./finder.js";

let finder = null;

self.onmessage = async ({ data }) => {
  try {
    if (data.type === "start") {
      finder = await FaceFinder.create(data.folder, data.wasm, data.model, data.count);
      const resources = performance.getEntriesByType("resource").map(e => ({ name: e.name, bytes: e.transferSize }));
      self.postMessage({ type: "ready", resources });
    } else if (data.type === "find") {
      const t0 = performance.now();
      const [faces, foundIn] = await finder.find(data.frame, data.timestamp);
      const ms = performance.now() - t0;
      self.postMessage({ type: "found", faces, foundIn, frame: data.frame, ms }, [data.frame, ...faces.map(f => f.buffer)]);
    } else if (data.type === "reset") {
      finder?.reset();
    }
  } catch (e) {
    self.postMessage({ type: "error", message: String(e && e.stack || e) });
  }
};
