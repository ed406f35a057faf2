import json
import random
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from tryon.catalog.csv_import import catalog_json, import_csv
from tryon.catalog.finishes import FINISHES
from tryon.catalog.format import check_catalog_text, schema
from tryon.catalog.library import SHADES_DIR, catalog_from_checked, check_catalog, load_catalog, load_library
from tryon.errors import ShadeError

GOOD = {"id": "x-red", "name": "Test Red", "color": "#B0122B", "finish": "matte", "opacity": 0.8}


def _text(shades: list, **catalog) -> str:  # noqa: ANN003
    body = {"brand": "Test Brand", "collection": "Test", **catalog, "shades": shades}
    return json.dumps(body, indent=2)


def _write(folder: Path, name: str, shades: list, **catalog) -> Path:  # noqa: ANN003
    path = folder / name
    path.write_text(_text(shades, **catalog), encoding="utf-8")
    return path


def _problems(shades: list, **catalog) -> list[str]:  # noqa: ANN003
    """Every problem of a catalog, without the path (the checker's exact words)."""
    checked = check_catalog_text(_text(shades, **catalog), Path("t.json"))
    return [str(p).removeprefix("t.json:") for p in checked.problems]


def test_shipped_catalogs_cover_the_range_without_warnings() -> None:
    library = load_library()
    assert library.errors == ()
    assert len(library.catalogs) >= 3
    assert len(library.shades) >= 30
    assert {s.finish for s in library.shades} == set(FINISHES)
    tags = {t for s in library.shades for t in s.tags}
    assert {"nude", "pink", "coral", "red", "berry", "plum", "brown", "light", "deep"} <= tags
    assert len({s.id for s in library.shades}) == len(library.shades)
    assert any(s.ombre for s in library.shades)
    assert any(s.liner for s in library.shades)
    assert [w for c in library.catalogs for w in c.warnings] == []
    assert {c.format for c in library.catalogs} == {1, 2}  # old files keep loading beside new ones


# Each validation rule, with the exact message (line, shade, field, problem, fix).
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"color": "#12345"},
            "8: shade 'x-red': field 'color' must be an sRGB hex colour like '#9B1B30', but got '#12345'",
        ),
        (
            {"color": "#abc"},
            "8: shade 'x-red': field 'color' must be an sRGB hex colour like '#9B1B30', but got '#abc'; "
            "short hex is not accepted, write '#AABBCC'",
        ),
        (
            {"color": "B0122B"},
            "8: shade 'x-red': field 'color' must be an sRGB hex colour like '#9B1B30', but got "
            "'B0122B'; write '#B0122B'",
        ),
        (
            {"finish": "glitter"},
            "9: shade 'x-red': field 'finish' must be one of matte, satin, gloss, sheer, shimmer, "
            "metallic, but got 'glitter'",
        ),
        (
            {"finish": "Matte"},
            "9: shade 'x-red': field 'finish' must be one of matte, satin, gloss, sheer, shimmer, "
            "metallic, but got 'Matte'; did you mean 'matte'?",
        ),
        (
            {"opacity": 1.5},
            "10: shade 'x-red': field 'opacity' must be between 0 and 1, but got 1.5 (a fraction: 0.85 means 85 %)",
        ),
        ({"opacity": "high"}, "10: shade 'x-red': field 'opacity' must be a number between 0 and 1, but got 'high'"),
        ({"opacity": True}, "10: shade 'x-red': field 'opacity' must be a number between 0 and 1, but got True"),
        ({"gloss": -0.1}, "11: shade 'x-red': field 'gloss' must be between 0 and 1, but got -0.1"),
        ({"name": ""}, "7: shade 'x-red': field 'name' must be a non-empty string, but got ''"),
        ({"name": "   "}, "7: shade 'x-red': field 'name' must be a non-empty string, but got '   '"),
        (
            {"id": "Bad Id"},
            "6: shade 'Bad Id': field 'id' must be lowercase letters, digits and dashes, but got "
            "'Bad Id'; e.g. 'bad-id'",
        ),
        (
            {"colour": "#B0122B"},
            "11: shade 'x-red': field 'colour' is not a shade field; did you mean 'color'? (known: "
            "id, name, color, finish, opacity, gloss, shimmer_color, shimmer_density, shimmer_size, ombre, liner, sku, "
            "url, price, tags)",
        ),
        (
            {"tags": "red"},
            "11: shade 'x-red': field 'tags' must be a list of distinct non-empty strings, but got 'red'",
        ),
        (
            {"tags": ["red", "red"]},
            "11: shade 'x-red': field 'tags' must be a list of distinct non-empty strings, but got ['red', 'red']",
        ),
        (
            {"shimmer_density": float("nan")},
            "11: shade 'x-red': field 'shimmer_density' must be a number between 0 and 1, but got nan",
        ),
    ],
)
def test_each_rule_names_line_shade_field_and_problem(change: dict, message: str) -> None:
    assert _problems([{**GOOD, **change}]) == [message]


