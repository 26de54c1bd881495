from __future__ import annotations

from pathlib import Path

import snapy_storage_json


def test_all_is_pinned_sorted_and_importable() -> None:
    assert snapy_storage_json.__all__ == [
        "FORMAT",
        "SAFE_CLASSES",
        "SAFE_MODULES",
        "JSONCodec",
        "JSONStorage",
        "__version__",
        "decode_value",
        "dumps",
        "encode_value",
        "loads",
    ]
    for name in snapy_storage_json.__all__:
        assert hasattr(snapy_storage_json, name), name


def test_package_is_typed() -> None:
    assert (Path(snapy_storage_json.__file__).parent / "py.typed").is_file()
