"""Load one submission as `check` does (unpack + extract + units); print states, CPU, peak RSS.
usage: PYTHONPATH=. python benchmarks/hostile_documents/probe_one.py SUBMISSION.zip"""
import os, resource, sys, time
from originality.check import load_submission
from originality.options import CheckOptions
from originality.units import SymbolTable
path = sys.argv[1]
t0 = time.process_time()
loaded = load_submission(path, CheckOptions(workers=1), SymbolTable())
res = loaded.error.code if loaded.error else " | ".join(
    f"{d.path}:{d.state.value}:{(d.detail or '')[:90]}" for d in loaded.documents if d.path != "main.py")
print(f"{os.path.basename(path):24s} cpu={time.process_time() - t0:6.1f}s "
      f"peak={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}MB  {res}", flush=True)