def test_format_two_fields_and_rules(tmp_path: Path) -> None:
    ombre = {**GOOD, "ombre": {"inner_color": "#5A0F22"}}
    # a format-1 file (no "format") using a newer field is told how to upgrade
    assert _problems([ombre]) == [
        "11: shade 'x-red': field 'ombre' needs format 2: add \"format\": 2 at the top of the file"
    ]
    assert _problems([ombre], format=2) == [
        '1: catalog: field \'version\' is missing (required from format 2), e.g. "version": "2027.1"'
    ]
    assert _problems([ombre], format=2, version="1") == []
    assert _problems([GOOD], format=3) == [
        "4: catalog: field 'format' is 3, newer than this Tryon reads (up to 2); update Tryon"
    ]
    assert _problems([GOOD], format="2") == ["4: catalog: field 'format' must be a whole number: 1 or 2, but got '2'"]
    fields = {"format": 2, "version": "1"}
    assert _problems([{**GOOD, "price": 20}], **fields) == [
        "13: shade 'x-red': field 'price' needs the catalog's \"currency\" "
        '(e.g. "currency": "EUR" at the top of the file)'
    ]
    assert _problems([{**GOOD, "price": -1}], currency="EUR", **fields) == [
        "14: shade 'x-red': field 'price' must be at least 0, but got -1"
    ]
    assert _problems([GOOD], currency="euro", **fields) == [
        "4: catalog: field 'currency' must be a three-letter ISO 4217 code like 'EUR', but got 'euro'"
    ]
    assert _problems([{**GOOD, "ombre": {"inner_colour": "#5A0F22"}}], **fields) == [
        "13: shade 'x-red': field 'ombre.inner_color' is missing",
        "14: shade 'x-red': field 'ombre.inner_colour' is not a field of 'ombre'; did you mean 'inner_color'? "
        "(known: inner_color, inner_ratio, feather)",
    ]
    assert _problems([{**GOOD, "liner": {"color": "#5A0F22", "width_mm": 9}}], **fields) == [
        "15: shade 'x-red': field 'liner.width_mm' must be between 0.2 and 3, but got 9"
    ]
    assert _problems([{**GOOD, "url": "www.example.com"}], **fields) == [
        "13: shade 'x-red': field 'url' must be an http(s) address, but got 'www.example.com'"
    ]
    assert _problems([{**GOOD, "shimmer_size": 5}], **fields) == [
        "13: shade 'x-red': field 'shimmer_size' must be between 0.5 and 3, but got 5"
    ]
    catalog = load_catalog(
        _write(
            tmp_path,
            "v2.json",
            [ombre, {**GOOD, "id": "x-2", "color": "#7A2030", "liner": {"color": "#401010"}, "price": 19.5}],
            format=2,
            version="2027.1",
            currency="EUR",
        )
    )
    assert catalog.format == 2
    assert catalog.version == "2027.1"
    assert catalog.shades[0].ombre.inner_color == "#5A0F22"
    assert catalog.shades[0].ombre.inner_ratio == 0.45  # the schema's default
    assert catalog.shades[1].liner.width_mm == 0.8
    assert (catalog.shades[1].price, catalog.shades[1].currency) == (19.5, "EUR")


def test_catalog_level_problems() -> None:
    assert _problems([GOOD], brand="") == ["2: catalog: field 'brand' must be a non-empty string, but got ''"]
    assert _problems([]) == ["4: catalog: field 'shades' must be a non-empty list of shades, but got []"]
    assert _problems([GOOD], colection="X") == [
        "4: catalog: field 'colection' is not a catalog field; did you mean 'collection'? "
        "(known: format, brand, collection, version, currency, shades)"
    ]
    assert _problems(["x-red"]) == ["5: shade #1: must be an object with id, name, color and finish, but got 'x-red'"]
    missing = dict(GOOD)
    del missing["color"]
    assert _problems([missing]) == ["5: shade 'x-red': field 'color' is missing"]
    assert _problems([GOOD, GOOD]) == [
        "13: shade 'x-red': field 'id' is used twice in this catalog (first by shade #1); ids must be unique"
    ]


