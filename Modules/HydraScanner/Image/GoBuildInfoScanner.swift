import CHydraSystem
import HydraCore

/// Finds the build information the Go linker embeds in every binary (the 32-byte header starting
/// `\xff Go buildinf:`; Go 1.18 and later write the version and module information right after it) while the
/// file streams past, keeping the bytes from the header on. Optionally keeps a small file whole, for what
/// needs the ELF structure (the pointer form of older Go versions, cargo-auditable's section).
/// Files that are not ELF are dismissed after their first four bytes.
final class GoBuildInfoScanner: ByteSink {
    static let magic: [UInt8] = [0xff] + Array(" Go buildinf:".utf8)
    /// Build information is small; this bounds what is kept after the header.
    static let captureLimit = 512 << 10

    private var head: [UInt8] = []
    private var isELF: Bool?
    private var offset: Int64 = 0
    /// The last bytes of the previous chunk, so a header split between chunks is still found.
    private var carry: [UInt8] = []
    private var captured: [UInt8]?

    /// The bytes from the header on, when the magic was found.
    var buildInfo: [UInt8]? { captured }

    /// How large a file may be to be kept whole (0: never).
    private let wholeLimit: Int
    private var whole: [UInt8] = []
    private var wholeIncomplete = false

    /// The whole file, when it is an ELF file no larger than the limit given.
    var wholeFile: [UInt8]? { isELF == true && wholeLimit > 0 && !wholeIncomplete ? whole : nil }

    init(keepingWholeUpTo wholeLimit: Int = 0) {
        self.wholeLimit = wholeLimit
        if wholeLimit > 0 { whole.reserveCapacity(wholeLimit) }
    }

    func write(_ buffer: UnsafeRawBufferPointer) throws {
        if isELF == nil {
            head.append(contentsOf: buffer.prefix(4 - head.count))
            if head.count == 4 { isELF = head == [0x7f, 0x45, 0x4c, 0x46] }
        }
        defer { offset += Int64(buffer.count) }
        guard isELF == true else { return }
        if wholeLimit > 0 && !wholeIncomplete {
            if whole.count + buffer.count <= wholeLimit && Int64(whole.count) == offset {
                whole.append(contentsOf: buffer)
            } else {
                wholeIncomplete = true
            }
        }
        if let count = captured?.count {
            if count < Self.captureLimit { captured?.append(contentsOf: buffer.prefix(Self.captureLimit - count)) }
            return
        }
        // A header that starts in the previous chunk's tail.
        if !carry.isEmpty {
            let joint = carry + Array(buffer.prefix(Self.magic.count - 1))
            let found = joint.withUnsafeBytes { Self.find(in: $0, alignedFrom: offset - Int64(carry.count)) }
            if let found, found < carry.count {
                captured = Array((Array(carry[found...]) + Array(buffer)).prefix(Self.captureLimit))
                return
            }
        }
        if let found = Self.find(in: buffer, alignedFrom: offset) {
            captured = Array(buffer[found...].prefix(Self.captureLimit))
            return
        }
        carry = Array(buffer.suffix(Self.magic.count - 1))
    }

    func finish() throws {}

    /// The first occurrence of the magic at a 16-byte-aligned file offset.
    private static func find(in bytes: UnsafeRawBufferPointer, alignedFrom start: Int64) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var position = 0
        while position + magic.count <= bytes.count {
            let found = magic.withUnsafeBytes { needle in
                hydra_memmem(base + position, bytes.count - position, needle.baseAddress, needle.count)
            }
            guard let found else { return nil }
            let index = base.distance(to: UnsafeRawPointer(found))
            if (start + Int64(index)) % 16 == 0 { return index }
            position = index + 1
        }
        return nil
    }
}
