#!/usr/bin/env python3
"""Sums up a node profile from load-tests/profile-node.sh: where the CPU went, by category.

    python3 load-tests/profile-categories.py OUT.collapsed

Each sample is 1 ms of CPU; a sample goes to the first category whose rule matches its thread name
or any frame of its stack, so the order of RULES matters (JIT and GC threads first, then the specific
libraries, then the generic pekko layers).
"""
import sys, re, collections
RULES = [
  ("JIT compiler threads", lambda t, s: 'CompilerThre' in t),
  ("GC threads", lambda t, s: re.search(r'GC Thread|G1 |GN |VM Thread', re.sub(r'\d', 'N', t)) is not None),
  ("thread creation (JDK async pool)", lambda t, s: 'ThreadPerTaskExecutor' in s or 'Thread.start' in s or t.startswith('[Thread-')),
  ("Ed25519 (Tink)", lambda t, s: 'crypto/tink' in s),
  ("Ed25519 (JDK)", lambda t, s: 'sun/security/ec' in s),
  ("Ed25519 (BouncyCastle)", lambda t, s: 'org/bouncycastle' in s),
  ("token parse/claims", lambda t, s: 'io/lifeguard/protocol/token' in s),
  ("stream materialization", lambda t, s: re.search(r'PhasedFusingActorMaterializer|TraversalBuilder|GraphInterpreterShell.init|ActorGraphInterpreter.preStart|ActorGraphInterpreter.tryInit|preMaterialize|fromSinkAndSourceCoupled|GraphApply|Materializer.materialize|RunnableGraph.run|\.runWith', s) is not None),
  ("HTTP request parsing", lambda t, s: 'pekko/http/impl/engine/parsing' in s),
  ("HTTP response rendering", lambda t, s: 'pekko/http/impl/engine/rendering' in s),
  ("routing DSL", lambda t, s: 'pekko/http/scaladsl/server' in s or 'pekko/http/javadsl/server' in s),
  ("WebSocket frames", lambda t, s: 'pekko/http/impl/engine/ws' in s or 'io/lifeguard/node/websocket' in s),
  ("session entity / sharding", lambda t, s: 'cluster/sharding' in s or 'SessionEntity' in s),
  ("relay (other)", lambda t, s: 'io/lifeguard/node/relay' in s),
  ("logging", lambda t, s: 'logback' in s or 'org/slf4j' in s),
  ("metrics", lambda t, s: 'prometheus' in s),
  ("TCP I/O (pekko io + syscalls)", lambda t, s: 'pekko/io/' in s or 'sun/nio/ch' in s),
  ("remote / cluster", lambda t, s: 'pekko/remote' in s or 'pekko/cluster' in s),
  ("idle / park / scheduling", lambda t, s: re.search(r'awaitWork|Unsafe.park|futex|epoll|LockSupport|schedule|finish_task_switch', s) is not None),
  ("stream interpreter (other)", lambda t, s: 'pekko/stream' in s),
  ("actor mailbox (other)", lambda t, s: 'pekko/dispatch' in s or 'pekko/actor' in s),
]
def main(path, want_thread=None):
    cats = collections.Counter(); total = 0
    for line in open(path):
        stack, _, n = line.rstrip().rpartition(' '); n = int(n)
        t, _, s = stack.partition(';')
        total += n
        for name, rule in RULES:
            if rule(t, s): cats[name] += n; break
        else: cats['other'] += n
    print(f"total samples {total} (1 ms of CPU each)")
    for name, n in cats.most_common(): print(f"{100*n/total:5.1f}%  {n:7d}  {name}")
    return cats, total
if __name__ == '__main__': main(sys.argv[1])
