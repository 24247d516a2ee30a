import ArgumentParser
import Foundation
import HydraCore
import HydraOCI
import Synchronization

/// How results are printed: `--format table` (the default; `text` is the same) or `--format json`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json

    init?(argument: String) {
        switch argument.lowercased() {
        case "table", "text": self = .text
        case "json": self = .json
        default: return nil
        }
    }

    static var allValueStrings: [String] { ["table", "json"] }
}

/// Flags every command takes: `--format` for how the result is written, `-o/--output FILE` for where, `--debug`.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "How to write the result: table or json.")
    var format: OutputFormat = .text

    @Option(name: [.customShort("o"), .customLong("output")], help: "Write the result to this file instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "Print error details.")
    var debug = false

    /// Runs a command body: its result goes to standard output, or to `--output FILE` (written whole, atomically,
    /// only when the command succeeds); an error becomes one line on stderr (and a JSON error object on stdout with
    /// `--format json`) and the exit status from `ExitStatus`.
    func run(_ body: () async throws -> Void) async throws {
        try await Self.run(debug: debug, format: format, output: output, body)
    }

    /// - Parameters:
    ///   - output: a file the command's standard output goes to instead; nil writes to standard output.
    static func run(debug: Bool, format: OutputFormat = .text, output: String? = nil, _ body: () async throws -> Void) async throws {
        if let output { Console.capture(into: output) }
        do {
            try await body()
            try Console.finishCapture()
        } catch let exit as ExitCode {
            try? Console.finishCapture()
            throw exit
        } catch {
            Console.abandonCapture()
            let status = ExitStatus.of(error)
            Console.error("hydra: \(ExitStatus.message(for: error))")
            if debug { Console.error("debug: \(type(of: error)): \(String(reflecting: error))") }
            if format == .json { try? Console.json(ErrorReport(error: .init(message: ExitStatus.message(for: error), exitCode: status.rawValue))) }
            throw ExitCode(status.rawValue)
        }
    }

    /// `--format json` when a command fails: `{"error": {"message": …, "exitCode": …}}` on standard output.
    struct ErrorReport: Encodable {
        struct Detail: Encodable {
            let message: String
            let exitCode: Int32
        }
        let error: Detail
    }

    func store() throws -> LocalImageStore { try LocalImageStore() }
}

/// Writing to stdout and stderr.
enum Console {
    /// What `--output FILE` collects: the command's standard output, written to the file at the end.
    private struct Capture {
        var path: String
        var bytes: [UInt8] = []
    }
    private static let capture = Mutex<Capture?>(nil)

    /// From now on, `print` collects into a buffer that `finishCapture` writes to `path`.
    static func capture(into path: String) {
        capture.withLock { $0 = Capture(path: path) }
    }

    /// Writes what was collected to the file (temp file, fsync, rename) and stops collecting.
    static func finishCapture() throws {
        guard let done = capture.withLock({ state -> Capture? in defer { state = nil }; return state }) else { return }
        try FileSystem.writeAtomically(done.bytes, to: done.path)
    }

    /// Stops collecting without writing: a failed command leaves no half report behind.
    static func abandonCapture() {
        capture.withLock { $0 = nil }
    }

    /// A closed stdout (`hydra … | head`) ends the output quietly rather than the process.
    static func print(_ text: String) {
        let line = Array((text + "\n").utf8)
        let captured = capture.withLock { state -> Bool in
            guard state != nil else { return false }
            state?.bytes += line
            return true
        }
        if !captured { try? FileHandle.standardOutput.write(contentsOf: Data(line)) }
    }

    static func error(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
    }

    /// Prints a value as indented JSON.
    static func json(_ value: some Encodable) throws {
        print(try OCIJSON.pretty(value))
    }

    /// `1.2 MB`, as Docker prints sizes (decimal units).
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.3g %@", value, units[unit])
    }

    /// Left-aligned columns.
    static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        for row in all {
            let line = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 3, withPad: " ", startingAt: 0)
            }.joined()
            print(line)
        }
    }
}
