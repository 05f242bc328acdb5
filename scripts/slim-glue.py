#!/usr/bin/env python3
"""Slims what wasm-bindgen made of the widget: scripts/widget-wasm.sh, before wasm-opt.

1. Streams nobody makes: Leptos always builds `server_fn` with its `browser`
   feature, which brings `wasm-streams`, whose `#[wasm_bindgen]` classes
   (`IntoUnderlyingSource`, `…Sink`, `…ByteSource`) are exports of the wasm
   and so stay in it with all they call (~10 KB before compression), though
   the widget has no server functions and never creates one (the glue has no
   import that wraps one). Their exports leave the wasm (wasm-opt then drops
   their code) and their classes the glue.

2. Short import names. wasm-bindgen names each import the wasm makes of its JS glue after the Rust
item plus a 16-hex-digit hash (`__wbg_setattribute_2a8b…`), in the module
`./talkshop-widget_bg.js`. The ~200 names are written twice, in the wasm's
import section and as the keys of the glue's import object, and their hashes
do not compress. This renames the module to `w` and each import to a short
identifier (`a`, `b`, … `ba`, …) in both files, and fails unless every
name is found exactly once in the glue (a wasm-bindgen whose glue looks
different stops the build instead of making a widget that cannot start).

3. Short export names for wasm-bindgen's closure shims. The ~8 functions the
   glue calls to run a Rust closure are exported as `wasm_bindgen_<hash>___
   convert__closures_____invoke___<the argument types, mangled>` (up to 300
   characters each). They become `za`, `zb`, … in the wasm's export section
   and in the glue's `wasm.<name>` calls (each must be found there; parts
   never import them: wasm-bindgen makes them after the split).

4. The streams' entries in the function table. Their code is also reached
   through the table that holds the Rust closures and futures they make, and
   the table is exported (the parts use it), so wasm-opt keeps every entry:
   with their exports gone, the entries of functions whose names are in
   `wasm_streams` (25: its futures, their drops and promise callbacks, with
   `std::io::Error`'s texts behind them, ~7 KB before compression) point at
   a new function that traps instead, and wasm-opt drops their code. Nothing
   can reach those entries: only a stream made by the removed classes would.

usage: slim-glue.py WASM GLUE_JS   (both rewritten in place)
"""
import re
import sys

MODULE = "./talkshop-widget_bg.js"
UNUSED_CLASSES = ("IntoUnderlyingByteSource", "IntoUnderlyingSink", "IntoUnderlyingSource")
SHORT_MODULE = "w"


def leb(data, pos):
    """Reads an unsigned LEB128 at pos: (value, next position)."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def put_leb(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def name(data, pos):
    length, pos = leb(data, pos)
    return data[pos:pos + length].decode(), pos + length


def put_name(text):
    raw = text.encode()
    return put_leb(len(raw)) + raw


def limits(data, pos):
    flags = data[pos]
    _, pos = leb(data, pos + 1)
    if flags & 1:
        _, pos = leb(data, pos)
    return pos


def identifiers():
    """a … z, A … Z, then two letters, …: short JS identifiers (no keywords of one or two letters but `do`, `if`, `in`)."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for a in letters:
        yield a
    for a in letters:
        for b in letters:
            if a + b not in ("do", "if", "in"):
                yield a + b


def rewrite_imports(section, short):
    """The import section with the glue's imports renamed; fills `short` (old name -> new)."""
    count, pos = leb(section, 0)
    out = bytearray(put_leb(count))
    fresh = identifiers()
    for _ in range(count):
        module, pos = name(section, pos)
        field, pos = name(section, pos)
        start = pos
        kind = section[pos]
        pos += 1
        if kind == 0:  # function: type index
            _, pos = leb(section, pos)
        elif kind == 1:  # table: reference type, limits
            pos = limits(section, pos + 1)
        elif kind == 2:  # memory: limits
            pos = limits(section, pos)
        elif kind == 3:  # global: value type, mutability
            pos += 2
        elif kind == 4:  # tag: attribute, type index
            _, pos = leb(section, pos + 1)
        else:
            sys.exit(f"slim-glue: unknown import kind {kind} of {module} {field}")
        if module == MODULE:
            if field not in short:
                short[field] = next(fresh)
            module, field = SHORT_MODULE, short[field]
        out += put_name(module) + put_name(field) + section[start:pos]
    if pos != len(section):
        sys.exit("slim-glue: the import section has bytes after its entries")
    return bytes(out)


