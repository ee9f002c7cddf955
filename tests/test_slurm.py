#!/usr/bin/python3
"""docs/sweeps.md's Slurm recipe (jobs, a job array, merge) on a real Slurm, started here for the test.

  /usr/bin/python3 tests/test_slurm.py BIN_DIR SOURCE_DIR [unittest options]

(ctest: `ctest --test-dir build -L slurm`). Starts a private munged, slurmctld and slurmd for one node on
localhost (Debian 12's slurm-wlm 22.05 and munge; no systemd, no cgroups), everything in a temporary
directory and on free ports, with SLURM_CONF pointing at its slurm.conf. Takes the sbatch script and the
submit and merge commands from docs/sweeps.md (tests/sweep_recipe.py), runs them on a 4-point spec of
configs/tiny_residual.yaml, waits until squeue no longer shows the array, checks that every task
completed and that `merge` gives exactly the rows of `scripts/sweep run` on the same spec; then runs the
recipe again with every point done: `jobs` writes no line, nothing is submitted, exit 0. Every daemon
started here is stopped by its PID at the end, also when the test fails or is interrupted, and the
temporary directory is removed (kept, and named, with DDCPIM_KEEP_SLURM_DIR=1).

Without slurm-wlm or munge the test fails and says to run scripts/setup.
"""
import atexit
import ctypes
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sweep_recipe  # noqa: E402

SOURCE_DIR = Path(os.environ.get("DDCPIM_SOURCE_DIR", Path(__file__).resolve().parent.parent))
BIN_DIR = Path(os.environ.get("DDCPIM_BIN_DIR", SOURCE_DIR / "build" / "bin"))
TINY = "configs/tiny_residual.yaml"
SPEC = f"networks: [{TINY}]\nmodes: [compare]\ngrid: {{macro.rows: [128, 256], macro.weight_columns: [16, 32]}}\n"
POINTS = 4
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin", "/bin"])
TOOLS = {"munged": "munge", "slurmctld": "slurm-wlm", "slurmd": "slurm-wlm", "sbatch": "slurm-wlm",
         "squeue": "slurm-wlm", "sinfo": "slurm-wlm", "scontrol": "slurm-wlm"}
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def die_with_parent():
    """In a daemon's child process: SIGTERM when the test process dies (a ctest timeout kills it)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def become_subreaper():
    """Orphaned descendants (slurmd double-forks its slurmstepd processes) become this process's children,
    so that stop() can end and reap them instead of leaving them, or their zombies, to PID 1."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def tail(path, n=25):
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return f"    ({path}: none)"
    return f"  {path}:\n" + "\n".join("    " + l for l in lines[-n:])


def children_of(pid, name=None):
    """PIDs whose parent is `pid` (and whose command name starts with `name`)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                comm, rest = stat.split(" (", 1)[1].rsplit(")", 1)
                if int(rest.split()[1]) == pid and (name is None or comm.startswith(name)):
                    out.append(int(d.name))
            except (OSError, ValueError, IndexError):
                pass
    return out


def end(pids, timeout=10):
    """SIGTERM to the PIDs (children of this process), reaped; SIGKILL to those left after `timeout` s."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    left, deadline, killed = set(pids), time.monotonic() + timeout, False
    while left:
        for pid in list(left):
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    left.discard(pid)
            except ChildProcessError:
                left.discard(pid)
        if left and time.monotonic() > deadline:
            if killed:
                raise AssertionError(f"processes {sorted(left)} outlived SIGKILL")
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            killed, deadline = True, time.monotonic() + 5
        time.sleep(0.05)


