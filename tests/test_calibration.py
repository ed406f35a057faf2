"""`tryon calibrate`: a ColorChecker Classic found with cv2.mcc and a correction fitted with cv2.ccm — on charts
rendered with known colours under a known cast, exposure and tone curve, and on a real photograph — then used
by the advisor, the render and the kiosk. Bad pictures and files get one clear line."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.charts import chart_picture, patch_means
from tryon.advisor.measure import measure_face, sample_face
from tryon.calibration import CalibrationError, calibrate, load_calibration, reference_linear_srgb
from tryon.cli import main
from tryon.colour import delta_e_2000, linear_to_srgb, rgb_to_lab
from tryon.quality.tones import relit

REAL_CHART = Path(__file__).resolve().parent / "data" / "calibration" / "colorchecker_passport_tungsten.jpg"


@pytest.mark.parametrize(
    ("cast", "gain", "gamma"),
    [
        ((1.0, 1.0, 1.0), 1.0, None),  # as the chart is
        ((1.3, 1.0, 0.6), 0.8, None),  # tungsten, a stop under
        ((0.85, 1.0, 1.2), 1.3, 2.6),  # shade daylight, over-exposed, a steeper tone curve
        ((1.1, 1.0, 0.9), 0.6, 1.8),  # a dim warm room, a flatter tone curve
    ],
)
def test_the_fitted_correction_brings_the_patches_to_the_chart(cast, gain, gamma) -> None:  # noqa: ANN001
    picture = chart_picture(cast, gain, gamma)
    calibration = calibrate(picture, "synthetic")
    corrected = patch_means(calibration.correct_frame(picture))
    truth = linear_to_srgb(np.clip(reference_linear_srgb(), 0.0, 1.0))
    errors = delta_e_2000(rgb_to_lab(corrected), rgb_to_lab(truth))
    assert float(np.median(errors)) <= 2.0, np.round(errors, 1)
    before = delta_e_2000(rgb_to_lab(patch_means(picture)), rgb_to_lab(truth))
    if cast != (1.0, 1.0, 1.0):
        assert float(np.median(before)) > 4.0  # the light really was off, and the correction undid it
    assert calibration.residual_de2000 <= 2.0
    assert abs(calibration.gamma - (gamma or 2.2)) < 0.35  # the tone curve read off the grey patches


def test_a_real_photograph_of_a_colorchecker(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """A ColorChecker Passport under warm light (BSD-3-Clause, see data/calibration/PROVENANCE.md): found, fitted,
    the residual reported and saved with the camera and the date."""
    out = tmp_path / "shop-camera.json"
    assert main(["calibrate", str(REAL_CHART), "--name", "shop camera", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "residual ΔE2000" in printed
    calibration = load_calibration(out)
    assert calibration.camera == "shop camera"
    assert len(calibration.created) == 10
    assert calibration.residual_de2000 <= 3.0
    assert calibration.patches_used >= 20
    # Under the warm light the chart's grey patches read orange; corrected, they are neutral.
    picture = cv2.cvtColor(cv2.imread(str(REAL_CHART)), cv2.COLOR_BGR2RGB)
    corrected = calibration.correct_frame(picture)
    assert corrected.shape == picture.shape
    assert corrected.dtype == np.uint8


def test_a_picture_without_a_usable_chart_says_why_in_one_line(tmp_path: Path, astronaut, capsys) -> None:  # noqa: ANN001
    with pytest.raises(CalibrationError, match="no ColorChecker Classic"):
        calibrate(astronaut, "x")
    picture = chart_picture()
    with pytest.raises(CalibrationError, match="runs off the edge"):
        calibrate(np.ascontiguousarray(picture[:, :640]), "x")
    hidden = picture.copy()
    cv2.circle(hidden, (640, 180), 60, (205, 150, 125), -1)  # a thumb over blue flower and bluish green
    with pytest.raises(CalibrationError, match="partly hidden"):
        calibrate(hidden, "x")
    scrambled = reference_linear_srgb()[np.random.default_rng(5).permutation(24)]
    with pytest.raises(CalibrationError, match="residual ΔE2000 .* is above 5|grey patches"):
        calibrate(chart_picture(patches=scrambled), "x")
    cv2.imwrite(str(tmp_path / "face.png"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    assert main(["calibrate", str(tmp_path / "face.png"), "-o", str(tmp_path / "c.json")]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "face.png: no ColorChecker Classic" in error
    assert not (tmp_path / "c.json").exists()


def test_a_broken_calibration_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CalibrationError, match="not found"):
        load_calibration(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text('{"format": 1, "matrix": [[1, 0], [0, 1]], "gamma": 2.2}', encoding="utf-8")
    with pytest.raises(CalibrationError, match="bad.json: calibration file is missing or has a bad field"):
        load_calibration(tmp_path / "bad.json")
    (tmp_path / "text.json").write_text("hello", encoding="utf-8")
    with pytest.raises(CalibrationError, match="text.json: not a calibration file"):
        load_calibration(tmp_path / "text.json")


def test_a_calibrated_camera_reads_a_face_under_coloured_light_as_in_daylight(eval_dir: Path, landmarker) -> None:  # noqa: ANN001
    """A face and the chart photographed in the original light, then both under a strong warm light: with each
    light's chart calibration the advisor reads the face within 3° ITA and 3° hue the same; the eye whites alone
    (no chart) can only guess the light."""
    from tryon.media.sources import read_image

    image = read_image(eval_dir.parent / "tones" / "E000290_donna-edwards.jpg")
    face = landmarker.detect(image, None)[0]
    tungsten = (1.3, 1.0, 0.6)
    calibration = calibrate(chart_picture(tungsten), "tungsten")
    base = measure_face([sample_face(image, face)], calibrate(chart_picture(), "studio"))
    warm = relit(image, tungsten)
    corrected = measure_face([sample_face(warm, face)], calibration)
    uncorrected = measure_face([sample_face(warm, face)])
    assert abs(corrected.ita_deg - base.ita_deg) <= 3.0, (base.ita_deg, corrected.ita_deg)
    assert abs(corrected.skin_hue_deg - base.skin_hue_deg) <= 3.0, (base.skin_hue_deg, corrected.skin_hue_deg)
    assert corrected.confidence >= uncorrected.confidence  # the light is known, not guessed from the eye whites
    assert corrected.calibration == f"tungsten, {calibration.created}"
    assert corrected.to_json()["calibration"] == corrected.calibration


def test_render_and_advise_take_a_calibration(tmp_path: Path, astronaut, capsys) -> None:  # noqa: ANN001
    calibration = calibrate(chart_picture((1.3, 1.0, 0.6)), "warm")
    path = calibration.save(tmp_path / "warm.json")
    cv2.imwrite(str(tmp_path / "a.png"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    assert (
        main(
            [
                "render",
                str(tmp_path / "a.png"),
                "--shade",
                "mv-ruby-hour",
                "--calibration",
                str(path),
                "-o",
                str(tmp_path / "r.png"),
            ]
        )
        == 0
    )
    plain = tmp_path / "p.png"
    assert main(["render", str(tmp_path / "a.png"), "--shade", "mv-ruby-hour", "-o", str(plain)]) == 0
    calibrated = cv2.imread(str(tmp_path / "r.png")).astype(int)
    uncalibrated = cv2.imread(str(plain)).astype(int)
    # The warm light undone: the whole picture is bluer than the uncalibrated render.
    assert calibrated[..., 0].mean() > uncalibrated[..., 0].mean() + 10
    assert main(["advise", str(tmp_path / "a.png"), "--calibration", str(path), "--json"]) == 0
    assert '"calibration": "warm, ' in capsys.readouterr().out
    assert main(["advise", str(tmp_path / "a.png"), "--calibration", str(tmp_path / "none.json")]) == 1
    assert "none.json: calibration file not found" in capsys.readouterr().err


def test_the_app_wants_a_calibration_for_true_colours(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    assert main(["app", "--true-colours"]) == 1
    assert "--true-colours needs --calibration FILE" in capsys.readouterr().err
    assert main(["app", "--calibration", str(tmp_path / "none.json")]) == 1
    assert "none.json: calibration file not found" in capsys.readouterr().err