SHIM_PREFIX = "wasm_bindgen_"


def drop_exports(section, unused, renamed):
    """The export section without the exports whose names start with one of `unused`, and
    the closure shims renamed (fills `renamed`, old name -> new); the names dropped."""
    count, pos = leb(section, 0)
    kept, dropped = [], []
    fresh = ("z" + i for i in identifiers())
    for _ in range(count):
        field, after = name(section, pos)
        _, end = leb(section, after + 1)  # kind, index
        if field.startswith(unused):
            dropped.append(field)
        elif field.startswith(SHIM_PREFIX):
            renamed[field] = next(fresh)
            kept.append(put_name(renamed[field]) + section[after:end])
        else:
            kept.append(section[pos:end])
        pos = end
    return put_leb(len(kept)) + b"".join(kept), dropped


def drop_classes(js):
    """The glue without the unused classes and their finalization registries."""
    for cls in UNUSED_CLASSES:
        block = re.compile(
            rf"^export class {cls} {{\n.*?^}}\n(?:if \(Symbol\.dispose\) {cls}\.prototype\[Symbol\.dispose\] = {cls}\.prototype\.free;\n)?",
            re.M | re.S,
        )
        js, found = block.subn("", js)
        registry = re.compile(rf"^const {cls}Finalization = [^;]*;\n", re.M)
        js, found_registry = registry.subn("", js)
        if (found, found_registry) != (1, 1):
            sys.exit(f"slim-glue: the glue has {found} classes and {found_registry} registries {cls}, not one")
    return js


UNREACHABLE_IN = "wasm_streams["


def function_names(data):
    """Function index -> name, from the wasm's name section (wasm-bindgen keeps it)."""
    names, pos = {}, 8
    while pos < len(data):
        section_id = data[pos]
        size, body = leb(data, pos + 1)
        if section_id == 0:
            title, sub = name(data, body)
            while title == "name" and sub < body + size:
                kind = data[sub]
                length, start = leb(data, sub + 1)
                if kind == 1:
                    count, at = leb(data, start)
                    for _ in range(count):
                        index, at = leb(data, at)
                        names[index], at = name(data, at)
                sub = start + length
        pos = body + size
    return names


def imported_functions(section):
    count, pos = leb(section, 0)
    functions = 0
    for _ in range(count):
        _, pos = name(section, pos)
        _, pos = name(section, pos)
        kind = section[pos]
        pos += 1
        if kind == 0:
            _, pos = leb(section, pos)
            functions += 1
        elif kind == 1:
            pos = limits(section, pos + 1)
        elif kind == 2:
            pos = limits(section, pos)
        elif kind == 3:
            pos += 2
        elif kind == 4:
            _, pos = leb(section, pos + 1)
    return functions


def void_type(section):
    """(the type section with a `[] -> []` type, that type's index)."""
    count, start = leb(section, 0)
    pos = start
    for index in range(count):
        if section[pos:pos + 3] == b"\x60\x00\x00":
            return section, index
        params, pos = leb(section, pos + 1)
        pos += params
        results, pos = leb(section, pos)
        pos += results
    return put_leb(count + 1) + section[start:] + b"\x60\x00\x00", count


