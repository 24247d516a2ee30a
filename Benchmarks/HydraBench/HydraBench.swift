import Crypto
import Foundation
import HydraCore

/// The hydra side of `make bench`: each mode does one job the way hydra does it, so scripts/bench.sh can time it
/// with hyperfine beside the peer tool doing the same job.
@main
enum HydraBench {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let mode = arguments.first else { return usage() }
        let rest = Array(arguments.dropFirst())
        switch (mode, rest.count) {
        case ("sha256", 1):
            let sink = HashingSink()
            try FileReader.stream(rest[0], into: sink)
            print(sink.digest)
        case ("sha256-swift-crypto", 1):
            var hasher = SHA256()
            // The same 1 MiB reads as the OpenSSL path, so only the hash differs.
            let reader = try FileReader(path: rest[0])
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            try chunk.withUnsafeMutableBytes { buffer in
                while case let n = try reader.read(into: buffer), n > 0 {
                    hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                }
            }
            print(hasher.finalize().map { String(format: "%02x", $0) }.joined())
        case ("gzip", 3):
            guard let level = Int(rest[0]) else { return usage() }
            try FileReader.stream(rest[1], into: try Compression.gzip.encoder(level: level, into: FileSink(creating: rest[2], sync: false)))
        case ("pgzip", 4):
            guard let level = Int(rest[0]), let threads = Int(rest[1]) else { return usage() }
            try FileReader.stream(rest[2], into: try Compression.gzip.encoder(level: level, threads: threads, into: FileSink(creating: rest[3], sync: false)))
        case ("tar", 2):
            let options = DirectoryArchiver.Options(modificationTimeLimit: 0, owner: (0, 0))
            try DirectoryArchiver(root: rest[0], options: options).write(into: FileSink(creating: rest[1], sync: false))
        default:
            usage()
        }
    }

    static func usage() {
        FileHandle.standardError.write(Data("""
            usage: HydraBench sha256 FILE | sha256-swift-crypto FILE | gzip LEVEL IN OUT | pgzip LEVEL THREADS IN OUT | tar DIR OUT

            """.utf8))
        exit(2)
    }
}
