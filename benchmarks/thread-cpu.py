#!/usr/bin/env python3
# CPU per thread group of one JVM over a window, as a share of one core, from /proc/<pid>/task/*/stat (thread names
# from jcmd Thread.print): which of the combined JVM's roles and runtimes (GC, JIT, producers' I/O threads, Streams
# threads, Vert.x event loops, Flink tasks) the CPU goes to (docs/performance.md, "Where the cost is now").
# Usage: benchmarks/thread-cpu.py PID SECONDS [raw]   (raw: one line per thread instead of per group)
import os,sys,time,re,collections
pid=sys.argv[1]; secs=float(sys.argv[2])
def snap():
    d={}
    for t in os.listdir(f'/proc/{pid}/task'):
        try:
            s=open(f'/proc/{pid}/task/{t}/stat').read()
            name=s[s.index('(')+1:s.rindex(')')]
            f=s[s.rindex(')')+2:].split()
            d[t]=(name,int(f[11])+int(f[12]))
        except Exception: pass
    return d
def group(n):
    n2=re.sub(r'[0-9]+','N',n)
    rules=[('GC Thread','gc'),('G1 ','gc'),('VM Thread','gc/vm'),('C2 Compi','jit'),('C1 Compi','jit'),
           ('kafka-produc','kafka-producer-io'),('StreamThread','streams-thread'),('GlobalStream','streams-global'),
           ('vert.x-eventloop','vertx-eventloop'),('edge-io','netty-io'),('projections-io','cql-driver-io'),('push-io','cql-driver-io'),
           ('s0-io','cql-driver-io'),('Source Data Fetch','flink-source-fetcher'),('Source:','flink-source-task'),('device-inbox','flink-inbox-task'),
           ('user-items','flink-task'),('push-decision','flink-task'),('user-device','flink-task'),('Time Trigger','flink-timer'),
           ('projection','projection-writer'),('tail','edge-tails'),('Tail','edge-tails'),('kafka-coordinator','kafka-heartbeat')]
    for k,g in rules:
        if k in n: return g
    return n2
import subprocess
full={}
for line in subprocess.run(['jcmd',pid,'Thread.print'],capture_output=True,text=True).stdout.splitlines():
    m=re.match(r'^"(.*?)".* nid=(0x[0-9a-f]+)',line)
    if m: full[str(int(m.group(2),16))]=m.group(1)
a=snap(); t0=time.time(); time.sleep(secs); b=snap(); dt=time.time()-t0
hz=os.sysconf('SC_CLK_TCK')
c=collections.Counter()
for t,(n,v) in b.items():
    c[group(full.get(t,n)) if len(sys.argv)<4 else full.get(t,n)]+=v-(a.get(t,(n,0))[1] if t in a else 0)
tot=sum(c.values())
print(f'total {100*tot/hz/dt:.1f}% of a core over {dt:.0f}s')
for g,v in c.most_common(25):
    if v>0: print(f'{100*v/hz/dt:6.1f}%  {g}')
