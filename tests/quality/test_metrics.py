import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tryon.colour import rgb_to_lab
from tryon.quality.evalset import EvalSetError, load_eval_set
from tryon.quality.metrics import boundary_f, changed, iou, teeth_spill


def _rect(y0: int, y1: int, x0: int, x1: int, shape=(100, 100)) -> np.ndarray:  # noqa: ANN001
    mask = np.zeros(shape, dtype=bool)
    mask[y0:y1, x0:x1] = True
    return mask


def test_iou_of_known_rectangles() -> None:
    a, b = _rect(0, 10, 0, 10), _rect(0, 10, 5, 15)
    assert iou(a, b) == pytest.approx(50 / 150)
    assert iou(a, a) == 1.0
    assert iou(a, _rect(50, 60, 50, 60)) == 0.0


def test_boundary_f_tolerates_small_shifts_only() -> None:
    truth = _rect(20, 60, 20, 80)
    assert boundary_f(truth, truth) == 1.0
    assert boundary_f(_rect(21, 61, 21, 81), truth, tolerance_px=2) == 1.0
    assert boundary_f(_rect(30, 70, 30, 90), truth, tolerance_px=2) < 0.3


def test_changed_uses_delta_e_threshold() -> None:
    before = np.full((2, 2, 3), 120, dtype=np.uint8)
    after = before.copy()
    after[0, 0] = (121, 120, 120)  # invisible
    after[1, 1] = (200, 40, 40)  # obvious
    assert changed(before, after).tolist() == [[False, False], [False, True]]
    assert rgb_to_lab(before).dtype == np.float32


def test_teeth_spill_counts_mouth_pixels_away_from_lips() -> None:
    lips = _rect(40, 50, 20, 80) | _rect(60, 70, 20, 80)
    mouth = _rect(50, 60, 20, 80)
    before = np.full((100, 100, 3), 200, dtype=np.uint8)
    after = before.copy()
    after[55:60, 20:80] = (200, 0, 0)  # paint the lower half of the mouth
    spill = teeth_spill(before, after, mouth, lips)
    # Rows 52-57 are more than 2 px from the lips; of those, rows 55-57 were painted.
    assert spill == pytest.approx(3 / 6)
    assert np.isnan(teeth_spill(before, after, np.zeros_like(mouth), lips))


def test_malformed_faces_dir_is_reported(tmp_path: Path) -> None:
    with pytest.raises(EvalSetError, match=r"no manifest.json"):
        load_eval_set(tmp_path)
    (tmp_path / "manifest.json").write_text('[{"name": "a", "image": "a.jpg"}]', encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"entry #1: field 'lips_mask' is missing"):
        load_eval_set(tmp_path)


@pytest.mark.slow
def test_eval_end_to_end_on_a_small_copy(eval_dir: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    from tryon.cli import main
    from tryon.media.sources import read_image

    entries = json.loads((eval_dir / "manifest.json").read_text())
    picked = [e for e in entries if e["name"] in ("celebamaskhq_demo_0", "celebamaskhq_d63d2aa0", "wflw_12")]
    (tmp_path / "faces").mkdir()
    for entry in picked:
        for key in ("image", "lips_mask", "mouth_mask"):
            shutil.copy(eval_dir / entry[key], tmp_path / entry[key])
    (tmp_path / "manifest.json").write_text(json.dumps(picked))
    # Skin-tone groups for the set (by file name, as ../shared/tones has them): scores per group too.
    groups = {"celebamaskhq_demo_0": "light", "celebamaskhq_d63d2aa0": "light", "wflw_12": "medium"}
    rows = [f"{Path(e['image']).name},{groups[e['name']]}" for e in picked]
    (tmp_path / "groups.csv").write_text("file,group\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    overlays = tmp_path / "build" / "overlays"
    argv = ["eval", "--faces", str(tmp_path), "--json", str(out), "--overlays", str(overlays), "--worst", "2"]
    assert main(argv) == 0
    report = json.loads(out.read_text())
    assert (report["n"], report["found"]) == (3, 3)
    assert 0.6 < report["mean_iou"] <= 1.0
    assert {"median_iou", "mean_boundary_f", "mean_teeth_spill", "mean_skin_spill", "mean_texture_corr"} <= set(report)
    assert [f["name"] for f in report["faces"]] == [e["name"] for e in picked]
    assert {group: row["n"] for group, row in report["per_group"].items()} == {"light": 2, "medium": 1}
    light = [f["iou"] for f in report["faces"] if groups[f["name"]] == "light"]
    assert report["per_group"]["light"]["mean_iou"] == pytest.approx(sum(light) / 2)
    printed = capsys.readouterr().out
    assert "celebamaskhq_demo_0" in printed
    assert "medium     1 faces, 1 found" in printed
    worst_two = [row["name"] for row in sorted(report["faces"], key=lambda row: row["iou"])[:2]]
    written = sorted(overlays.glob("*.png"))
    assert [p.name for p in written] == [f"01_{worst_two[0]}.png", f"02_{worst_two[1]}.png"]
    assert read_image(written[0]).shape == (560, 1200, 3)