class Cluster:
    """munged + slurmctld + slurmd for one node, all in `root`; start() and stop() (safe to call twice)."""

    def __init__(self, root):
        self.root = Path(root)
        self.procs = []          # (name, Popen), in start order
        self.node = socket.gethostname().split(".")[0] or "localhost"
        self.user = pwd.getpwuid(os.getuid()).pw_name
        self.conf = self.root / "slurm.conf"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "SBATCH_", "SQUEUE_"))}
        self.env.update(SLURM_CONF=str(self.conf), PATH=SEARCH_PATH, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")

    def tool(self, name):
        return shutil.which(name, path=SEARCH_PATH)

    def spawn(self, name, cmd):
        log = open(self.root / f"{name}.out", "w")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                             cwd=self.root, preexec_fn=die_with_parent)
        log.close()
        self.procs.append((name, p))
        return p

    def slurm(self, *args, check=True, timeout=30):
        r = subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(args)}: exit {r.returncode}\n{r.stdout}{r.stderr}\n{self.logs()}")
        return r

    def logs(self):
        names = ["munged.log", "munged.out", "slurmctld.log", "slurmctld.out", "slurmd.log", "slurmd.out"]
        return "daemon logs:\n" + "\n".join(tail(self.root / n) for n in names if (self.root / n).exists())

    def wait_for(self, what, ok, timeout):
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            for name, p in self.procs:
                if p.poll() is not None:
                    raise AssertionError(f"{name} exited (status {p.returncode}) while waiting for {what}\n"
                                         f"{self.logs()}")
            v = ok()
            if v:
                return v
            time.sleep(0.25)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{self.logs()}")

    def start(self):
        r = self.root
        become_subreaper()
        for d in ("munge", "state", "spool"):
            (r / d).mkdir(mode=0o700)
        key = r / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        sock = r / "munge" / "munge.socket"
        self.spawn("munged", [self.tool("munged"), "--foreground", "--force", "--origin=127.0.0.1",
                              f"--socket={sock}",
                              f"--key-file={key}", f"--pid-file={r / 'munge' / 'munged.pid'}",
                              f"--log-file={r / 'munged.log'}", f"--seed-file={r / 'munge' / 'munged.seed'}"])
        self.wait_for("munged's socket", sock.exists, 15)

        # This machine as slurmd sees it (CPUs, sockets, cores, threads, memory): the node's definition.
        hw = self.slurm(self.tool("slurmd"), "-C").stdout.splitlines()[0].split()
        hw = [kv for kv in hw if kv.split("=", 1)[0] in
              ("CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore", "RealMemory")]
        mem = int(next(kv for kv in hw if kv.startswith("RealMemory=")).split("=")[1])
        if mem < 1024:
            raise AssertionError(f"the docs' sbatch script asks for --mem=1G; this machine has {mem} MB")
        ctld_port, slurmd_port = free_ports(2)
        (r / "plugstack.conf").write_text("")
        self.conf.write_text(f"""# A one-node Slurm for tests/test_slurm.py: no systemd, no cgroups, no accounting.
ClusterName=ddcpimtest
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser={self.user}
SlurmdUser={self.user}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={sock}
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
ReturnToService=2
StateSaveLocation={r / 'state'}
SlurmdSpoolDir={r / 'spool'}
SlurmctldPidFile={r / 'slurmctld.pid'}
SlurmdPidFile={r / 'slurmd.pid'}
SlurmctldLogFile={r / 'slurmctld.log'}
SlurmdLogFile={r / 'slurmd.log'}
PlugStackConfig={r / 'plugstack.conf'}
SlurmctldDebug=info
SlurmdDebug=info
KillWait=5
MailProg=/bin/true
InactiveLimit=0
NodeName={self.node} NodeAddr=127.0.0.1 {" ".join(hw)} State=UNKNOWN
PartitionName=debug Nodes={self.node} Default=YES MaxTime=INFINITE State=UP
""")
        self.spawn("slurmctld", [self.tool("slurmctld"), "-D", "-f", str(self.conf)])
        self.wait_for("slurmctld to answer", lambda: self.slurm(self.tool("scontrol"), "ping", check=False)
                      .stdout.count("UP") > 0, 30)
        self.spawn("slurmd", [self.tool("slurmd"), "-D", "-f", str(self.conf), "-N", self.node])

        def idle():
            st = self.slurm(self.tool("sinfo"), "-h", "-N", "-n", self.node, "-o", "%T", check=False).stdout.strip()
            if st.startswith(("down", "drain", "fail")) and "*" not in st:
                self.slurm(self.tool("scontrol"), "update", f"nodename={self.node}", "state=resume", check=False)
            return st == "idle"
        self.wait_for(f"node {self.node} to be idle in sinfo", idle, 45)

    def stop(self):
        """SIGTERM to every daemon started here, by PID, newest first (SIGKILL after 10 s); then to the
        slurmstepd processes left over (this process is their subreaper), which are reaped."""
        for name, p in reversed(self.procs):
            if p.poll() is not None:
                continue
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        self.procs = [(n, p) for n, p in self.procs if p.poll() is None]
        end(children_of(os.getpid(), "slurmstepd"))


