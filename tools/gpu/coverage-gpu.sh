#!/usr/bin/env bash
# Model coverage (issue 11) on the GPU machine, from the project root:
#   bash .device/run.sh sh -c 'CP="$PWD/inference/src/test/resources:$CP" bash tools/gpu/coverage-gpu.sh PHASE...'
# (tools/gpu/slim-bundle.sh drops the inference test resources from the bundle: the tree has them.)
# Phases, run in this order when named:
#   tiny        zoo.py --tiny --refusals (both exporters, goldens) packed into $OUT/zoo-tiny.tar.gz
#   zoo         the full-size zoo, TorchScript exports, onnxruntime goldens at batch 1 and 8, PyTorch fp16
#               outputs, and the PyTorch eager fp16 benchmark (same run) into /tmp/zoo-full
#   zoo-dynamo  the full-size zoo's dynamo exports with their goldens into /tmp/zoo-dynamo
#   unit        @Tag("gpu") tests of nvmm, ops, inference (operator cases, goldens, test detector, graphs) and
#               postprocess, one JUnit run per module (each fails when it finds no test)
#   zoo-tests   ZooGpuTest on /tmp/zoo-full and /tmp/zoo-dynamo (those made; VAHOST_ZOO_FUSION=on|only: fused cases), ZooDetectionsGpuTest on /tmp/zoo-full
#   zoobench    ZooBench on /tmp/zoo-full beside the PyTorch numbers of the zoo phase (ZOO_BATCHES=32: that batch only;
#               ZOO_FUSION=off,auto: each model
#               unfused, then fused where faster)
# ZOO_MODELS=a,b limits the zoo phase to those architectures (tools/zoo/archs.py names); ZOO_COMPILE=32 adds
# torch.compile(mode="reduce-overhead") at those batches to the zoo phase's PyTorch benchmark (each model and batch
# compiles: about a minute per model), which ZooBench then prints beside eager (ZOO_BENCH_VS). ZOO_PROFILE=32: the
# compiled model's kernels by torch.profiler at that batch (PYTORCH_PROFILE lines), and ZooBench's per-launch profile of
# every model at its largest batch (ZOO_PROFILE lines).
#   service     ServiceGpuTest, then the service (Main) for a few seconds with a zoo model of each family
#   view        issue 15 on the GPU: OverlayGpuTest, ViewStageGpuTest (JPEGs to $OUT), then ServiceBench at 128 streams of
#               the B-frame clip with the 640 model: decode-only, the full path, and the full path + the view watching 4 streams
#   fusion      the fused convolutions (conv + bias + activation as one cuDNN backend graph): the backend API's enum
#               values from the machine's headers (inference-cuda-facts.py), the inference GPU tests (FusedConvGpuTest among them)
#   engine      issue 16: bench640 in PyTorch fp16 eager and torch.compile(mode="reduce-overhead"), then the Java
#               engine (channels-last, fused, Concats copying then written in place; ENGINE_LAYOUTS=nhwc-unfused,... adds
#               the unfused engine; CUDA graphs off/on) with its per-kind profile at batch 32, same run
#   media       the benchmark media (tools/gpu/media.sh): the camera-like B-frame clip, the project clip, the 640 model
#   unpaced     ServiceBench at 128 streams with the 640 model, unpaced: decode-only and the full path on the B-frame clip
#               (background reaper on, then off: late completion markers per batch) and on the project clip
#   service128  one ServiceBench run at 128 unpaced streams of the B-frame clip with the 640 model (the engine's effect
#               on the service: decode-only and the full path, same run)
#   faults      issue 13 on NVDEC: ResidueCheck (threads and fds left by 16 closed NVDEC streams), SoakBench's undecodable phase (128 looped streams: AVC without codec data, headers
#               then junk), the late-marker reproducer (nvmm EventAfterSyncRepro), FaultFuzzGpuTest (H.264 fuzz on nvh264dec)
#   plugins     the stage plugins (issue 19): PixelateGpuTest, DeviceFrameGpuTest (retain), ServiceGpuTest, then ServiceBench
#               at 128 streams: decode-only, the full path, and the full path + pixelate + zone-count (same run)
# Needs the bundle's $JAVA and $CP (run.sh sets them) and python3 with torch, onnx, onnxruntime.
# Everything is logged to $OUT/coverage-gpu.txt; each step's failure is reported and the next runs.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/target/coverage-gpu-out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
phases=" $* "
log="$OUT/coverage-gpu.txt"
status=0
source "$(dirname "$0")/steps.sh"
source "$(dirname "$0")/media.sh"
has() { case "$phases" in *" $1 "*) return 0 ;; esac; return 1; }
{
  echo "=== environment ($(date -u +%FT%TZ)): phases:$phases"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  $PY -c 'import torch, torchvision, onnx, onnxruntime; print("torch", torch.__version__, "torchvision", torchvision.__version__, "onnx", onnx.__version__, "onnxruntime", onnxruntime.__version__)' 2>&1
  if has tiny; then
    rm -rf /tmp/zoo-tiny
    step "tiny zoo (both exporters, goldens, refusals)" 300 $PY tools/zoo/zoo.py --out /tmp/zoo-tiny --tiny --refusals
    tar -C /tmp -czf "$OUT/zoo-tiny.tar.gz" zoo-tiny && du -sh /tmp/zoo-tiny "$OUT/zoo-tiny.tar.gz"
  fi
  if has zoo; then
    rm -rf /tmp/zoo-full
    step "full zoo: TorchScript exports, goldens, PyTorch fp16 outputs, PyTorch eager benchmark${ZOO_COMPILE:+ and torch.compile at $ZOO_COMPILE}" \
        $([ -n "${ZOO_COMPILE:-}" ] && echo 560 || echo 420) \
        $PY tools/zoo/zoo.py --out /tmp/zoo-full --exporters torchscript --bench --bench-batches 1,8,32 --bench-seconds 0.5 \
        ${ZOO_MODELS:+--models $ZOO_MODELS} ${ZOO_COMPILE:+--compile-batches $ZOO_COMPILE} ${ZOO_PROFILE:+--profile-batch $ZOO_PROFILE}
    grep -h "^PYTORCH_BENCH" "$log" > /tmp/pytorch-bench.txt || true
    du -sh /tmp/zoo-full
  fi
  if has zoo-dynamo; then
    rm -rf /tmp/zoo-dynamo
    step "full zoo: dynamo exports, goldens" 420 $PY tools/zoo/zoo.py --out /tmp/zoo-dynamo --exporters dynamo
  fi
  if has unit; then
    junit "GPU tests: nvmm (CUDA foundation, DeviceFrame from GstCudaMemory and NvBufSurface)" 240 --select-package dev.vahost.nvmm
    junit "GPU tests: ops (colour conversion, resize, letterbox vs the CPU references; OpenCV goldens)" 300 \
        --select-package dev.vahost.ops
    junit "GPU tests: inference (operator cases, goldens, test detector, graphs)" 300 --select-package dev.vahost.inference \
        --exclude-classname '.*ZooGpuTest'
    junit "GPU tests: postprocess decoders" 120 --select-package dev.vahost.postprocess
  fi
  if has fusion; then
    step "cuDNN backend API facts (enum values the JNA bindings use)" 60 sh -c "$PY tools/gpu/inference-cuda-facts.py > $OUT/cuda-facts.txt; grep -E '^ENUM (cudnnBackend|cudnnPointwiseMode)' $OUT/cuda-facts.txt | cut -c1-1500; grep -E '^FUNC.*cudnnBackend' $OUT/cuda-facts.txt"
    junit "GPU tests: inference (fused convolutions vs unfused, operator cases, goldens, test detector, graphs)" 300 \
        --select-package dev.vahost.inference --exclude-classname '.*ZooGpuTest'

  fi
  if has zoo-tests; then
    for z in /tmp/zoo-full /tmp/zoo-dynamo; do
      [ -f $z/zoo.json ] && VAHOST_ZOO=$z junit "GPU tests: $z vs onnxruntime" 420 --select-class dev.vahost.inference.gpu.ZooGpuTest
    done
    [ -f /tmp/zoo-full/zoo.json ] && VAHOST_ZOO=/tmp/zoo-full junit "GPU tests: zoo detections (service decoders on the GPU)" 240 \
        --select-class dev.vahost.pipelines.detect.ZooDetectionsGpuTest
  fi
  if has zoobench; then
    step "ZooBench (engine fp16, CUDA graphs)" 420 "$JAVA" -Xmx24g -cp "$CP" dev.vahost.inference.bench.ZooBench \
        --zoo /tmp/zoo-full --pytorch /tmp/pytorch-bench.txt --batches ${ZOO_BATCHES:-1,8,32} --seconds 0.5 --fusion ${ZOO_FUSION:-auto} \
        ${ZOO_PROFILE:+--profile}
  fi
  if has service; then
    junit "GPU tests: the service" 240 --select-class dev.vahost.pipelines.ServiceGpuTest
    for m in yolov5s yolov8n yolo11n yoloxs ssdlite320_mobilenet_v3_large rtdetr detectnet_v2; do
      f=/tmp/zoo-full/$m.torchscript.onnx
      [ -f $f ] || { echo "=== demo $m: no $f"; continue; }
      extra=""
      [ -f /tmp/zoo-full/$m.priors.pb ] && extra="--priors /tmp/zoo-full/$m.priors.pb --priors-format xyxy"
      step "demo: $m --model-type auto" 90 sh -c "$JAVA -Xmx8g -cp \"$CP\" dev.vahost.pipelines.Main --demo --model $f --model-type auto \
          $extra --duration-s 8 --batch-size 8 --score-threshold 0.1 --output - --perf-interval-s 4 > /tmp/demo-$m.json 2> /tmp/demo-$m.err; rc=\$?; \
          grep -E 'model |GPU path|PERF|FPS|error|Exception' /tmp/demo-$m.err | head -12; \
          echo \"DEMO model=$m frames=\$(wc -l < /tmp/demo-$m.json) with_detections=\$(grep -c '\"detections\":\[{' /tmp/demo-$m.json)\"; \
          head -c 600 /tmp/demo-$m.json; echo; exit \$rc"
    done
  fi
  if has plugins; then
    junit "GPU tests: pixelate plugin (its kernel vs the CPU reference on NVDEC frames)" 180 \
        --select-class dev.vahost.examples.pixelate.PixelateGpuTest --select-class dev.vahost.nvmm.DeviceFrameGpuTest
    junit "GPU tests: the service" 240 --select-class dev.vahost.pipelines.ServiceGpuTest
    step "ServiceBench 128 streams with the plugins" 300 "$JAVA" -Xmx24g -cp "$CP" dev.vahost.pipelines.bench.ServiceBench \
        --streams ${PLUGIN_STREAMS:-128} --seconds 15 --warmup 5 --batch 32 --clip /tmp/bench-1080p.h264 \
        --stage 'pixelate={"cell": 16}' --stage 'zone-count:left={"zones": [{"name": "left", "polygon": [[0, 0], [960, 0], [960, 1080], [0, 1080]]}]}'
  fi
  if has view; then
    media_bframe; media_model
    JUNIT_DETAILS=tree junit "GPU tests: overlay kernel, nvJPEG, the view on NVDEC frames" 240 \
        --select-class dev.vahost.ops.overlay.OverlayGpuTest --select-class dev.vahost.pipelines.view.ViewStageGpuTest
    step "ServiceBench ${VIEW_STREAMS:-128} streams, the view with 4 watched" 420 "$JAVA" -Xmx24g -cp "$CP" dev.vahost.pipelines.bench.ServiceBench \
        --streams ${VIEW_STREAMS:-128} --seconds 20 --warmup 8 --batch 32 --clip /tmp/bframe-1080p.h264 \
        --model /tmp/m/bench640.onnx --input-size 640x640 --score-threshold 0.5 \
        --stage 'view:v={"watch": ["s0", "s1", "s2", "s3"], "fps": 5}'
  fi
  if has engine; then
    rm -rf /tmp/eng; mkdir -p /tmp/eng
    step "bench640.onnx + PyTorch fp16 eager and torch.compile(reduce-overhead), same run" 380 $PY tools/detector/bench_model.py \
        --out /tmp/eng --imgsz 640 --export --golden --bench --batches 1,8,32 --seconds 1.0 --compile reduce-overhead --profile-batch 32
    [ -f /tmp/eng/bench640.onnx ] && step "Java benchmark (CudnnEngine fp16, channels-last) with its per-kind profile" 200 "$JAVA" -Xmx8g \
        -cp "$CP" dev.vahost.inference.bench.InferenceBench --model /tmp/eng/bench640.onnx --golden-dir /tmp/eng --batches 1,8,32 \
        --seconds 1.0 --precision f16 --layouts ${ENGINE_LAYOUTS:-nhwc-copies,nhwc}
  fi
  if has media; then
    media_bframe; media_project; media_model
  fi
  if has unpaced; then
    media_bframe; media_project; media_model
    m640="--model /tmp/m/bench640.onnx --input-size 640x640 --score-threshold 0.9"
    for run in "bframe-1080p on" "bframe-1080p off" "bench-1080p on"; do
      set -- $run
      step "ServiceBench 128 unpaced, 640 model, clip $1, reaper $2" 150 "$JAVA" -Xmx24g -cp "$CP" dev.vahost.pipelines.bench.ServiceBench \
          --streams 128 --seconds 12 --warmup 5 --batch 32 --clip /tmp/$1.h264 --reaper $2 $m640
    done
  fi
  if has service128; then
    media_bframe; media_model
    step "ServiceBench 128 unpaced, 640 model, B-frame clip (decode-only, then the full path)" 150 "$JAVA" -Xmx24g -cp "$CP" \
        dev.vahost.pipelines.bench.ServiceBench --streams 128 --seconds 12 --warmup 5 --batch 32 --clip /tmp/bframe-1080p.h264 \
        --model /tmp/m/bench640.onnx --input-size 640x640 --score-threshold 0.9
  fi
  if has faults; then
    media_bframe
    step "ResidueCheck: what 16 closed NVDEC streams leave behind" 120 "$JAVA" -cp "$CP" dev.vahost.pipelines.bench.ResidueCheck \
        --gpu --streams 16
    step "SoakBench: 128 undecodable streams on NVDEC" 120 "$JAVA" -Xmx8g -cp "$CP" dev.vahost.pipelines.bench.SoakBench \
        --clip /tmp/bframe-1080p.h264 --minutes 0 --fault-streams 128
    [ "${FAULTS_REPRO:-1}" = 0 ] || step "EventAfterSyncRepro" 150 "$JAVA" -cp "$CP" dev.vahost.nvmm.bench.EventAfterSyncRepro --iterations 20000
    junit "GPU tests: fault fuzz on NVDEC" 300 --select-class dev.vahost.pipelines.faults.FaultFuzzGpuTest
  fi
  echo "=== summary"
  grep -hE "^(=== .*exit|N=|full path|decode-only|  stage|UNDECODABLE|RESIDUE|PYTORCH_BENCH|PYTORCH_PROFILE|JAVA_BENCH|JAVA_PROFILE|JAVA_ROOFLINE|\[bench\]|overlay |nvJPEG|view GPU|N=.*view s|N=.*with stages|REPRO|fault fuzz|  total|  h264|.*completion marker was reached|ZOO_ACCURACY .*FAIL|ZOO_DETECTIONS|ZOO_BENCH|ZOO_PROFILE|PYTORCH_BENCH|DEMO|\[ +[0-9]+ tests (successful|failed))" "$log" 2>/dev/null | head -300
  echo "=== overall status $status"
} 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
