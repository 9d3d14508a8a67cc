# Sourced by the tools/gpu scripts (after steps.sh): makes the benchmark media on the GPU machine once
# per machine. media_bframe: FACTS.md's camera-like clip (x264enc High, CABAC, B-frames, zone plate,
# 8 Mbit/s asked, key-int 60, 1080p30, byte-stream, 600 frames) at /tmp/bframe-1080p.h264;
# media_project: ServiceBench's scene clip at /tmp/bench-1080p.h264; media_model: the YOLOv8n-class
# 640 model (random weights, tools/detector/bench_model.py) at /tmp/m/bench640.onnx.
media_bframe() {
  [ -s /tmp/bframe-1080p.h264 ] && return 0
  step "camera-like clip (x264enc High, B-frames, zone plate)" 180 gst-launch-1.0 -q videotestsrc pattern=zone-plate kx2=20 ky2=20 kt=1 \
      num-buffers=600 ! video/x-raw,format=I420,width=1920,height=1080,framerate=30/1 ! x264enc bitrate=8000 speed-preset=veryfast \
      key-int-max=60 ! video/x-h264,profile=high,stream-format=byte-stream ! filesink location=/tmp/bframe-1080p.h264
  ls -la /tmp/bframe-1080p.h264
}
media_project() {
  [ -s /tmp/bench-1080p.h264 ] || step "project clip" 180 "$JAVA" -cp "$CP" dev.vahost.gst.synth.SyntheticClip --out /tmp/bench-1080p.h264 \
      --width 1920 --height 1080 --fps 30 --bitrate-kbps 8000 --frames 600 --source scene --seed 42
}
media_model() {
  [ -s /tmp/m/bench640.onnx ] || step "bench640.onnx (YOLOv8n-class, random weights)" 180 python3 tools/detector/bench_model.py --out /tmp/m --export
}
