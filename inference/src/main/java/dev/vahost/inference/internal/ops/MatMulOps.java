package dev.vahost.inference.internal.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.sun.jna.Memory;

import dev.vahost.inference.internal.CpuRun;
import dev.vahost.inference.internal.ElemType;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.Planner;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.inference.jna.Cublas;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * Gemm and MatMul (numpy semantics: 1-D operands promoted and the extra axis dropped, batch axes
 * broadcast). GPU: cuBLAS with float32 accumulation; one strided-batched call when the batch
 * offsets are uniform (the usual case, also a weight shared by every batch entry), otherwise one
 * batched call over pointer arrays fixed at plan time.
 */
public final class MatMulOps {
    private MatMulOps() {}

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "Gemm", MatMulOps::gemm);
        Operators.put(ops, "MatMul", MatMulOps::matmul);
    }

    private static void gemm(Planner p, Node n) {
        int a = p.in(n, 0), b = p.in(n, 1);
        long[] as = p.shape(a), bs = p.shape(b);
        if (as.length != 2 || bs.length != 2) throw n.invalid("A and B must be matrices, got " + Arrays.toString(as) + ", " + Arrays.toString(bs));
        boolean ta = n.i("transA", 0) != 0, tb = n.i("transB", 0) != 0;
        long m = ta ? as[1] : as[0], k = ta ? as[0] : as[1];
        long kb = tb ? bs[1] : bs[0], nn = tb ? bs[0] : bs[1];
        if (k != kb) throw n.invalid("inner dimensions differ: " + Arrays.toString(as) + (ta ? "ᵀ" : "") + " x " + Arrays.toString(bs) + (tb ? "ᵀ" : ""));
        float alpha = n.f("alpha", 1f), beta = n.f("beta", 1f);
        int c = -1;
        long[] cStr = null;
        if (p.has(n, 2)) {
            c = p.in(n, 2);
            long[][] bc = BinaryOps.broadcast(n, p.shape(c), new long[] {m, nn});
            if (!Arrays.equals(bc[0], new long[] {m, nn})) throw n.invalid("C " + Arrays.toString(p.shape(c)) + " does not broadcast to [" + m + ", " + nn + "]");
            cStr = bc[1];
        }
        int y = p.define(n, 0, new long[] {m, nn}, ElemType.FLOAT);
        p.add(new MatMul(n.name, a, b, y, 1, (int) m, (int) nn, (int) k, ta, tb, new long[] {0}, new long[] {0},
                alpha, c, cStr, c >= 0 ? beta : 0f));
    }

    private static void matmul(Planner p, Node n) {
        int a = p.in(n, 0), b = p.in(n, 1);
        long[] as = p.shape(a), bs = p.shape(b);
        if (p.isInt(a) || p.isInt(b)) throw n.unsupported("integer MatMul");
        if (as.length == 0 || bs.length == 0) throw n.invalid("scalar operand");
        boolean vecA = as.length == 1, vecB = bs.length == 1;
        long[] a2 = vecA ? new long[] {1, as[0]} : as, b2 = vecB ? new long[] {bs[0], 1} : bs;
        long m = a2[a2.length - 2], k = a2[a2.length - 1], kb = b2[b2.length - 2], nn = b2[b2.length - 1];
        if (k != kb) throw n.invalid("inner dimensions differ: " + Arrays.toString(as) + " x " + Arrays.toString(bs));
        int ra = a2.length - 2, rb = b2.length - 2, r = Math.max(ra, rb);
        long[] batchShape = new long[r], aBs = new long[r], bBs = new long[r];
        long aMat = m * k, bMat = k * nn;
        long[] aStr = Layouts.rowMajor(Arrays.copyOf(a2, ra)), bStr = Layouts.rowMajor(Arrays.copyOf(b2, rb));
        for (int i = 0; i < r; i++) {
            int ia = i - (r - ra), ib = i - (r - rb);
            long da = ia >= 0 ? a2[ia] : 1, db = ib >= 0 ? b2[ib] : 1;
            if (da != db && da != 1 && db != 1) throw n.invalid("batch dimensions of " + Arrays.toString(as) + " and " + Arrays.toString(bs) + " do not broadcast");
            batchShape[i] = Math.max(da, db);
            aBs[i] = (ia >= 0 && da != 1) ? aStr[ia] * aMat : 0;
            bBs[i] = (ib >= 0 && db != 1) ? bStr[ib] * bMat : 0;
        }
        int count = (int) Tensor.numel(batchShape);
        long[] aOff = new long[count], bOff = new long[count];
        long[] idx = new long[r];
        for (int bi = 0; bi < count; bi++) {
            BinaryOps.unravel(bi, batchShape, idx);
            aOff[bi] = BinaryOps.dot(idx, aBs);
            bOff[bi] = BinaryOps.dot(idx, bBs);
        }
        List<Long> outShape = new ArrayList<>();
        for (long d : batchShape) outShape.add(d);
        if (!vecA) outShape.add(m);
        if (!vecB) outShape.add(nn);
        long[] out = outShape.stream().mapToLong(Long::longValue).toArray();
        int y = p.define(n, 0, out, ElemType.FLOAT);
        p.add(new MatMul(n.name, a, b, y, count, (int) m, (int) nn, (int) k, false, false, aOff, bOff, 1f, -1, null, 0f));
    }

    /**
     * Batched matrix product out[b] = alpha · op(A[b]) · op(B[b]) (+ beta · C broadcast to [M, N]):
     * A batch offsets {@code aOffsets[b]}, B's {@code bOffsets[b]} (elements), out contiguous [batch, M, N].
     * A row-major [M, K] (or [K, M] if transA), B [K, N] (or [N, K] if transB).
     */
    public record MatMul(String node, int a, int b, int out, int batch, int m, int n, int k, boolean transA, boolean transB,
                         long[] aOffsets, long[] bOffsets, float alpha, int c, long[] cStrides, float beta) implements Step.OneOutput {
        @Override
        public int[] reads() { return c >= 0 ? new int[] {a, b, c} : new int[] {a, b}; }

        @Override
        public double flops(dev.vahost.inference.internal.Plan p) { return 2.0 * batch * m * n * k; }


        @Override
        public void cpu(CpuRun r) {
            float[] av = r.f(a), bv = r.f(b), cv = c >= 0 ? r.f(c) : null, o = r.outF(out);
            r.parallel(batch * m, task -> {
                int bi = task / m, i = task % m;
                long ao = aOffsets[bi], bo = bOffsets[bi];
                int ob = (bi * m + i) * n;
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int t = 0; t < k; t++) {
                        float x = transA ? av[(int) (ao + (long) t * m + i)] : av[(int) (ao + (long) i * k + t)];
                        float y = transB ? bv[(int) (bo + (long) j * k + t)] : bv[(int) (bo + (long) t * n + j)];
                        acc += x * y;
                    }
                    float res = (float) (alpha * acc);
                    if (cv != null) res += beta * cv[(int) (i * cStrides[0] + j * cStrides[1])];
                    o[ob + j] = res;
                }
            });
        }

        @Override
        public void gpu(GpuLowering g) {
            long pa = g.addr(a), pb = g.addr(b), y = g.addr(out);
            int es = g.precision().bytes();
            int ty = g.precision() == DType.F16 ? Cublas.CUDA_R_16F : Cublas.CUDA_R_32F;
            // Row-major C[m,n] = A·B is column-major Cᵀ[n,m] = Bᵀ·Aᵀ: swap operands.
            int opB = transB ? Cublas.CUBLAS_OP_T : Cublas.CUBLAS_OP_N, ldb = transB ? k : n;
            int opA = transA ? Cublas.CUBLAS_OP_T : Cublas.CUBLAS_OP_N, lda = transA ? m : k;
            Memory al = new Memory(4);
            al.setFloat(0, alpha);
            long sa = batch > 1 ? aOffsets[1] - aOffsets[0] : 0, sb = batch > 1 ? bOffsets[1] - bOffsets[0] : 0;
            boolean uniform = true;
            for (int i = 0; i < batch && uniform; i++) {
                uniform = aOffsets[i] == aOffsets[0] + i * sa && bOffsets[i] == bOffsets[0] + i * sb;
            }
            long h = g.cublas();
            long strideC = (long) m * n;
            if (uniform) {
                long a0 = pa + aOffsets[0] * es, b0 = pb + bOffsets[0] * es;
                g.add("matmul", s -> Cublas.check(Cublas.cublasGemmStridedBatchedEx(h, opB, opA, n, m, k, al, b0, ty, ldb, sb,
                        a0, ty, lda, sa, g.zero(), y, ty, n, strideC, batch, Cublas.CUBLAS_COMPUTE_32F, Cublas.CUBLAS_GEMM_DEFAULT),
                        "cublasGemmStridedBatchedEx(" + node + ")"));
            } else {
                long[] ptrs = new long[3 * batch];
                for (int i = 0; i < batch; i++) {
                    ptrs[i] = pb + bOffsets[i] * es;
                    ptrs[batch + i] = pa + aOffsets[i] * es;
                    ptrs[2 * batch + i] = y + i * strideC * es;
                }
                long[] ref = g.table(ptrs);
                int bn = batch;
                g.add("matmul", s -> {
                    long base = g.tableAddress(ref);
                    Cublas.check(Cublas.cublasGemmBatchedEx(h, opB, opA, n, m, k, al, base, ty, ldb, base + 8L * bn, ty, lda,
                            g.zero(), base + 16L * bn, ty, n, bn, Cublas.CUBLAS_COMPUTE_32F, Cublas.CUBLAS_GEMM_DEFAULT),
                            "cublasGemmBatchedEx(" + node + ")");
                });
            }
            if (c >= 0) {
                long cAddr;
                if (beta == 1f) {
                    cAddr = g.addr(c);
                } else {
                    Tensor ct = g.plan().constants[g.plan().root(c)];
                    if (ct == null) {
                        throw new dev.vahost.inference.UnsupportedModelException(g.modelName() + ": Gemm node '" + node
                                + "': beta != 1 needs a C known at load time on the GPU");
                    }
                    float[] f = ct.asFloats().clone();
                    for (int i = 0; i < f.length; i++) f[i] *= beta;
                    cAddr = g.uploadActivations(this, f, "beta*C of " + node);
                }
                long[] shape = {m, n};
                long[][] cc = Layouts.coalesce(shape, new long[][] {Layouts.rowMajor(shape), cStrides, Layouts.rowMajor(shape)});
                int r = cc[0].length;
                long[] t = new long[3 * r];
                for (int d = 0; d < r; d++) { t[d] = cc[0][d]; t[r + d] = cc[1][d]; t[2 * r + d] = cc[2][d]; }
                long[] ref = g.table(t);
                long count = (long) m * n;
                Kernel kb = g.kernel("binary_bcast" + g.suffix());
                g.add("matmul", s -> kb.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, y, cAddr, y, 0, r, count, g.tableAddress(ref),
                        0, 0f, 0f));
            }
        }
    }
}
