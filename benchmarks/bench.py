"""fichepress's performance targets, measured in one run and printed as ratios with PASS/FAIL.

    .venv/bin/python benchmarks/bench.py            # every scenario (about ten minutes)
    .venv/bin/python benchmarks/bench.py --quick    # fewer repetitions, no 100-sheet run
    .venv/bin/python benchmarks/bench.py P1 P3      # some scenarios only

The series are synthetic: copies of this project's sheets with their sentences and list items
shuffled (so that no two sheets lay out alike), numbered 1…N, in a temporary folder. Each
scenario runs several times and reports medians; the ratios compare numbers measured side by
side in the same run, since absolute times vary from machine to machine and minute to minute.
`fichepress` runs as `make sheets` runs it, with Python's defaults: a `PYTHONDONTWRITEBYTECODE`
in the environment is not passed on (without cached bytecode every process compiles
fichepress's modules again, some 0.2 s).

P1  one sheet, one variant, built in-process by fichepress / rendered by bare WeasyPrint
    (same HTML and CSS, warm, one font configuration reused; runs interleaved, the median
    of the pairs' ratios)                                             target <= 1.15
P2  cold `fichepress build` of 50 sheets, 1 worker / 2 workers        target >= 1.70
P3  `fichepress build` of 50 sheets when nothing changed (seconds)    target <= 0.50
P4  `fichepress build` after one sheet of 50 changed (seconds)        target <= 3.00
P5  peak RSS of a worker (MB)                                         target <= 200
    peak RSS of the build of a 100-sheet series and its collection    target <= 500
    time per sheet at 100 sheets / at 10 sheets                       target <= 1.10
P6  `fichepress check` of this project's series, Python's start included (s)  target <= 1.0
    `fichepress check` of 50 sheets (s)                                target <= 1.0
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
FICHEPRESS = [sys.executable, "-m", "fichepress"]
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


# --- synthetic series -----------------------------------------------------------------------


def _shuffled_sentences(text: str, rng: random.Random) -> str:
    """The sentences of a paragraph in another order (Markdown spans stay whole)."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý])", text.strip())
    if any(s.count("**") % 2 or s.count("*") % 2 for s in sentences):
        return text  # a span crosses a sentence: keep the paragraph as it is
    rng.shuffle(sentences)
    return " ".join(sentences)


def _vary(sheet: dict[str, Any], number: int, rng: random.Random) -> dict[str, Any]:
    sheet["number"] = number
    sheet["title"] = f"{sheet['title']} ({number})"
    for block in sheet.get("body", []):
        if "paragraph" in block:
            block["paragraph"] = _shuffled_sentences(block["paragraph"], rng)
        elif "list" in block:
            rng.shuffle(block["list"])
    return sheet


def make_series(dest: Path, count: int, seed: int = 8) -> Path:
    """A project of `count` sheets at `dest`: this project's theme, fonts, series file and
    logos, and its sheets copied round-robin with their text varied."""
    if dest.exists():
        shutil.rmtree(dest)
    for folder in ("styles", "fonts"):
        shutil.copytree(ROOT / folder, dest / folder)
    (dest / "sheets").mkdir(parents=True)
    shutil.copy(ROOT / "sheets" / "series.yaml", dest / "sheets")
    shutil.copytree(ROOT / "sheets" / "logos", dest / "sheets" / "logos")
    models = sorted(p for p in (ROOT / "sheets").glob("*.yaml") if p.name != "series.yaml")
    rng = random.Random(seed)
    width = len(str(count))
    for number in range(1, count + 1):
        model = models[(number - 1) % len(models)]
        sheet = _vary(yaml.safe_load(model.read_text(encoding="utf-8")), number, rng)
        slug = model.stem.split("-", 1)[1]
        text = yaml.safe_dump(sheet, allow_unicode=True, sort_keys=False, width=90)
        (dest / "sheets" / f"{number:0{width}d}-{slug}.yaml").write_text(text, encoding="utf-8")
    return dest


# --- measuring ------------------------------------------------------------------------------


def median_of(runs: int, task: Callable[[], float]) -> tuple[float, list[float]]:
    times = [task() for _ in range(runs)]
    return statistics.median(times), times