def test_length_limits_and_top_level_shape() -> None:
    assert _problems([{**GOOD, "name": "N" * 121}]) == [
        "7: shade 'x-red': field 'name' must be at most 120 characters, but got 121"
    ]
    assert _problems([{**GOOD, "id": "x" * 65}]) == [
        "6: shade 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx': field "
        "'id' must be at most 64 characters, but got 65"
    ]
    checked = check_catalog_text("[1, 2]", Path("t.json"))
    assert [str(p) for p in checked.problems] == [
        "t.json:1: catalog: top level must be an object with brand, collection and shades"
    ]


def test_every_problem_is_reported_at_once() -> None:
    problems = _problems([{**GOOD, "color": "red"}, {**GOOD, "id": "x-2", "finish": "glossy", "opacity": 2}])
    assert len(problems) == 3
    assert [p.split(":")[0] for p in problems] == ["8", "16", "17"]


def test_warnings_for_likely_mistakes() -> None:
    shades = [
        GOOD,
        {**GOOD, "id": "x-red-2", "name": "test red", "color": "#B1122B"},
        {**GOOD, "id": "x-blue", "name": "Sea", "color": "#2040B0"},  # blue: red and blue swapped?
    ]
    assert _problems(shades) == [
        "14: warning: shade 'x-red-2': field 'name' 'test red' differs from shade 'x-red' ('Test Red') only in case",
        "15: warning: shade 'x-red-2': field 'color' is nearly the colour of shade 'x-red' (ΔE2000 0.21 < 1): shoppers "
        "will not see a difference; check the hex values",
        "22: warning: shade 'x-blue': field 'color' #2040B0 is blue (hue -64°), which lipstick rarely is; did red and "
        "blue get swapped? ('#B04020')",
    ]
    checked = check_catalog_text(_text(shades), Path("t.json"))
    assert checked.errors == ()
    assert len(catalog_from_checked(checked, Path("t.json")).warnings) == 3  # warnings do not stop loading


def test_malformed_json_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "brand": "A",\n  "shades": [,]\n}\n', encoding="utf-8")
    with pytest.raises(ShadeError, match=r"broken.json:3: column 14: invalid JSON: Expecting value"):
        load_catalog(path)
    path.write_bytes(b'{"brand": "\xff"}')
    assert "cannot be read as UTF-8 text" in str(check_catalog(path).errors[0])


