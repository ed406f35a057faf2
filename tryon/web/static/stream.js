// The server-rendered fallback (/stream), for browsers that cannot run <tryon-lipstick>: the front camera goes to
// the server over a WebSocket as JPEG frames; painted frames come back and are drawn. One frame in flight at a
// time: the next frame is captured when the last answer arrives, so a slow network drops frames instead of
// queueing them.
import { buildStrip, download as save_as, sayIn, showAdvice as show } from "./shop.js";
const view = document.getElementById("view");
const ctx = view.getContext("2d");
const camera = document.getElementById("camera");
const message = document.getElementById("message");
const now = document.getElementById("now");
const strip = document.getElementById("strip");
const intensity = document.getElementById("intensity");
const before = document.getElementById("before");
const save = document.getElementById("save");
const quality = document.getElementById("quality");
const foryou = document.getElementById("foryou");
const advice = document.getElementById("advice");
const grab = document.createElement("canvas");
let socket = null, stream = null, waiting = false, saving = false, shades = [], frames = 0;

const say = sayIn(message);
let select = () => {};

async function loadShades() {
  shades = await (await fetch("/shades.json")).json();
  select = buildStrip(strip, shades, choose);
}

function choose(id) {
  select(id);
  const shade = shades.find(s => s.id === id);
  now.textContent = shade ? `${shade.name} · ${shade.finish}` : "";
  send({ shade: id });
}

function send(control) { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(control)); }

async function startCamera() {
  const [width, height] = quality.value.split("x").map(Number);
  if (stream) for (const track of stream.getTracks()) track.stop();
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    say("This browser cannot use the camera here. Open the page over https in Safari or Chrome.");
    return false;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user", width: { ideal: width }, height: { ideal: height } }, audio: false });
  } catch (error) {
    if (error.name === "NotAllowedError") say("Camera access was refused. Allow the camera for this page in your browser's settings, then reload.");
    else if (error.name === "NotFoundError" || error.name === "OverconstrainedError") say("No front camera was found on this device.");
    else say(`The camera could not start (${error.name}).`);
    return false;
  }
  camera.srcObject = stream;
  await camera.play();
  return true;
}

function sendFrame(full) {
  if (!socket || socket.readyState !== WebSocket.OPEN || camera.videoWidth === 0) return;
  const [width, height] = full ? [camera.videoWidth, camera.videoHeight] : fit(camera.videoWidth, camera.videoHeight);
  grab.width = width; grab.height = height;
  const g = grab.getContext("2d");
  g.translate(width, 0); g.scale(-1, 1);  // a mirror, as people expect of a front camera
  g.drawImage(camera, 0, 0, width, height);
  waiting = true;
  grab.toBlob(blob => { if (blob) socket.send(blob); else waiting = false; }, "image/jpeg", full ? 0.92 : 0.7);
}

function fit(width, height) {
  let [maxW, maxH] = quality.value.split("x").map(Number);
  if (height > width) [maxW, maxH] = [maxH, maxW];  // a phone held upright gives a portrait stream
  const scale = Math.min(1, maxW / width, maxH / height);
  return [Math.round(width * scale), Math.round(height * scale)];
}

function connect() {
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  socket.binaryType = "blob";
  socket.onmessage = async event => {
    if (typeof event.data === "string") {
      const data = JSON.parse(event.data);
      if (data.error === "busy") { say("All try-on spots are taken. Please try again in a minute."); return; }
      if (data.error) { say(data.error); if (saving) { saving = false; save.disabled = false; } }
      if (data.hello) { say(""); choose(data.hello.shade); }
      if (data.picture) { download(data.picture); saving = false; save.disabled = false; }
      if (data.advice) showAdvice(data.advice);
      if (data.skipped) {  // over the server's 30 messages a second: dropped unread (a picture to save is sent again)
        waiting = false;
        if (saving) { setTimeout(() => sendFrame(true), 40); return; }
      }
      if (!saving && !waiting) requestAnimationFrame(() => sendFrame(false));
      return;
    }
    const bitmap = await createImageBitmap(event.data);
    if (view.width !== bitmap.width || view.height !== bitmap.height) { view.width = bitmap.width; view.height = bitmap.height; }
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    frames += 1;
    view.dataset.frames = String(frames);
    waiting = false;
    if (!saving) requestAnimationFrame(() => sendFrame(false));
  };
  socket.onopen = () => sendFrame(false);
  socket.onclose = () => { if (!message.textContent) say("Connection lost. Reload the page to try again."); };
}

function showAdvice(result) {
  foryou.disabled = false;
  show(advice, result, choose);
}

function download(url) {
  save_as(url, "tryon.jpg");
  say("Picture saved.");
  setTimeout(() => { if (message.textContent === "Picture saved.") say(""); }, 2500);
}

intensity.addEventListener("input", () => send({ intensity: Number(intensity.value) / 100 }));
for (const [type, held] of [["pointerdown", true], ["pointerup", false], ["pointerleave", false], ["pointercancel", false]])
  before.addEventListener(type, () => send({ before: held }));
save.addEventListener("click", () => {
  if (saving) return;
  saving = true; save.disabled = true;
  send({ save: true });
  const wait = () => (waiting ? setTimeout(wait, 20) : sendFrame(true));
  wait();
});
foryou.addEventListener("click", () => {
  foryou.disabled = true;
  advice.textContent = "Look at the camera for a moment…";
  send({ advise: true });
});
quality.addEventListener("change", async () => { if (await startCamera()) say(""); });

(async () => {
  await loadShades();
  if (await startCamera()) connect();
})();
