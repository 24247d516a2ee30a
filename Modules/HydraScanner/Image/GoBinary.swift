/// A Go executable's embedded build information: the toolchain version and the modules linked in.
public struct GoBinary: Sendable {
    public struct Module: Sendable, Equatable {
        public let path: String
        public let version: String
    }

    public let path: String
    public let layer: Int
    /// `go1.19.13`.
    public let goVersion: String
    public let main: Module?
    public let dependencies: [Module]

    /// Parses the bytes from the build-info header on. Go 1.18 and later write the strings inline after the
    /// header; earlier versions write two pointers to string headers in the program's data, which are followed
    /// through the ELF program headers of `elf` (the whole file, when it was kept). Nil when neither works.
    init?(path: String, layer: Int, buildInfo bytes: [UInt8], elf: [UInt8]? = nil) {
        guard bytes.count > 32 else { return nil }
        let versionBytes: [UInt8]
        var modinfo: [UInt8]
        if bytes[15] & 0x2 != 0 {
            var reader = VarintStringReader(bytes: bytes, offset: 32)
            guard let version = reader.next(), let info = reader.next() else { return nil }
            versionBytes = version
            modinfo = info
        } else {
            let pointerSize = Int(bytes[14])
            guard let elf, pointerSize == 8 || pointerSize == 4, let memory = ELFFile(elf) else { return nil }
            let bigEndian = bytes[15] & 0x1 != 0
            func pointer(_ data: ArraySlice<UInt8>) -> UInt64 {
                let ordered = bigEndian ? Array(data) : data.reversed()
                return ordered.reduce(0) { $0 << 8 | UInt64($1) }
            }
            /// A Go string header (data pointer, length) at a virtual address, and the bytes it points to.
            func string(at address: UInt64) -> [UInt8]? {
                guard let header = memory.read(address, count: pointerSize * 2) else { return nil }
                let data = pointer(header.prefix(pointerSize)), length = pointer(header.suffix(pointerSize))
                guard length < 1 << 20 else { return nil }
                return memory.read(data, count: Int(length)).map(Array.init)
            }
            guard let version = string(at: pointer(bytes[16..<16 + pointerSize])),
                  let info = string(at: pointer(bytes[16 + pointerSize..<16 + 2 * pointerSize])) else { return nil }
            versionBytes = version
            modinfo = info
        }
        let version = String(decoding: versionBytes, as: UTF8.self)
        guard version.hasPrefix("go") else { return nil }
        self.path = path
        self.layer = layer
        self.goVersion = version
        // The module information is framed by 16-byte binary sentinels.
        if modinfo.count >= 33, modinfo[modinfo.count - 17] == UInt8(ascii: "\n") {
            modinfo = Array(modinfo.dropFirst(16).dropLast(16))
        }
        let text = String(decoding: modinfo, as: UTF8.self)
        var main: Module?
        var dependencies: [Module] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let kind = fields.first else { continue }
            switch kind {
            case "mod" where fields.count >= 3: main = Module(path: fields[1], version: fields[2])
            case "dep" where fields.count >= 3: dependencies.append(Module(path: fields[1], version: fields[2]))
            case "=>" where fields.count >= 3 && !dependencies.isEmpty:
                // A replacement: the module actually linked is the replacement at its version.
                dependencies[dependencies.count - 1] = Module(path: fields[1], version: fields[2])
            default: continue
            }
        }
        self.main = main
        self.dependencies = dependencies
    }
}

/// Byte strings written as an unsigned varint length and the bytes.
struct VarintStringReader {
    let bytes: [UInt8]
    var offset: Int

    mutating func next() -> [UInt8]? {
        var length = 0
        var shift = 0
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            guard shift < 35 else { return nil }
            length |= Int(byte & 0x7f) << shift
            if byte & 0x80 == 0 {
                guard length <= bytes.count - offset else { return nil }
                let string = Array(bytes[offset..<offset + length])
                offset += length
                return string
            }
            shift += 7
        }
        return nil
    }
}
