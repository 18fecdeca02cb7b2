#!/usr/bin/env python3
"""Peak memory of a process *tree* (used by .ci/bench-floor for `zhaoshang run`, which reads in
`--jobs` worker processes: /usr/bin/time's "Maximum resident set size" is that of the largest
single process, not of the run's processes together).

Usage: .ci/treemem.py OUT CMD [ARG...]
Runs CMD and, every 10 ms until it exits, walks its process tree (/proc/<pid>/task/*/children)
and reads each process's VmRSS and VmHWM. Writes one line to OUT:
`<peak of the summed VmRSS, kB> <sum over processes of their own peak VmHWM, kB> <processes>`.
The first is what the tree held at once as far as 10 ms sampling sees (it can miss a spike
shorter than that); the second is an upper bound (every process at its own peak at the same
time, shared pages counted in each). Exits with CMD's status.
"""

import os
import subprocess
import sys
import time


def tree(root):
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return pids


def status_kb(pid):
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def main():
    out, cmd = sys.argv[1], sys.argv[2:]
    child = subprocess.Popen(cmd)
    peak_rss, hwm = 0, {}
    while child.poll() is None:
        total = 0
        for pid in tree(child.pid):
            rss, h = status_kb(pid)
            total += rss
            if h:
                hwm[pid] = max(hwm.get(pid, 0), h)
        peak_rss = max(peak_rss, total)
        time.sleep(0.01)
    with open(out, "w") as f:
        f.write(f"{peak_rss} {sum(hwm.values())} {len(hwm)}\n")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
