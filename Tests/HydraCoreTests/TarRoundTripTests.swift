import Foundation
import HydraCore
import HydraTestSupport
import Testing

@Suite("Tar round trips")
struct TarRoundTripTests {
    static let longName = String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 90) + ".txt"
    static let veryLongName = (0..<6).map { _ in String(repeating: "x", count: 60) }.joined(separator: "/") + "/file"

    /// One entry of every kind, with owners, names, modes, xattrs and mtimes worth checking.
    static let entries: [(TarEntry, [UInt8])] = [
        (TarEntry(path: "bin/", kind: .directory, permissions: 0o755, modificationTime: 1_700_000_000), []),
        (TarEntry(path: "bin/tool", kind: .file, permissions: 0o4755, uid: 1000, gid: 1001, userName: "alice", groupName: "staff",
                  modificationTime: 1_600_000_000, xattrs: ["user.origin": Array("hydra".utf8), "security.capability": [1, 0, 0, 2]]),
         Array("#!/bin/sh\necho hi\n".utf8)),
        (TarEntry(path: "bin/sh", kind: .symlink, permissions: 0o777, linkTarget: "tool"), []),
        (TarEntry(path: "bin/hard", kind: .hardlink, permissions: 0o4755, linkTarget: "bin/tool"), []),
        (TarEntry(path: "dev/null", kind: .characterDevice, permissions: 0o666, deviceMajor: 1, deviceMinor: 3), []),
        (TarEntry(path: "dev/sda", kind: .blockDevice, permissions: 0o660, deviceMajor: 8, deviceMinor: 0), []),
        (TarEntry(path: "run/fifo", kind: .fifo, permissions: 0o600), []),
        (TarEntry(path: "tmp/", kind: .directory, permissions: 0o1777), []),
        (TarEntry(path: longName, kind: .file, permissions: 0o644, uid: 3_000_000, gid: 70_000), Array(repeating: 7, count: 5000)),
        (TarEntry(path: veryLongName, kind: .file, permissions: 0o600), Array("deep".utf8)),
        (TarEntry(path: "link-to-long", kind: .symlink, permissions: 0o777, linkTarget: veryLongName), []),
    ]

    static func write(_ format: TarFormat, _ entries: [(TarEntry, [UInt8])]) throws -> [UInt8] {
        let out = BufferSink()
        let writer = try TarWriter(format: format, into: out)
        for (entry, body) in entries { try writer.write(entry, body: body) }
        try writer.finish()
        return out.bytes
    }

    @Test("every entry kind survives a round trip", arguments: [TarFormat.pax, .gnu])
    func roundTrip(format: TarFormat) throws {
        let bytes = try Self.write(format, Self.entries)
        let reader = try TarReader(bytes: bytes)
        var index = 0
        while let entry = try reader.next() {
            let (expected, body) = Self.entries[index]
            #expect(entry.path == expected.path)
            #expect(entry.kind == expected.kind, "\(entry.path)")
            #expect(entry.permissions == expected.permissions, "\(entry.path)")
            #expect(entry.linkTarget == expected.linkTarget, "\(entry.path)")
            #expect(entry.uid == expected.uid && entry.gid == expected.gid, "\(entry.path)")
            #expect(entry.modificationTime == expected.modificationTime)
            if expected.userName != nil { #expect(entry.userName == expected.userName) }
            if expected.kind == .characterDevice || expected.kind == .blockDevice {
                #expect(entry.deviceMajor == expected.deviceMajor && entry.deviceMinor == expected.deviceMinor)
            }
            if format == .pax { #expect(entry.xattrs == expected.xattrs, "\(entry.path)") }
            if entry.kind == .file { #expect(try reader.readBody() == body) }
            index += 1
        }
        #expect(index == Self.entries.count)
    }

    @Test("GNU tar lists hydra's archives with the same names, kinds and owners", arguments: [TarFormat.pax, .gnu])
    func gnuTarReadsHydra(format: TarFormat) throws {
        let dir = TemporaryDirectory()
        try Data(try Self.write(format, Self.entries)).write(to: URL(fileURLWithPath: dir("a.tar")))
        let listing = try Tool.run(["tar", "--numeric-owner", "-tvf", dir("a.tar")])
        #expect(listing.succeeded, "\(listing.stderr)")
        let lines = listing.stdout.split(separator: "\n")
        #expect(lines.count == Self.entries.count)
        #expect(lines.contains { $0.hasPrefix("-rwsr-xr-x 1000/1001") && $0.hasSuffix("bin/tool") })
        #expect(lines.contains { $0.hasPrefix("crw-rw-rw- 0/0") && $0.contains("1,3") })
        #expect(lines.contains { $0.hasPrefix("hrwsr-xr-x") && $0.hasSuffix("bin/hard link to bin/tool") })
        #expect(lines.contains { $0.hasSuffix(Self.longName) && $0.contains("3000000/70000") })
        #expect(lines.contains { $0.hasSuffix(Self.veryLongName) })
        #expect(lines.contains { $0.hasPrefix("prw-------") })
        #expect(lines.contains { $0.hasPrefix("drwxrwxrwt") })
    }

    @Test("hydra reads GNU tar's long names and links in every GNU tar format", arguments: ["posix", "gnu", "ustar"])
    func hydraReadsGnuTar(format: String) throws {
        let dir = TemporaryDirectory()
        let shortDeep = "a/" + String(repeating: "b", count: 99) + "/" + String(repeating: "c", count: 100)  // fits ustar's prefix
        let name = format == "ustar" ? shortDeep : Self.veryLongName
        try dir.write("root/" + name, "content")
        symlink("target-of-link", dir("root/sym"))
        link(dir("root/" + name), dir("root/hard"))
        let made = try Tool.run(["tar", "--format=\(format)", "-C", dir("root"), "-cf", dir("t.tar"), "hard", name.split(separator: "/").first.map(String.init) ?? "", "sym"])
        #expect(made.succeeded, "\(made.stderr)")
        let entries = try TarReader(path: dir("t.tar")).readAllEntries()
        // "hard" is archived first, so it carries the body and the long name links to it.
        #expect(entries.contains { $0.path == "hard" && $0.kind == .file && $0.size == 7 })
        #expect(entries.contains { $0.path == name && $0.kind == .hardlink && $0.linkTarget == "hard" })
        #expect(entries.contains { $0.path == "sym" && $0.kind == .symlink && $0.linkTarget == "target-of-link" })
    }

    @Test("ustar refuses names it cannot hold, naming the entry")
    func ustarLimits() throws {
        let name = String(repeating: "n", count: 300)
        #expect {
            try Self.write(.ustar, [(TarEntry(path: name, kind: .file), [1])])
        } throws: { error in
            "\(error)".contains(name.prefix(50))
        }
    }

    @Test("a truncated archive is an error naming the source")
    func truncated() throws {
        let bytes = try Self.write(.pax, Self.entries)
        // Cuts inside a header or a body (an archive that stops exactly between entries reads as complete, as
        // in GNU tar and Go; layer digests are what catch that).
        for cut in [bytes.count / 3 + 100, bytes.count / 2 + 300, 700] {
            #expect(throws: TarError.self, "cut at \(cut)") {
                _ = try TarReader(bytes: Array(bytes.prefix(cut)), name: "cut.tar").readAllEntries()
            }
        }
        #expect(throws: TarError.self) {
            _ = try TarReader(bytes: Array("this is not a tar archive at all, just text".utf8), name: "junk").readAllEntries()
        }
    }

    @Test("gzip- and zstd-compressed archives read transparently", arguments: [Compression.gzip, .zstd])
    func compressedArchives(compression: Compression) throws {
        let out = BufferSink()
        let writer = try TarWriter(format: .pax, into: try compression.encoder(into: out))
        try writer.write(TarEntry(path: "hello", kind: .file), body: Array("world".utf8))
        try writer.finish()
        let reader = try TarReader(bytes: out.bytes)
        #expect(try reader.next()?.path == "hello")
        #expect(try reader.readBody() == Array("world".utf8))
    }
}

