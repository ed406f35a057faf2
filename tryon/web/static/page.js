// The phone page on <tryon-lipstick>: the try-on runs in this browser. The server is asked for files, for the
// catalog, and — only when the shopper taps "For you" — to measure one camera picture.
import { ENGINE_FAILURES } from "./tryon-lipstick.js";
import { buildStrip, download, sayIn, showAdvice } from "./shop.js";

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
  select(id);
  now.textContent = `${shade.name} · ${shade.finish}`;
}

tryon.addEventListener("tryon-ready", () => say(""));
tryon.addEventListener("tryon-error", event => {
  say(event.detail.message);
  fallback.hidden = !ENGINE_FAILURES.has(event.detail.reason);
});
tryon.addEventListener("tryon-frame", event => { tryon.dataset.frames = String(event.detail.frame); });

intensity.addEventListener("input", () => tryon.setAttribute("intensity", String(Number(intensity.value) / 100)));
for (const [type, held] of [["pointerdown", true], ["pointerup", false], ["pointerleave", false], ["pointercancel", false]])
  before.addEventListener(type, () => tryon.setAttribute("intensity", held ? "0" : String(Number(intensity.value) / 100)));

save.addEventListener("click", async () => {
  save.disabled = true;
  try {
    const url = URL.createObjectURL(await tryon.snapshot());
    download(url, "tryon.png");
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
    const response = await fetch("/advice", { method: "POST", body: picture, headers: { "content-type": "image/jpeg" } });
    const result = await response.json();
    if (!response.ok) advice.textContent = result.error || "The advice could not be made.";
    else showAdvice(advice, result, choose);
  } catch (error) {
    advice.textContent = "The advice could not be made. Try again in a moment.";
  } finally { foryou.disabled = false; }
});

document.getElementById("quality").addEventListener("change", event => tryon.setAttribute("resolution", event.target.value));

(async () => {
  try { shades = (await (await fetch("/catalog.json")).json()).shades; }
  catch (error) { say("The shades could not be loaded. Reload the page."); return; }
  select = buildStrip(strip, shades, choose);
  if (shades.length) choose(shades[0].id);
})();
