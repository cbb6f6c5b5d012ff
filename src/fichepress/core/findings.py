"""What a check finds: one record for a problem of a source file, a note of the renderer and a
rule a PDF breaks, from the check to the manifest, the terminal, JSON and the preview."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

Severity = Literal["error", "warning", "advice"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "advice")
"""An error stops the PDF it concerns; a warning stops it under `--strict`; advice never does."""
COUNTED: dict[Severity, str] = {"error": "errors", "warning": "warnings", "advice": "advice"}
"""What the findings of each severity are called when counted (a report's `counts`)."""

SOURCE_RULES = frozenset({"", "copyfit", "css"})
"""Rules whose findings are told as a source's problems: `file:line:col: key: message`."""
NOTE_RULES = frozenset({"weasyprint", "picture", "contrast"})
"""Notes of a rendering (WeasyPrint's, a picture's conversion for print, the contrast of the
colours laid out), told after the PDF they concern. Any other rule is a PDF check's (BLEED,
UA-TREE…), told with its severity and page."""


@dataclass(frozen=True, order=True)
class Finding:
    """One thing found wrong, and where: in a source (file, line, column, key path), in a PDF
    (variant, page, where), or both."""

    file: str = ""
    """The file to open to fix it, relative to the project (a PDF's path for `preflight`);
    "" until the caller that knows it sets it."""
    line: int = 0
    """1-based line, 0 when the problem concerns the whole file."""
    column: int = 0
    """1-based column, 0 when unknown."""
    key: str = ""
    """Key path inside the file, such as `selection.groups[1].resources[0].year`."""
    message: str = ""
    """What is wrong, in plain words."""
    severity: Severity = "error"
    rule: str = ""
    """"" for a source's problem; "copyfit", "css", "weasyprint", "picture", "contrast", or a
    PDF check's rule ("BLEED", "UA-TREE"…)."""
    variant: str = ""
    """The variant of the PDF it concerns ("print", "accessible"), "" for none."""
    page: int = 0
    """1-based page of that PDF, 0 for none or the whole document."""
    where: str = ""
    """Where in the page: an operator, a box, a sample of text."""

    def __str__(self) -> str:
        """The finding in one line, as the terminal tells it."""
        place = self.file
        if self.line:
            place += f":{self.line}"
            if self.column:
                place += f":{self.column}"
        told = [part for part in (place, self.key) if part]
        return ": ".join([*told, self._body()])

    def _body(self) -> str:
        if self.rule in SOURCE_RULES:
            if self.rule == "copyfit" and self.variant:  # the same words in every variant
                return f"{self.message} ({self.variant} PDF)"
            return self.message
        label = f"{self.variant} PDF" if self.variant else ""
        if self.rule in NOTE_RULES:
            if self.rule == "contrast":
                label = f"{label} contrast".strip()
            return f"{label}: {self.message}" if label else self.message
        page = f" page {self.page}" if self.page else ""
        where = f" ({self.where})" if self.where else ""
        body = f"{self.severity} {self.rule}{page}: {self.message}{where}"
        if not label:
            return body
        return f"{label} {'preflight' if self.variant == 'print' else 'check'}: {body}"

    def as_json(self) -> dict[str, Any]:
        """Every field, always all of them."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Finding:
        """A finding as `as_json` wrote it; ValueError for anything else."""
        if not isinstance(data, dict) or set(data) != FIELDS:
            raise ValueError("not a finding")
        for name in FIELDS:
            value = data[name]
            if name in _NUMBERS:
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ValueError(f"a finding's {name} is not a number")
            elif not isinstance(value, str):
                raise ValueError(f"a finding's {name} is not a text")
        if data["severity"] not in SEVERITIES:
            raise ValueError("a finding's severity is not error, warning or advice")
        return cls(**data)

    def as_warning(self) -> Finding:
        return replace(self, severity="warning")


RATED_BY_THE_SERIES = frozenset({"copyfit"})
"""Rules whose severity the series decides (`underfilled_pages`): an error of theirs stops the
PDF. The checks of a PDF the build wrote (preflight, PDF/UA, contrast) rate findings as a print
shop would; the PDF is still written and they are told, unless `--strict`."""


def stopping(findings: Iterable[Finding], strict: bool) -> list[Finding]:
    """Those of a PDF's findings that stop it: under `strict` its errors and warnings; else
    the errors of the rules the series rates (`RATED_BY_THE_SERIES`). Advice never does."""
    if strict:
        return [finding for finding in findings if finding.severity in ("error", "warning")]
    return [
        finding
        for finding in findings
        if finding.severity == "error" and finding.rule in RATED_BY_THE_SERIES
    ]


FIELDS = frozenset(field.name for field in fields(Finding))
_NUMBERS = frozenset({"line", "column", "page"})


def are_findings(value: Any) -> bool:
    """Whether `value` is a list of findings as `Finding.as_json` writes them."""
    if not isinstance(value, list):
        return False
    try:
        for item in value:
            Finding.from_json(item)
    except ValueError:
        return False
    return True


def page_order(finding: Finding) -> tuple[int, str, str, str, str]:
    """The order of a PDF check's findings: by page, rule, severity, message, where."""
    return (finding.page, finding.rule, finding.severity, finding.message, finding.where)


def grouped(findings: Iterable[Finding]) -> list[tuple[Finding, int]]:
    """Each cause once, in the order first found, with how many times it was found: findings
    equal in everything but the variant of the PDF they were found in are one (the variant
    is kept when they all share it)."""
    counts: dict[Finding, int] = {}
    variants: dict[Finding, set[str]] = {}
    for finding in findings:
        cause = replace(finding, variant="")
        counts[cause] = counts.get(cause, 0) + 1
        variants.setdefault(cause, set()).add(finding.variant)
    return [
        (
            replace(cause, variant=next(iter(variants[cause])))
            if len(variants[cause]) == 1
            else cause,
            count,
        )
        for cause, count in counts.items()
    ]


def told(finding: Finding, count: int = 1) -> str:
    """A finding as the terminal tells it, with the number of PDFs it was found in when more
    than one."""
    return f"{finding} (in {count} PDFs)" if count > 1 else str(finding)
