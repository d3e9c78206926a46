#!/usr/bin/env python3
"""Wake-ups and CPU per thread group of a running JVM (docs/perf/idle.md).

    python3 load-tests/thread-wakeups.py PID [SECONDS]

Reads voluntary context switches (a thread going to sleep, i.e. one wake-up each) and CPU ticks
from /proc/PID/task/*/{status,stat} at the start and end of the window, names threads from
`jcmd PID Thread.print` (falling back to the kernel's 15-character comm), groups names with their
digits replaced by '#', and prints wake-ups per second and % of one core per group. Wake-up counts
do not move with the machine's load the way CPU time does, which makes them the steadier figure
on a shared VM where each wake-up costs tens of microseconds.
"""
import collections
import os
import re
import subprocess
import sys
import time


def snapshot(pid):
    threads = {}
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            comm = open(f'/proc/{pid}/task/{tid}/comm').read().strip()
            status = open(f'/proc/{pid}/task/{tid}/status').read()
            voluntary = int(re.search(r'voluntary_ctxt_switches:\s+(\d+)', status).group(1))
            fields = open(f'/proc/{pid}/task/{tid}/stat').read().rsplit(')', 1)[1].split()
            threads[tid] = (comm, voluntary, int(fields[11]) + int(fields[12]))
        except (OSError, AttributeError, IndexError):
            pass  # the thread ended meanwhile
    return threads


def java_names(pid):
    names = {}
    try:
        out = subprocess.run(['jcmd', str(pid), 'Thread.print'], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return names
    for m in re.finditer(r'^"([^"]+)".*? nid=0x([0-9a-f]+)', out, re.M):
        names[str(int(m.group(2), 16))] = m.group(1)
    return names


def main():
    pid = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    names = java_names(pid)
    before = snapshot(pid)
    time.sleep(seconds)
    after = snapshot(pid)
    wakeups = collections.Counter()
    ticks = collections.Counter()
    for tid, (comm, voluntary, cpu) in after.items():
        if tid not in before:
            continue
        group = re.sub(r'\d+', '#', names.get(tid, comm))
        wakeups[group] += (voluntary - before[tid][1]) / seconds
        ticks[group] += cpu - before[tid][2]
    hz = os.sysconf('SC_CLK_TCK')
    print(f'pid {pid}: {sum(wakeups.values()):.1f} wake-ups/s, '
          f'{100 * sum(ticks.values()) / hz / seconds:.2f} % of a core over {seconds:.0f} s')
    for group, rate in wakeups.most_common():
        if rate >= 0.1 or ticks[group]:
            print(f'{rate:8.1f}/s {100 * ticks[group] / hz / seconds:6.2f} %  {group}')


if __name__ == '__main__':
    main()
