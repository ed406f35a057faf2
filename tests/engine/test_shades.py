import json
from pathlib import Path

import pytest

from tryon.errors import ShadeError
from tryon.shades import FINISHES, SHADES_DIR, load_catalog, load_library

GOOD = {"id": "x-red", "name": "Test Red", "color": "#B0122B", "finish": "matte", "opacity": 0.8}


def _write(folder: Path, name: str, shades: list, **catalog) -> Path:  # noqa: ANN003
    body = {"brand": "Test Brand", "collection": "Test", "shades": shades, **catalog}
    path = folder / name
    path.write_text(json.dumps(body, indent=2), encoding="utf-8")
    return path


def test_shipped_catalogs_cover_the_range() -> None:
    library = load_library(SHADES_DIR)
    assert library.errors == ()
    assert len(library.catalogs) >= 3
    assert len(library.shades) >= 30
    assert {s.finish for s in library.shades} == set(FINISHES)
    tags = {t for s in library.shades for t in s.tags}
    assert {"nude", "pink", "coral", "red", "berry", "plum", "brown", "light", "deep"} <= tags
    assert len({s.id for s in library.shades}) == len(library.shades)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"color": "#12345"},
            r"shade 'x-red': field 'color' must be an sRGB hex colour like '#9B1B30', but got '#12345'",
        ),
        ({"color": "red"}, r"field 'color' must be an sRGB hex colour"),
        (
            {"finish": "glitter"},
            r"field 'finish' must be one of matte, satin, gloss, sheer, shimmer, metallic, but got 'glitter'",
        ),
        ({"opacity": 1.5}, r"field 'opacity' must be between 0 and 1, but got 1.5"),
        ({"opacity": "high"}, r"field 'opacity' must be a number between 0 and 1, but got 'high'"),
        ({"gloss": -0.1}, r"field 'gloss' must be between 0 and 1"),
        ({"name": ""}, r"field 'name' must be a non-empty string"),
        ({"id": "Bad Id"}, r"field 'id' must be lowercase letters, digits and dashes, but got 'Bad Id'"),
        ({"colour": "#B0122B"}, r"field 'colour' is not a shade field"),
        ({"tags": "red"}, r"field 'tags' must be a list of strings"),
    ],
)
def test_bad_shade_field_names_file_shade_field_and_problem(tmp_path: Path, change: dict, message: str) -> None:
    path = _write(tmp_path, "bad.json", [{**GOOD, **change}])
    with pytest.raises(ShadeError, match=message) as info:
        load_catalog(path)
    assert str(path) in str(info.value)


def test_missing_field_is_named(tmp_path: Path) -> None:
    shade = dict(GOOD)
    del shade["color"]
    with pytest.raises(ShadeError, match=r"bad.json: shade 'x-red': field 'color' is missing"):
        load_catalog(_write(tmp_path, "bad.json", [shade]))


def test_malformed_json_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "brand": "A",\n  "shades": [,]\n}\n', encoding="utf-8")
    with pytest.raises(ShadeError, match=r"broken.json: line 3 column 14: invalid JSON"):
        load_catalog(path)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ShadeError, match=r"field 'id' is used twice"):
        load_catalog(_write(tmp_path, "dup.json", [GOOD, GOOD]))


def test_a_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    _write(tmp_path, "a_good.json", [GOOD])
    (tmp_path / "b_broken.json").write_text("{not json", encoding="utf-8")
    _write(tmp_path, "c_clash.json", [GOOD])  # same id as a_good
    _write(tmp_path, "d_good.json", [{**GOOD, "id": "x-other"}])
    library = load_library(tmp_path)
    assert [c.path.name for c in library.catalogs] == ["a_good.json", "d_good.json"]
    messages = [str(e) for e in library.errors]
    assert "b_broken.json: line 1 column 2: invalid JSON" in messages[0]
    assert "c_clash.json: shade 'x-red': field 'id' is already used in" in messages[1]


def test_unknown_shade_suggests_near_ids() -> None:
    with pytest.raises(ShadeError, match=r"unknown shade id 'mv-ruby'; did you mean mv-ruby-hour"):
        load_library().get("mv-ruby")
