// Benchmark helper (used by dev.vahost.ops.bench.LetterboxResizeBench).
// A kernel that keeps the stream busy for a number of clock cycles: while it runs, the host enqueues
// the timed launches, so the events measure GPU execution back to back and not the host's launch rate.
// Launch geometry: one thread; it only spins.
extern "C" __global__ void spin_cycles(long long cycles) {
    const long long start = clock64();
    while (clock64() - start < cycles) {
    }
}
