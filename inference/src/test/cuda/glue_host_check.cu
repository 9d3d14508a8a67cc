// Runs some of the inference module's kernels (glue.cu, convlike.cu) on the host for
// GlueKernelHostTest: compiled with -DVAHOST_INFERENCE_HOST_EMU (inference_host_emu.h in place of
// cuda_fp16.h), each kernel is called as a function on a one-thread grid, so its grid-stride loop
// covers every element. This checks the kernels' indexing and arithmetic without a GPU.
//
// Usage: glue_host_check KERNEL INPUT_FILE OUTPUT_FILE OUTPUT_BYTES ARGS...
//   copy2d WIDTH rows cols xs ys xc yc xo yo span          input: x; output: y (starts as 0xA5 bytes)
//   copy4d WIDTH na nb rows cols xa xb xs xc ya yb ys yc xo yo span
//                                                          input: x; output: y (starts as 0xA5 bytes)
//   transpose b1n b2n rn sn xb1 xb2 xr xs yb1 yb2 yr ys xo yo span
//                                                          input: x (2-byte elements); output: y (starts as 0xA5 bytes)
//   binary_rows8 A_BYTES op rows cols8 as bs ys aScalar bScalar act alpha beta span
//                                                          input: a (A_BYTES) then b; output: y
//   binary_rows8x2 A_BYTES op outer inner cols8 ao bo yo as bs ys aScalar bScalar act alpha beta span
//                                                          input: a (A_BYTES) then b; output: y
//   bias_act_rows8 Y_BYTES channels rows stride act alpha beta
//   bias_act_nhwc8 Y_BYTES channels n8 act alpha beta       input: y (Y_BYTES) then the float bias; output: y
//                                                          input: y (Y_BYTES) then the float bias; output: y
//   widen rows c                                           input: x; output: y
//   s2d pixels h2 w2 s c c2                                input: x; output: y
//   maxpool8 batch c8 h w oh ow kh kw sh sw pt pl dh dw xs ys
//                                                          input: x; output: y (starts as 0xA5 bytes)
//   unary8 n8 act alpha beta                               input: x; output: y
//   conv1x1_fewk X_BYTES W_FLOATS batch hw c k hasBias act alpha beta
//                                                          input: x (fp16, X_BYTES), w (W_FLOATS floats), then bias (k
//                                                          floats, when hasBias); output: y (fp16)
//   conv_fewc X_BYTES W_FLOATS hasBias batch c h w k oh ow kh kw sh sw pt pl dh dw xsn xsc xsy xsx ys act alpha beta
//                                                          input: x (fp16, X_BYTES), w (W_FLOATS floats, [k/8][kh][kw][c][8]),
//                                                          then bias (k floats, when hasBias); output: y (starts as 0xA5 bytes)
//   resize8 X_BYTES batch c8 h w oh ow xs ys              input: x (X_BYTES), then oh row and ow column indices
//                                                          (int32); output: y (starts as 0xA5 bytes)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "host_check_io.h"  // nvmm/src/test/cuda: read_all, write_all
#include "glue.cu"
#include "convlike.cu"