def retarget_elements(section, doomed, trap):
    """The element section with the entries of `doomed` functions in its first
    segment (`flags` 0: table 0, an i32 offset, function indices) pointing at `trap`."""
    count, pos = leb(section, 0)
    flags, pos = leb(section, pos)
    if count == 0 or flags != 0 or section[pos] != 0x41:
        sys.exit("slim-glue: the first element segment is not a list of functions at an i32 offset")
    _, at = leb(section, pos + 1)
    if section[at] != 0x0B:
        sys.exit("slim-glue: the first element segment's offset is not one constant")
    entries, at = leb(section, at + 1)
    head = section[:at]
    indices = []
    for _ in range(entries):
        index, at = leb(section, at)
        indices.append(index)
    hits = sum(index in doomed for index in indices)
    body = b"".join(put_leb(trap if index in doomed else index) for index in indices)
    return head + body + section[at:], hits


def main():
    wasm_path, js_path = sys.argv[1:3]
    data = open(wasm_path, "rb").read()
    if data[:8] != b"\0asm\1\0\0\0":
        sys.exit(f"slim-glue: {wasm_path} is not a wasm module")
    names = function_names(data)
    doomed = {index for index, text in names.items() if UNREACHABLE_IN in text}
    out = bytearray(data[:8])
    pos = 8
    short, dropped, renamed = {}, [], {}
    trap, retargeted = None, 0
    unused = tuple(prefix + c.lower() for c in UNUSED_CLASSES for prefix in ("", "__wbg_"))
    while pos < len(data):
        section_id = data[pos]
        size, body = leb(data, pos + 1)
        section = data[body:body + size]
        if section_id == 1:
            section, void = void_type(section)
        elif section_id == 2:
            imports = imported_functions(section)
            section = rewrite_imports(section, short)
        elif section_id == 3:
            # One more function, after all the others: `unreachable`.
            functions, at = leb(section, 0)
            section = put_leb(functions + 1) + section[at:] + put_leb(void)
            trap = imports + functions
        elif section_id == 9:
            section, retargeted = retarget_elements(section, doomed, trap)
        elif section_id == 10:
            bodies, at = leb(section, 0)
            section = put_leb(bodies + 1) + section[at:] + b"\x03\x00\x00\x0b"
        elif section_id == 7:
            section, dropped = drop_exports(section, unused, renamed)
        out += bytes([section_id]) + put_leb(len(section)) + section
        pos = body + size
    if not dropped:
        sys.exit(f"slim-glue: {wasm_path} exports none of {', '.join(UNUSED_CLASSES)}")
    if not short:
        sys.exit(f"slim-glue: {wasm_path} imports nothing from {MODULE}")
    if not retargeted:
        sys.exit(f"slim-glue: no function of {UNREACHABLE_IN}…] in the table of {wasm_path} (no name section?)")

    js = drop_classes(open(js_path).read())
    for export in dropped:
        if f"wasm.{export}" in js:
            sys.exit(f"slim-glue: the glue still calls {export}")
    module_key = f'"{MODULE}":'
    if js.count(module_key) != 1:
        sys.exit(f"slim-glue: {js_path} names {MODULE} {js.count(module_key)} times, not once")
    js = js.replace(module_key, f'"{SHORT_MODULE}":')
    for old, new in short.items():
        key = re.compile(rf"^(\s+){re.escape(old)}:", re.M)
        js, found = key.subn(rf"\g<1>{new}:", js)
        if found != 1:
            sys.exit(f"slim-glue: the import object of {js_path} has {found} keys {old}, not one")
    for old, new in renamed.items():
        call = re.compile(rf"\bwasm\.{re.escape(old)}(?![\w$])")
        js, found = call.subn(f"wasm.{new}", js)
        if found == 0:
            sys.exit(f"slim-glue: the glue never calls the export {old}")
    if any(f"wasm.{SHIM_PREFIX}" in line for line in js.splitlines()):
        sys.exit(f"slim-glue: the glue calls a {SHIM_PREFIX}… export the wasm does not have")
    open(wasm_path, "wb").write(out)
    open(js_path, "w").write(js)
    print(
        f"slim-glue: {len(dropped)} stream exports and their classes dropped, {retargeted} of their "
        f"table entries trap, {len(short)} imports and {len(renamed)} closure shims renamed"
    )


if __name__ == "__main__":
    main()
