"""`tryon eval --tones`: the advisor's skin reading per skin-tone group (issue 24's measuring stick), on real
public-domain portraits from ../shared/tones grouped by eye."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tryon.advisor.advice import advise
from tryon.advisor.coverage import REFERENCE_FACES_PATH, depth_coverage
from tryon.advisor.measure import CONFIDENT, FaceSample
from tryon.advisor.recommend import LipsReference
from tryon.cli import main
from tryon.errors import TryonError
from tryon.media.swatch import on_lips_lab, reference_lip_lab
from tryon.quality.tones import classes_off, measure_tones, read_groups, summarise, write_reference_faces


def test_classes_off_counts_from_the_groups_own_classes() -> None:
    assert classes_off("deep", "brown") == 0
    assert classes_off("deep", "dark") == 0
    assert classes_off("deep", "tan") == 1  # one class lighter than deep skin reads
    assert classes_off("deep", "intermediate") == 2
    assert classes_off("light", "tan") == -2
    assert classes_off("medium", "very light") == 2


def test_a_broken_groups_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TryonError, match="groups.csv: not found"):
        read_groups(tmp_path)
    (tmp_path / "groups.csv").write_text("file,group\na.jpg,olive\n", encoding="utf-8")
    with pytest.raises(TryonError, match=r"line 2: group 'olive' is not one of deep, medium, light"):
        read_groups(tmp_path)


@pytest.mark.slow
def test_three_portraits_are_read_and_summarised_per_group(eval_dir: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    tones = eval_dir.parent / "tones"
    picked = {}
    for file, group in read_groups(tones):
        picked.setdefault(group, file)
    lines = ["file,group"]
    for group, file in picked.items():
        (tmp_path / file).symlink_to(tones / file)
        lines.append(f"{file},{group}")
    (tmp_path / "groups.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = summarise(measure_tones(tmp_path))
    assert set(report["groups"]) == {"deep", "medium", "light"}
    assert all(row["measured"] == 1 for row in report["groups"].values())
    assert main(["eval", "--tones", str(tmp_path), "--json", str(tmp_path / "t.json")]) == 0
    assert "deep" in capsys.readouterr().out
    assert (tmp_path / "t.json").is_file()


# ----- issue 24 on the whole set: ../shared/tones, 50 public-domain portraits grouped deep / medium / light by eye


@pytest.fixture(scope="module")
def tones_dir(eval_dir: Path) -> Path:
    return eval_dir.parent / "tones"


@pytest.fixture(scope="module")
def tones_report(tones_dir: Path) -> dict[str, Any]:
    return summarise(measure_tones(tones_dir))


@pytest.mark.slow
def test_no_face_is_read_two_classes_off_its_group_with_confidence(tones_report: dict[str, Any]) -> None:
    wrong = [
        (r["file"], r["group"], r["depth"], round(r["confidence"], 2))
        for r in tones_report["readings"]
        if r["confidence"] >= CONFIDENT and abs(r["classes_off"] or 0) >= 2
    ]
    assert not wrong
    assert all(r["ita_deg"] is not None for r in tones_report["readings"])  # every portrait measured


@pytest.mark.slow
def test_the_groups_read_in_order_of_depth_and_deep_skin_is_as_often_sure(tones_report: dict[str, Any]) -> None:
    groups = tones_report["groups"]
    deep, medium, light = (groups[g]["ita_deg_median"] for g in ("deep", "medium", "light"))
    assert deep + 8 <= medium, (deep, medium, light)
    assert medium + 8 <= light, (deep, medium, light)
    # "Not sure" is not the answer for deep skin only.
    assert groups["deep"]["confident_share"] >= groups["light"]["confident_share"] - 0.2, groups


@pytest.mark.slow
def test_relit_confident_readings_move_at_most_5_degrees_in_every_group(tones_report: dict[str, Any]) -> None:
    """±20 % exposure and ±8 % red/blue casts: a reading still confident after relighting stays within 5° ITA."""
    for group, row in tones_report["groups"].items():
        assert row["relit_confident"] >= 8, (group, row)  # enough relit readings in each group to mean something
        assert row["relit_max_move_deg"] <= 5.0, (group, row)


@pytest.mark.slow
def test_deep_faces_get_no_pale_nude_or_natural(tones_report: dict[str, Any]) -> None:
    """No nude or natural pick for a deep face is lighter than L* 62, in the tube or on the lips."""
    deep = [r for r in tones_report["readings"] if r["group"] == "deep"]
    assert all(r["palest_pick_l"] is not None for r in deep)  # the shipped shades have picks for every deep face
    assert max(r["palest_pick_l"] for r in deep) <= 62.0


@pytest.mark.slow
def test_the_reference_faces_are_this_measurement_of_the_tones(tones_dir: Path, tmp_path: Path) -> None:
    """tryon/advisor/reference_faces.json (the report's skin-depth table) is what the advisor measures now."""
    written = write_reference_faces(tones_dir, tmp_path / "faces.json")
    assert written.read_text(encoding="utf-8") == REFERENCE_FACES_PATH.read_text(encoding="utf-8"), (
        "reference_faces.json is stale: run `python -m tryon.quality.tones ../shared/tones`"
    )


def _face_colours(tones_dir: Path, name: str, landmarker) -> FaceSample:  # noqa: ANN001
    from tryon.advisor.measure import sample_face
    from tryon.media.sources import read_image

    image = read_image(tones_dir / name)
    return sample_face(image, landmarker.detect(image, None)[0])


@pytest.mark.slow
def test_a_catalog_with_only_pale_nudes_says_it_has_none_for_deep_skin(tones_dir: Path, library, landmarker) -> None:  # noqa: ANN001
    """Instead of the nearest pale nude, the advisor says the shades have no nude for this face, and the
    catalog-only coverage counts no deep face served."""
    pale = [library.get(i) for i in ("ll-bare-tint", "mv-nude-linen")]  # nudes at L* 71 and 65 in the tube
    reference = LipsReference(on_lips_lab, reference_lip_lab())
    deep = advise([_face_colours(tones_dir, "M001160_gwen-moore.jpg", landmarker)], pale, reference=reference)
    assert not [p for p in deep.picks if p.rule == "nude"]
    assert any(sentence.startswith("No nude") for sentence in deep.missing), deep.missing
    light_face = _face_colours(tones_dir, "M001159_cathy-mcmorris-rodgers.jpg", landmarker)
    light = advise([light_face], pale, reference=reference)
    assert [p for p in light.picks if p.rule == "nude"]
    assert not any(sentence.startswith("No nude") for sentence in light.missing)
    assert deep.for_shopper()["missing"] == list(deep.missing)
    assert deep.to_json()["missing"] == list(deep.missing)
    coverage = {c.group: c for c in depth_coverage(pale, reference)}
    assert coverage["deep"].with_nude == 0
    assert coverage["light"].with_nude > 0