class PeakMemory:
    """The peak RSS (VmHWM) of a process tree, read from /proc while it runs (Linux)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peaks: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.parents: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    todo += [int(c) for c in task.read_text().split()]
        return found

    def _watch(self) -> None:
        while not self._stop.is_set():
            for pid in self._tree():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                match = re.search(r"VmHWM:\s+(\d+) kB", status)
                parent = re.search(r"PPid:\s+(\d+)", status)
                if match and parent:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), int(match.group(1)))
                    self.names[pid] = cmdline.replace(b"\0", b" ").decode(errors="replace")
                    self.parents[pid] = int(parent.group(1))
            time.sleep(0.05)

    def main_mb(self) -> float:
        return self.peaks.get(self.pid, 0) / 1024

    def workers_mb(self) -> list[float]:
        """Peaks of the worker processes: the children of the fork server (or, without one,
        the build's children but its resource tracker)."""
        servers = self._servers()
        return [
            kb / 1024
            for pid, kb in self.peaks.items()
            if self.parents.get(pid) in servers
            or (
                not servers
                and self.parents.get(pid) == self.pid
                and "resource_tracker" not in self.names.get(pid, "")
            )
        ]

    def server_mb(self) -> float:
        """The fork server's peak: WeasyPrint imported, before any work."""
        return max((self.peaks[pid] for pid in self._servers()), default=0) / 1024

    def _servers(self) -> set[int]:
        # Its workers are forked from it and show the same command line: it is the one
        # started by the build itself.
        return {
            pid
            for pid, name in self.names.items()
            if "forkserver" in name and self.parents.get(pid) == self.pid
        }


@dataclass
class Run:
    seconds: float
    output: str
    memory: PeakMemory


def fichepress(project: Path, *args: str, check: bool = True) -> Run:
    """`fichepress build …` in a new process, as `make sheets` runs it; its time and memory."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [*FICHEPRESS, *args, "--project", str(project)],
        env=ENVIRONMENT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with PeakMemory(process.pid) as memory:
        output, _ = process.communicate()
    seconds = time.perf_counter() - start
    if check and process.returncode != 0:
        raise SystemExit(f"fichepress {' '.join(args)} failed:\n{output}")
    return Run(seconds, output, memory)


@dataclass
class Result:
    name: str
    what: str
    value: float
    target: float
    higher_is_better: bool = False
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def line(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{self.name:<4}{self.what:<58}{self.value:8.2f}  (target {sign} {self.target:g})"
            f"  {verdict}" + (f"\n    {self.detail}" if self.detail else "")
        )


# --- the scenarios --------------------------------------------------------------------------


def p1_overhead(work: Path, repeats: int) -> list[Result]:
    """One sheet, one variant, in-process: fichepress's whole pipeline against bare WeasyPrint
    rendering the HTML and CSS fichepress wrote, runs interleaved."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from fichepress.core.project import Project
    from fichepress.core.variants import VARIANTS, VariantName
    from fichepress.html.edition import load_edition
    from fichepress.series.builder import Builder
    from fichepress.series.report import Report

    project = Project.at(ROOT)
    edition = load_edition(project, [project.sheets / "03-strategie-globale.yaml"])
    builder = Builder(edition, work / "p1")
    [source] = edition.sheets
    font_config = FontConfiguration()
    results = []
    variants: tuple[VariantName, ...] = ("print", "accessible")
    for variant in variants:
        html = builder.sheet_html(source.sheet, variant)

        def ours(variant: VariantName = variant) -> float:
            start = time.perf_counter()
            report = Report()
            builder.build_sheet(source, variant, report)
            assert report.ok, report.problems
            return time.perf_counter() - start

        def bare(html: str = html, variant: VariantName = variant) -> float:
            start = time.perf_counter()
            weasyprint.HTML(string=html, base_url=project.root.as_uri() + "/").write_pdf(
                font_config=font_config, pdf_variant=VARIANTS[variant].pdf_variant
            )
            return time.perf_counter() - start

        ours(), bare()  # warm up: imports, fonts, caches
        times: dict[str, list[float]] = {"ours": [], "bare": []}
        for _ in range(repeats):
            # Each run starts without garbage left by the other; the two runs of a pair are
            # neighbours in time, so their ratio cancels most of a noisy machine's swings.
            gc.collect()
            times["ours"].append(ours())
            gc.collect()
            times["bare"].append(bare())
        mine, theirs = statistics.median(times["ours"]), statistics.median(times["bare"])
        pairs = [a / b for a, b in zip(times["ours"], times["bare"], strict=True)]
        results.append(
            Result(
                "P1",
                f"{variant}: fichepress {mine:.3f} s / bare WeasyPrint {theirs:.3f} s",
                statistics.median(pairs),
                1.15,
                detail=f"ratio of the medians {mine / theirs:.2f}, {repeats} pairs",
            )
        )
    return results


def _cold_build(project: Path, jobs: int) -> Run:
    shutil.rmtree(project / "build", ignore_errors=True)
    return fichepress(project, "build", "-q", "--jobs", str(jobs))


def p2_parallel(series50: Path, repeats: int) -> tuple[list[Result], list[Run]]:
    runs: dict[int, list[Run]] = {1: [], 2: []}
    for _ in range(repeats):
        for jobs in (1, 2):
            runs[jobs].append(_cold_build(series50, jobs))
    one = statistics.median(r.seconds for r in runs[1])
    two = statistics.median(r.seconds for r in runs[2])
    result = Result(
        "P2",
        f"cold build of 50 sheets: 1 worker {one:.1f} s / 2 workers {two:.1f} s",
        one / two,
        1.7,
        higher_is_better=True,
    )
    return [result], runs[2]


def p3_noop(series50: Path, repeats: int) -> list[Result]:
    if not (series50 / "build" / "manifest.json").is_file():
        _cold_build(series50, 2)
    runs = [fichepress(series50, "build") for _ in range(repeats)]
    for run in runs:
        if "everything is up to date" not in run.output:
            raise SystemExit(f"P3: the no-op build built something:\n{run.output}")
    seconds = statistics.median(r.seconds for r in runs)
    return [Result("P3", "no-op build of 50 sheets (s)", seconds, 0.5)]


def p4_edit(series50: Path, repeats: int) -> list[Result]:
    if not (series50 / "build" / "manifest.json").is_file():
        _cold_build(series50, 2)
    sheet = sorted((series50 / "sheets").glob("*.yaml"))[20]
    original = sheet.read_text(encoding="utf-8")
    times = []
    try:
        for round_ in range(repeats):
            # A word of the body: the sheet and the collection's body change, not the TOC.
            edited = original.replace("concertation", f"concertation {round_ + 1}", 1)
            if edited == original:
                edited = original.replace("title: ", f"title: Version {round_ + 1} ", 1)
            sheet.write_text(edited, encoding="utf-8")
            run = fichepress(series50, "build")
            written = [line for line in run.output.splitlines() if "wrote " in line]
            if len(written) != 4:
                raise SystemExit(f"P4: expected 4 PDFs rebuilt, got:\n{run.output}")
            times.append(run.seconds)
    finally:
        sheet.write_text(original, encoding="utf-8")
    seconds = statistics.median(times)
    return [Result("P4", "build after one sheet of 50 changed (s)", seconds, 3.0)]


def p5_memory_and_scale(work: Path, cold_runs: Sequence[Run], quick: bool) -> list[Result]:
    results = []
    workers = [mb for run in cold_runs for mb in run.memory.workers_mb()]
    if workers:
        results.append(
            Result("P5", f"peak RSS of a worker, {len(workers)} seen (MB)", max(workers), 200)
        )
    if quick:
        return results
    series10 = make_series(work / "series-10", 10)
    series100 = make_series(work / "series-100", 100)
    small = _cold_build(series10, 2)
    large = _cold_build(series100, 2)
    results.append(
        Result(
            "P5", "peak RSS of the 100-sheet build's main process (MB)", large.memory.main_mb(), 500
        )
    )
    memory = large.memory
    workers = sorted(memory.workers_mb(), reverse=True)
    results.append(
        Result(
            "P5",
            f"100-sheet build: main {memory.main_mb():.0f} + server {memory.server_mb():.0f}"
            f" + 2 largest workers (MB)",
            memory.main_mb() + memory.server_mb() + sum(workers[:2]),
            500,
        )
    )
    per_small, per_large = small.seconds / 10, large.seconds / 100
    results.append(
        Result(
            "P5",
            f"s/sheet at 100 ({per_large:.2f}) / at 10 ({per_small:.2f}), cold, 2 workers",
            per_large / per_small,
            1.1,
        )
    )
    return results


def p6_check(series50: Path, repeats: int) -> list[Result]:
    """`check` validates without rendering: "well under a second" for a series."""
    results = []
    for project, what in (
        (ROOT, "check of this project's series (s)"),
        (series50, "check of 50 sheets (s)"),
    ):
        runs = [fichepress(project, "check") for _ in range(repeats)]
        for run in runs:
            if "weasyprint" in run.output.lower():
                raise SystemExit(f"P6: check mentions the renderer:\n{run.output}")
        results.append(Result("P6", what, statistics.median(r.seconds for r in runs), 1.0))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("scenarios", nargs="*", default=["P1", "P2", "P3", "P4", "P5", "P6"])
    parser.add_argument("--quick", action="store_true", help="fewer runs, no 100-sheet series")
    parser.add_argument("--keep", type=Path, help="build the series in this folder and keep it")
    args = parser.parse_args(argv)
    wanted = {s.upper() for s in args.scenarios}
    repeats = 3 if args.quick else 5
    cold_repeats = 1 if args.quick else 3
    print(f"fichepress benchmarks on {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="fichepress-bench-"))
    results: list[Result] = []
    try:
        series50 = make_series(work / "series-50", 50)
        if "P1" in wanted:
            results += p1_overhead(work, repeats * 3)
            print(results[-2].line(), results[-1].line(), sep="\n", flush=True)
        cold: list[Run] = []
        if "P2" in wanted or "P5" in wanted:
            found, cold = p2_parallel(series50, cold_repeats)
            if "P2" in wanted:
                results += found
                print(found[0].line(), flush=True)
        if "P3" in wanted:
            results += p3_noop(series50, repeats)
            print(results[-1].line(), flush=True)
        if "P4" in wanted:
            results += p4_edit(series50, repeats)
            print(results[-1].line(), flush=True)
        if "P5" in wanted:
            found = p5_memory_and_scale(work, cold, args.quick)
            results += found
            for result in found:
                print(result.line(), flush=True)
        if "P6" in wanted:
            found = p6_check(series50, repeats)
            results += found
            for result in found:
                print(result.line(), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    failed = [r for r in results if not r.passed]
    print(f"\n{len(results) - len(failed)} of {len(results)} targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
