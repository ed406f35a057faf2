"""A camera's colours measured against a real reference: an X-Rite / Calibrite ColorChecker Classic (24 patches).

`calibrate` finds the chart with OpenCV's `cv2.mcc` detector, reads its patches, and fits a colour correction
with `cv2.ccm` against the chart's published Lab values (ColorChecker 2005, D50): the camera's tone curve as a
power law fitted on the six grey patches, then a 3×3 matrix in linear light (ΔE2000 as the fit's distance). The
result, a `Calibration` (the camera's name, the date, the residual ΔE2000 of the patches), is saved as JSON and
read back by the advisor (`tryon.advisor.measure`), the app and the kiosk, and by the render when asked to show
true colours (`correct_frame`). Without a calibration nothing changes.
"""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tryon.colour import delta_e_2000, linear_to_lab, linear_to_srgb, srgb_encode
from tryon.errors import TryonError
from tryon.files import write_text

FORMAT = 1
PATCH_NAMES = (
    "dark skin", "light skin", "blue sky", "foliage", "blue flower", "bluish green",
    "orange", "purplish blue", "moderate red", "purple", "yellow green", "orange yellow",
    "blue", "green", "red", "yellow", "magenta", "cyan",
    "white", "neutral 8", "neutral 6.5", "neutral 5", "neutral 3.5", "black",
)  # fmt: skip
_GREYS = slice(18, 24)
# A fit whose median patch is further than this from the chart (ΔE2000) is refused: uneven light on the chart,
# a screen or print of one, or another chart.
MAX_RESIDUAL_DE = 5.0
# One patch further than this from the chart after the fit, or this uneven inside (std of its pixels, 0-255
# levels), while the rest fits: something covers it, or glare or a shadow falls on it.
_PATCH_OFF_DE = 12.0
_PATCH_UNEVEN_LEVELS = 14.0
_MIN_SIDE_PX = 120  # a chart smaller than this in the picture gives patches of a few pixels
# A patch with a channel at or above this (of 1) is clipped by the camera: left out of the fit and the residual.
_SATURATED = 0.98
_MAX_SATURATED_PATCHES = 4


class CalibrationError(TryonError):
    """No usable chart in the picture, or a calibration file that cannot be read (one line, for the operator)."""