namespace {

long long arg(char** argv, int i) { return std::atoll(argv[i]); }
float argf(char** argv, int i) { return (float)std::atof(argv[i]); }

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) { std::fprintf(stderr, "usage: glue_host_check KERNEL INPUT OUTPUT OUTPUT_BYTES ARGS...\n"); return 2; }
    std::string k = argv[1];
    std::vector<unsigned char> in = read_all(argv[2]);
    std::vector<unsigned char> out((size_t)arg(argv, 4), 0xA5);
    if (k == "copy2d" && argc == 15) {
        int width = (int)arg(argv, 5);
        long long rows = arg(argv, 6), cols = arg(argv, 7), xs = arg(argv, 8), ys = arg(argv, 9), xc = arg(argv, 10),
                  yc = arg(argv, 11), xo = arg(argv, 12), yo = arg(argv, 13), span = arg(argv, 14);
        const void* x = in.data();
        void* y = out.data();
        switch (width) {
            case 2: copy2d_b2((const unsigned short*)x, (unsigned short*)y, rows, cols, xs, ys, xc, yc, xo, yo, span); break;
            case 4: copy2d_b4((const unsigned*)x, (unsigned*)y, rows, cols, xs, ys, xc, yc, xo, yo, span); break;
            case 8: copy2d_b8((const uint2*)x, (uint2*)y, rows, cols, xs, ys, xc, yc, xo, yo, span); break;
            case 16: copy2d_b16((const uint4*)x, (uint4*)y, rows, cols, xs, ys, xc, yc, xo, yo, span); break;
            default: std::fprintf(stderr, "width %d\n", width); return 2;
        }
    } else if (k == "copy4d" && argc == 21) {
        int width = (int)arg(argv, 5);
        long long v[15];
        for (int i = 0; i < 15; ++i) v[i] = arg(argv, 6 + i);
        const void* x = in.data();
        void* y = out.data();
#define C4(K, U) K((const U*)x, (U*)y, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14])
        switch (width) {
            case 2: C4(copy4d_b2, unsigned short); break;
            case 4: C4(copy4d_b4, unsigned); break;
            case 8: C4(copy4d_b8, uint2); break;
            case 16: C4(copy4d_b16, uint4); break;
            default: std::fprintf(stderr, "width %d\n", width); return 2;
        }
#undef C4
    } else if (k == "transpose" && argc == 20) {
        long long v[15];
        for (int i = 0; i < 15; ++i) v[i] = arg(argv, 5 + i);
        transpose_b2((const unsigned short*)in.data(), (unsigned short*)out.data(), v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8],
                     v[9], v[10], v[11], v[12], v[13], v[14]);
    } else if (k == "binary_rows8" && argc == 18) {
        size_t aBytes = (size_t)arg(argv, 5);
        const __half* a = (const __half*)in.data();
        const __half* b = (const __half*)(in.data() + aBytes);
        binary_rows8_f16(a, b, (__half*)out.data(), (int)arg(argv, 6), arg(argv, 7), arg(argv, 8), arg(argv, 9), arg(argv, 10),
                         arg(argv, 11), (int)arg(argv, 12), (int)arg(argv, 13), (int)arg(argv, 14), argf(argv, 15), argf(argv, 16),
                         arg(argv, 17));
    } else if (k == "binary_rows8x2" && argc == 22) {
        size_t aBytes = (size_t)arg(argv, 5);
        const __half* a = (const __half*)in.data();
        const __half* b = (const __half*)(in.data() + aBytes);
        binary_rows8x2_f16(a, b, (__half*)out.data(), (int)arg(argv, 6), arg(argv, 7), arg(argv, 8), arg(argv, 9), arg(argv, 10),
                           arg(argv, 11), arg(argv, 12), arg(argv, 13), arg(argv, 14), arg(argv, 15), (int)arg(argv, 16), (int)arg(argv, 17),
                           (int)arg(argv, 18), argf(argv, 19), argf(argv, 20), arg(argv, 21));
    } else if (k == "bias_act_rows8" && argc == 12) {
        size_t yBytes = (size_t)arg(argv, 5);
        std::memcpy(out.data(), in.data(), yBytes);
        const float* bias = (const float*)(in.data() + yBytes);
        bias_act_rows8_f16((__half*)out.data(), bias, (int)arg(argv, 6), arg(argv, 7), arg(argv, 8), (int)arg(argv, 9),
                           argf(argv, 10), argf(argv, 11));
    } else if (k == "bias_act_nhwc8" && argc == 11) {
        size_t yBytes = (size_t)arg(argv, 5);
        std::memcpy(out.data(), in.data(), yBytes);
        bias_act_nhwc8_f16((__half*)out.data(), (const float*)(in.data() + yBytes), (int)arg(argv, 6), arg(argv, 7), (int)arg(argv, 8),
                           argf(argv, 9), argf(argv, 10));
    } else if (k == "widen" && argc == 7) {
        widen_channels8_nhwc_f16((const __half*)in.data(), (__half*)out.data(), arg(argv, 5), (int)arg(argv, 6));
    } else if (k == "s2d" && argc == 11) {
        space_to_depth_nhwc_f16((const __half*)in.data(), (__half*)out.data(), arg(argv, 5), (int)arg(argv, 6), (int)arg(argv, 7),
                                (int)arg(argv, 8), (int)arg(argv, 9), (int)arg(argv, 10));
    } else if (k == "maxpool8" && argc == 21) {
        maxpool_nhwc8_f16((const __half*)in.data(), (__half*)out.data(), arg(argv, 5), (int)arg(argv, 6), (int)arg(argv, 7),
                          (int)arg(argv, 8), (int)arg(argv, 9), (int)arg(argv, 10), (int)arg(argv, 11), (int)arg(argv, 12),
                          (int)arg(argv, 13), (int)arg(argv, 14), (int)arg(argv, 15), (int)arg(argv, 16), (int)arg(argv, 17),
                          (int)arg(argv, 18), arg(argv, 19), arg(argv, 20));
    } else if (k == "unary8" && argc == 9) {
        unary_flat8_f16((const __half*)in.data(), (__half*)out.data(), arg(argv, 5), (int)arg(argv, 6), argf(argv, 7), argf(argv, 8));
    } else if (k == "conv1x1_fewk" && argc == 15) {
        size_t xBytes = (size_t)arg(argv, 5), wFloats = (size_t)arg(argv, 6);
        const float* w = (const float*)(in.data() + xBytes);
        const float* bias = arg(argv, 11) ? w + wFloats : nullptr;
        conv1x1_fewk_f16((const __half*)in.data(), (__half*)out.data(), w, bias, arg(argv, 7), arg(argv, 8), (int)arg(argv, 9),
                         (int)arg(argv, 10), (int)arg(argv, 12), argf(argv, 13), argf(argv, 14));
    } else if (k == "conv_fewc" && argc == 31) {
        size_t xBytes = (size_t)arg(argv, 5), wFloats = (size_t)arg(argv, 6);
        const float* w = (const float*)(in.data() + xBytes);
        const float* bias = arg(argv, 7) ? w + wFloats : nullptr;
        int v[14];
        for (int i = 0; i < 14; ++i) v[i] = (int)arg(argv, 9 + i);  // c h w k oh ow kh kw sh sw pt pl dh dw
        conv_fewc_nhwc8_f16((const __half*)in.data(), (__half*)out.data(), w, bias, arg(argv, 8), v[0], v[1], v[2], v[3], v[4], v[5],
                            v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], arg(argv, 23), arg(argv, 24), arg(argv, 25),
                            arg(argv, 26), arg(argv, 27), (int)arg(argv, 28), argf(argv, 29), argf(argv, 30));
    } else if (k == "resize8" && argc == 14) {
        size_t xBytes = (size_t)arg(argv, 5);
        int oh = (int)arg(argv, 10), ow = (int)arg(argv, 11);
        const int* rows = (const int*)(in.data() + xBytes);
        resize_nearest_nhwc8_f16((const __half*)in.data(), (__half*)out.data(), arg(argv, 6), (int)arg(argv, 7), (int)arg(argv, 8),
                                 (int)arg(argv, 9), oh, ow, rows, rows + oh, arg(argv, 12), arg(argv, 13));
    } else {
        std::fprintf(stderr, "unknown kernel or wrong argument count: %s (%d arguments)\n", k.c_str(), argc);
        return 2;
    }
    write_all(argv[3], out.data(), out.size());
    return 0;
}
