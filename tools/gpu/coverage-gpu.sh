#!/usr/bin/env bash
# Model coverage (issue 11) on the GPU machine, from the project root:
#   bash .device/run.sh sh -c 'bash tools/gpu/coverage-gpu.sh [PHASE...]'
# Phases (default: tiny tests):
#   tiny     tools/zoo/zoo.py --tiny --refusals (both exporters, onnxruntime goldens) packed into
#            $OUT/zoo-tiny.tar.gz (the tiny zoo the CI tests read from src/test/resources/zoo)
#   full     the full-size zoo into /tmp/zoo-full (both exporters, goldens at batch 1 and 8)
#   tests    @Tag("gpu") tests: inference (operator cases, goldens, test detector, graphs), postprocess;
#            plus ZooGpuTest on the full zoo when it was made in this command (else the tiny one)
#   service  the service's GPU test (needs the bundle's GStreamer runtime)
#   bench    PyTorch eager fp16 baseline (zoo.py --bench) and ZooBench on the full zoo, same run
# Needs the bundle's $JAVA and $CP (run.sh sets them) and python3 with torch, onnx, onnxruntime.
# Everything is logged to $OUT/coverage-gpu.txt; each step's failure is reported and the next runs.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/target/coverage-gpu-out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
phases=${*:-tiny tests}
console=$(ls .device/app/junit-platform-console-standalone-*.jar 2>/dev/null | head -1)
log="$OUT/coverage-gpu.txt"
status=0
source "$(dirname "$0")/steps.sh"
has() { case " $phases " in *" $1 "*) return 0 ;; esac; return 1; }
junit() { # NAME LIMIT selectors...
  local name=$1 limit=$2; shift 2
  step "$name" "$limit" "$JAVA" -Xmx24g -jar "$console" execute --class-path "$CP" --include-tag gpu --fail-if-no-tests \
      --details=summary --details-theme=ascii --disable-banner "$@"
}
{
  echo "=== environment ($(date -u +%FT%TZ)): phases: $phases"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  $PY -c 'import torch, torchvision, onnx, onnxruntime; print("torch", torch.__version__, "torchvision", torchvision.__version__, "onnx", onnx.__version__, "onnxruntime", onnxruntime.__version__)' 2>&1
  if has tiny; then
    rm -rf /tmp/zoo-tiny
    step "tiny zoo (both exporters, goldens, refusals)" 300 $PY tools/zoo/zoo.py --out /tmp/zoo-tiny --tiny --refusals
    tar -C /tmp -czf "$OUT/zoo-tiny.tar.gz" zoo-tiny && du -sh /tmp/zoo-tiny "$OUT/zoo-tiny.tar.gz"
    $PY - <<'EOF'
import json
z = json.load(open('/tmp/zoo-tiny/zoo.json'))
for m in z['models']:
    print('ZOO_EXPORT', m['name'], m['exporter'], m.get('variant'), 'opset', m.get('opset'), 'error' if m.get('export_error') else 'ok',
          (m.get('export_error') or '')[:300].replace('\n', ' '), ','.join(m.get('ops') or []))
EOF
  fi
  if has full; then
    rm -rf /tmp/zoo-full
    step "full zoo (both exporters, goldens)" 540 $PY tools/zoo/zoo.py --out /tmp/zoo-full
    du -sh /tmp/zoo-full
  fi
  if has tests; then
    junit "GPU tests: inference operator cases, goldens, test detector, graphs" 420 --select-package dev.vahost.inference \
        --exclude-classname '.*ZooGpuTest'
    junit "GPU tests: postprocess decoders" 180 --select-package dev.vahost.postprocess
    if [ -f /tmp/zoo-full/zoo.json ]; then
      VAHOST_ZOO=/tmp/zoo-full junit "GPU tests: full zoo vs onnxruntime" 540 --select-class dev.vahost.inference.gpu.ZooGpuTest
    elif [ -f /tmp/zoo-tiny/zoo.json ]; then
      VAHOST_ZOO=/tmp/zoo-tiny junit "GPU tests: tiny zoo vs onnxruntime" 300 --select-class dev.vahost.inference.gpu.ZooGpuTest
    fi
  fi
  if has service; then
    junit "GPU tests: the service" 240 --select-class dev.vahost.pipelines.ServiceGpuTest
  fi
  if has bench; then
    step "PyTorch eager fp16 baseline (zoo models)" 300 $PY tools/zoo/zoo.py --out /tmp/zoo-full --bench-only --bench \
        --bench-batches 1,8,32 | tee /tmp/pytorch-bench.txt
    step "ZooBench (engine fp16, CUDA graphs)" 540 "$JAVA" -Xmx24g -cp "$CP" dev.vahost.inference.bench.ZooBench \
        --zoo /tmp/zoo-full --pytorch /tmp/pytorch-bench.txt --batches 1,8,32 --seconds 1
  fi
  echo "=== summary"
  grep -hE "^(=== .*exit|ZOO_ACCURACY .*FAIL|ZOO_BENCH|PYTORCH_BENCH)" "$log" 2>/dev/null | head -200
  echo "=== overall status $status"
} 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
