#!/usr/bin/env bash
# Trims .device/ (made by ../shared/device/bundle.sh) to fit the GPU machine's 64 MiB carry next to
# the working tree: onnxruntime's jar keeps only its linux-x64 natives, JCuda's natives jar loses
# the NVRTC PTX compiler (only the driver API is used), and the inference module's test resources
# (goldens, the tiny zoo) are dropped from the copied test classes because the working tree carries
# them anyway: run with CP="$PWD/inference/src/test/resources:$CP" on the GPU machine. The kernels in
# the module jars are rebuilt for sm_90 only (the H100/H200 the GPU machine has).
# Usage: bash tools/gpu/slim-bundle.sh [--no-gst] [--with-sinks|--kafka-apart]   (--no-gst: a stub GStreamer
# runtime, for runs without pipeline tests; --with-sinks: keep the Kafka client; --kafka-apart: move the Kafka
# client and broker jars to .device-kafka/lib, carried in a second call: tools/gpu/sink-cost-gpu.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
d=.device
[ -d $d/app/lib ] || { echo "no $d/app/lib: run ../shared/device/bundle.sh first" >&2; exit 1; }
for j in $d/app/lib/onnxruntime-*.jar; do
  [ -f "$j" ] && zip -q -d "$j" 'ai/onnxruntime/native/osx-*' 'ai/onnxruntime/native/win-*' 'ai/onnxruntime/native/linux-aarch64/*' >/dev/null 2>&1 || true
done
# The compression natives of the Kafka client: linux x86-64 only.
for j in $d/app/lib/zstd-jni-*.jar .device-kafka/lib/zstd-jni-*.jar; do
  [ -f "$j" ] && zip -q -d "$j" 'aix/*' 'darwin/*' 'freebsd/*' 'win/*' 'linux/aarch64/*' 'linux/arm/*' 'linux/i386/*' 'linux/loongarch64/*' \
      'linux/mips64/*' 'linux/ppc64/*' 'linux/ppc64le/*' 'linux/riscv64/*' 'linux/s390x/*' >/dev/null 2>&1 || true
done
for j in $d/app/lib/snappy-java-*.jar .device-kafka/lib/snappy-java-*.jar; do
  [ -f "$j" ] && zip -q -d "$j" 'org/xerial/snappy/native/FreeBSD/*' 'org/xerial/snappy/native/Mac/*' 'org/xerial/snappy/native/SunOS/*' \
      'org/xerial/snappy/native/Windows/*' 'org/xerial/snappy/native/AIX/*' 'org/xerial/snappy/native/Linux/a*' \
      'org/xerial/snappy/native/Linux/l*' 'org/xerial/snappy/native/Linux/p*' 'org/xerial/snappy/native/Linux/r*' \
      'org/xerial/snappy/native/Linux/s*' 'org/xerial/snappy/native/Linux/x86/*' >/dev/null 2>&1 || true
done
for j in $d/app/lib/jcuda-natives-*.jar; do
  [ -f "$j" ] && zip -q -d "$j" 'lib/libJNvPTXCompiler*' 'lib/libJNvrtc*' 'lib/libJCudaRuntime*' >/dev/null 2>&1 || true
done
rm -rf $d/app/test-classes/inference/goldens $d/app/test-classes/inference/zoo
# The Java runtime again, with java.desktop (javax.imageio: the view's JPEGs when nvJPEG is absent), made
# uncompressed by jlink and then xz'd whole: 17 MB, the size bundle.sh's compressed runtime has without it.
if [ ! -f $d/jre.desktop2 ]; then
  tmp=$(mktemp -d)
  jlink --add-modules java.base,java.logging,java.management,java.naming,java.net.http,jdk.httpserver,jdk.unsupported,jdk.crypto.ec,jdk.zipfs,java.desktop \
        --strip-debug --no-header-files --no-man-pages --compress=0 --output "$tmp/jre" >/dev/null
  rm -f "$tmp/jre/lib/libsplashscreen.so" "$tmp/jre/lib/libjsound.so"
  # Debian's JDK links the system libjpeg and lcms2, which the GPU machine lacks; the JDK's libraries find
  # them beside themselves (RPATH $ORIGIN).
  cp -L /usr/lib/x86_64-linux-gnu/libjpeg.so.62 /usr/lib/x86_64-linux-gnu/liblcms2.so.2 "$tmp/jre/lib/"
  tar -C "$tmp" -cf - jre | xz -9e -T2 > $d/jre.tar.xz
  rm -rf "$tmp"; touch $d/jre.desktop2
fi
# (log4j-core stays behind: it needs java.beans, which the bundle's jlink'd runtime lacks; Kafka logs
# through log4j-api's simple logger without it.)
case " $* " in *" --kafka-apart "*)
  rm -rf .device-kafka; mkdir -p .device-kafka/lib
  ( cd $d/app/lib && for j in kafka*.jar scala-*.jar zstd-jni-*.jar snappy-java-*.jar lz4-java-*.jar metrics-core-*.jar jopt-simple-*.jar \
      argparse4j-*.jar pcollections-*.jar caffeine-*.jar re2j-*.jar jose4j-*.jar commons-validator-*.jar commons-beanutils-*.jar \
      commons-digester-*.jar commons-collections-*.jar hash4j-*.jar HdrHistogram-*.jar jackson-dataformat-csv-*.jar \
      jackson-datatype-jdk8-*.jar log4j-api-*.jar; do [ -f "$j" ] && cp "$j" ../../../.device-kafka/lib/ || true; done ) ;;