@Suite("Tar streams that end early")
struct TarEndTests {
    static func archive(_ body: [UInt8]) throws -> [UInt8] {
        let out = BufferSink()
        let writer = try TarWriter(format: .ustar, into: out)
        try writer.write(TarEntry(path: "first", kind: .file), body: Array("one".utf8))
        try writer.write(TarEntry(path: "last", kind: .file), body: body)
        try writer.finish()
        return out.bytes
    }

    @Test("a stream that stops right after the last body (no padding, no end blocks) reads, as in Go and Docker")
    func missingPaddingAccepted() throws {
        let body = Array(repeating: UInt8(ascii: "x"), count: 1000)
        let full = try Self.archive(body)
        // first: 512 header + 512 body block; last: 512 header + 1000 body bytes.
        let cut = Array(full.prefix(512 + 512 + 512 + 1000))
        let reader = try TarReader(bytes: cut, name: "short")
        #expect(try reader.next()?.path == "first")
        #expect(try reader.next()?.path == "last")
        #expect(try reader.readBody() == body)
        #expect(try reader.next() == nil)
        // Compressed the same way, as umoci's layers are.
        let out = BufferSink()
        let gzip = try GzipEncoder(next: out)
        try gzip.write(cut)
        try gzip.finish()
        #expect(try TarReader(bytes: out.bytes).readAllEntries().map(\.path) == ["first", "last"])
    }

    @Test("a body cut short is never zero-filled into a complete-looking file", arguments: [1, 200, 999])
    func truncatedBodyRefused(missing: Int) throws {
        let full = try Self.archive(Array(repeating: UInt8(ascii: "x"), count: 1000))
        let cut = Array(full.prefix(512 + 512 + 512 + 1000 - missing))
        #expect(throws: TarError.self) { _ = try TarReader(bytes: cut).readAllEntries() }
    }

    @Test("a header whose size field is garbage (base-256 all ones, or not tar at all) is an error, not an overflow")
    func garbageSizeRefused() throws {
        var header = [UInt8](repeating: 0, count: 512)
        for (index, byte) in Array("junk".utf8).enumerated() { header[index] = byte }
        for index in 124..<136 { header[index] = 0xff }
        #expect(throws: TarError.self) { _ = try TarReader(bytes: header + [UInt8](repeating: 0x41, count: 2048)).readAllEntries() }
        let zipLike: [UInt8] = [0x50, 0x4b, 0x03, 0x04] + [UInt8](repeating: 0xff, count: 1020)
        #expect(throws: TarError.self) { _ = try TarReader(bytes: zipLike, also: .zip).readAllEntries() }
    }
}
