#!/usr/bin/env python3
"""Prints what the inference engine's JNA bindings rely on, read on the GPU machine itself:
where libcudnn*/libcublas* live, cuDNN's and cuBLAS's versions, and the C declarations (function
prototypes, enum values) from the headers that ship there (CUDA toolkit, the nvidia-* wheels).

    python3 tools/gpu/inference-cuda-facts.py > facts.txt
"""
import glob
import os
import re
import subprocess
import sys

FUNCS = [
    # cudnn_graph.h / cudnn_ops.h / cudnn_cnn.h (cuDNN 9 legacy API)
    "cudnnGetVersion", "cudnnGetErrorString", "cudnnCreate", "cudnnDestroy", "cudnnSetStream",
    "cudnnCreateTensorDescriptor", "cudnnSetTensor4dDescriptor", "cudnnSetTensor4dDescriptorEx",
    "cudnnSetTensorNdDescriptor", "cudnnDestroyTensorDescriptor", "cudnnCreateFilterDescriptor",
    "cudnnSetFilter4dDescriptor", "cudnnDestroyFilterDescriptor", "cudnnCreateConvolutionDescriptor",
    "cudnnSetConvolution2dDescriptor", "cudnnSetConvolutionMathType", "cudnnSetConvolutionGroupCount",
    "cudnnDestroyConvolutionDescriptor", "cudnnGetConvolution2dForwardOutputDim",
    "cudnnGetConvolutionForwardAlgorithm_v7", "cudnnFindConvolutionForwardAlgorithmEx",
    "cudnnGetConvolutionForwardWorkspaceSize", "cudnnConvolutionForward", "cudnnConvolutionBiasActivationForward",
    "cudnnCreateActivationDescriptor", "cudnnSetActivationDescriptor", "cudnnDestroyActivationDescriptor",
    "cudnnActivationForward", "cudnnBackendCreateDescriptor", "cudnnBackendDestroyDescriptor",
    "cudnnBackendSetAttribute", "cudnnBackendGetAttribute", "cudnnBackendFinalize", "cudnnBackendExecute", "cudnnAddTensor", "cudnnCreatePoolingDescriptor", "cudnnSetPooling2dDescriptor",
    "cudnnPoolingForward", "cudnnDestroyPoolingDescriptor", "cudnnSoftmaxForward", "cudnnGetConvolutionForwardAlgorithmMaxCount",
    # cublas_api.h
    "cublasCreate_v2", "cublasDestroy_v2", "cublasSetStream_v2", "cublasGetVersion_v2", "cublasSetMathMode",
    "cublasSetWorkspace_v2", "cublasGemmEx", "cublasGemmStridedBatchedEx", "cublasSgemm_v2", "cublasGetStatusString",
]
ENUMS = [
    "cudnnStatus_t", "cudnnDataType_t", "cudnnTensorFormat_t", "cudnnMathType_t", "cudnnConvolutionMode_t",
    "cudnnConvolutionFwdAlgo_t", "cudnnActivationMode_t", "cudnnNanPropagation_t", "cudnnPoolingMode_t",
    "cudnnSoftmaxAlgorithm_t", "cudnnSoftmaxMode_t", "cudnnDeterminism_t",
    # backend (graph) API: the fused convolutions
    "cudnnBackendDescriptorType_t", "cudnnBackendAttributeType_t", "cudnnBackendAttributeName_t",
    "cudnnPointwiseMode_t", "cudnnBackendHeurMode_t",
    "cublasStatus_t", "cublasOperation_t", "cublasMath_t", "cublasComputeType_t", "cublasGemmAlgo_t", "cudaDataType_t",
]
STRUCTS = ["cudnnConvolutionFwdAlgoPerfStruct", "cudnnConvolutionFwdAlgoPerf_t"]


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60).stdout
    except Exception as e:  # noqa: BLE001
        return f"({e})"


