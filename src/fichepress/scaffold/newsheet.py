"""A new sheet for an author: the next number, a file name from the title, a commented template.

The template speaks the series' language (`language:` of series.yaml: French for fr…, English
otherwise): its comments explain each part of a sheet, and every text is a placeholder that
holds that language's marker (`[À COMPLÉTER]` or `[TO COMPLETE]`), so that a checker can tell
a sheet that still holds template text. It names the version of the format it is written for
(`schema_version`), as `init`'s sheets do, and loads as a valid sheet as it is.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from fichepress.core.errors import FichepressError, InvalidSource
from fichepress.core.files import write_atomic
from fichepress.core.project import Project
from fichepress.core.reading import read_inside, roots_of
from fichepress.source.load import SheetSource, load_sheet, load_sheets
from fichepress.source.model import PLACEHOLDER_MARKERS, SCHEMA_VERSION, Series
from fichepress.source.schema import MODELINE
from fichepress.source.yamlfile import CONTROL as CONTROL_CHARACTER
from fichepress.source.yamlfile import MAX_BYTES, read_yaml

SLUG_LENGTH = 40
"""At most this many characters of the title go into the file name."""

MAX_NUMBER = 9999
"""The highest sheet number the schema accepts."""

_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l"}
)
_NUMBER_LINE = re.compile(r"""^number[ \t]*:[ \t]*(["']?)(\d+)\1[ \t]*(?:#.*)?$""", re.MULTILINE)


def slugify(title: str) -> str:
    """A file name from a title: lower-case ASCII letters and digits joined by hyphens, at most
    `SLUG_LENGTH` characters, cut between words ("S'intégrer dans une stratégie plus globale"
    → "s-integrer-dans-une-strategie-plus"). Empty when the title has no Latin letter or digit.
    """
    text = unicodedata.normalize("NFKD", title.translate(_LIGATURES))
    text = "".join(char for char in text if not unicodedata.combining(char))
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > SLUG_LENGTH:
        cut = slug[: SLUG_LENGTH + 1]  # a hyphen just after the limit ends a whole word
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:SLUG_LENGTH]
    return slug


_ONE_LINE = 1 << 30
"""A line width no value reaches: YAML's emitter never folds a value onto a second line."""


def yaml_string(value: str) -> str:
    """`value` as one YAML scalar between double quotes, written by YAML's own emitter:
    whatever it holds (": ", " #", quotes, a leading "-", "[" or "&", line breaks, spaces at
    either end, characters YAML must escape), it loads back as exactly `value`, on one line."""
    text = yaml.dump(
        value, Dumper=yaml.SafeDumper, default_style='"', allow_unicode=True, width=_ONE_LINE
    )
    return text.removesuffix("\n")


def value_problem(value: str) -> str | None:
    """Why `value` cannot be written as a text of a sheet or of the series file, as `check`
    would say it (to follow the name of what it is), or None. Checked before anything is
    written: `init` and `new` never write a file that `check` refuses for what they put in."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "holds bytes that are not UTF-8 text"
    if not value.strip():
        return "is empty"
    control = CONTROL_CHARACTER.search(value)
    if control:
        return (
            f"holds the control character U+{ord(control.group()):04X}, which prints nothing:"
            " remove it"
        )
    return None


def _lenient_number(path: Path, project: Project) -> int | None:
    """The `number:` of a sheet that does not load, read from its text."""
    try:
        text = read_inside(path, roots_of(project.root), MAX_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    match = _NUMBER_LINE.search(text)
    return int(match.group(2)) if match else None


def sheet_numbers(project: Project) -> dict[Path, int]:
    """The number of every sheet of the series, broken sheets included (as far as their
    `number:` line can be read)."""
    files = project.sheet_files()
    sources, _ = load_sheets(project, files)
    numbers = {source.path: source.sheet.number for source in sources}
    for path in files:
        if path not in numbers and (number := _lenient_number(path, project)) is not None:
            numbers[path] = number
    return numbers


def next_number(project: Project) -> int:
    """One more than the highest number of the series' sheets; 1 for the first sheet."""
    return max(sheet_numbers(project).values(), default=0) + 1


def _series_language(project: Project) -> str:
    """The series' language, read leniently: a broken series file does not stop a new sheet."""
    default = str(Series.model_fields["language"].default)
    try:
        shown = project.display(project.series_file)
        data, _ = read_yaml(project.series_file, shown, roots_of(project.root))
    except InvalidSource:
        return default
    language = data.get("language") if isinstance(data, dict) else None
    return language if isinstance(language, str) and language else default


def _french(project: Project) -> bool:
    return _series_language(project).lower().startswith("fr")


def placeholder(project: Project) -> str:
    """The marker of the placeholders a new sheet of the series holds: its language's."""
    french_marker, english_marker = PLACEHOLDER_MARKERS
    return french_marker if _french(project) else english_marker


