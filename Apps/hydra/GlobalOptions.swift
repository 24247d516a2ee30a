import ArgumentParser
import Foundation
import HydraOCI

/// How results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Flags every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Flag(name: .long, help: "Print error details.")
    var debug = false

    /// Runs a command body; any error becomes one line on stderr and exit code 1 (`--debug` adds the detail).
    func run(_ body: () async throws -> Void) async throws {
        try await Self.run(debug: debug, body)
    }

    /// - Parameter failure: the exit code for an error (`hydra scan` keeps 1 for "findings met --fail-on").
    static func run(debug: Bool, failure: Int32 = 1, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.error("hydra: \(error)")
            if debug { Console.error("debug: \(type(of: error)): \(String(reflecting: error))") }
            throw ExitCode(failure)
        }
    }

    func store() throws -> LocalImageStore { try LocalImageStore() }
}

/// Writing to stdout and stderr.
enum Console {
    /// A closed stdout (`hydra … | head`) ends the output quietly rather than the process.
    static func print(_ text: String) {
        try? FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8))
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