def header_dirs():
    dirs = set(glob.glob("/usr/local/cuda*/include") + glob.glob("/usr/local/cuda*/targets/*/include")
               + ["/usr/include", "/usr/include/x86_64-linux-gnu"])
    for sp in sys.path:
        dirs.update(glob.glob(os.path.join(sp, "nvidia", "*", "include")))
    return sorted(d for d in dirs if os.path.isdir(d))


def main():
    print("== libraries (ldconfig)")
    print(sh("ldconfig -p | grep -E 'libcudnn|libcublas|libcudart|libcuda\\.so' | sort"))
    print("== libraries (files)")
    libdirs = set(glob.glob("/usr/local/cuda*/lib64") + glob.glob("/usr/local/cuda*/targets/*/lib")
                  + ["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/lib"])
    for sp in sys.path:
        libdirs.update(glob.glob(os.path.join(sp, "nvidia", "*", "lib")))
    for d in sorted(libdirs):
        libs = sorted(glob.glob(os.path.join(d, "libcudnn*.so*")) + glob.glob(os.path.join(d, "libcublas*.so*")))
        for lib in libs:
            print(lib, "->", os.path.realpath(lib))
    print("== LD_LIBRARY_PATH =", os.environ.get("LD_LIBRARY_PATH"))
    try:
        import torch
        print("== torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())
    except Exception as e:  # noqa: BLE001
        print("== torch not importable:", e)
    dirs = header_dirs()
    print("== header dirs:", dirs)
    files = []
    for d in dirs:
        files += sorted(glob.glob(os.path.join(d, "cudnn*.h")) + glob.glob(os.path.join(d, "cublas_api.h"))
                        + glob.glob(os.path.join(d, "library_types.h")) + glob.glob(os.path.join(d, "cublas_v2.h")))
    print("== headers:", files)
    text = {}
    for f in files:
        try:
            with open(f, errors="replace") as fh:
                text[f] = fh.read()
        except OSError:
            pass
    for f, t in text.items():
        for m in re.finditer(r"#define\s+(CUDNN_MAJOR|CUDNN_MINOR|CUDNN_PATCHLEVEL|CUBLAS_VER_MAJOR|CUBLAS_VER_MINOR|CUBLAS_VER_PATCH)\s+(\d+)", t):
            print(f"{os.path.basename(f)}: {m.group(1)} {m.group(2)}")
    seen = set()
    for name in FUNCS:
        found = False
        for f, t in text.items():
            for m in re.finditer(r"\b" + re.escape(name) + r"\s*\(", t):
                end = t.find(";", m.end())
                if end < 0 or "{" in t[m.end():end]:
                    continue
                pp = t.rfind("\n#", 0, m.start())
                directive_end = t.find("\n", pp + 1) if pp >= 0 else -1   # the end of a preprocessor line
                start = max(t.rfind(";", 0, m.start()), t.rfind("}", 0, m.start()), t.rfind("*/", 0, m.start()) + 1,
                            directive_end if directive_end < m.start() else -1)
                decl = t[start + 1:end + 1]
                decl = re.sub(r"//[^\n]*", "", decl)
                decl = re.sub(r"\s+", " ", decl).strip()
                if "typedef" in decl or "define" in decl:
                    continue
                if decl not in seen:
                    print(f"FUNC {os.path.basename(f)}: {decl}")
                    seen.add(decl)
                found = True
                break
            if found:
                break
        if not found:
            print(f"FUNC {name}: NOT FOUND")
    for name in ENUMS + STRUCTS:
        found = False
        for f, t in text.items():
            for m in re.finditer(r"typedef\s+(enum|struct)\s*(\w*)\s*\{([^}]*)\}\s*(\w+)\s*;", t):
                if name not in (m.group(2), m.group(4)):
                    continue
                body = re.sub(r"/\*.*?\*/", "", m.group(3), flags=re.S)
                body = re.sub(r"//[^\n]*", "", body)
                body = re.sub(r"\s+", " ", body).strip()
                print(f"{m.group(1).upper()} {name} ({os.path.basename(f)}): {body}")
                found = True
                break
            if found:
                break
        if not found:
            print(f"TYPE {name}: NOT FOUND")


if __name__ == "__main__":
    main()