def new_sheet(project: Project, title: str, *, number: int | None = None) -> Path:
    """Write a new sheet from the template and return its path: `sheets/NN-slug.yaml`.

    `number` defaults to the next one. Raises FichepressError when the number is taken or the
    file exists; nothing is written then.
    """
    title = title.strip()
    problem = value_problem(title)
    if problem:
        raise FichepressError(f"the title of the new sheet {problem}")
    numbers = sheet_numbers(project)
    if number is None:
        number = max(numbers.values(), default=0) + 1
    if not 1 <= number <= MAX_NUMBER:
        raise FichepressError(f"a sheet number goes from 1 to {MAX_NUMBER}, not {number}")
    for path, used in sorted(numbers.items()):
        if used == number:
            raise FichepressError(
                f"number {number} is already used by {project.display(path)}; "
                f"the next free number is {max(numbers.values()) + 1}"
            )
    french = _french(project)
    slug = slugify(title) or ("fiche" if french else "sheet")
    path = project.sheets / f"{number:02d}-{slug}.yaml"
    if path.exists():
        raise FichepressError(f"{project.display(path)} already exists")
    template = TEMPLATE_FR if french else TEMPLATE_EN
    text = template.format(
        modeline=MODELINE, version=SCHEMA_VERSION, number=number, title=yaml_string(title)
    )
    # Check the sheet before it takes its place, under a name that no build reads.
    draft = path.with_name(f".{path.name}.new")
    write_atomic(draft, text.encode("utf-8"))
    try:
        _check_title(load_sheet(draft, project), project.display(draft))
        if path.exists():
            raise FichepressError(f"{project.display(path)} already exists")
        draft.replace(path)
    finally:
        draft.unlink(missing_ok=True)
    return path


def _check_title(draft: SheetSource, shown: str) -> None:
    """Refuse a title that `check` would refuse at its place: HTML or template syntax (which
    would print as written), the template's placeholder. A character the theme's fonts lack is
    the author's to see (`check` names it): the title is kept as given."""
    from fichepress.checks.authoring import markup_problems, placeholder_problems

    for problem in markup_problems(draft, shown) + placeholder_problems(draft, shown):
        if problem.key == "title":
            raise FichepressError(f"the title of the new sheet: {problem.message}")


# --- templates -------------------------------------------------------------------------------
# Filled with str.format: {modeline}, {version}, {number} and {title} (a quoted YAML string).

TEMPLATE_FR = """\
{modeline}
# Nouvelle fiche. Remplacez chaque « [À COMPLÉTER] » par votre texte et supprimez les parties
# dont la fiche n'a pas besoin : seuls number, title, kicker et body sont obligatoires.
# Les textes acceptent le Markdown en ligne : **gras**, *italique*, [lien](https://…), et
# [mots dans une autre langue]{{lang=en}} pour qu'ils soient lus dans leur langue.
# Une ligne qui commence par # est un commentaire : elle n'est pas imprimée.
# Un texte qui commence par [ ou contient « : » s'écrit entre guillemets droits ("…").
# Pour vérifier la fiche : fichepress check

# La version du format des fiches dans laquelle celle-ci est écrite : ne la changez pas.
schema_version: {version}
# Le numéro de la fiche dans la série, imprimé devant son titre.
number: {number}
title: {title}
# L'accroche : une phrase courte sous le titre, qui dit ce que la fiche apporte. Écrivez-la
# en casse normale : le thème la met en capitales s'il le faut.
kicker: "[À COMPLÉTER] L'accroche de la fiche, en une phrase."

# Le corps de la fiche : des blocs, dans l'ordre de lecture. Chaque bloc commence par « - ».
body:
  # Un paragraphe. Après >- le texte continue sur les lignes suivantes, en retrait ; les
  # retours à la ligne y sont de simples espaces.
  - paragraph: >-
      [À COMPLÉTER] Le premier paragraphe. Mettez en **gras** les mots clés que le lecteur
      doit retenir.
  # Un intertitre, quand la fiche en a besoin.
  - heading: "[À COMPLÉTER] Un intertitre"
  # Une liste à puces. Un élément est soit un texte simple, soit une étiquette (label,
  # imprimée en gras et suivie de « : ») avec son texte (text).
  - list:
      - label: "[À COMPLÉTER] Étiquette"
        text: "[À COMPLÉTER] ce qui suit l'étiquette"
      - "[À COMPLÉTER] Un élément sans étiquette."
  # La citation mise en exergue : une phrase forte, détachée du texte. Si elle n'est pas de
  # l'éditeur, ajoutez la ligne source: avec son auteur.
  - quote: "[À COMPLÉTER] Une phrase forte à mettre en valeur."

# « Notre sélection » : des ressources choisies par l'éditeur, réunies en groupes.
selection:
  intro: "[À COMPLÉTER] Quelques mots pour présenter la sélection."
  groups:
    # Un groupe : son intertitre (heading) et ses ressources (resources), dans l'ordre.
    - heading: "[À COMPLÉTER] Des outils pratiques"
      resources:
        # Une ressource s'imprime « NATURE Titre par Auteurs, année : description ».
        # kind : sa nature (Vidéo, Brochure, Fiche synthèse…), facultative ;
        # title et authors : son titre et ses auteurs, imprimés après « par » ;
        # year : l'année (2012) ou la période (2011-2015) de publication ;
        # facultatifs : container (« dans le mémoire *…* »), details (durée, numéro, pages),
        # month (mois, de 1 à 12), description, url (son adresse web), commentary (pourquoi
        # elle vaut le détour, imprimé en dessous) et language (la langue du titre quand ce
        # n'est pas celle de la fiche : en, es…).
        - kind: "[À COMPLÉTER] Vidéo"
          title: "[À COMPLÉTER] Titre de la ressource"
          authors: "[À COMPLÉTER] Auteurs de la ressource"
          year: "0000"  # [À COMPLÉTER] l'année de publication, comme 2012 ou 2011-2015
          description: "[À COMPLÉTER] Ce qu'elle contient."
          # url: https://…
          commentary: "[À COMPLÉTER] Pourquoi cette ressource vaut le détour."

# « Une suggestion pour aller plus loin » : l'encadré qui clôt la fiche.
further_reading:
  commentary: "[À COMPLÉTER] Pourquoi cette lecture est suggérée."
  references:
    # Chaque référence s'écrit comme elle sera imprimée, le titre en *italique* ; un titre
    # dans une autre langue entre [ ] suivi de sa langue : [*Voices From the Field*]{{lang=en}}.
    - citation: "[À COMPLÉTER] Prénom NOM, *Titre de l'ouvrage*, éditeur, année."
"""

