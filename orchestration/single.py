"""One build: config → Solution → .tex → PDF, published together, skipped when up to date.

Only the standard library and the build cache are imported at the top, so that an unchanged
rebuild answers in milliseconds; numpy, SymPy, Jinja and TeX are loaded once something has
to be built.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.cache import STAMP, fingerprint, stamp_for, up_to_date
from orchestration.publish import check_output_folder, check_places, output_lock, publish
from report.settings import DEFAULT_INFO, ReportInfo
from solver.limits import DEFAULT_PAPER
from solver.reading import read_config

if TYPE_CHECKING:
    from concurrent.futures import Future

OUTPUTS = (
    *("solution.tex", "problem.tex", "results.json"),
    *("solution.pdf", "solution.log", "problem.pdf", "problem.log", STAMP),
)


def render_solution(
    solution, *, info: ReportInfo = DEFAULT_INFO, prove: bool = False, keep: bool = False
) -> str:
    """The solution document's LaTeX source, its [report] ``info``, with the checks of its
    Verification appendix (run without an appendix too: VerificationError when they fail):
    central differences, Problem 1's closed forms in 50-digit arithmetic and the exact forms
    where the instance has them (kept in the user's cache with ``keep``:
    orchestration.exact), and with ``prove`` the symbolic proof of Problem 1."""
    from orchestration.exact import exact_shown
    from report.document import solution_tex
    from solver.verification import checked

    # The exact forms are shown in Problem 2 too, rounded to the report's decimals.
    rows, shown = exact_shown(solution, decimals=info.decimals, keep=keep)
    # The checks run with or without an appendix to show them: a disagreement stops the build.
    checks = checked(solution, shown=shown, prove=prove)
    return solution_tex(solution, rows, checks if info.appendix else None, info=info)


def build_solution(config: Path, out: Path, *, pdf: bool = True, prove: bool = False) -> bool:
    """Solve the instance in ``config`` and write solution.tex, problem.tex, results.json (and
    solution.pdf, problem.pdf, the problem sheet, and TeX's logs) into ``out`` together,
    unless ``out`` holds them already, unaltered since (see orchestration.cache). Returns
    whether anything was built.

    Raises:
        ConfigError: the config is missing or does not fit the schema.
        DivergedError: a training run overflowed.
        TexError: TeX is missing or failed; its log is written to ``out/solution.log``
            (``problem.log``) and the other outputs are left as they were.
    """
    check_output_folder(out)
    with output_lock(out):
        return _build_locked(config, out, pdf=pdf, prove=prove)


def _build_locked(config: Path, out: Path, *, pdf: bool, prove: bool) -> bool:
    """The build, with ``out`` locked: no other build reads or writes it meanwhile. The
    config is read once, here (a pipe, too): its text is fingerprinted, its paper starts
    TeX, its tables are solved."""
    check_places(out, OUTPUTS)
    text, data = read_config(config)
    inputs = fingerprint(text, pdf=pdf, prove=prove)
    if up_to_date(inputs, out):
        return False

    early = _start_tex(data) if pdf else None
    try:
        files = _solve_and_typeset(data, config, out, pdf=pdf, prove=prove, early=early)
    finally:
        if early is not None:
            early.cancel()
    files[STAMP] = stamp_for(inputs, files)
    publish(out, files)
    return True


def _start_tex(data: dict):
    """TeX started now on the cached format of the solution's preamble (report.tex.start)
    while the solver and the templates load: about a quarter of a second of TeX's start off
    the build's time. None when it cannot be."""
    from orchestration.families import family_of
    from report.tex import start

    head = family_of(data).early_head(data)
    return None if head is None else start(head)


def early_head(data: dict) -> str | None:
    """The solution's preamble for the paper and the network (its depth and loss: Figure 2
    is in the format) that the config's tables ``data`` name, before they are checked and
    solved; None when they do not say. (A wrong guess costs only the early start.)"""
    from report.document import solution_head
    from solver.losses import DEFAULT as DEFAULT_LOSS

    report, network = data.get("report", {}), data.get("network", {})
    try:
        paper = report.get("paper", DEFAULT_PAPER)
        hidden_layers = sum(1 for key in network if key[:1] == "W" and key[1:].isdigit()) - 1
        if hidden_layers < 0:
            return None
        return solution_head(str(paper), hidden_layers, str(network.get("loss", DEFAULT_LOSS)))
    except Exception:  # noqa: BLE001 - a config the schema will refuse, properly
        return None


def _solve_and_typeset(
    data: dict, config: Path, out: Path, *, pdf: bool, prove: bool, early
) -> dict:
    """The outputs of the build, by name (TeX's log published alone when TeX fails), made
    by the config's family (orchestration.families)."""
    from concurrent.futures import ThreadPoolExecutor

    from orchestration.families import family_of
    from report.tex import compile_pdf

    documents = family_of(data).documents(data, str(config), prove=prove)
    sheet, tex = documents.sheet, documents.solution
    files = {
        "problem.tex": sheet.encode(),
        "results.json": documents.results.encode(),
        "solution.tex": tex.encode(),
    }
    if pdf:
        # The solution first: its TeX, started early, waits for it. The sheet's pass starts
        # after this process's own work, not beside it (two cores: it would slow both).
        with ThreadPoolExecutor(max_workers=2) as pool:
            compiles = {"solution": pool.submit(compile_pdf, tex, early=early)}
            compiles["problem"] = pool.submit(compile_pdf, sheet)
            files.update(_typeset(compiles, out))
    return files


def _typeset(compiles: dict[str, Future], out: Path) -> dict[str, bytes]:
    """Each document's PDF and TeX log, once every compile has finished. On a TeX error the
    failed documents' logs alone are published (the previous set stays as it was) and the
    solution's error (else the sheet's) is raised, named after its document."""
    from report.tex import TexError

    files: dict[str, bytes] = {}
    errors: dict[str, TexError] = {}
    for document, compiled in compiles.items():
        try:
            result = compiled.result()
        except TexError as err:
            errors[document] = err
        else:
            files[f"{document}.pdf"] = result.pdf
            files[f"{document}.log"] = result.log.encode()
    if errors:
        logs = {f"{name}.log": err.log.encode() for name, err in errors.items() if err.log}
        if logs:
            publish(out, logs, add=True)
        document, err = min(errors.items(), key=lambda item: item[0] != "solution")
        raise TexError(f"{document}.pdf: {err}", err.log)
    return files
