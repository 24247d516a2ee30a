import Foundation

/// A parsed Dockerfile: its parser directives, the ARGs before the first FROM, and its stages in order.
///
/// Parsing checks syntax only: every instruction's form and flags, here-documents, stage names. Variables are
/// expanded later, step by step, with `VariableExpander`.
public struct Dockerfile: Sendable, Hashable {
    /// One `FROM` and the instructions up to the next.
    public struct Stage: Sendable, Hashable {
        public var from: Located<From>
        public var instructions: [Located<Instruction>]
        /// Its position among the stages (stages can be named by index: `COPY --from=0`).
        public var index: Int
        public var name: String? { from.value.alias }
    }

    public var directives: ParserDirectives
    /// ARGs declared before the first FROM: usable in FROM lines, and in a stage after it re-declares them.
    public var globalArgs: [Located<ArgDeclaration>]
    public var stages: [Stage]

    /// Parses Dockerfile text.
    /// - Parameter file: the name errors use (`Dockerfile`, `build/Containerfile`).
    /// - Throws: `DockerfileError` naming the file, line and column and what is wrong.
    public init(parsing text: String, file: String = "Dockerfile") throws(DockerfileError) {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        let lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)
        let (directives, consumed) = try ParserDirectives.read(lines, file: file)
        self.directives = directives
        let logical = try DockerfileScanner(file: file, escape: directives.escape).scan(lines, from: consumed)
        guard !logical.isEmpty else { throw DockerfileError("the Dockerfile has no instructions", at: SourceLocation(file: file, line: 1)) }
        let parser = InstructionParser(escape: directives.escape)
        var globalArgs: [Located<ArgDeclaration>] = []
        var stages: [Stage] = []
        var names: [String: SourceLocation] = [:]
        for line in logical {
            let instruction = try parser.parse(line)
            switch instruction {
            case .from(let from):
                if let alias = from.alias {
                    if let earlier = names[alias] {
                        throw DockerfileError("stage name \"\(alias)\" is already used on line \(earlier.line)", at: line.argumentsLocation)
                    }
                    names[alias] = line.location
                }
                stages.append(Stage(from: Located(from, at: line.location), instructions: [], index: stages.count))
            case .arg(let declarations) where stages.isEmpty:
                globalArgs += declarations.map { Located($0, at: line.location) }
            default:
                guard !stages.isEmpty else {
                    throw DockerfileError("\(line.keyword) before the first FROM (only ARG may come before it)", at: line.location)
                }
                stages[stages.count - 1].instructions.append(Located(instruction, at: line.location))
            }
        }
        guard !stages.isEmpty else { throw DockerfileError("the Dockerfile has no FROM", at: SourceLocation(file: file, line: lines.count)) }
        self.globalArgs = globalArgs
        self.stages = stages
    }

    /// The stage a `--target` or `--from` names: by name (case-insensitive) or by index.
    public func stage(named name: String) -> Stage? {
        if let index = Int(name) { return stages.indices.contains(index) ? stages[index] : nil }
        return stages.first { $0.name == name.lowercased() }
    }
}
