"""`fichepress init DIR`: a new series project that builds as it is.

It holds `sheets/series.yaml`, one example sheet with the schema modeline, a theme of the
organisation's own (`styles/<name>/`, where its colours go) that extends the theme `fiches`
installed with fichepress by name (never copied: a new fichepress improves it; `fichepress
themes eject fiches` copies it to change more than the swatches), a Makefile whose `sheets`
target builds everything, and a short README for the authors.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from fichepress.core.errors import FichepressError
from fichepress.core.project import DEFAULT_THEME, THEME_FILE, installed_folder
from fichepress.scaffold.integrations import integration_files
from fichepress.scaffold.newsheet import slugify, value_problem, yaml_string
from fichepress.source.schema import MODELINE, SERIES_MODELINE

THEME = DEFAULT_THEME


def packaged() -> Path:
    """The folder holding the installed themes (`styles/`) and their fonts (`fonts/`): in the
    installed package, or the repository of an editable install."""
    folder = installed_folder()
    if folder is None:
        raise FichepressError(
            "this installation of fichepress lacks its default theme: reinstall it"
        )
    return folder


LOGO = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" width="120" height="40">
  <rect x="0" y="0" width="40" height="40" rx="6" fill="#1d6fa5"/>
  <rect x="48" y="10" width="72" height="8" rx="2" fill="#1d6fa5"/>
  <rect x="48" y="24" width="52" height="6" rx="2" fill="#4d4d4d"/>
</svg>
"""

SERIES = """{modeline}
# The series: what every sheet shares. Paths are relative to this folder.
schema_version: 1
title: {title}
publisher:
  name: {organisation}
  logo: logos/logo.svg
  alt: {organisation}
copyright: {copyright}
licence: Tous droits réservés
language: fr-CA
theme: {theme}
page_size: letter
page_budget: 2
# Date of this edition, written in the PDFs' metadata (fixed: builds are reproducible).
date: {date}
"""

SHEET = """{modeline}
# An example sheet: replace its text with yours, or start a new one with `fichepress new "Titre"`.
schema_version: 1
number: 1
title: Une première fiche
kicker: Ce qu'une fiche dit en une phrase.

body:
  - paragraph: >-
      Une fiche tient en deux pages. Elle s'ouvre sur un paragraphe qui dit **l'essentiel**,
      puis le développe. Le *texte* s'écrit tel quel : fichepress s'occupe de la typographie.
  - heading: Trois repères
  - list:
      - label: Le but
        text: ce que la fiche doit permettre au lecteur de faire
      - label: Le public
        text: à qui elle s'adresse, et ce qu'il sait déjà
      - label: La suite
        text: où trouver plus, dans la sélection qui suit
  - paragraph: >-
      Chaque bloc du corps est un paragraphe, un intertitre, une liste ou une citation. Une
      liste peut donner à chaque point une **étiquette** en gras, comme ci-dessus. Les liens
      s'écrivent [ainsi](https://example.org) et restent cliquables dans la version
      accessible.
  - quote: >-
      Une citation courte, mise en valeur dans la page.

selection:
  heading: Notre sélection
  intro: Quelques ressources pour aller plus loin (exemples fictifs).
  groups:
    - heading: Des outils pratiques
      resources:
        - kind: Guide
          title: "Exemple : un guide fictif"
          authors: Organisme fictif (exemple)
          year: 2024
          commentary: Une phrase qui dit pourquoi cette ressource est utile.
        - kind: Vidéo
          title: "Exemple : une vidéo fictive"
          authors: Collectif exemple
          details: 12 minutes
          year: 2023
          url: https://example.org/video
          commentary: >-
            Ce qu'on y voit, et à quel moment d'une démarche elle peut servir de point de
            départ à une discussion.
    - heading: Des illustrations concrètes
      resources:
        - kind: Étude de cas
          title: "Exemple : ce qu'un projet fictif a appris"
          authors: Organisme fictif (exemple)
          year: 2019-2022
          commentary: >-
            Un récit qui montre les idées de la fiche à l'œuvre, avec leurs réussites et leurs
            difficultés.
        - kind: Fiche synthèse
          title: "Exemple : l'essentiel en une page"
          authors: Regroupement exemple
          year: 2021
          commentary: Un résumé à distribuer en réunion.

further_reading:
  heading: Une suggestion pour aller plus loin
  commentary: >-
    Une ressource plus longue, pour qui veut approfondir : remplacez-la par la vôtre.
  references:
    - citation: >-
        Organisme fictif (exemple), *Un ouvrage de référence imaginaire*, 2020.
"""