def on_signal(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


class SlurmSweepTest(unittest.TestCase):
    def setUp(self):
        absent = [t for t in TOOLS if not shutil.which(t, path=SEARCH_PATH)]
        if absent:
            self.fail(f"{' and '.join(sorted({TOOLS[t] for t in absent}))} not installed (no {', '.join(absent)}): "
                      "run scripts/setup, which installs slurm-wlm and munge")
        self.sim = BIN_DIR / "ddcpim_sim"
        if not self.sim.is_file():
            self.fail(f"{self.sim} not found: build first (scripts/build)")
        signal.signal(signal.SIGTERM, on_signal)
        # munged's socket path must fit a sockaddr_un (108 bytes): a long TMPDIR is not used.
        self.dir = Path(tempfile.mkdtemp(prefix="test_slurm-", dir=None if len(tempfile.gettempdir()) < 50 else "/tmp"))
        self.dir.chmod(0o700)
        if not os.environ.get("DDCPIM_KEEP_SLURM_DIR"):
            self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
            atexit.register(shutil.rmtree, self.dir, ignore_errors=True)
        else:
            print(f"test_slurm: keeping {self.dir}", file=sys.stderr)
        self.cluster = Cluster(self.dir / "slurm")
        self.cluster.root.mkdir(mode=0o700)
        # Cleanups run also when start() fails half-way; atexit (registered after rmtree, so run before it)
        # covers an interrupt (SIGTERM, Ctrl-C), which unittest lets through without cleanups.
        self.addCleanup(self.cluster.stop)
        atexit.register(self.cluster.stop)
        t0 = time.monotonic()
        self.cluster.start()
        print(f"test_slurm: Slurm up on node {self.cluster.node} in {time.monotonic() - t0:.1f} s",
              file=sys.stderr)

    def sh(self, snippet, timeout=120):
        return subprocess.run(["bash", "-c", snippet], cwd=self.dir, env=self.cluster.env, capture_output=True,
                              text=True, timeout=timeout)

    def ok(self, r, what):
        self.assertEqual(r.returncode, 0, f"{what}: exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}\n"
                                          f"{self.cluster.logs()}")
        return r

    def test_docs_recipe_on_slurm(self):
        c = self.cluster
        spec = self.dir / "spec.yaml"
        spec.write_text(SPEC)
        shared = self.dir / "shared"   # the docs' /shared/paper
        sbatch_file, merged = self.dir / "sweep.sbatch", self.dir / "merged.csv"
        script, submit, merge = sweep_recipe.recipe(SOURCE_DIR, shared, spec, self.sim, sbatch_file, merged)
        sbatch_file.write_text(script)

        # Round 1: jobs (point 1 runs here to check the spec), the array for the other 3, merge.
        t0 = time.monotonic()
        r = self.ok(self.sh(submit), "the docs' submit commands")
        lines = (shared / "jobs.txt").read_text().splitlines()
        self.assertEqual(len(lines), POINTS - 1)
        m = re.search(r"Submitted batch job (\d+)", r.stdout)
        self.assertTrue(m, f"sbatch did not submit:\n{r.stdout}{r.stderr}")
        job = m.group(1)

        def gone():
            q = c.slurm(c.tool("squeue"), "-h", "-j", job, "-o", "%i %T", check=False)
            return q.returncode == 0 and not q.stdout.strip() or "Invalid job id" in q.stderr
        c.wait_for(f"array job {job} to leave squeue", gone, 120)
        print(f"test_slurm: array of {len(lines)} tasks done in {time.monotonic() - t0:.1f} s", file=sys.stderr)

        # Every task completed with exit 0 (scontrol keeps finished jobs for MinJobAge, 300 s).
        shown = c.slurm(c.tool("scontrol"), "-o", "show", "job", job).stdout.strip().splitlines()
        tasks = {}
        for rec in shown:
            f = dict(kv.split("=", 1) for kv in rec.split() if "=" in kv)
            tasks[f.get("ArrayTaskId")] = (f.get("JobState"), f.get("ExitCode"))
        outs = {i: shared / f"slurm-{job}_{i}.out" for i in range(1, len(lines) + 1)}
        self.assertEqual(tasks, {str(i): ("COMPLETED", "0:0") for i in outs},
                         "array tasks: " + "\n".join(tail(p) for p in outs.values()) + "\n" + c.logs())
        for p in outs.values():
            self.assertTrue(p.exists(), f"{p}: the sbatch script's --output file is missing")

        r = self.ok(self.sh(merge), "the docs' merge command")
        self.assertIn(f"{POINTS} points: {POINTS} merged", r.stderr)   # point 1's JSON is from `jobs`' check
        run = self.dir / "run.csv"
        self.ok(subprocess.run(["/usr/bin/python3", str(SOURCE_DIR / "scripts" / "sweep"), "run", str(spec),
                                "--out", str(run), "--bin", str(self.sim), "--jobs", "2", "--engine", "clocked"],
                               env=c.env, capture_output=True, text=True, timeout=120), "scripts/sweep run")
        for suffix in ("", ".layers", ".components"):
            ran = (self.dir / f"run{suffix}.csv").read_text().splitlines()
            got = (self.dir / f"merged{suffix}.csv").read_text().splitlines()
            self.assertEqual(ran[0], got[0], f"columns of merged{suffix}.csv")
            self.assertEqual(sorted(ran[1:]), sorted(got[1:]), f"rows of merged{suffix}.csv against run{suffix}.csv")
        self.assertEqual(len((self.dir / "merged.csv").read_text().splitlines()), 1 + 2 * POINTS)   # ddc + baseline

        # Round 2: every point done: no job line, nothing submitted, exit 0.
        r = self.ok(self.sh(submit), "the docs' submit commands, nothing left")
        self.assertEqual((shared / "jobs.txt").read_text(), "")
        self.assertIn("nothing left to run", r.stderr)
        self.assertNotIn("Submitted batch job", r.stdout)
        jobs = [rec for rec in c.slurm(c.tool("scontrol"), "-o", "show", "jobs").stdout.splitlines()
                if rec.startswith("JobId=")]
        self.assertEqual([rec for rec in jobs if f" ArrayJobId={job} " not in rec], [],
                         "a job was submitted with nothing to run")
        self.assertEqual(len(jobs), len(lines))
        self.assertEqual(c.slurm(c.tool("squeue"), "-h").stdout.strip(), "")


if __name__ == "__main__":
    argv = sys.argv[1:]
    if len(argv) >= 2 and not argv[0].startswith("-") and not argv[1].startswith("-"):
        BIN_DIR, SOURCE_DIR = Path(argv[0]).resolve(), Path(argv[1]).resolve()
        argv = argv[2:]
    unittest.main(argv=[sys.argv[0]] + argv, verbosity=2)