TEMPLATE_EN = """\
{modeline}
# A new sheet. Replace every "[TO COMPLETE]" with your text and delete the parts the sheet
# does not need: only number, title, kicker and body are required.
# Texts accept inline Markdown: **bold**, *italics*, [link](https://…), and
# [words in another language]{{lang=fr}} so that they are read out in their language.
# A line that starts with # is a comment: it is not printed.
# A text that starts with [ or holds ": " is written between straight quotes ("…").
# To check the sheet: fichepress check

# The version of the sheets' format this sheet is written in: leave it as it is.
schema_version: {version}
# The number of the sheet in the series, printed before its title.
number: {number}
title: {title}
# The kicker: a short sentence under the title that says what the sheet offers. Write it in
# normal case: the theme sets it in capitals if it wants to.
kicker: "[TO COMPLETE] The kicker of the sheet, in one sentence."

# The body of the sheet: blocks, in reading order. Each block starts with "- ".
body:
  # A paragraph. After >- the text goes on over the following lines, indented; the line
  # breaks are mere spaces.
  - paragraph: >-
      [TO COMPLETE] The first paragraph. Put in **bold** the key words the reader should
      remember.
  # A subheading, when the sheet needs one.
  - heading: "[TO COMPLETE] A subheading"
  # A bulleted list. An item is either a plain text, or a label (printed in bold and
  # followed by a colon) with its text.
  - list:
      - label: "[TO COMPLETE] Label"
        text: "[TO COMPLETE] what follows the label"
      - "[TO COMPLETE] An item without a label."
  # The pull quote: a strong sentence, set apart from the text. If it is not the
  # publisher's own, add a source: line with its author.
  - quote: "[TO COMPLETE] A strong sentence to highlight."

# "Our selection": resources chosen by the publisher, in groups.
selection:
  intro: "[TO COMPLETE] A few words to introduce the selection."
  groups:
    # A group: its heading and its resources, in order.
    - heading: "[TO COMPLETE] Practical tools"
      resources:
        # A resource prints as "KIND Title by Authors, year: description".
        # kind: what it is (Video, Brochure, Summary…), optional;
        # title and authors: its title and who made it, printed after "by";
        # year: the year (2012) or the years (2011-2015) of publication;
        # optional: container ("in the report *…*"), details (duration, issue, pages),
        # month (1 to 12), description, url (its web address), commentary (why it is
        # worth reading, printed below it) and language (the language of the title when it is
        # not the sheet's: fr, es…).
        - kind: "[TO COMPLETE] Video"
          title: "[TO COMPLETE] Title of the resource"
          authors: "[TO COMPLETE] Authors of the resource"
          year: "0000"  # [TO COMPLETE] the year of publication, such as 2012 or 2011-2015
          description: "[TO COMPLETE] What it contains."
          # url: https://…
          commentary: "[TO COMPLETE] Why this resource is worth reading."

# "A suggestion to go further": the box that closes the sheet.
further_reading:
  commentary: "[TO COMPLETE] Why this reading is suggested."
  references:
    # Each reference is written as it will be printed, with the title in *italics*; a title
    # in another language between [ ] followed by its language: [*Le Petit Prince*]{{lang=fr}}.
    - citation: "[TO COMPLETE] First LAST, *Title of the work*, publisher, year."
"""
