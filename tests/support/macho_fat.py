"""Universal (fat) Mach-O files from thin ones, and header edits, for the verification tests.

The layout is what `lipo -create` writes: a big-endian fat header, one fat_arch entry per slice, each slice at an
offset aligned to 2^14 (the arm64 page size, which lipo uses for every architecture on current macOS).
"""

from __future__ import annotations

import struct

FAT_MAGIC = 0xCAFEBABE
FAT_MAGIC_64 = 0xCAFEBABF
ALIGN = 14
MH_ALLOW_STACK_EXECUTION = 0x20000
MH_PIE = 0x200000
# mach_header_64: magic, cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags (little-endian on amd64/arm64).
_FLAGS_OFFSET = 24


def thin_cpu(image: bytes) -> tuple[int, int]:
    """(cputype, cpusubtype) of a little-endian 64-bit Mach-O image."""
    assert image[:4] == b"\xcf\xfa\xed\xfe", "not a little-endian 64-bit Mach-O image"
    cputype, cpusubtype = struct.unpack_from("<ii", image, 4)
    return cputype, cpusubtype


def fat(images: list[bytes], *, wide: bool = False) -> bytes:
    """A universal file holding `images` in order; `wide` writes FAT_MAGIC_64 with 64-bit offsets and sizes."""
    entry = struct.calcsize(">iiQQII" if wide else ">iiIII")
    step = 1 << ALIGN
    offset = -(-(8 + entry * len(images)) // step) * step
    header = struct.pack(">II", FAT_MAGIC_64 if wide else FAT_MAGIC, len(images))
    padded = []
    for image in images:
        cputype, cpusubtype = thin_cpu(image)
        if wide:
            header += struct.pack(">iiQQII", cputype, cpusubtype, offset, len(image), ALIGN, 0)
        else:
            header += struct.pack(">iiIII", cputype, cpusubtype, offset, len(image), ALIGN)
        padded.append(image.ljust(-(-len(image) // step) * step, b"\0"))
        offset += len(padded[-1])
    first = -(-len(header) // step) * step
    # Like lipo, no padding after the last slice: the file ends where its last image does.
    return header.ljust(first, b"\0") + b"".join(padded[:-1]) + images[-1]


def set_flags(image: bytes, *, add: int = 0, remove: int = 0) -> bytes:
    """The thin image with mach_header_64.flags changed."""
    (flags,) = struct.unpack_from("<I", image, _FLAGS_OFFSET)
    out = bytearray(image)
    struct.pack_into("<I", out, _FLAGS_OFFSET, (flags | add) & ~remove)
    return bytes(out)
