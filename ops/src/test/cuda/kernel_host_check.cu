// Runs the ops kernels' per-pixel code (pixel.cuh, letterbox.cu, cvt_color.cu, resize.cu, overlay.cu) on the
// host, for KernelHostEmulationTest: the Java test writes a case file (images in one blob, the
// kernel's arguments, for letterbox the FrameParams table exactly as LetterboxResize encodes it with
// blob offsets for device addresses), this program computes every output pixel as the kernel would
// and writes the raw output. It checks the kernels' indexing, table use and arithmetic without a
// GPU; the device-only intrinsics are replaced by the host operations that round the same way.
//
// Usage: kernel_host_check CASE_FILE OUTPUT_FILE
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "host_check_io.h"  // nvmm/src/test/cuda: read_all, write_all
#include "cvt_color.cu"
#include "letterbox.cu"
#include "overlay.cu"
#include "resize.cu"

namespace {

struct Reader {
    std::vector<unsigned char> bytes;
    size_t at = 0;
    template <typename T> T get() {
        if (at + sizeof(T) > bytes.size()) {
            std::fprintf(stderr, "case file truncated at byte %zu\n", at);
            std::exit(2);
        }
        T v;
        std::memcpy(&v, bytes.data() + at, sizeof(T));
        at += sizeof(T);
        return v;
    }
};

// Addresses in the case file are BASE + offset into the blob.
const unsigned long long BASE = 0x100000000ULL;

template <typename T, bool NCHW>
void run_letterbox(const std::vector<FrameParams>& table, int n, const LetterboxArgs& a, std::vector<unsigned char>& out) {
    out.assign((size_t)n * 3 * a.outW * a.outH * sizeof(T), 0xFF);
    T* o = reinterpret_cast<T*>(out.data());
    for (int f = 0; f < n; f++)
        for (int y = 0; y < a.outH; y++)
            for (int x = 0; x < a.outW; x++) letterbox_pixel<T, NCHW>(table[f], f, x, y, o, a);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) { std::fprintf(stderr, "usage: %s CASE OUT\n", argv[0]); return 2; }
    Reader r{read_all(argv[1])};
    const int kind = r.get<int>();
    const long long blobSize = r.get<long long>();
    std::vector<unsigned char> blob(r.bytes.begin() + r.at, r.bytes.begin() + r.at + blobSize);
    r.at += blobSize;
    const unsigned long long host = reinterpret_cast<unsigned long long>(blob.data());
    auto rebase = [&](unsigned long long addr) { return addr - BASE + host; };
    std::vector<unsigned char> out;
    if (kind == 1) {
        const int n = r.get<int>();
        LetterboxArgs a;
        a.outW = r.get<int>(); a.outH = r.get<int>(); a.bgr = r.get<int>(); a.nearest = r.get<int>();
        const int dtype = r.get<int>(), layout = r.get<int>();
        a.m0 = r.get<float>(); a.m1 = r.get<float>(); a.m2 = r.get<float>();
        a.k0 = r.get<float>(); a.k1 = r.get<float>(); a.k2 = r.get<float>(); a.pad = r.get<float>();
        std::vector<FrameParams> table(n);
        for (int i = 0; i < n; i++) {
            table[i] = r.get<FrameParams>();
            table[i].plane0 = rebase(table[i].plane0);
            table[i].plane1 = rebase(table[i].plane1);
            table[i].plane2 = rebase(table[i].plane2);
        }
        if (dtype == 0 && layout == 0) run_letterbox<float, true>(table, n, a, out);
        else if (dtype == 0) run_letterbox<float, false>(table, n, a, out);
        else if (layout == 0) run_letterbox<__half, true>(table, n, a, out);
        else run_letterbox<__half, false>(table, n, a, out);
    } else if (kind == 2) {
        Source s;
        s.format = r.get<int>();
        const int w = r.get<int>(), h = r.get<int>();
        s.pitch0 = r.get<int>(); s.pitch1 = r.get<int>(); s.pitch2 = r.get<int>();
        s.yOffset = r.get<int>(); s.cy = r.get<int>(); s.cvr = r.get<int>(); s.cvg = r.get<int>();
        s.cug = r.get<int>(); s.cub = r.get<int>();
        const int bgr = r.get<int>();
        s.p0 = reinterpret_cast<const uint8_t*>(rebase(r.get<unsigned long long>()));
        s.p1 = reinterpret_cast<const uint8_t*>(rebase(r.get<unsigned long long>()));
        s.p2 = reinterpret_cast<const uint8_t*>(rebase(r.get<unsigned long long>()));
        const int dstPitch = r.get<int>();
        out.assign((size_t)dstPitch * h, 0xEE);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) cvt_pixel(s, x, y, out.data(), dstPitch, bgr);
    } else if (kind == 3) {
        const int c = r.get<int>(), nearest = r.get<int>();
        const int srcW = r.get<int>(), srcH = r.get<int>(), srcPitch = r.get<int>();
        const int dstW = r.get<int>(), dstH = r.get<int>(), dstPitch = r.get<int>();
        const uint8_t* src = reinterpret_cast<const uint8_t*>(rebase(r.get<unsigned long long>()));
        const double sx = r.get<double>(), sy = r.get<double>();
        out.assign((size_t)dstPitch * dstH, 0xEE);
        for (int y = 0; y < dstH; y++)
            for (int x = 0; x < dstW; x++) {
                if (c == 3 && nearest) resize_pixel<3, true>(src, srcPitch, srcW, srcH, sx, sy, out.data(), dstPitch, x, y);
                else if (c == 3) resize_pixel<3, false>(src, srcPitch, srcW, srcH, sx, sy, out.data(), dstPitch, x, y);
                else if (nearest) resize_pixel<4, true>(src, srcPitch, srcW, srcH, sx, sy, out.data(), dstPitch, x, y);
                else resize_pixel<4, false>(src, srcPitch, srcW, srcH, sx, sy, out.data(), dstPitch, x, y);
            }
    } else if (kind == 4) {
        // overlay: n frames (OverlayFrame; dst = offset into the output), the figures, the glyphs, the font
        const int n = r.get<int>();
        const long long outBytes = r.get<long long>();
        std::vector<OverlayFrame> frames(n);
        for (int i = 0; i < n; i++) frames[i] = r.get<OverlayFrame>();
        const int figureInts = r.get<int>();
        std::vector<int> figures(figureInts > 0 ? figureInts : 1);
        for (int i = 0; i < figureInts; i++) figures[i] = r.get<int>();
        const int glyphCount = r.get<int>();
        std::vector<uint8_t> glyphs(glyphCount > 0 ? glyphCount : 1);
        for (int i = 0; i < glyphCount; i++) glyphs[i] = r.get<uint8_t>();
        const int fontBytes = r.get<int>();
        std::vector<uint8_t> font(fontBytes);
        for (int i = 0; i < fontBytes; i++) font[i] = r.get<uint8_t>();
        out.assign((size_t)outBytes, 0xEE);
        const unsigned long long outBase = reinterpret_cast<unsigned long long>(out.data());
        for (OverlayFrame f : frames) {
            f.plane0 = rebase(f.plane0);
            f.plane1 = rebase(f.plane1);
            f.plane2 = rebase(f.plane2);
            f.dst += outBase;
            for (int y = 0; y < f.height; y++)
                for (int x = 0; x < f.width; x++) overlay_pixel(f, figures.data(), glyphs.data(), font.data(), x, y);
        }
    } else {
        std::fprintf(stderr, "unknown case kind %d\n", kind);
        return 2;
    }
    if (r.at != r.bytes.size()) {
        std::fprintf(stderr, "case file has %zu unread bytes\n", r.bytes.size() - r.at);
        return 2;
    }
    write_all(argv[2], out.data(), out.size());
    return 0;
}
