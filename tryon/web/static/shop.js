// What both phone pages share: the shade strip (chips with the shade on real lips), the advice list, messages,
// downloads. Plain DOM; styles come from style.css (no inline styles: the Content-Security-Policy forbids them).

/** A status line in `element` ("" hides it). */
export function sayIn(element) { return text => { element.textContent = text || ""; }; }

/** Chips for `shades` in `strip`, grouped by brand; `choose(id)` on a tap; each chip's on-lips swatch is
 * `<swatches><shade id>.png`. Returns `select(id)` marking one. */
export function buildStrip(strip, shades, choose, swatches = "/swatch/") {
  let brand = null;
  for (const shade of shades) {
    if (shade.brand !== brand) {
      brand = shade.brand;
      const label = document.createElement("span");
      label.className = "brand";
      label.textContent = brand;
      strip.appendChild(label);
    }
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "chip";
    chip.dataset.shade = shade.id;
    chip.setAttribute("role", "option");
    chip.setAttribute("aria-selected", "false");
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.style.background = shade.color;
    const swatch = document.createElement("img");  // the shade as it looks on real lips, rendered by the engine
    swatch.alt = "";
    swatch.src = `${swatches}${encodeURIComponent(shade.id)}.png`;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = shade.name;
    chip.append(dot, swatch, name);
    chip.addEventListener("click", () => choose(shade.id));
    strip.appendChild(chip);
  }
  return id => { for (const chip of strip.querySelectorAll(".chip")) chip.setAttribute("aria-selected", String(chip.dataset.shade === id)); };
}

/** The advisor's result in `element`: summary, caveat, what the shades lack for this face, a button per pick
 * (`choose(id)`); the first pick is chosen. */
export function showAdvice(element, result, choose) {
  element.textContent = "";
  const summary = document.createElement("div");
  summary.textContent = result.summary;
  element.appendChild(summary);
  if (result.caveat) {
    const caveat = document.createElement("div");
    caveat.className = "caveat";
    caveat.textContent = result.caveat;
    element.appendChild(caveat);
  }
  for (const sentence of result.missing || []) {
    const line = document.createElement("div");
    line.className = "caveat";
    line.textContent = sentence;
    element.appendChild(line);
  }
  for (const pick of result.picks) {
    const row = document.createElement("button");
    row.type = "button";
    row.dataset.shade = pick.id;
    row.textContent = `${pick.name} · ${pick.finish} — ${pick.reason}`;
    row.addEventListener("click", () => choose(pick.id));
    element.appendChild(row);
  }
  if (result.picks.length) choose(result.picks[0].id);
}

/** Saves `url` as `filename` on the device. */
export function download(url, filename) {
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
}