@dataclass(frozen=True)
class Calibration:
    """A camera's colour correction: frames are sRGB-encoded RGB; `gamma` takes them to linear light
    (value ** gamma), `matrix` (3×3, row vectors: linear @ matrix) to linear sRGB as the chart says it should
    be. `residual_de2000`: median ΔE2000 of the patches after correction (`worst_patch_de2000` the largest), over
    the `patches_used` the camera did not clip; `created`: ISO date."""

    camera: str
    created: str
    gamma: float
    matrix: np.ndarray = field(repr=False)
    residual_de2000: float
    worst_patch_de2000: float
    patches_used: int = 24

    def correct_linear(self, linear_rgb: np.ndarray) -> np.ndarray:
        """Linear-light RGB (..., 3), as decoded with the sRGB curve, → corrected linear sRGB (..., 3), float64."""
        encoded = srgb_encode(linear_rgb)  # back to the camera's values
        return np.asarray(np.power(encoded, self.gamma) @ self.matrix, dtype=np.float64)

    def correct_frame(self, frame: np.ndarray) -> np.ndarray:
        """RGB uint8 (H, W, 3) → the same frame in the chart's true colours, RGB uint8 (a 256-entry table takes
        the camera's values to linear light; ~10 ms for 1280×720 here)."""
        table = np.power(np.arange(256, dtype=np.float32) / 255.0, np.float32(self.gamma))
        return linear_to_srgb(table[frame] @ self.matrix.astype(np.float32))

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "chart": "ColorChecker Classic 24 (2005 Lab D50)",
            "camera": self.camera,
            "created": self.created,
            "gamma": round(self.gamma, 5),
            "matrix": [[round(float(v), 6) for v in row] for row in self.matrix],
            "residual_de2000": round(self.residual_de2000, 3),
            "worst_patch_de2000": round(self.worst_patch_de2000, 3),
            "patches_used": self.patches_used,
        }

    def save(self, path: Path) -> Path:
        """Write the JSON file atomically (a failed write keeps the previous calibration); returns `path`."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_text(path, json.dumps(self.to_json(), indent=2) + "\n")


def load_calibration(path: Path) -> Calibration:
    """Read a file `save` wrote. Raises CalibrationError naming the file and what is wrong with it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalibrationError(f"{path}: calibration file not found (make one with `tryon calibrate`)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CalibrationError(f"{path}: not a calibration file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CalibrationError(f"{path}: not a calibration file (format {FORMAT} expected)")
    try:
        matrix = np.asarray(data["matrix"], dtype=np.float64)
        gamma = float(data["gamma"])
        calibration = Calibration(
            camera=str(data["camera"]),
            created=str(data["created"]),
            gamma=gamma,
            matrix=matrix,
            residual_de2000=float(data["residual_de2000"]),
            worst_patch_de2000=float(data["worst_patch_de2000"]),
            patches_used=int(data["patches_used"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CalibrationError(f"{path}: calibration file is missing or has a bad field ({exc})") from None
    if matrix.shape != (3, 3) or not np.all(np.isfinite(matrix)) or not 0.8 <= gamma <= 4.0:
        raise CalibrationError(f"{path}: matrix must be 3×3 numbers and gamma 0.8–4, got {matrix.shape}, {gamma}")
    return calibration


@dataclass(frozen=True)
class ChartReading:
    """The 24 patches as the camera saw them: mean RGB (24, 3) in [0, 1] (sRGB-encoded), their pixels' spread
    (24,) in 0–255 levels, the chart's corners (4, 2) in pixels."""

    patches: np.ndarray
    spread: np.ndarray
    corners: np.ndarray


def find_chart(image: np.ndarray) -> ChartReading:
    """The ColorChecker Classic in RGB uint8 `image`. Raises CalibrationError when there is none, or when it
    runs off the picture's edge."""
    import cv2

    height, width = image.shape[:2]
    detector = cv2.mcc.CCheckerDetector_create()  # type: ignore[attr-defined]  # missing from the stubs
    detector.setColorChartType(cv2.mcc.MCC24)
    if not detector.process(cv2.cvtColor(image, cv2.COLOR_RGB2BGR), 1):
        raise CalibrationError("no ColorChecker Classic (24 patches) found: hold the whole chart flat to the camera")
    checker = detector.getBestColorChecker()
    corners = np.asarray(checker.getBox(), dtype=np.float64).reshape(4, 2)
    outside = (corners[:, 0] < -2) | (corners[:, 0] > width + 1) | (corners[:, 1] < -2) | (corners[:, 1] > height + 1)
    if outside.any():
        raise CalibrationError("the chart runs off the edge of the picture: bring all of it into view")
    side = float(min(np.linalg.norm(corners[i] - corners[(i + 1) % 4]) for i in range(4)))
    if side < _MIN_SIDE_PX:
        raise CalibrationError(f"the chart is too small in the picture ({side:.0f} px): bring it closer")
    charts = np.asarray(checker.getChartsRGB(), dtype=np.float64)  # rows: patch × channel; columns: n, mean, std
    patches = charts[:, 1].reshape(24, 3) / 255.0
    spread = charts[:, 2].reshape(24, 3).max(axis=1)
    return ChartReading(patches, spread, corners)


def reference_linear_srgb() -> np.ndarray:
    """The chart's published colours as linear sRGB (24, 3) (OpenCV's ColorChecker 2005 Lab D50, adapted to D65;
    cyan lies slightly outside sRGB)."""
    import cv2

    model = cv2.ccm.ColorCorrectionModel(np.full((24, 1, 3), 0.5), cv2.ccm.COLORCHECKER_MACBETH)
    model.setColorSpace(cv2.ccm.COLOR_SPACE_SRGB)
    model.setLinearization(cv2.ccm.LINEARIZATION_IDENTITY)
    model.compute()
    return np.asarray(model.getRefLinearRGB(), dtype=np.float64).reshape(24, 3)


def fit(reading: ChartReading, camera: str, *, today: datetime.date | None = None) -> Calibration:
    """Fit the correction to a chart reading. Raises CalibrationError when patches do not match the chart
    (partly hidden, glare, shadow) or the residual is above MAX_RESIDUAL_DE."""
    import cv2

    truth = reference_linear_srgb()
    used = reading.patches.max(axis=1) < _SATURATED
    if int((~used).sum()) > _MAX_SATURATED_PATCHES:
        raise CalibrationError(
            f"{int((~used).sum())} patches are over-exposed: less light on the chart, or a lower exposure"
        )
    grey_used = used[_GREYS]
    if int(grey_used.sum()) < 3:
        raise CalibrationError("the grey patches are over-exposed: less light on the chart, or a lower exposure")
    greys = np.clip(reading.patches[_GREYS].mean(axis=1), 1e-4, 1.0)[grey_used]
    luminance = np.clip(truth[_GREYS].mean(axis=1), 1e-4, 1.0)[grey_used]
    slope = float(np.polyfit(np.log(luminance), np.log(greys), 1)[0])  # encoded ∝ linear ** (1 / gamma)
    if not 0.25 <= slope <= 1.25:
        raise CalibrationError("the grey patches do not step from white to black: is the whole chart lit evenly?")
    gamma = 1.0 / slope
    model = cv2.ccm.ColorCorrectionModel(
        reading.patches.reshape(24, 1, 3).astype(np.float64), cv2.ccm.COLORCHECKER_MACBETH
    )
    model.setColorSpace(cv2.ccm.COLOR_SPACE_SRGB)
    model.setCcmType(cv2.ccm.CCM_LINEAR)
    model.setDistance(cv2.ccm.DISTANCE_CIE2000)
    model.setLinearization(cv2.ccm.LINEARIZATION_GAMMA)
    model.setLinearizationGamma(gamma)
    model.setSaturatedThreshold(0.0, _SATURATED)
    model.compute()
    matrix = np.asarray(model.getColorCorrectionMatrix(), dtype=np.float64)
    corrected = np.power(reading.patches, gamma) @ matrix
    errors = np.asarray(delta_e_2000(linear_to_lab(np.clip(corrected, 0, 1)), linear_to_lab(np.clip(truth, 0, 1))))
    residual = float(np.median(errors[used]))
    off = [i for i in range(24) if used[i] and (reading.spread[i] > _PATCH_UNEVEN_LEVELS or errors[i] > _PATCH_OFF_DE)]
    if off and residual <= MAX_RESIDUAL_DE:
        named = ", ".join(f"{i + 1} ({PATCH_NAMES[i]})" for i in off[:4]) + (" …" if len(off) > 4 else "")
        raise CalibrationError(
            f"the chart is partly hidden, or glare or a shadow falls on it: patch {named} does not match"
        )
    if residual > MAX_RESIDUAL_DE or not math.isfinite(residual):
        raise CalibrationError(
            f"residual ΔE2000 {residual:.1f} is above {MAX_RESIDUAL_DE:g}: light the chart evenly, without glare "
            "(and use a real ColorChecker Classic, not a print or a screen)"
        )
    created = (today or datetime.date.today()).isoformat()
    return Calibration(camera, created, gamma, matrix, residual, float(errors[used].max()), int(used.sum()))


def calibrate(image: np.ndarray, camera: str) -> Calibration:
    """Find the chart in RGB uint8 `image` and fit the correction for `camera` (see `find_chart`, `fit`)."""
    return fit(find_chart(image), camera)