CHILD_THEME = """# The organisation's theme: the theme "fiches" installed with fichepress, with what
# is written here changed. fiches is not copied into the project: a new version of
# fichepress improves it. To change more than these settings (its CSS, its templates), copy
# it into styles/fiches/ with `fichepress themes eject fiches`.
# The organisation's logo is not set here: it is `publisher.logo` in sheets/series.yaml.
name: {organisation}
extends: fiches

# The colours, each once: CMYK (percent) for the print PDF, RGB for the accessible PDF. These
# are fiches' swatches, with their values: uncomment `swatches:` and the lines you change.
# Quote each value: in YAML, " #" starts a comment.
{swatches}

# The theme's own pictures, which its CSS and templates use (name: a file of this folder, SVG,
# PNG or JPEG), by name: a name fiches gives is replaced. The organisation's logo is not one of
# them: it is `publisher.logo` in sheets/series.yaml, printed on every sheet.
{logos}"""

MAKEFILE = """# `make sheets` builds every sheet and the collection into build/ (print, accessible).
# Every target is phony: sheets/ is a folder, make must never think it "up to date".
FICHEPRESS ?= fichepress

.PHONY: sheets check clean

sheets:
\t$(FICHEPRESS) build --strict

check:
\t$(FICHEPRESS) check

clean:
\trm -rf build
"""

README = """# {title}

A series of fact-sheets made with fichepress.

- `make sheets` builds every sheet, and the collection of the series, into `build/`: a print
  PDF (PDF/X-4, for the printer) and an accessible PDF (PDF/UA-1, to publish online).
- `fichepress check` tells what is wrong in the sheets, with the file, line and column.
- `fichepress new "Titre de la fiche"` starts a new sheet.

A sheet is a YAML file of `sheets/`; `sheets/series.yaml` holds what every sheet shares (title,
publisher and its logo, copyright, funders). Editors that know the YAML language server
complete the keys: the first line of each file names its schema (`sheets/schema/`). The look
is in `styles/{theme}/theme.yaml`: its colours, over the theme `fiches` installed with
fichepress (`fichepress themes` lists the themes; `fichepress themes eject fiches` copies it
into `styles/` to change its CSS).
"""


def _commented(lines: list[str]) -> str:
    return "\n".join(f"# {line}".rstrip() for line in lines)


def _swatches(theme: str) -> str:
    """The `swatches:` block of the installed theme's theme.yaml, as it is written there."""
    text = (packaged() / "styles" / theme / THEME_FILE).read_text(encoding="utf-8")
    block: list[str] = []
    for line in text.splitlines():
        if block and not line.startswith(" "):  # the block ends at the next line not indented
            break
        if block or line.startswith("swatches:"):
            block.append(line)
    return _commented(block or ["swatches:"])


def _logos(theme: str) -> str:
    """The installed theme's logos, commented; an example when it names none."""
    import yaml

    text = (packaged() / "styles" / theme / THEME_FILE).read_text(encoding="utf-8")
    logos = (yaml.safe_load(text) or {}).get("logos") or {}
    if not logos:
        return (
            _commented([f"({theme} names none; an example:)", "logos:", "  mark: mark.svg"]) + "\n"
        )
    return _commented(["logos:", *(f"  {name}: {file}" for name, file in logos.items())]) + "\n"


def theme_name(organisation: str) -> str:
    """The folder of the organisation's own theme: its name as a file name."""
    theme = slugify(organisation) or "maison"
    return f"{theme}-maison" if theme == THEME else theme


def project_files(title: str, organisation: str, today: datetime.date) -> dict[str, str]:
    """The text files of a new project, by path: the values given are checked first (see
    `value_problem`), then written in YAML by YAML's own emitter (see `yaml_string`)."""
    for option, value in (("--title", title), ("--organisation", organisation)):
        problem = value_problem(value)
        if problem:
            raise FichepressError(f"{option} {problem}")
    theme = theme_name(organisation)
    values = {
        "title": yaml_string(title),
        "organisation": yaml_string(organisation),
        "copyright": yaml_string(f"© {today.year} {organisation}"),
        "date": today.isoformat(),
        "theme": theme,
        "modeline": SERIES_MODELINE,
        "swatches": _swatches(THEME),
        "logos": _logos(THEME),
    }
    return {
        "sheets/series.yaml": SERIES.format(**values),
        "sheets/01-une-premiere-fiche.yaml": SHEET.format(modeline=MODELINE),
        "sheets/logos/logo.svg": LOGO,
        f"styles/{theme}/theme.yaml": CHILD_THEME.format(**values),
        "Makefile": MAKEFILE,
        "README.md": README.format(title=" ".join(title.split()), theme=theme),
        ".gitignore": "/build/\n",
        **integration_files(),
    }


def init_project(folder: Path, title: str, organisation: str) -> list[Path]:
    """Create a series project in `folder` (new, or empty); the files written."""
    from fichepress.core.project import Project
    from fichepress.source.schema import write_schemas

    if folder.exists() and any(folder.iterdir()):
        raise FichepressError(f"{folder} is not empty: give a new folder")
    files = project_files(title, organisation, datetime.date.today())
    written = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    written += write_schemas(Project(folder.resolve()))
    return written
