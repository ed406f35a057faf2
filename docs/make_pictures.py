"""The engine's pictures in docs/img, rendered on `skimage.data.astronaut()` (public domain).

    .venv/bin/python docs/make_pictures.py docs/img

Writes before_after.png (Ruby Hour, matte), finish_<finish>.png (before/after for each finish) and
finishes.png (all six finishes side by side, cropped around the face).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from skimage import data

from tryon.catalog.library import load_library
from tryon.engine.pipeline import Pipeline, render_masks
from tryon.media.compose import collage, faces_box
from tryon.media.export import save_image

FINISH_SHADES = {
    "matte": "mv-ruby-hour",
    "satin": "nv-coral-reef",
    "gloss": "ll-cherry-glaze",
    "sheer": "ll-watermelon",
    "shimmer": "nv-galaxy-plum",
    "metallic": "nv-rose-gold",
}


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    library = load_library()
    face = np.ascontiguousarray(data.astronaut())
    with Pipeline(mode="image") as pipeline:
        bare = pipeline.process(face, None)
    focus = faces_box(bare.faces)
    renders = {}
    for finish, shade_id in FINISH_SHADES.items():
        shade = library.get(shade_id)
        renders[finish] = render_masks(face, bare.masks, shade)
        caption = f"{shade.name} · {finish}"
        picture = collage([face, renders[finish]], ["Before", caption], canvas_wh=(1024, 640), focus_xyxy=focus)
        save_image(out_dir / f"finish_{finish}.png", picture)
        if finish == "matte":
            save_image(out_dir / "before_after.png", picture)
    captions = [f"{library.get(shade_id).name} · {finish}" for finish, shade_id in FINISH_SHADES.items()]
    grid = collage(list(renders.values()), captions, canvas_wh=(1500, 1000), columns=3, focus_xyxy=focus)
    save_image(out_dir / "finishes.png", grid)
    print(f"wrote {len(FINISH_SHADES) + 2} pictures to {out_dir}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img"))
