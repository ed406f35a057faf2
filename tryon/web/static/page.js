// The phone page on <tryon-lipstick>: the try-on runs in this browser. The server is asked for files, for the
// catalog, and — only when the shopper taps "For you" — to measure one camera picture. Where things are comes from
// the body's data attributes (tryon serve's page and `tryon web build`'s static page differ only there):
// data-catalog, data-swatches (folder of <shade id>.png), data-advice (URL for "For you"; empty: no button),
// data-stream (the server-rendered fallback; empty: none), data-events (URL the anonymous try-on events are posted
// to; empty: none recorded), data-service-worker (a static build's sw.js: the next visit starts offline).
import { ENGINE_FAILURES } from "./tryon-lipstick.js";
import { TryonEvents } from "./events.js";
import { buildStrip, download, sayIn, showAdvice } from "./shop.js";

const config = document.body.dataset;
const events = config.events ? new TryonEvents(config.events) : null;
if (config.serviceWorker && "serviceWorker" in navigator) navigator.serviceWorker.register(config.serviceWorker).catch(() => {});

const tryon = document.getElementById("tryon");
const say = sayIn(document.getElementById("message"));
const now = document.getElementById("now");
const strip = document.getElementById("strip");
const intensity = document.getElementById("intensity");
const before = document.getElementById("before");
const save = document.getElementById("save");
const foryou = document.getElementById("foryou");
const advice = document.getElementById("advice");
const fallback = document.getElementById("fallback");
let shades = [], select = () => {};

function choose(id) {
  const shade = shades.find(s => s.id === id);
  if (!shade) return;
  tryon.setAttribute("shade", id);
  events?.shade(id);
  select(id);
  now.textContent = `${shade.name} · ${shade.finish}`;
}

tryon.addEventListener("tryon-ready", () => { say(""); events?.start(tryon.getAttribute("shade")); });
tryon.addEventListener("tryon-error", event => {
  say(event.detail.message);
  fallback.hidden = !(config.stream && ENGINE_FAILURES.has(event.detail.reason));
});
tryon.addEventListener("tryon-frame", event => {
  tryon.dataset.frames = String(event.detail.frame);
  events?.frame(event.detail.faces > 0 && Number(tryon.getAttribute("intensity")) > 0);
});

intensity.addEventListener("input", () => tryon.setAttribute("intensity", String(Number(intensity.value) / 100)));
intensity.addEventListener("change", () => events?.record("intensity_changed", { value: String(intensity.value) }));
for (const [type, held] of [["pointerdown", true], ["pointerup", false], ["pointerleave", false], ["pointercancel", false]])
  before.addEventListener(type, () => tryon.setAttribute("intensity", held ? "0" : String(Number(intensity.value) / 100)));

save.addEventListener("click", async () => {
  save.disabled = true;
  try {
    const url = URL.createObjectURL(await tryon.snapshot());
    download(url, "tryon.png");
    events?.record("snapshot", { shade_id: tryon.getAttribute("shade") });
    events?.record("shared", { shade_id: tryon.getAttribute("shade"), value: "file" });
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    say("Picture saved.");
    setTimeout(() => { if (document.getElementById("message").textContent === "Picture saved.") say(""); }, 2500);
  } catch (error) {
    say("Nothing to save yet: wait for the camera.");
  } finally { save.disabled = false; }
});

foryou.addEventListener("click", async () => {
  foryou.disabled = true;
  advice.textContent = "Measuring one picture…";
  try {
    const picture = await tryon.cameraPicture();
    const response = await fetch(config.advice, { method: "POST", body: picture, headers: { "content-type": "image/jpeg" } });
    const result = await response.json();
    if (!response.ok) advice.textContent = result.error || "The advice could not be made.";
    else showAdvice(advice, result, choose);
  } catch (error) {
    advice.textContent = "The advice could not be made. Try again in a moment.";
  } finally { foryou.disabled = false; }
});

document.getElementById("quality").addEventListener("change", event => tryon.setAttribute("resolution", event.target.value));

if (!config.advice) foryou.hidden = true;  // a static page has no server to measure with
if (config.stream) fallback.href = config.stream;

(async () => {
  try { shades = (await (await fetch(config.catalog)).json()).shades; }
  catch (error) { say("The shades could not be loaded. Reload the page."); return; }
  select = buildStrip(strip, shades, choose, config.swatches);
  if (shades.length) choose(shades[0].id);
})();
