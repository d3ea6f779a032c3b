"""A minimal stand-in for the `safetensors` package (PyPI only, unreachable from these machines).

It implements exactly the two calls the README's snippets use: `safe_open(path, framework="pt")`
(keys(), get_tensor(key), metadata()) and `safetensors.torch.save_file(tensors, path, metadata)`,
following the format's specification: an 8-byte little-endian header length, a UTF-8 JSON header
(dtype, shape, data_offsets per tensor, string-valued `__metadata__`), then the bytes.
"""
import json
import struct

import torch as _torch

DTYPES = {"F64": _torch.float64, "F32": _torch.float32, "F16": _torch.float16, "BF16": _torch.bfloat16,
          "I64": _torch.int64}
NAMES = {v: k for k, v in DTYPES.items()}


class _File:
    def __init__(self, path):
        with open(path, "rb") as f:
            data = f.read()
        (n,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8:8 + n].decode("utf-8"))
        self._meta = header.pop("__metadata__", {})
        self._header = header
        self._data = data[8 + n:]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def keys(self):
        return list(self._header.keys())

    def metadata(self):
        return dict(self._meta)

    def get_tensor(self, key):
        h = self._header[key]
        begin, end = h["data_offsets"]
        dtype = DTYPES[h["dtype"]]
        raw = bytearray(self._data[begin:end])
        if len(raw) == 0:
            return _torch.empty(h["shape"], dtype=dtype)
        return _torch.frombuffer(raw, dtype=dtype).reshape(h["shape"]).clone()


def safe_open(path, framework="pt", device="cpu"):
    if framework != "pt":
        raise ValueError("this stand-in supports framework='pt' only")
    return _File(path)
