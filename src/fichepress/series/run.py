"""A build in one call, as every command runs it: the stamp of the last complete build looked at
first (nothing loaded when nothing changed), then one edition loaded, the sheets, the
collection (or a share's parts of it), and the stamp kept.

This module imports nothing heavy: the no-op build runs it before the rest is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fichepress.core.findings import stopping
from fichepress.core.project import Project
from fichepress.series import stamp

if TYPE_CHECKING:
    from fichepress.core.variants import VariantName
    from fichepress.html.edition import Edition
    from fichepress.series.report import Progress, Report
    from fichepress.series.stamp import Stamp
    from fichepress.series.workers import Pool

Tell = Callable[["Report"], None]
"""Told each stage's report as soon as it is done: the sheets', then the collection's."""


@dataclass(frozen=True)
class BuildOptions:
    """What to build, and how."""

    out: Path
    variants: tuple[VariantName, ...]
    strict: bool = False
    jobs: int | None = None
    """Worker processes (None: one per processor; 1: this process)."""
    collection: bool = True
    """Build the collection after the sheets."""
    sheets: tuple[Path, ...] | None = None
    """The sheets to build: None, every sheet of the series; empty, none (the collection alone)."""
    share: bool = False
    """The sheets are a share of the series (`build --shard`): render their collection parts."""
    stamp: bool = True
    """When the build covers the whole series and its collection: nothing to do if nothing
    changed since the last such build (its stamp), and a build without a problem is stamped."""
    collection_after_problems: bool = False
    """Build the collection even when a sheet had a problem (watch: it tells its own)."""


@dataclass
class RunReport:
    """What a run did."""

    report: Report | None = None
    """The sheets' build, with what the collection (or the share's parts) added; the
    collection's alone when no sheet was to be built; None when `up_to_date`."""
    up_to_date: Stamp | None = None
    """The stamp of the last complete build, when nothing changed since: nothing was loaded."""


def run(
    project: Project,
    options: BuildOptions,
    *,
    progress: Progress | None = None,
    tell: Tell | None = None,
    edition: Edition | None = None,
) -> RunReport:
    """Build `project` as `options` say, by one pool of workers for every stage; `edition`: its
    sources already loaded (watch: its last rebuild's, the sheets saved loaded again).

    An invalid series file or theme raises `InvalidSource` before anything is written."""
    complete = options.sheets is None and options.collection
    digest = ""
    if complete and options.stamp:
        digest = stamp.project_digest(project, options.out, options.variants)
        found = stamp.up_to_date(options.out, digest)
        if found is not None and not stopping(found.warnings, options.strict):
            # Nothing changed since the last complete build: no need to load anything else.
            return RunReport(up_to_date=found)
    from fichepress.series import workers

    if (options.jobs or workers.default_jobs()) > 1:
        workers.warm_up()  # WeasyPrint is imported by the fork server meanwhile
    from fichepress.html.edition import load_edition
    from fichepress.series.builder import worker_pool

    if edition is None:
        whole = options.collection or options.share or options.sheets is None
        edition = load_edition(project, None if whole else list(options.sheets or ()))
    with worker_pool(edition, options.out, options.strict, options.jobs) as pool:
        report = _stages(edition, options, digest, progress, pool, tell or _untold)
    return RunReport(report)


def _untold(report: Report) -> None:
    """No one to tell as the stages end."""


def _stages(
    edition: Edition,
    options: BuildOptions,
    digest: str,
    progress: Progress | None,
    pool: Pool,
    tell: Tell,
) -> Report:
    """The sheets, then the collection (stamped with the project's `digest`, if any, when the
    whole build went through) or the share's parts."""
    from fichepress.series.builder import build
    from fichepress.series.collection import build_collection

    out, variants, strict = options.out, options.variants, options.strict
    if options.sheets == () and options.collection:
        whole = build_collection(
            edition, out, variants=variants, strict=strict, progress=progress, pool=pool
        )
        tell(whole)
        return whole
    report = build(
        edition,
        out,
        sheets=options.sheets,
        variants=variants,
        strict=strict,
        progress=progress,
        pool=pool,
    )
    tell(report)
    if options.collection and (options.collection_after_problems or not report.problems):
        whole = build_collection(
            edition, out, variants=variants, strict=strict, progress=progress, pool=pool
        )
        tell(whole)
        report.merge(whole)
        if digest and not report.failed and not report.problems:
            built = len(report.outputs) + report.up_to_date
            stamp.record(out, digest, report.warnings, built)
    elif options.share and options.sheets and not report.problems:
        from fichepress.series.shards import build_shard_parts

        parts = build_shard_parts(
            edition, out, options.sheets, variants=variants, progress=progress, pool=pool
        )
        report.problems += parts.problems
        report.failed |= parts.failed
    return report
