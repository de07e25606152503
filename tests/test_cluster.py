"""The many-machines recipe of docs/instructors.md, run for real on a single-node Slurm.

``make test-cluster`` runs this (it installs Debian's slurm-wlm and munge first); ``make
test`` leaves it out. The block is taken from the docs as written and scaled down (a class
of 5 in 3 shards, in a temporary folder): what an instructor pastes is what is tested.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
from instances import ROOT, tree
from slurm_cluster import missing_programs, single_node_slurm

import build

pytestmark = [pytest.mark.cluster, pytest.mark.tex]

DOCS = ROOT / "docs" / "instructors.md"
SIZE, SHARDS, SEED = 5, 3, 2024
JOB_SECONDS = 600  # every job of the recipe ended by then, or the test fails


def recipe(shared: Path) -> str:
    """The docs' Slurm block (the one that submits with sbatch), for a class of SIZE in
    SHARDS shards under ``shared`` instead of /shared, run from this checkout."""
    blocks = re.findall(r"```\n(.*?)```", DOCS.read_text(), re.DOTALL)
    (block,) = [b for b in blocks if "sbatch" in b]
    scaled = {
        "cd ~/hw3": f"cd {ROOT}",
        "/shared/": f"{shared}/",
        "--array=0-99": f"--array=0-{SHARDS - 1}",
        "--variants 100000": f"--variants {SIZE}",
        "/100 ": f"/{SHARDS} ",
    }
    for text, replacement in scaled.items():
        assert text in block, f"the docs' Slurm block no longer has {text!r}"
        block = block.replace(text, replacement)
    return block + 'echo "array=$array"\n'


def wait_for_jobs(env: dict[str, str]) -> None:
    """Until no job of the cluster is left; a job pending on a dependency that can never be
    met (afterok after a failed shard) fails the test at once."""
    deadline = time.monotonic() + JOB_SECONDS
    command = ["squeue", "-h", "-o", "%i %T %r"]
    while jobs := subprocess.run(command, env=env, capture_output=True, text=True).stdout:
        assert "DependencyNeverSatisfied" not in jobs, f"a job waits for ever:\n{jobs}"
        assert time.monotonic() < deadline, f"the recipe's jobs did not end:\n{jobs}"
        time.sleep(1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    missing = missing_programs()
    assert not missing, f"{', '.join(missing)} missing: `make test-cluster` installs them"
    with single_node_slurm(tmp_path_factory.mktemp("slurm")) as env:
        yield env


def submit(env: dict[str, str], shared: Path) -> str:
    """The recipe run as an instructor would; the array job's id."""
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", recipe(shared)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return re.search(r"array=(\d+)", run.stdout)[1]


def test_the_slurm_recipe_builds_the_class_a_single_machine_does(cluster, tmp_path):
    before = set(ROOT.glob("slurm-*.out"))
    submit(cluster, tmp_path)
    wait_for_jobs(cluster)
    logs = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert len(logs) == SHARDS + 1, logs  # each shard's and the key's, none in the checkout
    assert set(ROOT.glob("slurm-*.out")) == before
    said = {name: (tmp_path / "logs" / name).read_text() for name in logs}
    assert any(f"wrote the key of {SIZE} variants" in text for text in said.values()), said
    one = tmp_path / "one-machine"
    argv = ["variants", "--variants", str(SIZE), "--seed", str(SEED), "--jobs", "2"]
    assert build.main([*argv, "--out", str(one)]) == 0
    assert tree(tmp_path / "class") == tree(one)


def test_the_key_job_runs_and_names_a_shard_that_did_not_end_well(cluster, tmp_path):
    """One shard cancelled (a node lost, a time limit): the key job is not left pending for
    ever (afterok's way), it runs, keys the variants built and names the missing ones."""
    array = submit(cluster, tmp_path)
    subprocess.run(["scancel", f"{array}_1"], env=cluster, check=True)  # shard 2 of 3
    wait_for_jobs(cluster)
    (key_log,) = [
        p for p in (tmp_path / "logs").iterdir() if p.name.startswith("wrap-") and "_" not in p.name
    ]
    text = key_log.read_text()
    assert "error: 2 variants missing" in text and "variant-003, variant-004" in text, text
    built = sorted(p.name for p in (tmp_path / "class" / "variants").iterdir())
    assert built == ["variant-001", "variant-002", "variant-005"]
