"""Text contrast, measured on the laid-out boxes against WCAG 2.1 AA."""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint

from fichepress.core.contrast import contrast_problems, ratio, text_pairs
from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.series.builder import build

REFERENCE = "03-strategie-globale"


@pytest.mark.parametrize(
    ("foreground", "background", "expected"),
    [
        ((0, 0, 0), (255, 255, 255), 21.0),
        ((255, 255, 255), (255, 255, 255), 1.0),
        ((119, 119, 119), (255, 255, 255), 4.48),  # the classic #777 just under AA
        ((194, 56, 22), (252, 235, 229), 4.69),  # the theme's accent on its tint
    ],
)
def test_wcag_ratio(
    foreground: tuple[int, int, int], background: tuple[int, int, int], expected: float
) -> None:
    assert round(ratio(foreground, background), 2) == expected


def test_pairs_come_from_the_layout_with_the_nearest_background() -> None:
    html = """<html><body style="font-size: 10pt">
      <div style="background: #1d3557"><p style="color: #ffffff">blanc sur bleu</p>
        <p style="color: #777777; font-size: 20pt">gris, grand</p></div>
      <p style="color: #777777">gris sur papier</p>
      <p style="color: #777777; font-size: 14pt; font-weight: bold">gris, gras</p>
    </body></html>"""
    pairs = text_pairs(weasyprint.HTML(string=html).render())
    assert set(pairs) == {
        ((255, 255, 255), (29, 53, 87), False),
        ((119, 119, 119), (29, 53, 87), True),
        ((119, 119, 119), (255, 255, 255), False),
        ((119, 119, 119), (255, 255, 255), True),
    }
    problems = list(contrast_problems(pairs, {(119, 119, 119): "muted"}))
    assert problems == [
        "large text in var(--muted) #777777 on #1d3557 has a contrast of 2.76:1, under the 3:1"
        ' of WCAG AA (for instance "gris, grand")',
        "text in var(--muted) #777777 on #ffffff has a contrast of 4.48:1, under the 4.5:1 of"
        ' WCAG AA (for instance "gris sur papier")',
    ]


@pytest.mark.e2e
def test_a_weak_swatch_is_named_by_the_build(project: Project, tmp_path: Path) -> None:
    settings = project.styles / "fiches" / "theme.yaml"
    settings.write_text(
        settings.read_text("utf-8").replace("rgb #4d4d4d", "rgb #999999"), encoding="utf-8"
    )
    report = build(load_edition(project), tmp_path / "out", variants=["accessible"])
    messages = [str(w) for w in report.warnings]
    assert any(
        "accessible PDF contrast: text in var(--muted) #999999 on var(--tint) #fcebe5 has a"
        " contrast of 2.46:1, under the 4.5:1 of WCAG AA" in m
        for m in messages
    ), messages
    strict = build(load_edition(project), tmp_path / "strict", variants=["accessible"], strict=True)
    assert strict.failed == {f"sheets/{REFERENCE}.yaml"}
    assert not (tmp_path / "strict" / "accessible" / f"{REFERENCE}.pdf").exists()
