"""A single-node Slurm cluster of a test's own, for the many-machines recipe's test.

Debian's slurm-wlm and munge (``make test-cluster`` installs them), started as a site's are
not: their own munge key and socket, a slurm.conf read through ``SLURM_CONF`` with ports of
their own, state, spool, logs and pid files in the test's temporary folder; no systemd, no
cgroups (``proctrack/linuxproc``, ``task/none``), no accounting. Every daemon runs in the
foreground as a child of the test, and is stopped by its PID, after the jobs the test
submitted are cancelled: nothing of the machine's own (a Slurm or munge it runs already) is
touched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "sinfo", "scancel", "scontrol")
START_SECONDS = 60  # a node idle this long after its daemons start, or the cluster failed


def missing_programs() -> list[str]:
    """The programs the cluster needs that are not on PATH."""
    return [name for name in (*DAEMONS, *CLIENTS) if shutil.which(name) is None]


def _free_ports(count: int) -> list[int]:
    """Ports no process listens on now (the daemons bind them a moment later)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


SLURM_CONF = """\
ClusterName=hw3test
SlurmctldHost={host}(127.0.0.1)
SlurmUser={user}
SlurmdUser={user}
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
AuthType=auth/munge
AuthInfo=socket={munge_socket}
CredType=cred/munge
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MailProg=/bin/true
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


def _wait_for(condition, seconds: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(
                f"--- {log.name}:\n{log.read_text(errors='replace')[-1500:]}"
                for log in logs
                if log.exists()
            )
            raise RuntimeError(f"{what} within {seconds:.0f} s\n{tails}")
        time.sleep(0.2)


@contextlib.contextmanager
def single_node_slurm(folder: Path) -> Iterator[dict[str, str]]:
    """A Slurm cluster of one node (this machine) running while in the block; yields the
    environment its commands (sbatch, squeue, …) need: ``SLURM_CONF``, and a PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    for sub in ("state", "spool", "munge"):
        (folder / sub).mkdir(mode=0o700, exist_ok=True)
    munge = folder / "munge"
    key = munge / "munge.key"
    key.write_bytes(secrets.token_bytes(1024))
    key.chmod(0o400)
    munge_socket = munge / "munge.socket"
    host = socket.gethostname().split(".")[0]
    ctld_port, d_port = _free_ports(2)
    conf = folder / "slurm.conf"
    conf.write_text(
        SLURM_CONF.format(
            host=host,
            user=os.environ.get("USER") or "root",
            ctld_port=ctld_port,
            d_port=d_port,
            munge_socket=munge_socket,
            folder=folder,
            cpus=os.cpu_count() or 1,
        )
    )
    env = {**os.environ, "SLURM_CONF": str(conf)}
    logs = [munge / "munged.log", folder / "slurmctld.log", folder / "slurmd.log"]
    started: list[subprocess.Popen] = []
    try:
        started.append(
            subprocess.Popen(
                [
                    "munged",
                    "--foreground",
                    "--force",
                    f"--socket={munge_socket}",
                    f"--key-file={key}",
                    f"--pid-file={munge / 'munged.pid'}",
                    f"--log-file={munge / 'munged.log'}",
                    f"--seed-file={munge / 'munged.seed'}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
        )
        _wait_for(munge_socket.exists, 20, "munged did not open its socket", logs)
        for daemon in ("slurmctld", "slurmd"):
            started.append(
                subprocess.Popen(
                    [daemon, "-D", *(["-c", "-i"] if daemon == "slurmctld" else [])],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=(folder / f"{daemon}.err").open("wb"),
                )
            )

        def idle() -> bool:
            for process in started:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{process.args[0]} exited with {process.returncode}: "
                        + "".join(
                            log.read_text(errors="replace")[-1500:] for log in logs if log.exists()
                        )
                    )
            state = subprocess.run(
                ["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True
            )
            return state.stdout.strip() == "idle"

        _wait_for(idle, START_SECONDS, "the node was not idle", logs)
        yield env
    finally:
        if len(started) == 3:  # the jobs of this cluster, before its daemons
            subprocess.run(["scancel", "--full", "--partition=test"], env=env, timeout=30)
        for process in reversed(started):  # slurmd, slurmctld, munged: by their PIDs
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
