import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tryon.catalog.library import SHADES_DIR, load_library
from tryon.cli import main
from tryon.media.export import read_metadata
from tryon.media.sources import DemoSource, read_image


@pytest.fixture
def astronaut_file(tmp_path: Path, astronaut) -> Path:  # noqa: ANN001
    path = tmp_path / "astronaut.png"
    cv2.imwrite(str(path), cv2.cvtColor(np.array(astronaut), cv2.COLOR_RGB2BGR))
    return path


def test_render_writes_the_shade_on_the_lips(tmp_path: Path, astronaut_file: Path, astronaut, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "red.png"
    assert main(["render", str(astronaut_file), "--shade", "mv-classic-red", "--intensity", "0.9", "-o", str(out)]) == 0
    rendered = read_image(out)
    changed = np.any(rendered != astronaut, axis=-1)
    ys, xs = np.nonzero(changed)
    assert 100 < changed.sum() < 3000
    assert 190 < xs.mean() < 260
    assert 130 < ys.mean() < 170
    assert read_metadata(out).shade_id == "mv-classic-red"
    assert "Rue Rouge (matte) on 1 face(s)" in capsys.readouterr().out


def test_render_compare_is_side_by_side(tmp_path: Path, astronaut_file: Path) -> None:
    out = tmp_path / "compare.jpg"
    assert main(["render", str(astronaut_file), "--shade", "ll-berry-jam", "--compare", "-o", str(out)]) == 0
    assert read_image(out).shape[1] > 2 * 512


def test_mask_is_an_8bit_png_the_size_of_the_image(tmp_path: Path, astronaut_file: Path) -> None:
    out = tmp_path / "mask.png"
    assert main(["mask", str(astronaut_file), "-o", str(out)]) == 0
    mask = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert mask.dtype == np.uint8
    assert mask.shape == (512, 512)  # one channel: the alpha
    assert 200 < (mask > 127).sum() < 2000  # the lips of a 512 px portrait, not the face
    assert mask.max() == 255


def test_shades_lists_every_catalog(capsys) -> None:  # noqa: ANN001
    assert main(["shades"]) == 0
    out = capsys.readouterr().out
    assert "Maison Velours — Atelier Matte 2027" in out
    assert "38 shades in 3 catalogs" in out


def test_video_renders_every_frame(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    source = tmp_path / "in.avi"
    demo = DemoSource(size_wh=(640, 360))
    writer = cv2.VideoWriter(str(source), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (640, 360))
    for index in range(12):
        writer.write(cv2.cvtColor(demo.frame(index), cv2.COLOR_RGB2BGR))
    writer.release()
    out = tmp_path / "out.avi"
    assert main(["video", str(source), "--shade", "nv-galaxy-plum", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "12 frames, a face in 12" in captured.out
    assert "12/12 frames" in captured.err  # progress bar
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    capture.release()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["render", "{tmp}/missing.jpg", "--shade", "mv-classic-red", "-o", "{tmp}/o.png"],
            "missing.jpg: image file not found",
        ),
        (["render", "{img}", "--shade", "no-such", "-o", "{tmp}/o.png"], "unknown shade id 'no-such'"),
        (["render", "{img}", "--shade", "mv-classic-red", "-o", "{tmp}/o.gif"], "cannot write '.gif'"),
        (
            ["video", "{tmp}/notes.mp4", "--shade", "mv-classic-red", "-o", "{tmp}/o.mp4"],
            "notes.mp4: cannot open as a video",
        ),
        (
            ["video", "{tmp}/none.mp4", "--shade", "mv-classic-red", "-o", "{tmp}/o.mp4"],
            "none.mp4: video file not found",
        ),
        (["mask", "{img}", "-o", "{tmp}/m.jpg"], "the mask must be saved as .png"),
    ],
)
def test_errors_are_one_line_without_traceback(tmp_path: Path, astronaut_file: Path, capsys, argv, message) -> None:  # noqa: ANN001
    (tmp_path / "notes.mp4").write_text("not a video", encoding="utf-8")
    args = [a.format(tmp=tmp_path, img=astronaut_file) for a in argv]
    assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("tryon: error: ")
    assert message in err[0]
    assert "Traceback" not in err[0]


def test_face_free_image_is_saved_unchanged_with_a_warning(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    from skimage import data

    source = tmp_path / "coffee.png"
    cv2.imwrite(str(source), cv2.cvtColor(data.coffee(), cv2.COLOR_RGB2BGR))
    out = tmp_path / "out.png"
    assert main(["render", str(source), "--shade", "mv-classic-red", "-o", str(out)]) == 0
    assert np.array_equal(read_image(out), data.coffee())
    assert "no face found" in capsys.readouterr().err


def _catalog_file(path: Path, shade: dict, indent: int | None = None) -> Path:
    """A one-shade catalog file of brand "B", collection "C"."""
    path.write_text(json.dumps({"brand": "B", "collection": "C", "shades": [shade]}, indent=indent), encoding="utf-8")
    return path


def test_shades_check_prints_every_problem_and_fails(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    good = _catalog_file(tmp_path / "good.json", {"id": "b-1", "name": "One", "color": "#A0203A", "finish": "satin"})
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"brand": "B", "collection": "C",\n "shades": [\n'
        '  {"id": "b-2", "name": "Two", "color": "red", "finish": "matte"},\n'
        '  {"id": "mv-ruby-hour", "name": "Clash", "color": "#9B1B30", "finish": "glossy"}\n]}\n',
        encoding="utf-8",
    )
    assert main(["shades", "check", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{bad}:3: shade 'b-2': field 'color' must be an sRGB hex colour like '#9B1B30', but got 'red'",
        f"{bad}:4: shade 'mv-ruby-hour': field 'finish' must be one of matte, satin, gloss, sheer, shimmer, metallic, "
        "but got 'glossy'; did you mean 'gloss'?",
        f"{bad}:4: shade 'mv-ruby-hour': field 'id' is already used in {SHADES_DIR / 'maison-velours-atelier.json'}; "
        "ids must be unique across all catalogs",
        f"{good}: ok, 1 shades",
        "checked 2 file(s), 1 shade(s): 3 error(s), 0 warning(s)",
    ]
    assert main(["shades", "check", str(good), str(SHADES_DIR)]) == 0
    assert "checked 4 file(s), 39 shade(s): 0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_shades_check_refuses_ids_of_shipped_catalogs(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    shade = {"id": "mv-ruby-hour", "name": "R", "color": "#9B1B30", "finish": "matte"}
    clash = _catalog_file(tmp_path / "clash.json", shade, indent=1)
    assert main(["shades", "check", str(clash)]) == 1
    assert "clash.json:6: shade 'mv-ruby-hour': field 'id' is already used in" in capsys.readouterr().out


def test_shades_import_writes_a_catalog_the_app_loads(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    sheet = tmp_path / "spring.csv"
    sheet.write_text(
        "id,name,color,finish,price\nsp-1,Petal,#D88A94,sheer,18\nsp-2,Poppy,#C8242E,matte,19.5\n", encoding="utf-8"
    )
    out = tmp_path / "catalogs" / "spring.json"
    out.parent.mkdir()
    args = ["shades", "import", str(sheet), "--brand", "Spring", "--collection", "Bloom", "--version", "2027.2"]
    assert main([*args, "--currency", "EUR", "-o", str(out)]) == 0
    assert f"{out}: 2 shades from {sheet}" in capsys.readouterr().out
    library = load_library(out.parent)
    assert library.get("sp-2").price == 19.5
    assert library.get("sp-2").currency == "EUR"
    # without a currency the prices are an error and nothing is written
    other = tmp_path / "other.json"
    assert main([*args, "-o", str(other)]) == 1
    assert "field 'price' needs the catalog's \"currency\"" in capsys.readouterr().out
    assert not other.exists()


@pytest.mark.slow
def test_sheet_renders_png_pdf_and_html(tmp_path: Path, astronaut: np.ndarray, capsys) -> None:  # noqa: ANN001
    faces = tmp_path / "faces"
    faces.mkdir()
    cv2.imwrite(str(faces / "astronaut.png"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(faces / "wall.jpg"), np.full((300, 400, 3), 180, np.uint8))
    catalog = SHADES_DIR / "nova-stardust.json"
    png = tmp_path / "sheet.png"
    assert main(["sheet", str(catalog), "--faces", str(faces), "-o", str(png), "--jobs", "2"]) == 0
    captured = capsys.readouterr()
    assert "14 shades × 2 faces" in captured.out
    assert "wall.jpg: no face found" in captured.err
    image = read_image(png)
    assert image.shape[0] > 14 * 150  # a row per shade
    # the astronaut column differs from row to row (each shade painted), the blank face column does not
    html_path = tmp_path / "sheet.html"
    assert main(["sheet", str(catalog), "--faces", str(faces), "-o", str(html_path), "--jobs", "2"]) == 0
    page = html_path.read_text(encoding="utf-8")
    assert page.count('src="data:image/jpeg;base64,') == 14 + 1  # one face with a face: bare + 14 shades
    assert "Berry Eclipse Ombre" in page
    assert "http" not in page.replace("https://nova-beauty.example", "")  # self-contained: no external files
    pdf = tmp_path / "sheet.pdf"
    assert main(["sheet", str(catalog), "--faces", str(faces), "-o", str(pdf), "--jobs", "2"]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("before_command", [True, False])
def test_extra_catalog_folder_adds_to_the_shipped_ones(tmp_path: Path, capsys, before_command: bool) -> None:  # noqa: ANN001
    _catalog_file(tmp_path / "brand.json", {"id": "br-new", "name": "New", "color": "#A0203A", "finish": "satin"})
    argv = ["--catalog", str(tmp_path), "shades"] if before_command else ["shades", "--catalog", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "br-new" in out
    assert "39 shades in 4 catalogs" in out


def test_bench_reports_every_stage_and_the_ratio(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    assert main(["bench", "--frames", "10", "--repeats", "10", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    hd = report["1280x720"]
    assert report["render_vs_naive"] == pytest.approx(report["render_ms_p50"] / report["naive_ms_p50"])
    assert report["render_ms_p50"] == hd["render_ms"]["p50"] == hd["render_ms_by_finish"]["satin"]["p50"]
    assert report["mask_plus_render_vs_naive"] == pytest.approx(
        hd["mask_plus_render_ms"]["p50"] / report["naive_ms_p50"]
    )
    assert report["render_into_copy_vs_naive"] == pytest.approx(
        hd["render_into_copy_ms"]["p50"] / report["naive_ms_p50"]
    )
    assert set(hd["render_ms_by_finish"]) == {"matte", "satin", "gloss", "sheer", "shimmer", "metallic"}
    assert hd["frames_with_face"] == 10
    assert report["pipeline_fps"] > 0
    assert report["startup_ms"] > 0
    assert {"1280x720", "1920x1080", "landmarks_ms_p50", "naive_ms_p50", "peak_rss_mb"} <= set(report)
