"""The sandbox every build reads through, and the font check of the PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest

from fichepress.core.project import Project
from fichepress.pdf.fonts import foreign_fonts
from fichepress.pdf.write import Refused, Renderer, RenderError, SandboxFetcher


@pytest.fixture
def fetcher(project: Project) -> SandboxFetcher:
    return SandboxFetcher(project.readable, project.root)


def test_files_of_the_allowed_folders_are_served(fetcher: SandboxFetcher, project: Project) -> None:
    font = project.fonts / "lato" / "Lato-Regular.ttf"
    response = fetcher.fetch(font.as_uri())
    assert response.read() == font.read_bytes()
    assert response.content_type == "font/ttf"
    css = fetcher.fetch((project.styles / "fiches" / "theme.css").as_uri())
    assert css.content_type == "text/css"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "https://example.org/x.css",
            'refused "https://example.org/x.css": builds never read the'
            " network; use a file of the project",
        ),
        (
            "http://127.0.0.1:8000/x.css",
            'refused "http://127.0.0.1:8000/x.css": builds never read'
            " the network; use a file of the project",
        ),
        (
            "ftp://example.org/x",
            'refused "ftp://example.org/x": builds never read the network;'
            " use a file of the project",
        ),
        (
            "data:text/css,body{}",
            'refused "data:text/css,body{}": builds never read a data: URL;'
            " use a file of the project",
        ),
        (
            "file://example.org/etc/passwd",
            'refused "file://example.org/etc/passwd": builds never read the network',
        ),
        (
            "file:///etc/passwd",
            'refused "/etc/passwd": builds only read files in sheets/, styles/, fonts/',
        ),
    ],
)
def test_everything_else_is_refused(fetcher: SandboxFetcher, url: str, message: str) -> None:
    with pytest.raises(Refused) as refused:
        fetcher.fetch(url)
    assert str(refused.value) == message
    assert fetcher.refused == [message]


def test_dot_dot_escapes_and_symlinks_out_are_refused(
    fetcher: SandboxFetcher, project: Project, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }", encoding="utf-8")
    escape = project.styles.as_uri() + "/../../secret.css"
    with pytest.raises(Refused, match="builds only read files in"):
        fetcher.fetch(escape)
    (project.styles / "fiches" / "link.css").symlink_to(secret)
    with pytest.raises(Refused, match="builds only read files in"):
        fetcher.fetch((project.styles / "fiches" / "link.css").as_uri())
    # The project's own files outside the three folders are refused too.
    (project.root / "notes.css").write_text("", encoding="utf-8")
    with pytest.raises(Refused, match=r'refused "notes\.css"'):
        fetcher.fetch((project.root / "notes.css").as_uri())


def test_a_missing_file_is_named(fetcher: SandboxFetcher, project: Project) -> None:
    with pytest.raises(Refused) as refused:
        fetcher.fetch((project.styles / "fiches" / "absent.css").as_uri())
    assert str(refused.value) == 'file not found: "styles/fiches/absent.css"'


@pytest.mark.e2e
def test_a_refused_resource_stops_the_render(fetcher: SandboxFetcher, project: Project) -> None:
    html = '<html><head><link rel="stylesheet" href="https://example.org/x.css"></head></html>'
    with pytest.raises(RenderError) as error:
        Renderer(fetcher).render(html, base_url=project.root.as_uri() + "/", variant="print")
    assert str(error.value) == (
        'refused "https://example.org/x.css": builds never read the network; use a file of the'
        " project"
    )


@pytest.mark.e2e
def test_machine_fonts_are_invisible_to_the_renderer(
    fetcher: SandboxFetcher, project: Project
) -> None:
    """A theme that names an installed font, or local(), still gets only its own fonts."""
    lato = (project.fonts / "lato" / "Lato-Regular.ttf").as_uri()
    html = f"""<html><style>
      @font-face {{ font-family: Lato; src: url({lato}); }}
      @font-face {{ font-family: Local; src: local("DejaVu Sans"), local("Liberation Sans"); }}
      body {{ font-family: Lato; }}
    </style><p>Bonjour <span style="font-family: 'DejaVu Sans', Local, serif">ailleurs</span></p>
    </html>"""
    rendered = Renderer(fetcher).render(
        html, base_url=project.root.as_uri() + "/", variant="accessible"
    )
    assert foreign_fonts(rendered.data, {"Lato"}) == []


def test_foreign_and_unembedded_fonts_are_found(tmp_path: Path) -> None:
    import pikepdf

    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    page.obj.Resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(
            F1=pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type1,
                BaseFont=pikepdf.Name("/Helvetica"),
            )
        )
    )
    path = tmp_path / "x.pdf"
    pdf.save(path)
    assert foreign_fonts(path.read_bytes(), {"Lato"}) == [
        'font "Helvetica" is not embedded',
        'font "Helvetica" is not one of the theme\'s fonts',
    ]
