import Foundation
import HydraCore

/// Reads one layer (a tar stream, compressed or not) or a root filesystem directory for the catalogers: the
/// files `FileInterest` names, Go build information from executables, and the layer's whiteouts.
enum LayerReader {
    /// Normalises an archive path to the relative form the catalogers use (`./usr/bin/x` → `usr/bin/x`).
    static func normalise(_ path: String) -> String? {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case "", ".": continue
            case "..": if parts.popLast() == nil { return nil }
            default: parts.append(part)
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    /// Reads a tar layer. A layer that cannot be read to its end is an error naming it (a truncated download,
    /// say); what it held up to there is not used.
    static func read(tar reader: TarReader, layer: Int) throws -> LayerContents {
        var contents = LayerContents()
        while let entry = try reader.next() {
            guard let path = normalise(entry.path) else { continue }
            if let whiteout = Whiteout(path: path) {
                switch whiteout {
                case .file(let deleted): contents.deleted.append(deleted)
                case .opaque(let directory): contents.opaque.append(directory)
                }
                continue
            }
            switch entry.kind {
            case .file:
                let executable = entry.permissions & 0o111 != 0
                guard let interest = FileInterest.classify(path: path, isExecutable: executable) else { continue }
                try collect(path: path, size: entry.size, interest: interest, layer: layer, into: &contents) { sink in
                    try reader.readBody(into: sink)
                }
            case .symlink, .directory:
                contents.replaced.append(path)
            default:
                continue
            }
        }
        return contents
    }

    /// Reads a root filesystem directory as one layer (symbolic links are not followed).
    static func read(directory root: String) throws -> LayerContents {
        var contents = LayerContents()
        guard let enumerator = FileManager.default.enumerator(atPath: root) else {
            throw ScanError.unreadable(root, reason: "not a directory")
        }
        while let relative = enumerator.nextObject() as? String {
            guard let path = normalise(relative) else { continue }
            let full = root + "/" + relative
            guard let file = FileSystem.regularFile(full),
                  let interest = FileInterest.classify(path: path, isExecutable: file.isExecutable) else { continue }
            do {
                try collect(path: path, size: file.size, interest: interest, layer: 0, into: &contents) { sink in
                    try FileReader(path: full).copy(to: sink)
                }
            } catch {
                contents.warnings.append("\(path): \(error)")
            }
        }
        return contents
    }

    private static func collect(
        path: String, size: Int64, interest: FileInterest, layer: Int, into contents: inout LayerContents,
        body: (any ByteSink) throws -> Void
    ) throws {
        switch interest {
        case .text(let kind, let limit):
            let sink = PrefixSink(limit: limit)
            try body(sink)
            if sink.total > Int64(limit) { contents.warnings.append("\(path): only the first \(limit) of \(sink.total) bytes read") }
            contents.files.append(CollectedFile(
                path: path, kind: kind, layer: layer, size: sink.total, content: sink.bytes, isTruncated: sink.total > Int64(limit)))
        case .archive(let limit):
            guard size <= Int64(limit) else {
                contents.warnings.append("\(path): \(size) bytes is over the \(limit)-byte limit for archives; not read")
                return
            }
            // Read now, while the bytes are at hand: an image's archives are never all held at once.
            let sink = PrefixSink(limit: limit)
            try body(sink)
            let read = JavaCataloger.read(archive: sink.bytes, path: path, layer: layer)
            contents.artifacts.append(.java(JavaArchive(path: path, layer: layer, packages: read.packages)))
            contents.warnings += read.warnings
        case .executable:
            // Small enough executables are kept whole while they stream, for the sections Rust binaries carry.
            let scanner = GoBuildInfoScanner(keepingWholeUpTo: size <= Int64(FileInterest.wholeExecutableLimit) ? Int(size) : 0)
            try body(scanner)
            if let info = scanner.buildInfo {
                if let binary = GoBinary(path: path, layer: layer, buildInfo: info, elf: scanner.wholeFile) {
                    contents.artifacts.append(.go(binary))
                } else {
                    contents.warnings.append("\(path): Go build information that cannot be read (a binary before Go 1.18 over \(FileInterest.wholeExecutableLimit >> 20) MiB, or damaged)")
                }
            } else if let whole = scanner.wholeFile, let binary = RustBinary(path: path, layer: layer, elf: whole) {
                contents.artifacts.append(.rust(binary))
            }
        }
    }
}