def test_loader_error_names_the_first_problem_and_counts_the_rest(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.json", [{**GOOD, "color": "red", "opacity": 3}])
    with pytest.raises(ShadeError) as info:
        load_catalog(path)
    assert str(info.value) == (
        f"{path}:8: shade 'x-red': field 'color' must be an sRGB hex colour like '#9B1B30', but got 'red' "
        f"(and 1 more: run `tryon shades check {path}`)"
    )


def test_a_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    _write(tmp_path, "a_good.json", [GOOD])
    (tmp_path / "b_broken.json").write_text("{not json", encoding="utf-8")
    _write(tmp_path, "c_clash.json", [GOOD])  # same id as a_good
    _write(tmp_path, "d_good.json", [{**GOOD, "id": "x-other"}])
    _write(tmp_path, "e_shipped_clash.json", [{**GOOD, "id": "mv-ruby-hour"}])
    library = load_library(tmp_path)
    extra = [c.path.name for c in library.catalogs if c.path.parent == tmp_path]
    assert extra == ["a_good.json", "d_good.json"]
    messages = [str(e) for e in library.errors]
    assert "b_broken.json:1: column 2: invalid JSON" in messages[0]
    assert "c_clash.json: shade 'x-red': field 'id' is already used in" in messages[1]
    assert "e_shipped_clash.json: shade 'mv-ruby-hour': field 'id' is already used in" in messages[2]
    assert len(library.shades) == len(load_library().shades) + 2


def test_a_duplicate_id_drops_only_that_shade(tmp_path: Path) -> None:
    _write(tmp_path, "spring.json", [{**GOOD, "id": "mv-ruby-hour"}, {**GOOD, "id": "sp-petal", "name": "Petal"}])
    library = load_library(tmp_path)
    assert library.get("sp-petal").name == "Petal"  # the file's other shade is kept
    assert library.get("mv-ruby-hour").brand == "Maison Velours"  # the shipped shade keeps its id
    (message,) = [str(e) for e in library.errors]
    assert "spring.json: shade 'mv-ruby-hour': field 'id' is already used in" in message
    assert message.endswith("; this shade is left out")


def test_unknown_shade_suggests_near_ids() -> None:
    with pytest.raises(ShadeError, match=r"unknown shade id 'mv-ruby'; did you mean mv-ruby-hour"):
        load_library().get("mv-ruby")


def test_shipped_schema_accepts_the_shipped_catalogs_and_rejects_bad_ones() -> None:
    validator = jsonschema.Draft202012Validator(schema())
    jsonschema.Draft202012Validator.check_schema(schema())
    for path in SHADES_DIR.glob("*.json"):
        validator.validate(json.loads(path.read_text(encoding="utf-8")))
    bad = json.loads(_text([{**GOOD, "colour": "#B0122B"}]))
    assert not validator.is_valid(bad)


_NASTY = [
    None,
    True,
    -1,
    0,
    1.5,
    1e400,
    "",
    " ",
    "x",
    "#GGGGGG",
    "#b0122b",
    [],
    {},
    ["a", "a"],
    {"color": 1},
    "é" * 200,
]


def _mutate(data: object, rng: random.Random) -> object:
    """One random structural change somewhere in parsed JSON."""
    if isinstance(data, dict) and data and rng.random() < 0.8:
        key = rng.choice(list(data))
        roll = rng.random()
        if roll < 0.15:
            return {k: v for k, v in data.items() if k != key}
        if roll < 0.3:
            return {**data, rng.choice(["colr", "ombre", "liner", "price", "format", "x"]): rng.choice(_NASTY)}
        if roll < 0.5:
            return {**data, key: rng.choice(_NASTY)}
        return {**data, key: _mutate(data[key], rng)}
    if isinstance(data, list) and data and rng.random() < 0.8:
        index = rng.randrange(len(data))
        roll = rng.random()
        if roll < 0.2:
            return data[:index] + data[index + 1 :]
        if roll < 0.35:
            return [*data, data[index]]
        return data[:index] + [_mutate(data[index], rng)] + data[index + 1 :]
    return rng.choice(_NASTY)


def test_fuzzed_catalog_files_give_a_catalog_or_a_clean_error(tmp_path: Path) -> None:
    """Thousands of mutated catalog files (structure, raw text and raw bytes), each loaded from disk as the app
    loads it: a catalog or located problems, never an exception; whatever the checker accepts, the JSON Schema
    accepts too."""
    rng = random.Random(20261125)
    validator = jsonschema.Draft202012Validator(schema())
    sources = [p.read_text(encoding="utf-8") for p in sorted(SHADES_DIR.glob("*.json"))]
    outcomes = {"valid": 0, "invalid": 0}
    path = tmp_path / "fuzz.json"
    runs = 3000
    for run in range(runs):
        text = rng.choice(sources)
        if run % 3 == 0:  # raw text damage: the JSON parser's errors must be located too
            position = rng.randrange(len(text))
            text = (
                text[:position]
                + rng.choice(["", "{", "]", '"', ",", "\\", "\x00", "NaN", "1e999"])
                + text[position + rng.randrange(0, 4) :]
            )
        else:
            data = json.loads(text)
            for _ in range(rng.randint(1, 4)):
                data = _mutate(data, rng)
            text = json.dumps(data, allow_nan=True)
        raw = text.encode("utf-8")
        if run % 50 == 0:  # bytes that are not UTF-8
            position = rng.randrange(len(raw))
            raw = raw[:position] + bytes([rng.choice([0xFF, 0xC3, 0x80])]) + raw[position:]
        path.write_bytes(raw)
        checked = check_catalog(path)
        if checked.errors:
            outcomes["invalid"] += 1
            assert all(str(p).startswith(str(path)) for p in checked.problems)
            with pytest.raises(ShadeError):
                load_catalog(path)
        else:
            outcomes["valid"] += 1
            assert load_catalog(path).shades
            validator.validate(checked.raw)
    assert outcomes["valid"] > 100
    assert outcomes["invalid"] > 1000


CSV = (
    "\ufeffid;name;color;finish;opacity;ombre_inner_color;liner_color;liner_width_mm;price;tags;sku\n"
    "br-rose;Rose Dune;#C77A7F;satin;0,8;;;;21,5;pink|nude;BR-001\n"
    "br-ombre;Night Berry;#B0506A;gloss;0.75;#5A0F2A;;;24;berry;BR-002\n"
    'br-lined;"Lined Nude; soft";#C69080;matte;;;#7A3E36;1.2;22;nude|medium;BR-003\n'
)


def test_csv_import_makes_a_valid_catalog(tmp_path: Path) -> None:
    source = tmp_path / "brand.csv"
    source.write_text(CSV, encoding="utf-8")
    data, checked = import_csv(source, brand="Brand", collection="Dune", version="2027.1", currency="EUR")
    assert [str(p) for p in checked.problems] == []
    out = tmp_path / "brand.json"
    out.write_text(catalog_json(data), encoding="utf-8")
    catalog = load_catalog(out)
    rose, ombre, lined = catalog.shades
    assert (rose.opacity, rose.price, rose.tags, rose.sku) == (0.8, 21.5, ("pink", "nude"), "BR-001")
    assert ombre.ombre.inner_color == "#5A0F2A"
    assert lined.name == "Lined Nude; soft"
    assert (lined.liner.color, lined.liner.width_mm, lined.tags) == ("#7A3E36", 1.2, ("nude", "medium"))


def test_csv_import_problems_name_the_row(tmp_path: Path) -> None:
    source = tmp_path / "brand.csv"
    source.write_text(
        "id,name,colour,finish,opacity\nbr-a,A,#C77A7F,satin,0.8\nbr-b,B,#C77A7F,glossy,lots\n",
        encoding="utf-8",
    )
    _, checked = import_csv(source, brand="Brand", collection="Dune", version="1")
    assert [str(p) for p in checked.errors] == [
        f"{source}:1: header: field 'colour' is not a known column; did you mean 'color'? (known: id, name, color, "
        "finish, shimmer_color, ombre_inner_color, liner_color, sku, url, opacity, gloss, shimmer_density, "
        "shimmer_size, ombre_inner_ratio, ombre_feather, liner_width_mm, price, tags)",
        f"{source}:2: shade 'br-a': field 'colour' is not a shade field; did you mean 'color'? (known: id, name, "
        "color, finish, opacity, gloss, shimmer_color, shimmer_density, shimmer_size, ombre, liner, sku, url, price, "
        "tags)",
        f"{source}:2: shade 'br-a': field 'color' is missing",
        f"{source}:3: shade 'br-b': field 'colour' is not a shade field; did you mean 'color'? (known: id, name, "
        "color, finish, opacity, gloss, shimmer_color, shimmer_density, shimmer_size, ombre, liner, sku, url, price, "
        "tags)",
        f"{source}:3: shade 'br-b': field 'color' is missing",
        f"{source}:3: shade 'br-b': field 'finish' must be one of matte, satin, gloss, sheer, shimmer, metallic, but "
        "got 'glossy'; did you mean 'gloss'?",
        f"{source}:3: shade 'br-b': field 'opacity' must be a number between 0 and 1, but got 'lots'",
    ]


def test_finish_table_matches_the_schema() -> None:
    from tryon.catalog.finishes import FINISH_TABLE

    enum = schema()["$defs"]["shade"]["properties"]["finish"]["enum"]
    assert list(FINISH_TABLE) == enum
    for finish in FINISH_TABLE.values():
        assert 0.0 <= finish.default_gloss <= 1.0
        assert finish.sparkles == (finish.default_shimmer_density > 0)  # flecks by default exactly where drawn


def test_near_colour_search_finds_what_comparing_every_pair_finds() -> None:
    from tryon.catalog.format import _near_colour_clusters
    from tryon.colour import delta_e_2000, rgb_to_lab

    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, (60, 3))
    # colours in tight families (some within ΔE2000 1, some not), across the whole gamut
    rgb = np.clip(np.repeat(base, 8, axis=0) + rng.integers(-2, 3, (480, 3)), 0, 255).astype(np.uint8)
    lab = rgb_to_lab(rgb).astype(np.float64)
    first, second = np.triu_indices(len(lab), k=1)
    close = delta_e_2000(lab[first], lab[second]) < 1.0
    linked = {(int(i), int(j)) for i, j in zip(first[close], second[close], strict=True)}
    assert len(linked) > 50  # the test has near pairs to find
    clusters = _near_colour_clusters(lab, 1.0)
    cluster_of = {member: n for n, cluster in enumerate(clusters) for member in cluster}
    assert all(cluster_of.get(i) is not None and cluster_of.get(i) == cluster_of.get(j) for i, j in linked)
    # and nothing is clustered without a chain of near pairs
    assert sum(len(cluster) for cluster in clusters) == len({k for pair in linked for k in pair})


def test_a_thousand_identical_colours_make_one_warning(tmp_path: Path) -> None:
    shades = [{**GOOD, "id": f"x-red-{i}", "name": f"Red {i}"} for i in range(1000)]
    checked = check_catalog_text(_text(shades), Path("t.json"))
    near = [str(p) for p in checked.warnings if "nearly the colour" in p.message]
    assert len(near) == 1
    assert "is nearly the colour of 999 other shades: 'x-red-0', 'x-red-2', 'x-red-3'" in near[0]
    assert "and 994 more" in near[0]
