"""`tryon eval --tones`: the advisor's skin reading per skin-tone group (issue 24's measuring stick), on real
public-domain portraits from ../shared/tones grouped by eye."""

from __future__ import annotations

from pathlib import Path

import pytest

from tryon.cli import main
from tryon.errors import TryonError
from tryon.quality.tones import classes_off, measure_tones, read_groups, summarise


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
