"""Picks for real faces: reasons that match the numbers, different faces get different picks, the undertone
steers the hues, and `tryon advise` prints it all."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tryon.advisor.advice import advise, largest_face
from tryon.advisor.measure import FaceColours, measure_face, sample_face
from tryon.advisor.navigate import WARM_POLE_DEG, shade_lab
from tryon.advisor.recommend import (
    MIN_PICK_DISTANCE,
    NUDE_WASHES_OUT_L,
    LipsReference,
    on_lips_lab,
    recommend,
)
from tryon.cli import main
from tryon.colour import delta_e_2000, hue_deg
from tryon.media.swatch import on_lips_lab as on_lips_lab_of_engine
from tryon.media.swatch import reference_lip_lab

ROOT = Path(__file__).resolve().parents[2]


def colours_of(landmarker, image: np.ndarray) -> FaceColours:  # noqa: ANN001
    return measure_face([sample_face(image, largest_face(landmarker.detect(image, None)))])


@pytest.fixture(scope="module")
def faces(eval_faces, landmarker):  # noqa: ANN001, ANN201
    by_name = {face.name: face for face in eval_faces}
    names = ("celebamaskhq_demo_1", "lfpw_image_0001_eos", "celebamaskhq_2182ecf5", "celebamaskhq_bc318d45")
    return {name: colours_of(landmarker, by_name[name].image) for name in names}


ENGINE = LipsReference(on_lips_lab_of_engine, reference_lip_lab())


@pytest.mark.parametrize("reference", [None, ENGINE], ids=["mixed", "rendered"])
def test_reasons_match_the_numbers(faces, library, reference) -> None:  # noqa: ANN001
    for name, colours in faces.items():
        picks = recommend(colours, library.shades, reference=reference)
        assert len(picks) == 6, name
        assert [p.score for p in picks] == sorted((p.score for p in picks), reverse=True)
        lips, skin = np.array(colours.lip_lab), np.array(colours.skin_lab)
        for i, pick in enumerate(picks):
            assert pick.reason
            assert "\n" not in pick.reason
            assert len(pick.reason) < 160
            on_lips = on_lips_lab(pick.shade, lips, reference)
            if pick.rule == "natural":  # one to two steps deeper than the bare lips, hue close
                assert 2.0 <= lips[0] - on_lips[0] <= 16.0, (name, pick)
                assert f"({lips[0] - on_lips[0]:.0f} L*)" in pick.reason
            if pick.rule == "nude":  # never lighter than the skin, never close enough to wash out
                assert skin[0] - on_lips[0] >= NUDE_WASHES_OUT_L
            if pick.rule == "bold":
                assert np.linalg.norm(on_lips - skin) > 30.0
            for other in picks[:i]:
                assert delta_e_2000(shade_lab(pick.shade), shade_lab(other.shade)) >= MIN_PICK_DISTANCE


def test_the_engine_reference_is_exact_on_its_own_lips_and_shifts_with_the_lips(library) -> None:  # noqa: ANN001
    bare = np.array(reference_lip_lab())
    for shade in library.shades:
        shown = np.array(on_lips_lab_of_engine(shade))
        assert np.allclose(on_lips_lab(shade, bare, ENGINE), shown)
        deeper_lips = on_lips_lab(shade, bare - [10.0, 0.0, 0.0], ENGINE)
        assert deeper_lips[0] < shown[0]  # what shows through a sheer shade follows the lips
    metallic = library.get("nv-bronze-age")
    assert on_lips_lab(metallic, bare, ENGINE)[0] > on_lips_lab(metallic, bare)[0] + 8  # its sheen, which mixing misses


def test_different_faces_get_different_picks(faces, library) -> None:  # noqa: ANN001
    tops = {name: [p.shade.id for p in recommend(colours, library.shades)] for name, colours in faces.items()}
    names = list(tops)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert len(set(tops[a]) ^ set(tops[b])) >= 4, (a, tops[a], b, tops[b])


def test_the_undertone_steers_the_hues(faces, library) -> None:  # noqa: ANN001
    """The same face read as warm gets warmer picks than read as cool, and says why."""
    base = faces["lfpw_image_0001_eos"]

    def mean_warm_distance(undertone: str) -> float:
        picks = recommend(replace(base, undertone=undertone), library.shades)  # type: ignore[arg-type]
        hues = [float(hue_deg(shade_lab(p.shade))) for p in picks]
        return float(np.mean([abs((h - WARM_POLE_DEG + 180) % 360 - 180) for h in hues]))

    assert mean_warm_distance("warm") < mean_warm_distance("cool") - 5.0
    warm_reasons = [p.reason for p in recommend(replace(base, undertone="warm"), library.shades)]
    assert any("suits your warm undertone" in reason for reason in warm_reasons)
    unsure = recommend(replace(base, undertone="unsure"), library.shades)
    assert not any("undertone" in p.reason for p in unsure)


def test_an_unsure_measurement_comes_with_a_caveat(faces, library, landmarker) -> None:  # noqa: ANN001
    import cv2

    portrait = cv2.cvtColor(cv2.imread(str(ROOT / "docs" / "faces" / "biden_2013.jpg")), cv2.COLOR_BGR2RGB)
    face = largest_face(landmarker.detect(portrait, None))
    advice = advise([sample_face(portrait, face)], library.shades)
    assert advice.colours.confidence < 0.6
    assert advice.caveat is not None
    assert "Not sure" in advice.caveat
    assert "not sure" in advice.summary()
    sure = advise([sample_face(portrait, face)], library.shades)
    assert sure.picks == advice.picks  # deterministic


def test_cli_advise_prints_the_measurement_and_picks(astronaut, tmp_path, capsys) -> None:  # noqa: ANN001
    import cv2

    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    assert main(["advise", str(photo), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("ita_deg", "undertone", "skin_lab", "lip_lab", "confidence"):
        assert key in report
    assert report["ita_deg"] > 41  # a very light or light skin
    assert len(report["picks"]) == 6
    assert all(p["reason"] for p in report["picks"])

    assert main(["advise", str(photo), "--count", "3"]) == 0
    text = capsys.readouterr().out
    assert "Picks:" in text
    assert "ITA" in text
    assert "  3. " in text
    assert "  4. " not in text


def test_cli_advise_without_a_face_says_so(tmp_path, capsys) -> None:  # noqa: ANN001
    import cv2

    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), np.full((240, 320, 3), 180, np.uint8))
    assert main(["advise", str(blank)]) == 1
    assert "no face found" in capsys.readouterr().err
