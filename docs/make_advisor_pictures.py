"""The advisor's pictures in docs/img: each public-domain face bare and wearing its top five picks.

    .venv/bin/python docs/make_advisor_pictures.py docs/img

Faces: `skimage.data.astronaut()` (NASA), the White House portraits and three of the tones set's Congress
portraits (a deep, a medium and a light face) in docs/faces (see its README). Prints each face's measurement
and picks (the numbers quoted in docs/advisor.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from skimage import data

from tryon.advisor.advice import advise, largest_face
from tryon.advisor.measure import sample_face
from tryon.advisor.recommend import LipsReference
from tryon.catalog.library import load_library
from tryon.engine.pipeline import Pipeline, render_masks
from tryon.media.compose import collage, faces_box
from tryon.media.export import save_image
from tryon.media.sources import read_image
from tryon.media.swatch import on_lips_lab, reference_lip_lab

FACES = Path(__file__).resolve().parent / "faces"


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    library = load_library()
    reference = LipsReference(on_lips_lab, reference_lip_lab())
    portraits = {
        "astronaut": np.ascontiguousarray(data.astronaut()),
        "obama_2012": read_image(FACES / "obama_2012.jpg"),
        "biden_2013": read_image(FACES / "biden_2013.jpg"),
        "deep_clarke": read_image(FACES / "C001067_yvette-clarke.jpg"),
        "medium_waters": read_image(FACES / "W000187_maxine-waters.jpg"),
        "light_ayotte": read_image(FACES / "A000368_kelly-ayotte.jpg"),
    }
    with Pipeline(mode="image") as pipeline:
        for name, image in portraits.items():
            bare = pipeline.process(image, None)
            face = largest_face(bare.faces)
            mask = bare.masks[bare.faces.index(face)]
            advice = advise([sample_face(image, face)], library.shades, count=5, reference=reference)
            renders = [render_masks(image, (mask,), pick.shade, intensity=0.85) for pick in advice.picks]
            captions = ["Before"] + [f"{i}. {p.shade.name} · {p.rule}" for i, p in enumerate(advice.picks, 1)]
            picture = collage(
                [image, *renders], captions, canvas_wh=(1500, 1000), columns=3, focus_xyxy=faces_box([face])
            )
            save_image(out_dir / f"advisor_{name}.png", picture)
            print(json.dumps({"face": name, **advice.to_json()}, ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img"))