esac
# The message brokers the sink tests start (Kafka's server and test kit with Scala, Moquette with
# Netty) are test-only and large: not carried (the sink tests run in CI). Unless --with-sinks is
# given, the Kafka client and its compression natives go too (15 MB; only --sink kafka loads them).
( cd $d/app/lib && rm -f kafka_2.13-*.jar kafka-server-*.jar kafka-metadata-*.jar kafka-raft-*.jar kafka-storage-*.jar \
    kafka-group-coordinator-*.jar kafka-coordinator-common-*.jar kafka-share-coordinator-*.jar kafka-transaction-coordinator-*.jar \
    kafka-test-common-*.jar kafka-tools-api-*.jar scala-*.jar scala-logging_*.jar moquette-broker-*.jar netty-*.jar h2-mvstore-*.jar \
    HikariCP-*.jar metrics-core-*.jar metrics-jvm-*.jar log4j-*.jar caffeine-*.jar argparse4j-*.jar commons-validator-*.jar \
    commons-beanutils-*.jar commons-digester-*.jar commons-collections-*.jar jose4j-*.jar re2j-*.jar jopt-simple-*.jar \
    pcollections-*.jar hash4j-*.jar HdrHistogram-*.jar jackson-dataformat-csv-*.jar jackson-datatype-jdk8-*.jar )
rm -rf $d/app/test-classes/pipelines/dev/vahost/pipelines/output/messages
# JUnit's own jars: the console launcher (junit-platform-console-standalone) carries the same classes.
( cd $d/app/lib && rm -f junit-jupiter-*.jar junit-platform-*.jar opentest4j-*.jar apiguardian-api-*.jar )
# The browser test's Selenium (and what it brings: ~20 MB) is of no use on the GPU machine (no chromium there).
( cd $d/app/lib && rm -f selenium-*.jar byte-buddy-*.jar opentelemetry-*.jar guava-*.jar failureaccess-*.jar \
    commons-exec-*.jar auto-service-annotations-*.jar jspecify-*.jar listenablefuture-*.jar )
rm -rf $d/app/test-classes/pipelines/dev/vahost/pipelines/view/ViewBrowserTest*
case " $* " in *" --with-sinks "*) ;; *) rm -f $d/app/lib/kafka-clients-*.jar $d/app/lib/zstd-jni-*.jar $d/app/lib/snappy-java-*.jar \
    $d/app/lib/lz4-java-*.jar ;; esac
# The module jars' kernels rebuilt for the GPU machine's Hopper only (sm_90 SASS): the default
# fatbins carry five architectures and PTX (CI and users need those; this carry does not).
if command -v nvcc >/dev/null; then
  tmp=$(mktemp -d)
  for m in nvmm ops postprocess inference; do
    j=$(ls $d/app/lib/$m-*.jar 2>/dev/null | grep -v tests | head -1); [ -n "$j" ] || continue
    mkdir -p $tmp/$m/dev/vahost/kernels/$m
    for cu in $m/src/main/cuda/*.cu; do
      n=$(basename $cu .cu)
      nvcc -std=c++17 -O3 -lineinfo -fatbin -gencode arch=compute_90,code=sm_90 -I $m/src/main/cuda \
          -o $tmp/$m/dev/vahost/kernels/$m/$n.fatbin $cu &
    done
    wait
    (cd $tmp/$m && zip -q -u "$OLDPWD/$j" dev/vahost/kernels/$m/*.fatbin) || { echo "re-packing $j failed" >&2; exit 1; }
  done
  rm -rf $tmp
fi
if [ "${1:-}" = --no-gst ] || [ "${2:-}" = --no-gst ]; then
  # keep the real runtime aside (a second --no-gst run finds the stub there and must not overwrite the kept one)
  if [ -f $d/gst.tar.xz ] && [ "$(stat -c %s $d/gst.tar.xz)" -gt 4096 ]; then mv $d/gst.tar.xz /tmp/vahost-gst.tar.xz.keep; fi
  t=$(mktemp -d); mkdir -p $t/gst/lib; echo "# stub: no GStreamer in this bundle" > $t/gst/env.sh
  tar -C $t -cJf $d/gst.tar.xz gst; rm -rf $t
fi
tree=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r du -cb 2>/dev/null | tail -1 | cut -f1)
dev=$(du -sb $d | cut -f1)
echo "carry: tree $((tree >> 20)) MiB + untracked $((${untracked:-0} >> 20)) MiB + $d $((dev >> 20)) MiB = $(((tree + ${untracked:-0} + dev) >> 20)) MiB (limit 64)"
