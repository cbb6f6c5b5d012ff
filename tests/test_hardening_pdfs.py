"""`fichepress preflight` reads PDFs from anywhere: a damaged or hostile structure tree is told
as findings, never a traceback (a loop, a key that is not a number, a tree nested thousands
deep, a form that draws itself)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from fichepress.checks.pdfs import check_file
from fichepress.cli import main
from fichepress.pdf import structure


def _tagged(build: Callable[[pikepdf.Pdf, pikepdf.Dictionary], None]) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    build(pdf, root)
    return pdf


def _looping_parent_tree(pdf: pikepdf.Pdf, root: pikepdf.Dictionary) -> None:
    node = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array([0, pikepdf.Array()])))
    node.Kids = pikepdf.Array([node])
    root.ParentTree = node


def _key_not_a_number(pdf: pikepdf.Pdf, root: pikepdf.Dictionary) -> None:
    root.ParentTree = pdf.make_indirect(
        pikepdf.Dictionary(Nums=pikepdf.Array([pikepdf.Name.X, 1, 3, pikepdf.Array()]))
    )


def _deep_tree(pdf: pikepdf.Pdf, root: pikepdf.Dictionary) -> None:
    parent = root
    for _ in range(3_000):
        element = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Div, P=parent)
        )
        parent.K = pikepdf.Array([element])
        parent = element


def _element_in_itself(pdf: pikepdf.Pdf, root: pikepdf.Dictionary) -> None:
    element = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.P))
    element.K = pikepdf.Array([element])
    element.P = root
    root.K = pikepdf.Array([element])


def _form_drawing_itself(pdf: pikepdf.Pdf, root: pikepdf.Dictionary) -> None:
    form = pdf.make_stream(b"/X0 Do")
    form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    form.BBox = pikepdf.Array([0, 0, 10, 10])
    form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(X0=form))
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(X0=form))
    page.Contents = pdf.make_stream(b"/X0 Do")


CASES = {
    "a ParentTree whose node is its own kid": _looping_parent_tree,
    "a ParentTree key that is not a number": _key_not_a_number,
    "a structure tree 3,000 elements deep": _deep_tree,
    "an element inside itself": _element_in_itself,
    "a form that draws itself": _form_drawing_itself,
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("profile", ["print", "accessible"])
def test_a_damaged_pdf_is_told_not_a_traceback(tmp_path: Path, name: str, profile: str) -> None:
    path = tmp_path / "damaged.pdf"
    _tagged(CASES[name]).save(path)
    result = CliRunner().invoke(main, ["preflight", "--profile", profile, str(path)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "error" in result.output


def test_a_deep_tree_is_told_at_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "deep.pdf"
    _tagged(_deep_tree).save(path)
    told = [f.message for f in check_file(path, "accessible").findings]
    assert f"the tree is nested more than {structure.MAX_STRUCTURE_DEPTH} deep" in told


def test_the_parent_tree_is_read_each_node_once_and_in_order() -> None:
    pdf = pikepdf.new()
    leaves = [
        pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array([n, n * 10]))) for n in (1, 2)
    ]
    top = pdf.make_indirect(pikepdf.Dictionary(Kids=pikepdf.Array([leaves[0], leaves[1]])))
    leaves[1].Kids = pikepdf.Array([top])  # a loop back to the top
    entries = structure.parent_tree(pikepdf.Dictionary(ParentTree=top))
    assert {key: int(value) for key, value in entries.items()} == {1: 10, 2: 20}
    assert structure.parent_tree(pikepdf.Dictionary(ParentTree=_bad_keys(pdf))) == {3: 30}


def _bad_keys(pdf: pikepdf.Pdf) -> pikepdf.Object:
    nums = pikepdf.Array([pikepdf.Name.X, 1, pikepdf.String("2"), 2, 3, 30])
    return pdf.make_indirect(pikepdf.Dictionary(Nums=nums))


BAD_CONTENT = [
    b"1 2 cm 0 0 m 10 10 l S",  # a matrix of two numbers
    b"BT 1 2 Tm /F1 12 Tf (a) Tj ET",
    b"q q q Q Q Q Q Q",  # more restores than saves
    b"/Nope Do 5 Do",  # no such picture; a number for a name
    b"/P BDC (x) Tj EMC BDC EMC /Span 5 BDC EMC",  # marked content without its operands
    b"BT /Name Tr (a) Tj Tf (b) Tj /F1 12 Tf 5 TJ /F1 Tf ET",  # text state of the wrong kinds
    b"0 0 10 10 re /P1 scn f 1 sc 0 0 1 1 re f",  # colours with no colour space
]


def _content(stream: bytes) -> Callable[[pikepdf.Pdf, pikepdf.Dictionary], None]:
    def build(pdf: pikepdf.Pdf, root: pikepdf.Dictionary) -> None:
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
        page = pdf.pages[0].obj
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(stream)

    return build


@pytest.mark.parametrize("stream", BAD_CONTENT, ids=range(len(BAD_CONTENT)))
@pytest.mark.parametrize("profile", ["print", "accessible"])
def test_a_damaged_content_stream_is_told(tmp_path: Path, stream: bytes, profile: str) -> None:
    path = tmp_path / "damaged.pdf"
    _tagged(_content(stream)).save(path)
    result = CliRunner().invoke(main, ["preflight", "--profile", profile, str(path)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def test_an_operator_with_the_wrong_operands_is_skipped_and_told(tmp_path: Path) -> None:
    path = tmp_path / "damaged.pdf"
    _tagged(_content(BAD_CONTENT[0])).save(path)
    told = [(f.rule, f.message) for f in check_file(path, "print").findings]
    assert ("CONTENT", "1 operator with the wrong operands (cm): skipped, as readers do") in told
