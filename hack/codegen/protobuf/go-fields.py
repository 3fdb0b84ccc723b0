#!/usr/bin/env python3
"""Lists how Go holds each protobuf field of the built-in API types, read from a Go binary.

Usage: go-fields.py KUBECTL > hack/codegen/protobuf/go-fields.txt

The protobuf wire form of the API follows the Go structs: a field held by pointer is written
only when set (and a zero on the wire stays a zero), one held by value is always written, and
`omitempty` in the JSON tag decides whether its zero shows in JSON. Neither fact is in the
`.proto` files or the OpenAPI documents; both are in every Go program that links the API types,
whose reflection data keeps each struct's fields with their JSON/protobuf tags and types. This
reads that data from a statically linked kubectl (ELF, x86-64, Go >= 1.20 type layout) and prints
one line per tagged field:

    <proto package>.<message> <field number> <json name> <flags>

where flags holds `p` for a pointer and `o` for `omitempty` (`-` for neither). Only Kubernetes
API packages (k8s.io/api, k8s.io/apimachinery) are listed.
"""

import re
import struct
import sys

KIND_MASK = 0x1F
KIND_POINTER = 22
IDENT = re.compile(rb"^[A-Za-z_][A-Za-z0-9_]*$")
PROTOBUF_TAG = re.compile(r'protobuf:"[a-z0-9]+,(\d+),(?:opt|req|rep)[^"]*"')
JSON_TAG = re.compile(r'json:"([^"]*)"')
# Sizes of the runtime's type descriptors (internal/abi): Type is 48 bytes, StructType adds the
# package path (8) and the field slice (24), and an UncommonType follows named types.
TYPE_SIZE = 48
STRUCT_FIELDS_AT = TYPE_SIZE + 8
UNCOMMON_AT = STRUCT_FIELDS_AT + 24
TFLAG_UNCOMMON = 1
FIELD_SIZE = 24


class Binary:
    def __init__(self, path):
        self.data = open(path, "rb").read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2:
            sys.exit(f"{path}: not a 64-bit ELF file")
        shoff, = struct.unpack_from("<Q", d, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
        raw = [struct.unpack_from("<IIQQQQ", d, shoff + i * shentsize) for i in range(shnum)]
        names_at = raw[shstrndx][4]
        self.sections = {}
        for name, _typ, _flags, addr, off, size in raw:
            end = d.index(b"\0", names_at + name)
            self.sections[d[names_at + name:end].decode()] = (addr, off, size)
        if ".rodata" not in self.sections:
            sys.exit(f"{path}: no .rodata section")
        self.ro_addr, self.ro_off, self.ro_size = self.sections[".rodata"]

    def offset(self, addr):
        """The file offset of a virtual address in .rodata, or None."""
        if self.ro_addr <= addr < self.ro_addr + self.ro_size:
            return addr - self.ro_addr + self.ro_off
        return None

    def varint(self, off):
        value, shift = 0, 0
        while True:
            b = self.data[off]
            off += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value, off

    def name(self, off, need_tag):
        """A runtime name at `off`: (identifier, tag, end), or None when none starts there.

        Layout: a flags byte (1 exported, 2 tag follows, 4 package path follows, 8 embedded),
        a varint length and the bytes, then (with flag 2) a varint length and the tag."""
        flags = self.data[off]
        if flags >= 16 or (need_tag and not flags & 2):
            return None
        n, at = self.varint(off + 1)
        ident = self.data[at:at + n]
        if not 0 < n < 80 or not IDENT.match(ident):
            return None
        at += n
        tag = ""
        if flags & 2:
            t, at = self.varint(at)
            tag = self.data[at:at + t].decode("latin1")
            at += t
        return ident.decode(), tag, at

    def name_text(self, addr):
        off = self.offset(addr)
        if off is None:
            return None
        n, at = self.varint(off + 1)
        return self.data[at:at + n].decode("latin1")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    b = Binary(sys.argv[1])
    ro = b.data[b.ro_off:b.ro_off + b.ro_size]
    # Names of struct fields carrying a protobuf tag, by address.
    names = {}
    for m in re.finditer(rb'protobuf:"', ro):
        hit = b.ro_off + m.start()
        for start in range(hit - 1, max(hit - 600, b.ro_off), -1):
            found = b.name(start, need_tag=True)
            if found and found[2] > hit:
                names[start - b.ro_off + b.ro_addr] = found
                break
    words = struct.unpack_from(f"<{b.ro_size // 8}Q", ro, 0)
    # Struct field records (name, type, offset) that point at one of those names.
    fields = {}
    for i, w in enumerate(words[:-2]):
        if w in names:
            fields[b.ro_addr + i * 8] = (w, words[i + 1])

    def field_at(addr):
        """The field record at `addr`, also for fields without a protobuf tag (embedded
        TypeMeta) next to ones with."""
        if addr in fields:
            return fields[addr]
        off = b.offset(addr)
        if off is None or off + FIELD_SIZE > b.ro_off + b.ro_size:
            return None
        name_addr, typ, _ = struct.unpack_from("<QQQ", b.data, off)
        name_off = b.offset(name_addr)
        found = name_off is not None and b.name(name_off, need_tag=False)
        if not found:
            return None
        names[name_addr] = found
        fields[addr] = (name_addr, typ)
        return fields[addr]

    lines = []
    for i, w in enumerate(words[:-2]):
        n = words[i + 1]
        # A struct type's field slice: pointer, length, capacity.
        if not (0 < n == words[i + 2] < 200) or b.offset(w) is None:
            continue
        slots = [w + FIELD_SIZE * k for k in range(n)]
        if not any(s in fields for s in slots) or not all(field_at(s) for s in slots):
            continue
        typ_off = b.offset(b.ro_addr + i * 8 - STRUCT_FIELDS_AT)
        if typ_off is None or not b.data[typ_off + 20] & TFLAG_UNCOMMON:
            continue
        str_off, = struct.unpack_from("<i", b.data, typ_off + 40)
        pkg_off, = struct.unpack_from("<i", b.data, typ_off + UNCOMMON_AT)
        type_name = b.name_text(b.ro_addr + str_off)
        pkg = b.name_text(b.ro_addr + pkg_off)
        if not type_name or not pkg:
            continue
        if pkg.startswith("k8s.io/api/"):
            module = "api." + pkg[len("k8s.io/api/"):].replace("/", ".")
        elif pkg.startswith("k8s.io/apimachinery/"):
            module = "apimachinery." + pkg[len("k8s.io/apimachinery/"):].replace("/", ".")
        else:
            continue
        message = module + "." + type_name.lstrip("*").split(".", 1)[1]
        for s in slots:
            name_addr, typ = fields[s]
            _, tag, _ = names[name_addr]
            pm, jm = PROTOBUF_TAG.search(tag), JSON_TAG.search(tag)
            if not pm or not jm:
                continue
            json_name, *options = jm.group(1).split(",")
            typ_at = b.offset(typ)
            if typ_at is None:
                continue
            flags = ""
            if b.data[typ_at + 23] & KIND_MASK == KIND_POINTER:
                flags += "p"
            if "omitempty" in options:
                flags += "o"
            lines.append(f"{message} {pm.group(1)} {json_name or '-'} {flags or '-'}")
    if not lines:
        sys.exit("no API struct fields found: not a Go binary linking k8s.io/api?")
    def order(line):
        message, number, _ = line.split(" ", 2)
        return message, int(number)

    print("\n".join(sorted(set(lines), key=order)))


if __name__ == "__main__":
    main()
