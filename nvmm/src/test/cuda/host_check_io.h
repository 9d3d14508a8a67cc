// File helpers of the kernel host-check programs (ops kernel_host_check.cu, inference
// glue_host_check.cu): read a whole input file, write an output buffer; exit 2 on failure.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <vector>

inline std::vector<unsigned char> read_all(const char* path) {
    FILE* f = std::fopen(path, "rb");
    if (!f) { std::perror(path); std::exit(2); }
    std::vector<unsigned char> b;
    unsigned char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) b.insert(b.end(), buf, buf + n);
    std::fclose(f);
    return b;
}

inline void write_all(const char* path, const void* data, size_t n) {
    FILE* f = std::fopen(path, "wb");
    if (!f || std::fwrite(data, 1, n, f) != n) { std::perror(path); std::exit(2); }
    std::fclose(f);
}
